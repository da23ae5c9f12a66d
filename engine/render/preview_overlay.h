// The operator's preview output: each frame's program picture plus operator
// overlays (zebra stripes over over-exposed pixels, focus peaking on sharp
// edges), made by a compute pass that reads the program output in the same
// submission and writes a preview buffer of the same size and format. The
// program output is only read, so its bytes are the same with or without a
// preview; overlays never reach the encoder's program picture.
//
// Overlays apply to the whole frame (every layer, graphics included): they are
// computed from the finished picture, the way a monitor's peaking and zebra
// see the program feed.
#pragma once

#include <memory>
#include <vector>

#include "gpu/compute_pipeline.h"
#include "gpu/device.h"
#include "render/compositor.h"
#include "scene/scene.h"

namespace mq::render {

struct PreviewSettings {
  // Zebra: stripes over pixels whose Y' (BT.709 luma of the output, 0 at
  // black and 1 at reference white: NV12 16..235, sRGB 0..255) is at or
  // above this level.
  bool zebra = true;
  double zebraLevel = 0.95;
  // Focus peaking: pixels where the luma gradient (3x3 Sobel, the larger of
  // the two directions, as a fraction of a one-pixel black-to-white step)
  // exceeds 1 - sensitivity are painted in `peakingColor`. 0: off.
  double peakingSensitivity = 0.75;
  scene::Color peakingColor{255, 0, 0, 255};  // sRGB
};

class PreviewOverlay final : public OutputReader {
 public:
  // Makes previews of `compositor`'s frames, in its output size and format,
  // once registered with compositor.addOutputReader(this).
  PreviewOverlay(gpu::Device& device, const Compositor& compositor, PreviewSettings settings = {});

  // From the next submitted frame on (operators toggle overlays live).
  void setSettings(const PreviewSettings& settings) { settings_ = settings; }
  const PreviewSettings& settings() const { return settings_; }

  // Called by the compositor once per frame, while it records the frame.
  void addPasses(graph::RenderGraph& graph, graph::BufferRef output, const gpu::Buffer& buffer,
                 uint32_t outputIndex) override;

  // The preview of the frame `program` is (what Compositor::wait(ticket)
  // returned), for frames submitted after this overlay was added. Its lease
  // also holds the program's, so the two buffers are written again only once
  // both are handed back.
  FrameOutput preview(const FrameTicket& ticket, const FrameOutput& program);

 private:
  gpu::Device& device_;
  uint32_t width_, height_, stride_;
  OutputFormat format_;
  PreviewSettings settings_;
  std::shared_ptr<gpu::ComputePipeline> pipeline_;
  std::unique_ptr<gpu::FrameDescriptors> descriptors_;
  std::vector<gpu::Buffer> previews_;  // by index in the compositor's output ring
};

}  // namespace mq::render
