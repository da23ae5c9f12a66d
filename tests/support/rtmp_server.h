// A real nginx-rtmp server for tests: writes a config from
// tests/support/nginx-rtmp.conf.in into a fresh temporary prefix, runs
// /usr/sbin/nginx in the foreground as a child process on free loopback ports
// and waits until it accepts connections. stop() and start() simulate an
// outage; the destructor kills it and removes the prefix.
//
// With `tls`, nginx's stream module also terminates TLS on rtmpsPort() (a
// self-signed certificate made with openssl) and forwards to the RTMP port, so
// rtmps:// can be tested end to end.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace mq::test {

class RtmpServer {
 public:
  explicit RtmpServer(bool tls = false);
  ~RtmpServer();
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  void start();  // throws std::runtime_error if nginx does not come up in 10 s
  void stop();   // stops nginx and waits for it to exit; connections drop
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  int rtmpsPort() const { return rtmpsPort_; }
  // rtmp://127.0.0.1:PORT/live/<stream>
  std::string url(const std::string& stream) const;
  std::string rtmpsUrl(const std::string& stream) const;
  const std::filesystem::path& prefix() const { return prefix_; }
  std::string errorLog() const;  // nginx's error.log, for failure messages

 private:
  std::filesystem::path prefix_;
  int port_ = 0;
  int rtmpsPort_ = 0;
  bool tls_ = false;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int freeLoopbackPort();

// Whether something accepts TCP connections on 127.0.0.1:port.
bool loopbackPortAccepts(int port);

}  // namespace mq::test
