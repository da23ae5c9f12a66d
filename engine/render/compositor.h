// Renders a scene on the GPU: evaluates it into a frame plan, uploads the
// layers and tile bins, and runs the composite passes through the render graph
// into a host-visible output buffer the encoder or PNG writer reads in place.
//
// Frames are pipelined: submit() frame N, then wait() for frame N-1 while the
// GPU works on N. An output stays valid until the frame Device::kFramesInFlight
// submits later reuses its slot.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gpu/compute_pipeline.h"
#include "gpu/device.h"
#include "gpu/gpu_timer.h"
#include "render/frame_plan.h"
#include "render/texture_atlas.h"
#include "render/texture_data.h"
#include "render/vulkan_graph_backend.h"
#include "scene/scene.h"

namespace mq::render {

enum class OutputFormat {
  Nv12,   // BT.709 limited range; luma rows of `stride` bytes, then interleaved CbCr
  Rgba8,  // sRGB, straight alpha; rows of `stride` pixels
};

struct OutputSpec {
  uint32_t width = 0, height = 0;  // 0: the canvas size
  OutputFormat format = OutputFormat::Nv12;
};

struct FrameTicket {
  uint64_t timeline = 0;
  uint32_t slot = 0;
};

struct FrameOutput {
  std::span<const uint8_t> bytes;
  uint32_t width = 0, height = 0, stride = 0;
  double gpuMs = 0;  // GPU execution time of the frame's passes (timestamp queries)
};

class Compositor : private TextureProvider {
 public:
  // Loads every asset the scene needs; asset problems throw scene::SceneError
  // naming the node's JSON pointer.
  Compositor(gpu::Device& device, const scene::Scene& scene, OutputSpec output);
  ~Compositor() override;

  FrameTicket submit(double sceneTime);
  FrameOutput wait(const FrameTicket& ticket);

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  uint32_t stride() const { return stride_; }

 private:
  enum class Target { Nv12, Rgba8, Group };
  struct AtlasTexture {
    std::vector<AtlasRect> levels;
    TextureInfo info;
  };
  struct DispatchBuffers {
    gpu::Buffer layers, tiles, indices;
  };
  struct Slot {
    gpu::Buffer output;
    std::vector<DispatchBuffers> dispatches;
    std::unique_ptr<VulkanGraphBackend> backend;
    std::unique_ptr<gpu::GpuTimer> timer;
  };

  TextureInfo image(const scene::Node& node) override;
  TextureInfo text(const scene::Node& node, double pixelsPerUnit) override;
  TextureInfo gradient(const scene::Node& node) override;
  TextureInfo addTexture(const std::string& key, const TextureData& data, TextureInfo info);
  void loadTextures(const std::vector<scene::Node>& nodes);
  void writeBuffer(gpu::Buffer& buffer, const void* data, size_t bytes);
  const gpu::ComputePipeline& pipeline(Target target, uint32_t features);
  GpuLayer resolve(const DrawLayer& layer, const std::vector<AtlasRect>& groupRects) const;
  void recordComposite(VkCommandBuffer cmd, const DrawList& list, DispatchBuffers& buffers,
                       Target target, VkBuffer outputBuffer, AtlasRect groupRect,
                       const std::vector<AtlasRect>& groupRects);

  gpu::Device& device_;
  const scene::Scene& scene_;
  uint32_t width_, height_, stride_;
  OutputFormat format_;
  TextureAtlas atlas_;
  std::map<uint32_t, std::shared_ptr<gpu::ComputePipeline>> pipelines_;
  std::unique_ptr<gpu::FrameDescriptors> descriptors_;
  std::map<std::string, uint32_t> textureIds_;  // cache key -> index in textures_
  std::vector<AtlasTexture> textures_;
  std::vector<Slot> slots_;
};

}  // namespace mq::render
