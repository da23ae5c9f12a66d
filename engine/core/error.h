// Error levels, defined once (see README "Exit codes"):
//  - UserError: a mistake a person can fix (bad scene, bad option, missing file).
//    Printed as-is; the command exits with status 2 and writes nothing.
//  - RuntimeError: the environment failed (no Vulkan device, encoder or disk
//    failure). Exit status 1.
//  - MQ_CHECK / MQ_VK_CHECK: invariants that must never fail. They abort with
//    the location (and the VkResult's name), because continuing would corrupt
//    output.
#pragma once

#include <stdexcept>
#include <string>

namespace mq {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void abortWithMessage(const char* file, int line, const std::string& message);

}  // namespace mq

#define MQ_CHECK(cond)                                                               \
  do {                                                                               \
    if (!(cond)) ::mq::abortWithMessage(__FILE__, __LINE__, "check failed: " #cond); \
  } while (0)
