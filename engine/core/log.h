// Minimal leveled logging to stderr. Messages are whole lines; the level is
// set once at start-up (MARQUEE_LOG=debug|info|warn|error, or --verbose).
#pragma once

#include <sstream>
#include <string>

namespace mq::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };

void setLevel(Level level);
Level level();
void write(Level level, const std::string& message);

template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
void debug(const Args&... args) {
  if (level() <= Level::Debug) write(Level::Debug, concat(args...));
}
template <typename... Args>
void info(const Args&... args) {
  if (level() <= Level::Info) write(Level::Info, concat(args...));
}
template <typename... Args>
void warn(const Args&... args) {
  if (level() <= Level::Warn) write(Level::Warn, concat(args...));
}
template <typename... Args>
void error(const Args&... args) {
  write(Level::Error, concat(args...));
}

}  // namespace mq::log
