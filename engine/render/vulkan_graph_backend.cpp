#include "render/vulkan_graph_backend.h"

namespace mq::render {

void VulkanGraphBackend::transientImage(uint32_t slot, const graph::ImageDesc& desc,
                                        VkImageUsageFlags usage, VkImage* image,
                                        VkImageView* view) {
  if (images_.size() <= slot) images_.resize(slot + 1);
  Physical& p = images_[slot];
  if (!p.image || !(p.desc == desc) || (p.usage & usage) != usage) {
    gpu::ImageCreateInfo info;
    info.format = desc.format;
    info.width = desc.width;
    info.height = desc.height;
    info.mipLevels = desc.mipLevels;
    info.usage = usage | p.usage;
    p.image = device_.createImage(info);  // the old one is destroyed once its frame retired
    p.desc = desc;
    p.usage = info.usage;
  }
  *image = p.image->image;
  *view = p.image->view;
}

void VulkanGraphBackend::recordBarriers(std::span<const graph::BoundBarrier> barriers) {
  std::vector<VkImageMemoryBarrier2> images;
  std::vector<VkBufferMemoryBarrier2> buffers;
  for (const graph::BoundBarrier& b : barriers) {
    const graph::Barrier& br = b.barrier;
    if (br.image) {
      VkImageMemoryBarrier2 ib{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2};
      ib.srcStageMask = br.src.stage;
      ib.srcAccessMask = br.src.access;
      ib.dstStageMask = br.dst.stage;
      ib.dstAccessMask = br.dst.access;
      ib.oldLayout = br.src.layout;
      ib.newLayout = br.dst.layout;
      ib.srcQueueFamilyIndex = ib.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      ib.image = b.image;
      ib.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, b.mipLevels, 0, 1};
      images.push_back(ib);
    } else {
      VkBufferMemoryBarrier2 bb{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER_2};
      bb.srcStageMask = br.src.stage;
      bb.srcAccessMask = br.src.access;
      bb.dstStageMask = br.dst.stage;
      bb.dstAccessMask = br.dst.access;
      bb.srcQueueFamilyIndex = bb.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      bb.buffer = b.buffer;
      bb.size = VK_WHOLE_SIZE;
      buffers.push_back(bb);
    }
  }
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.imageMemoryBarrierCount = uint32_t(images.size());
  dep.pImageMemoryBarriers = images.data();
  dep.bufferMemoryBarrierCount = uint32_t(buffers.size());
  dep.pBufferMemoryBarriers = buffers.data();
  vkCmdPipelineBarrier2(cmd_, &dep);
}

}  // namespace mq::render
