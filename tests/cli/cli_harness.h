// Shared helpers for the end-to-end tests of the marquee executable: run a
// program in a scratch directory, capture what it printed and how it ended,
// and look at the files it left behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace mq::clitest {

namespace fs = std::filesystem;

// How a child process ended. `exited` is false when it died from a signal
// (a crash) or was killed for running past its time limit; tests check
// `exited` first so a crash is never mistaken for an exit status.
struct RunResult {
  bool exited = false;
  int status = -1;  // exit status when exited
  int signal = 0;   // terminating signal when !exited
  bool timedOut = false;
  std::string out, err;
  std::string command;  // for failure messages

  // One line for INFO(): the command, how it ended, and what it printed.
  std::string describe() const;
};

// Runs `argv` (argv[0] looked up in PATH unless it contains a '/') with `cwd`
// as working directory, stdin from /dev/null, stdout and stderr captured.
// No shell is involved, so arguments need no quoting and the wait status is
// the program's own, not a shell's 128+N rendering of a signal.
// With interruptAfterSeconds > 0, SIGTERM is sent that long after the start.
RunResult runProgram(const std::vector<std::string>& argv, const fs::path& cwd,
                     double timeoutSeconds = 120, double interruptAfterSeconds = 0);

// Runs the marquee binary under test with the given arguments.
RunResult runMarquee(const std::vector<std::string>& args, const fs::path& cwd,
                     double timeoutSeconds = 120);
// The same, sending SIGTERM (as Ctrl-C or a process manager would) after a while.
RunResult runMarqueeInterrupted(const std::vector<std::string>& args, const fs::path& cwd,
                                double interruptAfterSeconds);

// Runs a tool that prints JSON (ffprobe -of json) and parses its stdout;
// fails the test if it does not exit 0 or prints something else.
nlohmann::json runJson(const std::vector<std::string>& argv, const fs::path& cwd);

// ffprobe's view of the first video stream of `file`, frames counted by
// decoding (-count_frames), so nb_read_frames is what a player would show.
nlohmann::json probeVideoStream(const fs::path& file);

// A fresh directory under the system temp directory, removed with everything
// in it on destruction (kept when MARQUEE_KEEP_TEST_DIRS is set, for
// debugging a failure).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const fs::path& p) const { return path_ / p; }

 private:
  fs::path path_;
};

// Every entry under `dir`, recursively, as paths relative to it.
std::set<std::string> listTree(const fs::path& dir);

std::string readFile(const fs::path& path);
void writeFile(const fs::path& path, const std::string& bytes);

// Where things are. marqueeBinary() is the build's marquee unless the
// environment variable MARQUEE_TEST_BINARY names another one.
fs::path marqueeBinary();
fs::path sourceDir();
fs::path testDataDir();   // tests/data
fs::path cliScenesDir();  // tests/scenes/cli

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3, row-major, no padding
};

// Decodes a PNG (any channel count) to 8-bit RGB; alpha, if any, is dropped
// (every image these tests compare is opaque). Fails the test if unreadable.
RgbImage loadRgb(const fs::path& png);

// Reads raw frames that `ffmpeg ... -f rawvideo` wrote.
std::vector<uint8_t> readBytes(const fs::path& path);

// Peak signal-to-noise ratio of two equally sized 8-bit sample arrays, in dB
// (peak 255); +infinity when they are identical.
double psnr(const uint8_t* a, const uint8_t* b, size_t count);

}  // namespace mq::clitest
