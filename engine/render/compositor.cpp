#include "render/compositor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <unordered_map>

#include "core/error.h"
#include "embedded_shaders.h"
#include "graph/render_graph.h"
#include "gpu/vk_check.h"
#include "render/tile_binner.h"
#include "text/text_renderer.h"

namespace mq::render {
namespace {

using scene::Node;
using scene::Prop;

constexpr uint32_t kMaxTextures = 32;  // matches shaders/composite.glsl
constexpr uint32_t kMaxDispatchesPerFrame = 64;
constexpr uint32_t kRampSize = 256;

struct PushConstants {
  float background[4];
  uint32_t size[2];
  uint32_t tilesX;
  uint32_t stride;
};

std::vector<gpu::DescriptorBinding> compositeBindings(bool imageOutput) {
  return {{0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
          {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
          {2, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
          {3, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, kMaxTextures},
          {4, imageOutput ? VK_DESCRIPTOR_TYPE_STORAGE_IMAGE : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER}};
}

text::Align toTextAlign(scene::Align a) {
  switch (a) {
    case scene::Align::Center: return text::Align::Center;
    case scene::Align::Right: return text::Align::Right;
    default: return text::Align::Left;
  }
}

void toLinearStraight(scene::Color c, float out[4]) {
  out[0] = srgbToLinear(c.r);
  out[1] = srgbToLinear(c.g);
  out[2] = srgbToLinear(c.b);
  out[3] = c.a / 255.0f;
}

}  // namespace

Compositor::Compositor(gpu::Device& device, const scene::Scene& scene, OutputSpec output)
    : device_(device), scene_(scene), format_(output.format) {
  width_ = output.width ? output.width : uint32_t(scene.canvas.width);
  height_ = output.height ? output.height : uint32_t(scene.canvas.height);
  if (format_ == OutputFormat::Nv12 && (width_ % 2 || height_ % 2)) {
    throw UserError("video output size " + std::to_string(width_) + "x" + std::to_string(height_) +
                    " must have an even width and height (4:2:0 chroma)");
  }
  // NV12 rows are written a 32-bit word (4 luma bytes) at a time.
  stride_ = format_ == OutputFormat::Nv12 ? (width_ + 3) & ~3u : width_;

  const char* shader = format_ == OutputFormat::Nv12 ? "composite_nv12.comp" : "composite_rgba8.comp";
  outputPipeline_ = std::make_unique<gpu::ComputePipeline>(
      device, shaders::code(shader), compositeBindings(false), sizeof(PushConstants), shader);
  groupPipeline_ = std::make_unique<gpu::ComputePipeline>(
      device, shaders::code("composite_linear.comp"), compositeBindings(true),
      sizeof(PushConstants), "composite_linear.comp");
  descriptors_ = std::make_unique<gpu::FrameDescriptors>(
      device,
      std::vector<VkDescriptorPoolSize>{
          {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 4 * kMaxDispatchesPerFrame},
          {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, kMaxTextures * kMaxDispatchesPerFrame},
          {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, kMaxDispatchesPerFrame}},
      kMaxDispatchesPerFrame);

  // Unused texture slots must still hold a valid descriptor.
  gpu::ImageCreateInfo dummy;
  dummy.usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  dummy_ = device.createImage(dummy);
  const uint16_t zero[4] = {0, 0, 0, 0};
  std::span<const uint8_t> level(reinterpret_cast<const uint8_t*>(zero), sizeof(zero));
  device.uploadImage(dummy_, std::span(&level, 1));

  VkDeviceSize outputBytes = format_ == OutputFormat::Nv12 ? VkDeviceSize(stride_) * height_ * 3 / 2
                                                           : VkDeviceSize(stride_) * height_ * 4;
  bool timed = device.limits().timestampComputeAndGraphics;
  timestampPeriodNs_ = device.limits().timestampPeriod;
  slots_.resize(gpu::Device::kFramesInFlight);
  for (Slot& s : slots_) {
    s.output = device.createBuffer(outputBytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                   gpu::MemoryUsage::Readback);
    s.backend = std::make_unique<VulkanGraphBackend>(device);
    s.timed = timed;
    if (timed) {
      VkQueryPoolCreateInfo q{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
      q.queryType = VK_QUERY_TYPE_TIMESTAMP;
      q.queryCount = 2;
      MQ_VK_CHECK(vkCreateQueryPool(device.device(), &q, nullptr, &s.timestamps));
    }
  }
  preload(scene.nodes);
}

Compositor::~Compositor() {
  device_.waitIdle();
  for (Slot& s : slots_) {
    if (s.timestamps) vkDestroyQueryPool(device_.device(), s.timestamps, nullptr);
  }
}

// Decodes every image and resolves every font up front, so asset errors are
// reported before any output is written.
void Compositor::preload(const std::vector<Node>& nodes) {
  for (const Node& n : nodes) {
    if (n.kind == scene::NodeKind::Image) image(n);
    if (n.kind == scene::NodeKind::Gradient) gradient(n);
    if (n.kind == scene::NodeKind::Text) {
      try {
        text::resolveFont(n.getString(Prop::Font), scene_.baseDir);
      } catch (const UserError& e) {
        throw scene::SceneError({scene::issueAt(scene_, n.jsonPointer + "/font", e.what())});
      }
    }
    preload(n.children);
  }
}

TextureInfo Compositor::upload(const std::string& key, const TextureData& data, TextureInfo info) {
  gpu::ImageCreateInfo ci;
  ci.format = VK_FORMAT_R16G16B16A16_SFLOAT;
  ci.width = data.width;
  ci.height = data.height;
  ci.mipLevels = uint32_t(data.levels.size());
  ci.usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  GpuTexture tex;
  tex.image = device_.createImage(ci);
  std::vector<std::span<const uint8_t>> levels;
  for (const auto& l : data.levels) {
    levels.emplace_back(reinterpret_cast<const uint8_t*>(l.data()), l.size() * sizeof(uint16_t));
  }
  device_.uploadImage(tex.image, levels);
  info.id = uint32_t(textureById_.size());
  info.width = data.width;
  info.height = data.height;
  info.opaque = data.opaque;
  tex.info = info;
  auto [it, inserted] = textures_.insert_or_assign(key, std::move(tex));
  textureById_.push_back(&it->second);
  return info;
}

TextureInfo Compositor::image(const Node& node) {
  std::filesystem::path file = scene_.resolve(node.getString(Prop::Source));
  std::string key = "image:" + file.string();
  if (auto it = textures_.find(key); it != textures_.end()) return it->second.info;
  TextureData data;
  try {
    data = loadImageTexture(file);
  } catch (const UserError& e) {
    throw scene::SceneError({scene::issueAt(scene_, node.jsonPointer + "/source", e.what())});
  }
  TextureInfo info;
  info.naturalWidth = data.width;
  info.naturalHeight = data.height;
  return upload(key, data, info);
}

TextureInfo Compositor::text(const Node& node, double pixelsPerUnit) {
  text::TextStyle style;
  style.text = node.getString(Prop::Text);
  style.fontSize = node.getFloat(Prop::FontSize);
  toLinearStraight(node.getColor(Prop::Fill), style.color);
  style.outlineWidth = node.getFloat(Prop::OutlineWidth);
  toLinearStraight(node.getColor(Prop::OutlineColor), style.outlineColor);
  style.align = toTextAlign(node.getEnum<scene::Align>(Prop::Align));
  style.lineHeight = node.getFloat(Prop::LineHeight);
  style.boxWidth = node.getVec2(Prop::Size).x;
  style.boxHeight = node.getVec2(Prop::Size).y;
  // Rasterise at the shown size, quantised so tiny transform changes reuse the bitmap.
  double ppu = std::max(1.0 / 64, std::round(pixelsPerUnit * 64) / 64);
  std::ostringstream key;
  key.precision(17);
  key << "text:" << node.id << '|' << style.text << '|' << node.getString(Prop::Font) << '|'
      << style.fontSize << '|' << style.outlineWidth << '|' << int(style.align) << '|'
      << style.lineHeight << '|' << style.boxWidth << '|' << style.boxHeight << '|' << ppu;
  for (float c : style.color) key << ',' << c;
  for (float c : style.outlineColor) key << ',' << c;
  if (auto it = textures_.find(key.str()); it != textures_.end()) return it->second.info;

  text::TextBitmap bitmap;
  try {
    style.fontFile = text::resolveFont(node.getString(Prop::Font), scene_.baseDir);
    bitmap = text::renderText(style, ppu);
  } catch (const UserError& e) {
    throw scene::SceneError({scene::issueAt(scene_, node.jsonPointer + "/font", e.what())});
  }
  TextureData data = makeTexture(uint32_t(std::max(1, bitmap.width)),
                                 uint32_t(std::max(1, bitmap.height)),
                                 bitmap.rgba.empty() ? std::vector<float>(4, 0.f) : bitmap.rgba,
                                 true);
  TextureInfo info;
  info.naturalWidth = bitmap.boxWidth;
  info.naturalHeight = bitmap.boxHeight;
  info.padding = bitmap.padding / ppu;
  info.extentWidth = data.width / ppu;
  info.extentHeight = data.height / ppu;
  return upload(key.str(), data, info);
}

TextureInfo Compositor::gradient(const Node& node) {
  const scene::Stops& stops = node.getStops(Prop::GradientStops);
  std::ostringstream key;
  key.precision(17);
  key << "gradient:";
  for (const auto& s : stops) {
    key << s.offset << ',' << int(s.color.r) << ',' << int(s.color.g) << ',' << int(s.color.b)
        << ',' << int(s.color.a) << ';';
  }
  if (auto it = textures_.find(key.str()); it != textures_.end()) return it->second.info;
  // Stops interpolate in linear light, premultiplied, so a fade to transparent
  // does not pass through grey.
  std::vector<float> ramp(kRampSize * 4);
  for (uint32_t i = 0; i < kRampSize; ++i) {
    double t = (i + 0.5) / kRampSize;
    t = (t - 0.5 / kRampSize) * kRampSize / (kRampSize - 1);  // texel centres hit 0 and 1 exactly
    size_t k = 0;
    while (k + 1 < stops.size() && stops[k + 1].offset < t) ++k;
    std::array<float, 4> a = linearPremultiplied(stops[k].color);
    std::array<float, 4> c = a;
    if (k + 1 < stops.size() && t > stops[k].offset) {
      std::array<float, 4> b = linearPremultiplied(stops[k + 1].color);
      double span = stops[k + 1].offset - stops[k].offset;
      double f = span > 0 ? std::clamp((t - stops[k].offset) / span, 0.0, 1.0) : 1.0;
      for (int j = 0; j < 4; ++j) c[j] = float(a[j] + (b[j] - a[j]) * f);
    }
    std::copy(c.begin(), c.end(), ramp.begin() + i * 4);
  }
  return upload(key.str(), makeTexture(kRampSize, 1, ramp, false), TextureInfo{});
}

void Compositor::writeBuffer(gpu::Buffer& buffer, const void* data, size_t bytes) {
  if (!buffer || buffer->size < bytes) {
    // Grow geometrically; the old buffer is destroyed once its frame retired.
    VkDeviceSize size = std::max<VkDeviceSize>(bytes, buffer ? buffer->size * 2 : 4096);
    buffer = device_.createBuffer(size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, gpu::MemoryUsage::Upload);
  }
  std::memcpy(buffer->mapped, data, bytes);
  device_.flush(buffer);
}

void Compositor::recordDispatch(VkCommandBuffer cmd, const DrawList& list, DispatchBuffers& buffers,
                                const gpu::ComputePipeline& pipeline,
                                VkDescriptorBufferInfo* outputBuffer, VkImageView outputImage,
                                const std::vector<VkImageView>& groupViews) {
  // Texture slots for this dispatch, in first-use order.
  std::vector<VkImageView> views;
  std::unordered_map<VkImageView, uint32_t> slotOf;
  std::vector<GpuLayer> layers;
  layers.reserve(list.layers.size());
  for (const DrawLayer& l : list.layers) {
    GpuLayer g = l.gpu;
    if (l.source != DrawLayer::Source::None) {
      VkImageView v = l.source == DrawLayer::Source::Group ? groupViews.at(l.texture)
                                                           : textureById_.at(l.texture)->image->view;
      auto [it, inserted] = slotOf.emplace(v, uint32_t(views.size()));
      if (inserted) {
        if (views.size() == kMaxTextures) {
          throw UserError("one composite uses more than " + std::to_string(kMaxTextures) +
                          " distinct images; put some layers in a group with opacity below 1");
        }
        views.push_back(v);
      }
      g.info[2] = it->second;
    }
    layers.push_back(g);
  }
  if (layers.empty()) layers.push_back(GpuLayer{});  // keep the buffer non-empty
  TileBins bins = binTiles(list);
  writeBuffer(buffers.layers, layers.data(), layers.size() * sizeof(GpuLayer));
  writeBuffer(buffers.ranges, bins.ranges.data(), bins.ranges.size() * sizeof(uint32_t));
  writeBuffer(buffers.indices, bins.indices.data(), bins.indices.size() * sizeof(uint32_t));

  VkDescriptorSet set = descriptors_->allocate(pipeline.setLayout());
  VkDescriptorBufferInfo bufferInfos[3] = {{buffers.layers->buffer, 0, VK_WHOLE_SIZE},
                                           {buffers.ranges->buffer, 0, VK_WHOLE_SIZE},
                                           {buffers.indices->buffer, 0, VK_WHOLE_SIZE}};
  std::vector<VkDescriptorImageInfo> imageInfos(kMaxTextures);
  for (uint32_t i = 0; i < kMaxTextures; ++i) {
    imageInfos[i] = {device_.linearClampSampler(), i < views.size() ? views[i] : dummy_->view,
                     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
  }
  VkDescriptorImageInfo storageImage{VK_NULL_HANDLE, outputImage, VK_IMAGE_LAYOUT_GENERAL};
  VkWriteDescriptorSet writes[5] = {};
  for (uint32_t i = 0; i < 5; ++i) {
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  }
  for (uint32_t i = 0; i < 3; ++i) writes[i].pBufferInfo = &bufferInfos[i];
  writes[3].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  writes[3].descriptorCount = kMaxTextures;
  writes[3].pImageInfo = imageInfos.data();
  if (outputBuffer) {
    writes[4].pBufferInfo = outputBuffer;
  } else {
    writes[4].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_IMAGE;
    writes[4].pImageInfo = &storageImage;
  }
  vkUpdateDescriptorSets(device_.device(), 5, writes, 0, nullptr);

  PushConstants push{};
  std::copy(list.background.begin(), list.background.end(), push.background);
  push.size[0] = list.width;
  push.size[1] = list.height;
  push.tilesX = bins.tilesX;
  push.stride = outputBuffer ? stride_ : list.width;
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0, 1, &set, 0,
                          nullptr);
  vkCmdPushConstants(cmd, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push), &push);
  vkCmdDispatch(cmd, bins.tilesX, bins.tilesY, 1);
}

FrameTicket Compositor::submit(double sceneTime) {
  // Plan first: it may decode and upload new textures, which must not happen
  // while a frame is being recorded.
  FramePlan plan = buildFramePlan(scene_, sceneTime, width_, height_, *this);
  if (plan.groups.size() + 1 > kMaxDispatchesPerFrame) {
    throw UserError("the scene has more than " + std::to_string(kMaxDispatchesPerFrame - 1) +
                    " isolated groups visible at once");
  }

  VkCommandBuffer cmd = device_.beginFrame();
  uint32_t slotIndex = device_.currentSlot();
  Slot& slot = slots_[slotIndex];
  descriptors_->beginFrame();
  slot.backend->begin(cmd);
  if (slot.dispatches.size() < plan.groups.size() + 1) slot.dispatches.resize(plan.groups.size() + 1);
  if (slot.timed) {
    vkCmdResetQueryPool(cmd, slot.timestamps, 0, 2);
    vkCmdWriteTimestamp2(cmd, VK_PIPELINE_STAGE_2_TOP_OF_PIPE_BIT, slot.timestamps, 0);
  }

  // Isolated groups render into transient images, children before parents; the
  // graph orders the passes and places every barrier.
  graph::RenderGraph g;
  std::vector<graph::ImageRef> groupImages(plan.groups.size());
  std::vector<VkImageView> groupViews(plan.groups.size());
  auto readGroups = [&](graph::PassBuilder& b, const DrawList& list) {
    std::vector<bool> seen(plan.groups.size());
    for (const DrawLayer& l : list.layers) {
      if (l.source == DrawLayer::Source::Group && !seen[l.texture]) {
        seen[l.texture] = true;
        b.read(groupImages[l.texture], graph::Access::ComputeSampledRead);
      }
    }
  };
  auto bindGroupViews = [&](graph::PassContext& ctx, const DrawList& list) {
    for (const DrawLayer& l : list.layers) {
      if (l.source == DrawLayer::Source::Group) groupViews[l.texture] = ctx.imageView(groupImages[l.texture]);
    }
  };
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const DrawList& list = plan.groups[i];
    groupImages[i] = g.createImage("group" + std::to_string(i),
                                   {VK_FORMAT_R16G16B16A16_SFLOAT, list.width, list.height, 1});
    g.addPass(
        "group" + std::to_string(i),
        [&, i](graph::PassBuilder& b) {
          readGroups(b, plan.groups[i]);
          groupImages[i] = b.write(groupImages[i], graph::Access::ComputeStorageWrite);
        },
        [&, i](graph::PassContext& ctx) {
          bindGroupViews(ctx, plan.groups[i]);
          recordDispatch(ctx.commandBuffer(), plan.groups[i], slot.dispatches[i + 1],
                         *groupPipeline_, nullptr, ctx.imageView(groupImages[i]), groupViews);
        });
  }
  graph::BufferRef output = g.importBuffer(
      "output", {slot.output->size}, slot.output->buffer, graph::ResourceState{},
      graph::ResourceState{VK_PIPELINE_STAGE_2_HOST_BIT, VK_ACCESS_2_HOST_READ_BIT,
                           VK_IMAGE_LAYOUT_UNDEFINED});
  g.addPass(
      "composite",
      [&](graph::PassBuilder& b) {
        readGroups(b, plan.main);
        output = b.write(output, graph::Access::ComputeStorageWrite);
      },
      [&](graph::PassContext& ctx) {
        bindGroupViews(ctx, plan.main);
        VkDescriptorBufferInfo out{ctx.buffer(output), 0, VK_WHOLE_SIZE};
        recordDispatch(ctx.commandBuffer(), plan.main, slot.dispatches[0], *outputPipeline_, &out,
                       VK_NULL_HANDLE, groupViews);
      });
  g.markOutput(output);
  graph::execute(g, g.compile(), *slot.backend);

  if (slot.timed) {
    vkCmdWriteTimestamp2(cmd, VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT, slot.timestamps, 1);
  }
  FrameTicket ticket;
  ticket.slot = slotIndex;
  ticket.timeline = device_.submitFrame();
  return ticket;
}

FrameOutput Compositor::wait(const FrameTicket& ticket) {
  device_.waitForFrame(ticket.timeline);
  Slot& slot = slots_[ticket.slot];
  device_.invalidate(slot.output);
  FrameOutput out;
  out.bytes = {static_cast<const uint8_t*>(slot.output->mapped), size_t(slot.output->size)};
  out.width = width_;
  out.height = height_;
  out.stride = stride_;
  if (slot.timed) {
    uint64_t stamps[2] = {};
    if (vkGetQueryPoolResults(device_.device(), slot.timestamps, 0, 2, sizeof(stamps), stamps,
                              sizeof(uint64_t), VK_QUERY_RESULT_64_BIT) == VK_SUCCESS) {
      out.gpuMs = double(stamps[1] - stamps[0]) * timestampPeriodNs_ / 1e6;
    }
  }
  return out;
}

}  // namespace mq::render
