// Every texture the compositor samples lives in one RGBA8 sRGB atlas image:
// decoded images with their mip levels, text bitmaps, gradient ramps, and the
// per-frame images of isolated groups.
//
// Why one image: the composite shader then has a single sampler and a single
// sample instruction per use. Lavapipe (Mesa 22) can neither index a sampler
// array dynamically nor skip masked-off branches, so N bound textures cost N
// samples per pixel; the atlas makes texture count free.
//
// Each rectangle keeps a one-texel transparent gutter, and the shader clamps
// coordinates to half a texel into it, so bilinear filtering at an edge fades
// to transparent exactly like CLAMP_TO_BORDER, never into a neighbour.
//
// The image is sampled through an sRGB view (decoded to linear by the sampler)
// and written by isolated groups through a UNORM view of the same texels (the
// shader encodes), because sRGB formats cannot be storage images.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "gpu/device.h"
#include "render/texture_data.h"

namespace mq::render {

struct AtlasRect {
  uint32_t x = 0, y = 0, width = 0, height = 0;  // texels inside the gutter
};

class TextureAtlas {
 public:
  static constexpr uint32_t kWidth = 4096;

  explicit TextureAtlas(gpu::Device& device);

  // Packs and uploads every mip level of `data`; returns one rect per level.
  // Released space is reused first. Throws mq::UserError when the atlas
  // cannot grow enough.
  std::vector<AtlasRect> add(const TextureData& data);
  // Gives the rects add() returned back for later add()s: for textures no
  // frame shows any more (a countdown's past seconds, a counter's past
  // values), so a long live show does not fill the atlas. No frame still
  // running on the GPU may sample them.
  void release(const std::vector<AtlasRect>& levels);
  // Once per frame, before it is planned: space given back some frames ago
  // becomes reusable. The delay outlasts every frame in flight, which may
  // still sample what was there.
  void beginFrame();
  static constexpr uint64_t kReuseDelayFrames = 8;
  // A rect the GPU writes each frame (an isolated group), reserved once per key.
  AtlasRect renderTarget(uint64_t key, uint32_t width, uint32_t height);

  const gpu::Image& image() const { return image_; }
  uint32_t height() const { return height_; }

 private:
  AtlasRect allocate(uint32_t width, uint32_t height);
  // A released slot that `width` x `height` (plus gutters) fits without
  // wasting most of it, taken off the free list; none if there is no such.
  std::optional<AtlasRect> reuse(uint32_t width, uint32_t height);
  // Space for `width` x `height`: a released slot if one fits (`reused`: it
  // still holds its last texels), else newly packed space (cleared).
  struct Placement {
    AtlasRect rect, slot;  // the texels; the space they hold, gutters included
    bool reused = false;
  };
  Placement place(uint32_t width, uint32_t height);
  void grow(uint32_t minHeight);
  void retire(const AtlasRect& slot);

  struct Upload {
    AtlasRect rect;
    AtlasRect slot;               // the space it holds, gutters included
    std::vector<uint8_t> texels;  // kept to re-upload when the atlas grows
  };

  gpu::Device& device_;
  gpu::Image image_;
  uint32_t height_ = 0;
  // Shelf packer state.
  uint32_t shelfX_ = 0, shelfY_ = 0, shelfHeight_ = 0;
  // By the rect's top-left texel.
  std::map<std::pair<uint32_t, uint32_t>, Upload> uploads_;
  std::vector<AtlasRect> free_;  // released slots, gutters included
  struct Retired {
    AtlasRect slot;
    uint64_t reusableAt = 0;  // frame_ from which it may be reused
  };
  std::vector<Retired> retired_;
  uint64_t frame_ = 0;
  struct Target {
    AtlasRect rect, slot;
  };
  std::map<uint64_t, Target> targets_;
};

}  // namespace mq::render
