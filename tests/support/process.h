// A child process for tests (ffmpeg pulling a stream, a server): started with
// an argument vector, its stdout and stderr sent to a file, killed in the
// destructor if still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace mq::test {

class ChildProcess {
 public:
  // Throws std::runtime_error when the process cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv,
                        const std::filesystem::path& outputFile = "/dev/null");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The exit status (128 + signal when killed by one), or -1 if it is still
  // running after `timeout` (it is left running).
  int wait(std::chrono::milliseconds timeout);
  void signal(int sig);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace mq::test
