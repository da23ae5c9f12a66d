// Runs render graphs on the Vulkan device: owns the physical transient images
// (kept across frames, recreated only when their description changes) and
// records the graph's barriers. Use one backend per frame slot so a transient
// is never shared by two frames in flight.
#pragma once

#include <vector>

#include "gpu/device.h"
#include "graph/render_graph.h"

namespace mq::render {

class VulkanGraphBackend final : public graph::GraphBackend {
 public:
  explicit VulkanGraphBackend(gpu::Device& device) : device_(device) {}

  void begin(VkCommandBuffer cmd) { cmd_ = cmd; }
  VkCommandBuffer commandBuffer() override { return cmd_; }
  void transientImage(uint32_t slot, const graph::ImageDesc& desc, VkImageUsageFlags usage,
                      VkImage* image, VkImageView* view) override;
  void recordBarriers(std::span<const graph::BoundBarrier> barriers) override;

 private:
  struct Physical {
    graph::ImageDesc desc;
    VkImageUsageFlags usage = 0;
    gpu::Image image;
  };
  gpu::Device& device_;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  std::vector<Physical> images_;
};

}  // namespace mq::render
