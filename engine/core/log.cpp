#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mq::log {
namespace {

Level initialLevel() {
  const char* env = std::getenv("MARQUEE_LOG");
  if (!env) return Level::Warn;
  if (!std::strcmp(env, "debug")) return Level::Debug;
  if (!std::strcmp(env, "info")) return Level::Info;
  if (!std::strcmp(env, "error")) return Level::Error;
  return Level::Warn;
}

std::atomic<Level> g_level{initialLevel()};
std::mutex g_mutex;

}  // namespace

void setLevel(Level l) {
  g_level = l;
}
Level level() {
  return g_level;
}

void write(Level l, const std::string& message) {
  static const char* names[] = {"debug", "info", "warning", "error"};
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "marquee: %s: %s\n", names[static_cast<int>(l)], message.c_str());
}

}  // namespace mq::log
