#include "gpu/compute_pipeline.h"

#include "gpu/vk_check.h"

namespace mq::gpu {

ComputePipeline::ComputePipeline(Device& device, std::span<const uint32_t> spirv,
                                 std::vector<DescriptorBinding> bindings,
                                 uint32_t pushConstantBytes, const char* debugName,
                                 std::span<const uint32_t> specialization)
    : device_(device), bindings_(std::move(bindings)) {
  VkDevice dev = device.device();
  std::vector<VkDescriptorSetLayoutBinding> vkBindings;
  for (const DescriptorBinding& b : bindings_) {
    VkDescriptorSetLayoutBinding lb{};
    lb.binding = b.binding;
    lb.descriptorType = b.type;
    lb.descriptorCount = b.count;
    lb.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    vkBindings.push_back(lb);
  }
  VkDescriptorSetLayoutCreateInfo setInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  setInfo.bindingCount = uint32_t(vkBindings.size());
  setInfo.pBindings = vkBindings.data();
  MQ_VK_CHECK(vkCreateDescriptorSetLayout(dev, &setInfo, nullptr, &setLayout_));

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, pushConstantBytes};
  VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &setLayout_;
  layoutInfo.pushConstantRangeCount = pushConstantBytes ? 1 : 0;
  layoutInfo.pPushConstantRanges = &push;
  MQ_VK_CHECK(vkCreatePipelineLayout(dev, &layoutInfo, nullptr, &layout_));

  VkShaderModule module = device.createShaderModule(spirv);
  VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  std::vector<VkSpecializationMapEntry> entries;
  for (uint32_t i = 0; i < specialization.size(); ++i) entries.push_back({i, i * 4, 4});
  VkSpecializationInfo spec{uint32_t(entries.size()), entries.data(), specialization.size_bytes(),
                            specialization.data()};
  if (!specialization.empty()) info.stage.pSpecializationInfo = &spec;
  info.layout = layout_;
  MQ_VK_CHECK(vkCreateComputePipelines(dev, device.pipelineCache(), 1, &info, nullptr, &pipeline_));
  device.destroyShaderModule(module);
  device.setDebugName(uint64_t(pipeline_), VK_OBJECT_TYPE_PIPELINE, debugName);
}

ComputePipeline::~ComputePipeline() {
  VkDevice dev = device_.device();
  VkPipeline p = pipeline_;
  VkPipelineLayout l = layout_;
  VkDescriptorSetLayout s = setLayout_;
  device_.destroyLater([dev, p, l, s] {
    vkDestroyPipeline(dev, p, nullptr);
    vkDestroyPipelineLayout(dev, l, nullptr);
    vkDestroyDescriptorSetLayout(dev, s, nullptr);
  });
}

FrameDescriptors::FrameDescriptors(Device& device, std::vector<VkDescriptorPoolSize> sizes,
                                   uint32_t setsPerFrame)
    : device_(device) {
  VkDescriptorPoolCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  info.maxSets = setsPerFrame;
  info.poolSizeCount = uint32_t(sizes.size());
  info.pPoolSizes = sizes.data();
  for (VkDescriptorPool& p : pools_) {
    MQ_VK_CHECK(vkCreateDescriptorPool(device.device(), &info, nullptr, &p));
  }
}

FrameDescriptors::~FrameDescriptors() {
  VkDevice dev = device_.device();
  auto pools = pools_;
  device_.destroyLater([dev, pools] {
    for (VkDescriptorPool p : pools) vkDestroyDescriptorPool(dev, p, nullptr);
  });
}

void FrameDescriptors::beginFrame() {
  MQ_VK_CHECK(vkResetDescriptorPool(device_.device(), pools_[device_.currentSlot()], 0));
}

VkDescriptorSet FrameDescriptors::allocate(VkDescriptorSetLayout layout) {
  VkDescriptorSetAllocateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  info.descriptorPool = pools_[device_.currentSlot()];
  info.descriptorSetCount = 1;
  info.pSetLayouts = &layout;
  VkDescriptorSet set;
  MQ_VK_CHECK(vkAllocateDescriptorSets(device_.device(), &info, &set));
  return set;
}

VkWriteDescriptorSet& DescriptorWrites::add(uint32_t binding, VkDescriptorType type) {
  VkWriteDescriptorSet& w =
      writes_.emplace_back(VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET});
  w.dstSet = set_;
  w.dstBinding = binding;
  w.descriptorCount = 1;
  w.descriptorType = type;
  return w;
}

DescriptorWrites& DescriptorWrites::buffer(uint32_t binding, VkDescriptorType type, VkBuffer buffer,
                                           VkDeviceSize offset, VkDeviceSize range) {
  buffers_.push_back({buffer, offset, range});
  add(binding, type).pBufferInfo = &buffers_.back();
  return *this;
}

DescriptorWrites& DescriptorWrites::image(uint32_t binding, VkDescriptorType type,
                                          VkSampler sampler, VkImageView view) {
  images_.push_back({sampler, view, VK_IMAGE_LAYOUT_GENERAL});
  add(binding, type).pImageInfo = &images_.back();
  return *this;
}

DescriptorWrites& DescriptorWrites::texelBuffer(uint32_t binding, VkBufferView view) {
  texelViews_.push_back(view);
  add(binding, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER).pTexelBufferView = &texelViews_.back();
  return *this;
}

void DescriptorWrites::update(VkDevice device) const {
  vkUpdateDescriptorSets(device, uint32_t(writes_.size()), writes_.data(), 0, nullptr);
}

}  // namespace mq::gpu
