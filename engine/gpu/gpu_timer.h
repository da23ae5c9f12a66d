// Measures the GPU execution time of a span of commands with two timestamp
// queries. One timer per frame slot: read it after the slot's frame retired.
//
// The timestamps are copied into a small host-visible buffer by the command
// buffer itself (vkCmdCopyQueryPoolResults) rather than read back with
// vkGetQueryPoolResults: lavapipe's vkGetQueryPoolResults waits for the whole
// device to go idle, so reading frame N's timer there also waited for frame
// N+1, leaving one frame in flight instead of two.
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
  // Writes the end timestamp and copies both into the readback buffer.
  void end(VkCommandBuffer cmd);
  // Milliseconds between begin and end of the last retired recording; 0
  // before the first.
  double milliseconds() const;

 private:
  Device& device_;
  VkQueryPool pool_ = VK_NULL_HANDLE;
  Buffer results_;  // two uint64 timestamps, written by the GPU
};

}  // namespace mq::gpu
