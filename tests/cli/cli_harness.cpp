#include "cli_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stb_image.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

extern char** environ;

namespace mq::clitest {

namespace {

std::string quoteForDisplay(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Keeps failure messages readable when a program prints a lot (or binary).
std::string excerpt(const std::string& s, size_t limit = 4000) {
  if (s.size() <= limit) return s;
  return s.substr(0, limit / 2) + "\n[... " + std::to_string(s.size() - limit) + " bytes ...]\n" +
         s.substr(s.size() - limit / 2);
}

}  // namespace

std::string RunResult::describe() const {
  std::ostringstream o;
  o << "$ " << command << "\n";
  if (timedOut)
    o << "-> killed after running too long\n";
  else if (exited)
    o << "-> exit status " << status << "\n";
  else
    o << "-> killed by signal " << signal << " (" << strsignal(signal) << ")\n";
  o << "--- stdout ---\n" << excerpt(out) << "--- stderr ---\n" << excerpt(err);
  return o.str();
}

RunResult runProgram(const std::vector<std::string>& argv, const fs::path& cwd,
                     double timeoutSeconds, double interruptAfterSeconds) {
  RunResult r;
  r.command = "cd " + quoteForDisplay(cwd.string()) + " &&";
  for (const auto& a : argv) {
    r.command += ' ';
    r.command += quoteForDisplay(a);
  }

  int outPipe[2], errPipe[2];
  REQUIRE(pipe2(outPipe, O_CLOEXEC) == 0);
  REQUIRE(pipe2(errPipe, O_CLOEXEC) == 0);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int spawnError = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(outPipe[1]);
  close(errPipe[1]);
  if (spawnError != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    FAIL("cannot start " << r.command << ": " << std::strerror(spawnError));
  }

  // Drain both pipes together: a child blocked on a full stderr pipe while we
  // wait on stdout would deadlock.
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(int64_t(timeoutSeconds * 1000));
  auto interruptAt = start + std::chrono::milliseconds(int64_t(interruptAfterSeconds * 1000));
  bool interrupted = interruptAfterSeconds <= 0;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open = 2;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    if (!interrupted && std::chrono::steady_clock::now() >= interruptAt) {
      kill(pid, SIGTERM);
      interrupted = true;
    }
    int n = poll(fds, 2, int(std::min<int64_t>(left.count(), interrupted ? 1000 : 100)));
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n >= 0);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, size_t(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);

  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) REQUIRE(errno == EINTR);
  if (WIFEXITED(wstatus)) {
    r.exited = !r.timedOut;
    r.status = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    r.signal = WTERMSIG(wstatus);
  }
  return r;
}

RunResult runMarquee(const std::vector<std::string>& args, const fs::path& cwd,
                     double timeoutSeconds) {
  std::vector<std::string> argv = {marqueeBinary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProgram(argv, cwd, timeoutSeconds);
}

RunResult runMarqueeInterrupted(const std::vector<std::string>& args, const fs::path& cwd,
                                double interruptAfterSeconds) {
  std::vector<std::string> argv = {marqueeBinary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProgram(argv, cwd, 120, interruptAfterSeconds);
}

nlohmann::json runJson(const std::vector<std::string>& argv, const fs::path& cwd) {
  RunResult r = runProgram(argv, cwd);
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(!j.is_discarded());
  return j;
}

nlohmann::json probeVideoStream(const fs::path& file) {
  nlohmann::json j =
      runJson({"ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
               "stream=codec_name,width,height,nb_read_frames,avg_frame_rate,r_frame_rate,pix_fmt,"
               "color_space,color_transfer,color_primaries,color_range:format=format_name,duration",
               "-of", "json", file.string()},
              file.parent_path());
  REQUIRE(j["streams"].size() == 1);
  nlohmann::json s = j["streams"][0];
  s["format"] = j["format"];
  return s;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "marquee-cli-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  if (std::getenv("MARQUEE_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::set<std::string> listTree(const fs::path& dir) {
  std::set<std::string> entries;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    entries.insert(fs::relative(e.path(), dir).string());
  return entries;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out);
}

// MARQUEE_TEST_BINARY runs the same tests against another build (an
// installed package, an older tree), which is how a regression is bisected.
fs::path marqueeBinary() {
  const char* other = std::getenv("MARQUEE_TEST_BINARY");
  return other && *other ? fs::path(other) : fs::path(MARQUEE_BINARY);
}
fs::path sourceDir() {
  return MARQUEE_SOURCE_DIR;
}
fs::path testDataDir() {
  return MARQUEE_TEST_DATA;
}
fs::path cliScenesDir() {
  return sourceDir() / "tests" / "scenes" / "cli";
}

RgbImage loadRgb(const fs::path& png) {
  RgbImage img;
  int channels = 0;
  stbi_uc* data = stbi_load(png.c_str(), &img.width, &img.height, &channels, 3);
  INFO("decoding " << png << ": " << (data ? "ok" : stbi_failure_reason()));
  REQUIRE(data != nullptr);
  img.rgb.assign(data, data + size_t(img.width) * size_t(img.height) * 3);
  stbi_image_free(data);
  return img;
}

std::vector<uint8_t> readBytes(const fs::path& path) {
  std::string s = readFile(path);
  return {s.begin(), s.end()};
}

double psnr(const uint8_t* a, const uint8_t* b, size_t count) {
  double sum = 0;
  for (size_t i = 0; i < count; ++i) {
    double d = double(a[i]) - double(b[i]);
    sum += d * d;
  }
  if (sum == 0) return std::numeric_limits<double>::infinity();
  double mse = sum / double(count);
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace mq::clitest
