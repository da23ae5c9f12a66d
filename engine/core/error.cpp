#include "core/error.h"

#include <cstdio>
#include <cstdlib>

namespace mq {

void abortWithMessage(const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "marquee: internal error at %s:%d: %s\n", file, line, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace mq
