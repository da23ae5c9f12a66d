// Bins a draw list into the composite shader's 32x16-pixel tiles. A tile lists,
// bottom to top, the layers that touch it, starting at the topmost layer that
// covers the whole tile opaquely (everything under it is never shaded). An
// entry is marked kEntryInterior when the whole tile lies in the layer's
// interior, so no edge, corner or border math is needed there.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "render/frame_plan.h"

namespace mq::render {

inline constexpr uint32_t kTileWidth = 32;
inline constexpr uint32_t kTileHeight = 16;
inline constexpr uint32_t kEntryInterior = 0x80000000u;  // matches shaders/composite.glsl

struct TileBins {
  uint32_t tilesX = 0, tilesY = 0;
  std::vector<uint32_t> ranges;   // per tile: first index into `indices`, count (pairs)
  std::vector<uint32_t> indices;  // layer indices, | kEntryInterior
};

TileBins binTiles(const DrawList& list);

// The output-pixel bounding box of the layer's box (its content, border and
// antialiased edge; not its shadow), within its bounds.
std::array<float, 4> boxBounds(const DrawLayer& layer);

}  // namespace mq::render
