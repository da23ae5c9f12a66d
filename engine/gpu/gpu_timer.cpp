#include "gpu/gpu_timer.h"

#include "gpu/vk_check.h"

namespace mq::gpu {

GpuTimer::GpuTimer(Device& device) : device_(device) {
  if (!device.limits().timestampComputeAndGraphics) return;
  VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = 2;
  MQ_VK_CHECK(vkCreateQueryPool(device.device(), &info, nullptr, &pool_));
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
}

double GpuTimer::milliseconds() const {
  if (!pool_) return 0;
  uint64_t stamps[2] = {};
  if (vkGetQueryPoolResults(device_.device(), pool_, 0, 2, sizeof(stamps), stamps, sizeof(uint64_t),
                            VK_QUERY_RESULT_64_BIT) != VK_SUCCESS) {
    return 0;
  }
  return double(stamps[1] - stamps[0]) * device_.limits().timestampPeriod / 1e6;
}

}  // namespace mq::gpu
