#include "gpu/gpu_timer.h"

#include <cstring>

#include "gpu/vk_check.h"

namespace mq::gpu {

GpuTimer::GpuTimer(Device& device) : device_(device) {
  if (!device.limits().timestampComputeAndGraphics) return;
  VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = 2;
  MQ_VK_CHECK(vkCreateQueryPool(device.device(), &info, nullptr, &pool_));
  results_ = device.createBuffer(2 * sizeof(uint64_t), VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                 MemoryUsage::Readback);
  std::memset(results_->mapped, 0, 2 * sizeof(uint64_t));
  device.flush(results_);
}

GpuTimer::~GpuTimer() {
  if (!pool_) return;
  VkDevice dev = device_.device();
  VkQueryPool pool = pool_;
  device_.destroyLater([dev, pool] { vkDestroyQueryPool(dev, pool, nullptr); });
}

void GpuTimer::begin(VkCommandBuffer cmd) {
  if (!pool_) return;
  vkCmdResetQueryPool(cmd, pool_, 0, 2);
  vkCmdWriteTimestamp2(cmd, VK_PIPELINE_STAGE_2_TOP_OF_PIPE_BIT, pool_, 0);
}

void GpuTimer::end(VkCommandBuffer cmd) {
  if (!pool_) return;
  vkCmdWriteTimestamp2(cmd, VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT, pool_, 1);
  vkCmdCopyQueryPoolResults(cmd, pool_, 0, 2, results_->buffer, 0, sizeof(uint64_t),
                            VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  // The host reads the copy once the frame's timeline value is reached.
  VkMemoryBarrier2 toHost{VK_STRUCTURE_TYPE_MEMORY_BARRIER_2};
  toHost.srcStageMask = VK_PIPELINE_STAGE_2_COPY_BIT;
  toHost.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  toHost.dstStageMask = VK_PIPELINE_STAGE_2_HOST_BIT;
  toHost.dstAccessMask = VK_ACCESS_2_HOST_READ_BIT;
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.memoryBarrierCount = 1;
  dep.pMemoryBarriers = &toHost;
  vkCmdPipelineBarrier2(cmd, &dep);
}

double GpuTimer::milliseconds() const {
  if (!pool_) return 0;
  device_.invalidate(results_);
  uint64_t stamps[2];
  std::memcpy(stamps, results_->mapped, sizeof(stamps));
  if (stamps[1] < stamps[0]) return 0;
  return double(stamps[1] - stamps[0]) * device_.limits().timestampPeriod / 1e6;
}

}  // namespace mq::gpu
