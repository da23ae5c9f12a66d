// Vulkan calls that must never fail abort with the VkResult's name; the ones
// that can fail for environmental reasons are checked by their callers.
#pragma once

#include <vulkan/vulkan.h>

#include "core/error.h"

namespace mq::gpu {

const char* resultName(VkResult result);

}  // namespace mq::gpu

#define MQ_VK_CHECK(expr)                                                          \
  do {                                                                             \
    VkResult mq_vk_result_ = (expr);                                               \
    if (mq_vk_result_ != VK_SUCCESS)                                               \
      ::mq::abortWithMessage(                                                      \
          __FILE__, __LINE__,                                                      \
          std::string(#expr " returned ") + ::mq::gpu::resultName(mq_vk_result_)); \
  } while (0)
