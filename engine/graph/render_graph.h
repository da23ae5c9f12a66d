// Render graph: passes declare what they read and write through versioned handles; compile()
// orders them, culls unused work, aliases transient images and derives every barrier. compile()
// is pure CPU logic (no Vulkan calls) so it is unit-tested without a GPU; execute() drives a
// GraphBackend, which the Vulkan layer implements.
//
// Versioning (after Filament's FrameGraph): a resource starts at version 0 and every write()
// returns the next version. Only the latest version may be read or written, so the graph can
// never fork and declaration order is always a valid execution order. compile() still sorts
// topologically (stable, by declaration index), which keeps the order right should that rule
// ever be relaxed.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace mq::graph {

// A malformed graph (fork, stale or foreign handle, read before write). The message names the
// passes and resources involved.
class GraphError : public mq::RuntimeError {
 public:
  using mq::RuntimeError::RuntimeError;
};

// How a pass uses a resource. Each maps to a (stage, access, layout, usage) through accessInfo().
enum class Access : uint8_t {
  ComputeSampledRead,
  ComputeStorageRead,
  ComputeStorageWrite,
  ComputeStorageReadWrite,
  // An image in GENERAL layout that a dispatch samples while writing other
  // texels of it (an atlas whose rectangles are read and rendered in one pass).
  ComputeSampledStorageReadWrite,
  ComputeSampledReadGeneral,  // sampled while it stays in GENERAL layout
  ComputeTexelBufferRead,     // a buffer read through a uniform texel-buffer view
  FragmentSampledRead,
  ColorAttachmentWrite,  // includes COLOR_ATTACHMENT_READ (blending, loadOp LOAD)
  TransferSrc,
  TransferDst,
  HostRead,
};

struct AccessInfo {
  VkPipelineStageFlags2 stage;
  VkAccessFlags2 access;
  VkImageLayout layout;
  VkImageUsageFlags imageUsage;
  VkBufferUsageFlags bufferUsage;
  bool writes;
};
AccessInfo accessInfo(Access);
const char* accessName(Access);
// Sampled reads and color attachments have no buffer equivalent.
bool imageOnly(Access);

struct ImageDesc {
  VkFormat format = VK_FORMAT_UNDEFINED;
  uint32_t width = 0, height = 0;
  uint32_t mipLevels = 1;
  bool operator==(const ImageDesc&) const = default;
};

struct BufferDesc {
  VkDeviceSize size = 0;
};

// The last use of a resource: the stages and accesses a following barrier must wait for (write
// bits in `access` are made available) and its layout. For imports this is what the caller
// promises on entry (`initial`) and wants on exit (`final`).
struct ResourceState {
  VkPipelineStageFlags2 stage = VK_PIPELINE_STAGE_2_NONE;
  VkAccessFlags2 access = VK_ACCESS_2_NONE;
  VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;
  bool operator==(const ResourceState&) const = default;
};

// Versioned handles. `index` is shared by images and buffers (one table per graph).
struct ImageRef {
  uint32_t index = UINT32_MAX;
  uint32_t version = 0;
  bool valid() const { return index != UINT32_MAX; }
  bool operator==(const ImageRef&) const = default;
};
struct BufferRef {
  uint32_t index = UINT32_MAX;
  uint32_t version = 0;
  bool valid() const { return index != UINT32_MAX; }
  bool operator==(const BufferRef&) const = default;
};

class RenderGraph;
struct CompiledGraph;
class GraphBackend;

// Given to a pass's setup callback. Mistakes are recorded and reported by compile(), so setup
// never throws and the message can name every pass involved.
class PassBuilder {
 public:
  void read(ImageRef, Access);
  void read(BufferRef, Access);
  // Returns the next version. For read-modify-write use ComputeStorageReadWrite or
  // ColorAttachmentWrite; a pass may use a resource only once.
  [[nodiscard]] ImageRef write(ImageRef, Access);
  [[nodiscard]] BufferRef write(BufferRef, Access);
  // The pass has effects outside the graph (host-visible writes, queries): never culled.
  void sideEffect();

 private:
  friend class RenderGraph;
  PassBuilder(RenderGraph& graph, uint32_t pass) : graph_(graph), pass_(pass) {}
  void use(uint32_t index, uint32_t version, bool image, Access, bool write);
  RenderGraph& graph_;
  uint32_t pass_;
};

// Given to a pass's execute callback. Only resources the pass declared can be resolved (any
// version of them); anything else throws GraphError.
class PassContext {
 public:
  VkCommandBuffer commandBuffer() const { return cmd_; }
  VkImage image(ImageRef) const;
  VkImageView imageView(ImageRef) const;
  VkBuffer buffer(BufferRef) const;
  const ImageDesc& imageDesc(ImageRef) const;

 private:
  friend void execute(const RenderGraph&, const CompiledGraph&, GraphBackend&);
  struct Bound {
    VkImage image = VK_NULL_HANDLE;
    VkImageView view = VK_NULL_HANDLE;
    VkBuffer buffer = VK_NULL_HANDLE;
  };
  PassContext(const RenderGraph& g, uint32_t pass, VkCommandBuffer cmd, std::span<const Bound> b)
      : graph_(g), pass_(pass), cmd_(cmd), bound_(b) {}
  uint32_t declared(uint32_t index, bool image) const;
  const RenderGraph& graph_;
  uint32_t pass_;
  VkCommandBuffer cmd_;
  std::span<const Bound> bound_;
};

// One memory dependency on one resource: src (what came before) -> dst (the coming use). For
// images, oldLayout = src.layout and newLayout = dst.layout; buffers carry UNDEFINED layouts.
struct Barrier {
  uint32_t resource;
  bool image;
  ResourceState src, dst;
  bool operator==(const Barrier&) const = default;
};

struct CompiledPass {
  uint32_t pass;  // declaration index
  std::string name;
  std::vector<Barrier> barriers;  // record before the pass
  bool operator==(const CompiledPass&) const = default;
};

struct TransientAllocation {
  uint32_t resource;
  uint32_t physicalSlot;
  bool operator==(const TransientAllocation&) const = default;
};

struct CompiledGraph {
  std::vector<CompiledPass> passes;       // execution order
  std::vector<std::string> culled;        // names of culled passes, declaration order
  std::vector<Barrier> finalBarriers;     // after the last pass: imports to their final state
  std::vector<ImageDesc> physicalImages;  // one per physical slot
  std::vector<VkImageUsageFlags> physicalImageUsage;  // per slot: OR of all its transients' uses
  std::vector<TransientAllocation> transients;        // live transients, by first use
  std::vector<std::string> resourceNames;             // by resource index, for describe()
  std::string describe() const;
  bool operator==(const CompiledGraph&) const = default;
};

class RenderGraph {
 public:
  // Transient: allocated through the backend, and its physical image may be shared with other
  // transients whose lifetimes are disjoint, and reused across frames.
  ImageRef createImage(std::string name, ImageDesc);
  // External resources. The graph starts from `initial` and leaves them in `final`
  // (final.layout UNDEFINED: keep whatever layout the last use left).
  ImageRef importImage(std::string name, ImageDesc, VkImage, VkImageView, ResourceState initial,
                       ResourceState final);
  BufferRef importBuffer(std::string name, BufferDesc, VkBuffer, ResourceState initial,
                         ResourceState final);
  // `setup` runs immediately; `execute` runs from graph::execute() if the pass is not culled.
  void addPass(std::string name, std::function<void(PassBuilder&)> setup,
               std::function<void(PassContext&)> execute);
  // Culling roots. Imports are not roots unless marked: their final state is still honoured.
  void markOutput(ImageRef ref) { outputs_.push_back({ref.index, ref.version, true}); }
  void markOutput(BufferRef ref) { outputs_.push_back({ref.index, ref.version, false}); }

  // Throws GraphError for a malformed graph. Deterministic: same graph, same result.
  CompiledGraph compile() const;

 private:
  friend class PassBuilder;
  friend class PassContext;
  friend void execute(const RenderGraph&, const CompiledGraph&, GraphBackend&);

  struct Resource {
    std::string name;
    bool image;
    bool imported;
    ImageDesc imageDesc;
    BufferDesc bufferDesc;
    VkImage vkImage = VK_NULL_HANDLE;
    VkImageView vkView = VK_NULL_HANDLE;
    VkBuffer vkBuffer = VK_NULL_HANDLE;
    ResourceState initial, final;
  };
  struct Use {  // one declaration, exactly as the pass made it (validated by compile())
    uint32_t index, version;
    bool image;
    Access access;
    bool write;
  };
  struct Pass {
    std::string name;
    std::function<void(PassContext&)> execute;
    std::vector<Use> uses;
    bool sideEffect = false;
  };
  struct Output {
    uint32_t index, version;
    bool image;
  };

  std::vector<Resource> resources_;
  std::vector<Pass> passes_;
  std::vector<Output> outputs_;
};

// A barrier with its Vulkan handles resolved, ready for VkImageMemoryBarrier2 (whole image:
// color aspect, mips [0, mipLevels), one layer) or VkBufferMemoryBarrier2 (whole buffer).
struct BoundBarrier {
  Barrier barrier;
  VkImage image = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  uint32_t mipLevels = 1;
};

// Implemented by the Vulkan layer (and by a recording fake in tests).
class GraphBackend {
 public:
  virtual ~GraphBackend() = default;
  virtual VkCommandBuffer commandBuffer() = 0;
  // Physical image for a slot. The backend keeps them across frames and recreates one only when
  // desc/usage changed. The first barrier of each transient waits for the stages the slot's
  // previous user touched (its predecessor in this graph, or the slot's last user for the
  // first), which covers the previous frame when consecutive frames run the same graph; a
  // backend that runs a differently shaped graph must wait for the previous frame first.
  virtual void transientImage(uint32_t slot, const ImageDesc&, VkImageUsageFlags usage,
                              VkImage* image, VkImageView* view) = 0;
  // One call per non-empty barrier list (before a pass, and once for the final barriers); record
  // them as a single vkCmdPipelineBarrier2.
  virtual void recordBarriers(std::span<const BoundBarrier> barriers) = 0;
};

// Binds transient images, then for each pass records its barriers and runs its callback, then
// records the final barriers. `compiled` must come from `graph.compile()`.
void execute(const RenderGraph& graph, const CompiledGraph& compiled, GraphBackend& backend);

}  // namespace mq::graph
