#include "rtmp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#ifndef MARQUEE_SOURCE_DIR
#error "MARQUEE_SOURCE_DIR must be defined"
#endif

namespace mq::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kModules = "/usr/lib/nginx/modules";

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
}

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("finding a free port failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool loopbackPortAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

RtmpServer::RtmpServer(bool tls) : tls_(tls) {
  static int counter = 0;
  prefix_ = fs::temp_directory_path() /
            ("marquee-nginx-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(prefix_);
  fs::create_directories(prefix_ / "logs");
  port_ = freeLoopbackPort();

  std::string conf = readAll(fs::path(MARQUEE_SOURCE_DIR) / "tests/support/nginx-rtmp.conf.in");
  if (conf.empty()) throw std::runtime_error("tests/support/nginx-rtmp.conf.in is missing");
  std::string streamModule, streamBlock;
  if (tls_) {
    rtmpsPort_ = freeLoopbackPort();
    const std::string cert = (prefix_ / "cert.pem").string();
    const std::string key = (prefix_ / "key.pem").string();
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-keyout '" +
        key + "' -out '" + cert + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a cert");
    streamModule = std::string("load_module ") + kModules + "/ngx_stream_module.so;";
    streamBlock = "stream {\n  server {\n    listen 127.0.0.1:" + std::to_string(rtmpsPort_) +
                  " ssl;\n    ssl_certificate " + cert + ";\n    ssl_certificate_key " + key +
                  ";\n    proxy_pass 127.0.0.1:" + std::to_string(port_) + ";\n  }\n}\n";
  }
  replaceAll(conf, "@RTMP_MODULE@", std::string(kModules) + "/ngx_rtmp_module.so");
  replaceAll(conf, "@STREAM_MODULE_LINE@", streamModule);
  replaceAll(conf, "@STREAM_BLOCK@", streamBlock);
  replaceAll(conf, "@PREFIX@", prefix_.string());
  replaceAll(conf, "@RTMP_PORT@", std::to_string(port_));
  std::ofstream(prefix_ / "nginx.conf") << conf;
  start();
}

RtmpServer::~RtmpServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::error_code ec;
  fs::remove_all(prefix_, ec);
}

void RtmpServer::start() {
  if (pid_ > 0) return;
  const std::string prefix = prefix_.string() + "/";
  const std::string conf = (prefix_ / "nginx.conf").string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // nginx's own logs (and startup errors before error_log applies) go to the prefix.
    const std::string out = (prefix_ / "stderr.log").string();
    if (FILE* f = std::freopen(out.c_str(), "a", stderr)) (void)f;
    const std::string errorLog = (prefix_ / "error.log").string();
    ::execl(kNginx, kNginx, "-p", prefix.c_str(), "-e", errorLog.c_str(), "-c", conf.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const int watch = tls_ ? rtmpsPort_ : port_;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (loopbackPortAccepts(port_) && loopbackPortAccepts(watch)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited at start: " + errorLog());
    }
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("nginx did not accept connections in 10 s: " + errorLog());
}

void RtmpServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);  // fast shutdown: closes every connection
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
}

std::string RtmpServer::url(const std::string& stream) const {
  return "rtmp://127.0.0.1:" + std::to_string(port_) + "/live/" + stream;
}

std::string RtmpServer::rtmpsUrl(const std::string& stream) const {
  return "rtmps://127.0.0.1:" + std::to_string(rtmpsPort_) + "/live/" + stream;
}

std::string RtmpServer::errorLog() const {
  return readAll(prefix_ / "error.log") + readAll(prefix_ / "stderr.log");
}

}  // namespace mq::test
