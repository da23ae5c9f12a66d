// Measures the GPU execution time of a span of commands with two timestamp
// queries. One timer per frame slot: read it after the slot's frame retired.
#pragma once

#include <vulkan/vulkan.h>

#include "gpu/device.h"

namespace mq::gpu {

class GpuTimer {
 public:
  explicit GpuTimer(Device& device);
  ~GpuTimer();
  GpuTimer(const GpuTimer&) = delete;
  GpuTimer& operator=(const GpuTimer&) = delete;

  // False where the queue cannot write timestamps; then every reading is 0.
  bool available() const { return pool_ != VK_NULL_HANDLE; }
  void begin(VkCommandBuffer cmd);
  void end(VkCommandBuffer cmd);
  // Milliseconds between begin and end of the last retired recording.
  double milliseconds() const;

 private:
  Device& device_;
  VkQueryPool pool_ = VK_NULL_HANDLE;
};

}  // namespace mq::gpu
