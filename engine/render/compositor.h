// Renders a scene on the GPU: evaluates it into a frame plan, uploads the
// layers and tile bins, and runs the composite passes through the render graph
// into a host-visible output buffer the encoder or PNG writer reads in place.
//
// Frames are pipelined: submit() frame N, then wait() for frame N-1 while the
// GPU works on N.
//
// Outputs are a ring of host-visible buffers the consumer reads in place (the
// encoder takes the planes without a CPU copy). A FrameOutput carries a lease
// on its buffer: the compositor writes into that buffer again only once every
// copy of the lease is gone, and submit() waits for that (back-pressure from
// a slow encoder), so a frame still being encoded is never overwritten. The
// leases keep the memory alive, but the Device must outlive them.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gpu/compute_pipeline.h"
#include "gpu/device.h"
#include "gpu/gpu_timer.h"
#include "graph/render_graph.h"
#include "media/media_source.h"
#include "render/background_compiler.h"
#include "render/frame_plan.h"
#include "render/particle_pass.h"
#include "render/texture_atlas.h"
#include "render/texture_data.h"
#include "render/tile_binner.h"
#include "render/vulkan_graph_backend.h"
#include "scene/property_binding.h"
#include "scene/scene.h"

namespace mq::render {

enum class OutputFormat {
  Nv12,   // BT.709 limited range; luma rows of `stride` bytes, then interleaved CbCr
  Rgba8,  // sRGB, straight alpha; rows of `stride` pixels
};

struct OutputSpec {
  uint32_t width = 0, height = 0;  // 0: the canvas size
  OutputFormat format = OutputFormat::Nv12;
  // Output buffers in the ring: frames in flight, plus what consumers may
  // hold (frames queued for the encoder, a frame kept for repeats).
  uint32_t buffers = 6;
  // Tiles whose layers are exactly those of the previous frame's same tile
  // are copied from the previous output instead of composited again (see
  // Compositor::submit). Off: every tile of every frame is composited.
  bool reuseUnchangedTiles = true;
  // Each tile class's pipeline is compiled from the smallest build of the
  // composite shader that covers its features (see shaders/CMakeLists.txt).
  // Off: from the default build, which switches every feature. The pixels are
  // the same either way (a GPU test compares them); the small builds compile
  // faster.
  bool smallestShaderBuilds = true;
  // The output buffers are device-local memory exported for CUDA
  // (gpu::MemoryUsage::Exported) instead of mapped host memory, their rows
  // 256-byte aligned as CUDA frames are: the NVENC handoff. FrameOutput::bytes
  // is then empty and FrameOutput::buffer is what the encoder reads.
  bool exportForCuda = false;
};

// How much of the output the compositor composited and how much it copied
// from the previous frame, in tiles (32x16 pixels), over all frames so far.
struct TileCounts {
  uint64_t composited = 0;
  uint64_t reused = 0;
};

// How the compositor's pipelines were made, over all frames so far (see
// Compositor::setCompileInBackground).
struct PipelineCounts {
  uint64_t compiledInBackground = 0;  // pipelines made on the background thread
  uint64_t fallbackTiles = 0;         // tiles drawn with the fallback meanwhile
                                      // (not counting setFallbackOnly's)
};

// The picture each video node shows in a frame, by node id. A video node with
// no entry shows its slate.
using VideoFrames = std::map<std::string, media::VideoFrame>;

struct FrameTicket {
  uint64_t timeline = 0;
  uint32_t slot = 0;
  uint32_t output = 0;  // index in the output ring
};

struct FrameOutput {
  std::span<const uint8_t> bytes;  // empty when the output is exported (OutputSpec::exportForCuda)
  gpu::Buffer buffer;              // the output ring buffer that holds the frame
  uint32_t width = 0, height = 0, stride = 0;
  double gpuMs = 0;             // GPU execution time of the frame's passes (timestamp queries)
  std::shared_ptr<void> lease;  // holds `bytes`; drop every copy to hand the buffer back
};

// Passes that read each frame's finished output in the frame's own
// submission, such as the operator's preview overlays
// (render/preview_overlay.h). They cannot change the output: the graph
// rejects a write to it, as the compositor marks the composite's version as
// the frame's output.
class OutputReader {
 public:
  virtual ~OutputReader() = default;
  // Adds passes to `graph` that read `output` (the buffer `buffer`, at index
  // `outputIndex` of the output ring, as in FrameTicket::output).
  virtual void addPasses(graph::RenderGraph& graph, graph::BufferRef output,
                         const gpu::Buffer& buffer, uint32_t outputIndex) = 0;
};

class Compositor : private TextureProvider {
 public:
  // Loads every asset the scene needs; asset problems throw scene::SceneError
  // naming the node's JSON pointer.
  Compositor(gpu::Device& device, const scene::Scene& scene, OutputSpec output);
  ~Compositor() override;

  // Video pictures are read during submit() (their planes are uploaded then),
  // so `videos` may be released as soon as it returns.
  FrameTicket submit(double sceneTime, const VideoFrames& videos = {}, PlanQuality quality = {});
  FrameOutput wait(const FrameTicket& ticket);
  bool finished(const FrameTicket& ticket) const { return device_.frameFinished(ticket.timeline); }
  // Waits until the frame is finished or `timeoutNs` passed; whether it finished.
  bool waitFor(const FrameTicket& ticket, uint64_t timeoutNs) {
    return device_.waitForFrameFor(ticket.timeline, timeoutNs);
  }

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  uint32_t stride() const { return stride_; }
  OutputFormat format() const { return format_; }

  // `reader` runs after the composite of every later frame; it must outlive
  // this compositor (or the frames it is used for).
  void addOutputReader(OutputReader* reader) { outputReaders_.push_back(reader); }

  // Values live data sets (bound properties, templated texts), applied over
  // the animated scene from the next submit(): the set only grows during a
  // show, so a value set once stays until it is set again.
  void setPropertyOverrides(scene::PropertyOverrides overrides) {
    if (!animated_ && !overrides.empty()) animated_.emplace(scene_);
    propertyOverrides_ = std::move(overrides);
  }

  // Live shows: a tile class that has no pipeline yet is drawn with the
  // fallback (one pipeline with every feature switched on: the same picture,
  // a few pixels 1-2 levels off, at a few times the cost per tile; a scaled
  // video's copy tiles filtered in linear light) while its own is made on a
  // thread of its own, instead of the frame waiting for it. Off (the
  // default, offline renders): the frame waits, so output is deterministic.
  void setCompileInBackground(bool on);
  // Draws every tile of every later frame, each with the fallback: for tests,
  // and to have the fallback compiled before a live show's clock starts.
  void setFallbackOnly(bool on) { fallbackOnly_ = on; }
  PipelineCounts pipelineCounts() const { return pipelineCounts_; }

  // The total time submit() waited for a consumer to hand a buffer back.
  double outputWaitMs() const { return outputWaitMs_; }
  TileCounts tileCounts() const { return tileCounts_; }
  // Textures held in the atlas (images, gradients, texts shown lately), and
  // the atlas's height in texels, for tests and stats.
  size_t liveTextures() const { return textures_.size() - freeTextureIds_.size(); }
  uint32_t atlasHeight() const { return atlas_.height(); }

 private:
  enum class Target { Nv12, Rgba8, Group };
  struct AtlasTexture {
    std::vector<AtlasRect> levels;
    TextureInfo info;
    // Changes whenever the texels in `levels` change (a video's new picture);
    // 0 for textures that never change after upload.
    uint64_t version = 0;
    bool video = false;  // a video node's picture
    // Made for the size something is shown at (a text's bitmap, a resampled
    // picture): dropped when no frame has shown it for a while (a
    // countdown's past seconds, a picture the operator resized), so a long
    // show does not fill the atlas. Dropped, it is reset (transient false)
    // and its id waits in freeTextureIds_.
    bool transient = false;
    uint64_t lastUsed = 0;  // submits_ when a frame plan last asked for it
    std::string key;        // in textureIds_
  };
  // A draw list made ready to record: resolved layers, tile bins, and a key
  // per tile that changes whenever anything the tile's pixels depend on does.
  struct PreparedList {
    const DrawList* list = nullptr;
    std::vector<GpuLayer> layers;
    std::vector<uint32_t> features;
    std::vector<uint32_t> interiorFeatures;    // in tiles inside the layer's interior
    std::vector<uint32_t> shadowOnlyFeatures;  // in tiles outside its box
    std::vector<uint32_t> edgeFeatures;        // in the others: its own and its edges'
                                               // (kFeatureEdges, unless they change nothing)
    std::vector<bool> video;                   // the layer shows a video picture
    TileBins bins;
    std::vector<uint64_t> tileKeys;
    uint64_t key = 0;  // the whole list: its size, background and every tile key
  };
  // What an isolated group's rectangle in one frame slot holds.
  struct CachedGroup {
    uint64_t key = 0;
    AtlasRect rect;
  };
  struct DispatchBuffers {
    gpu::Buffer layers, tiles, indices;
  };
  // A video node's rectangle in the atlas, rewritten when a new picture arrives.
  // A rectangle of a video picture, in its pixels: [x0, x1) x [y0, y1).
  struct PictureRegion {
    uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool contains(const PictureRegion& r) const {
      return x0 <= r.x0 && y0 <= r.y0 && x1 >= r.x1 && y1 >= r.y1;
    }
  };
  struct VideoTarget {
    uint32_t textureId = 0;
    uint64_t serial = 0;
    bool written = false;
    PictureRegion converted;  // of the current picture
    double sharpen = 0;       // what it was converted with
  };
  struct VideoUpload {
    std::string nodeId;
    const media::VideoFrame* frame;
    AtlasRect rect;
    PictureRegion region;  // what to convert (the part of the picture that shows)
    double sharpen = 0;    // the node's `sharpen`
  };
  // Which output buffers are leased (in flight on the GPU or held by a consumer).
  struct OutputRing {
    std::mutex mutex;
    std::condition_variable released;
    std::vector<bool> busy;
  };
  struct Slot {
    std::map<std::string, gpu::Buffer> videoStaging;  // by node id
    std::vector<DispatchBuffers> dispatches;
    std::unique_ptr<VulkanGraphBackend> backend;
    std::unique_ptr<gpu::GpuTimer> timer;
    std::vector<CachedGroup> groups;  // by index in FramePlan::groups
  };

  TextureInfo image(const scene::Node& node) override;
  TextureInfo text(const scene::Node& node, double pixelsPerUnit) override;
  TextureInfo gradient(const scene::Node& node) override;
  std::optional<TextureInfo> video(const scene::Node& node) override;
  TextureInfo mask(const scene::Node& node) override;
  TextureInfo resampledImage(const scene::Node& node, uint32_t width, uint32_t height) override;
  // An image file named by `property` of `node` (cached by path).
  TextureInfo imageFile(const scene::Node& node, scene::Prop property);
  void recordVideo(VkCommandBuffer cmd, Slot& slot, const VideoUpload& upload);
  // The part of a video node's picture its box shows.
  static PictureRegion visibleRegion(const scene::Node& node, const media::PictureFormat& format);
  TextureInfo addTexture(const std::string& key, const TextureData& data, TextureInfo info);
  void loadTextures(const std::vector<scene::Node>& nodes);
  void writeBuffer(gpu::Buffer& buffer, const void* data, size_t bytes);
  // The variant of the composite shader for `features`; compilePipelines
  // makes the ones a frame needs first, side by side.
  const gpu::ComputePipeline& pipeline(Target target, uint32_t features);
  void compilePipelines(Target target, const std::vector<uint32_t>& featureSets);
  // The variant to draw each of `featureSets` (classes of `tiles[i]` tiles)
  // with in this frame: its own, or the fallback while its own is made in the
  // background. Compiles what must be ready first.
  std::vector<uint32_t> variantsToDraw(Target target, const std::vector<uint32_t>& featureSets,
                                       const std::vector<size_t>& tiles);
  gpu::ComputePipeline* makePipeline(Target target, uint32_t features) const;
  std::string pipelineName(Target target, uint32_t features) const;
  // A variant's index in pipelines_.
  static uint32_t pipelineKey(Target target, uint32_t features);
  // This compositor, or another one on the device, has made the variant.
  bool hasPipeline(Target target, uint32_t features) const;
  // Keeps a variant made off the render thread (freed instead if another
  // compositor made one by that name meanwhile).
  void adopt(Target target, uint32_t features, std::unique_ptr<gpu::ComputePipeline> made);
  // What the main composite writes.
  Target outputTarget() const {
    return format_ == OutputFormat::Nv12 ? Target::Nv12 : Target::Rgba8;
  }
  GpuLayer resolve(const DrawLayer& layer, const std::vector<AtlasRect>& groupRects) const;
  // groupKeys: the keys of the plan's groups prepared so far (a list only
  // references earlier groups).
  PreparedList prepare(const DrawList& list, const std::vector<AtlasRect>& groupRects,
                       const std::vector<uint64_t>& groupKeys) const;
  // Records the tiles of `prepared` that `dirty` marks (all when empty).
  void recordComposite(VkCommandBuffer cmd, const PreparedList& prepared,
                       const std::vector<bool>& dirty, DispatchBuffers& buffers, Target target,
                       VkBuffer outputBuffer, AtlasRect groupRect);

  gpu::Device& device_;
  const scene::Scene& scene_;
  // scene_ with its clips and live data applied; only if it has clips or data.
  std::optional<scene::Scene> animated_;
  uint32_t width_, height_, stride_;
  gpu::MemoryUsage outputMemory_ = gpu::MemoryUsage::Readback;
  OutputFormat format_;
  TextureAtlas atlas_;
  std::map<uint32_t, std::shared_ptr<gpu::ComputePipeline>> pipelines_;
  std::unique_ptr<gpu::FrameDescriptors> descriptors_;
  std::map<std::string, uint32_t> textureIds_;  // cache key -> index in textures_
  std::vector<AtlasTexture> textures_;
  std::vector<uint32_t> freeTextureIds_;  // of dropped transient textures, reused first
  uint64_t submits_ = 0;
  uint64_t textureSerial_ = 0;  // a reused id gets a new version: tile keys never mistake it
  // Frames a transient texture may go unshown before it is dropped: far more
  // than frames in flight, and long enough that a text blinking on and off is
  // not rasterised again each time.
  static constexpr uint64_t kTransientKeepFrames = 150;
  void dropUnusedTransients();
  std::vector<Slot> slots_;
  std::vector<gpu::Buffer> outputs_;
  std::shared_ptr<OutputRing> ring_ = std::make_shared<OutputRing>();
  uint32_t nextOutput_ = 0;
  double outputWaitMs_ = 0;
  bool reuseTiles_ = true;
  bool smallestBuilds_ = true;
  bool fallbackOnly_ = false;
  std::unique_ptr<BackgroundCompiler> background_;  // while compiling in the background
  PipelineCounts pipelineCounts_;
  // The previous frame's output buffer and tile keys, for reusing its tiles.
  std::optional<uint32_t> lastOutput_;
  std::vector<uint64_t> lastTileKeys_;
  TileCounts tileCounts_;
  std::map<std::string, VideoTarget> videoTargets_;
  scene::PropertyOverrides propertyOverrides_;
  const VideoFrames* planVideos_ = nullptr;  // during submit(): this frame's pictures
  std::vector<VideoUpload> videoUploads_;    // during submit(): pictures to convert
  VkImage lastAtlasImage_ = VK_NULL_HANDLE;  // a grown atlas needs every video rewritten
  // Particle emitters: drawn into atlas rectangles (per frame slot) by their
  // own passes; during submit(), this frame's rectangles and picture keys.
  std::unique_ptr<ParticlePass> particlePass_;
  std::vector<AtlasRect> particleRects_;
  std::vector<uint64_t> particleKeys_;
  std::vector<OutputReader*> outputReaders_;
};

}  // namespace mq::render
