// A compute pipeline with one descriptor set layout and push constants, and a
// per-frame-slot descriptor pool that is reset when its slot comes round again.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "gpu/device.h"

namespace mq::gpu {

struct DescriptorBinding {
  uint32_t binding;
  VkDescriptorType type;
  uint32_t count = 1;
};

// `specialization` holds 32-bit values for constant_id 0, 1, 2, ...
class ComputePipeline {
 public:
  ComputePipeline(Device& device, std::span<const uint32_t> spirv,
                  std::vector<DescriptorBinding> bindings, uint32_t pushConstantBytes,
                  const char* debugName, std::span<const uint32_t> specialization = {});
  ~ComputePipeline();
  ComputePipeline(const ComputePipeline&) = delete;
  ComputePipeline& operator=(const ComputePipeline&) = delete;

  VkPipeline pipeline() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout setLayout() const { return setLayout_; }
  const std::vector<DescriptorBinding>& bindings() const { return bindings_; }

 private:
  Device& device_;
  std::vector<DescriptorBinding> bindings_;
  VkDescriptorSetLayout setLayout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

// Descriptor sets that live for one frame: allocate() during recording, and the
// pool of the slot is reset by beginFrame(), which runs once the slot retired.
class FrameDescriptors {
 public:
  FrameDescriptors(Device& device, std::vector<VkDescriptorPoolSize> sizesPerFrame,
                   uint32_t setsPerFrame);
  ~FrameDescriptors();
  FrameDescriptors(const FrameDescriptors&) = delete;
  FrameDescriptors& operator=(const FrameDescriptors&) = delete;

  // Call right after Device::beginFrame().
  void beginFrame();
  VkDescriptorSet allocate(VkDescriptorSetLayout layout);

 private:
  Device& device_;
  std::array<VkDescriptorPool, Device::kFramesInFlight> pools_{};
};

// The writes that fill one descriptor set, collected binding by binding and
// applied together by update(). The infos they point to live in this object.
// Images are in GENERAL layout, as every compute pass here keeps them.
class DescriptorWrites {
 public:
  explicit DescriptorWrites(VkDescriptorSet set) : set_(set) {}
  DescriptorWrites& buffer(uint32_t binding, VkDescriptorType type, VkBuffer buffer,
                           VkDeviceSize offset = 0, VkDeviceSize range = VK_WHOLE_SIZE);
  DescriptorWrites& texelBuffer(uint32_t binding, VkBufferView view);
  // `sampler` is VK_NULL_HANDLE for storage images.
  DescriptorWrites& image(uint32_t binding, VkDescriptorType type, VkSampler sampler,
                          VkImageView view);
  void update(VkDevice device) const;

 private:
  // A write of one descriptor at `binding`, its info pointer left to the caller.
  VkWriteDescriptorSet& add(uint32_t binding, VkDescriptorType type);

  VkDescriptorSet set_;
  std::deque<VkDescriptorBufferInfo> buffers_;  // a deque: addresses stay valid as it grows
  std::deque<VkDescriptorImageInfo> images_;
  std::deque<VkBufferView> texelViews_;
  std::vector<VkWriteDescriptorSet> writes_;
};

}  // namespace mq::gpu
