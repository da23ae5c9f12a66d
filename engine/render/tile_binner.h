// Bins a draw list into the composite shader's 32x16-pixel tiles. A tile lists,
// bottom to top, the layers that touch it, starting at the topmost layer that
// covers the whole tile opaquely (everything under it is never shaded). An
// entry is marked kEntryInterior when the whole tile lies in the layer's
// interior, so no edge, corner or border math is needed there, and
// kEntryShadowOnly when the tile lies outside the layer's box, where only its
// drop shadow shows, so none of its content, edge or border math is needed.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "render/frame_plan.h"

namespace mq::render {

inline constexpr uint32_t kTileWidth = 32;
inline constexpr uint32_t kTileHeight = 16;
// Entry flags (they match shaders/composite.glsl) and the layer index under them.
inline constexpr uint32_t kEntryInterior = 0x80000000u;
inline constexpr uint32_t kEntryShadowOnly = 0x40000000u;
inline constexpr uint32_t kEntryLayer = 0x3fffffffu;

struct TileBins {
  uint32_t tilesX = 0, tilesY = 0;
  std::vector<uint32_t> ranges;   // per tile: first index into `indices`, count (pairs)
  std::vector<uint32_t> indices;  // layer indices | entry flags
};

TileBins binTiles(const DrawList& list);

// Whether an output-pixel rectangle (x0, y0, x1, y1) overlaps the tile whose
// top-left pixel is (x0, y0).
inline bool overlapsTile(const std::array<float, 4>& r, float x0, float y0) {
  return r[0] < x0 + kTileWidth && r[2] > x0 && r[1] < y0 + kTileHeight && r[3] > y0;
}

// The output-pixel bounding box of the layer's box (its content, border and
// antialiased edge; not its shadow), within its bounds. Outside it the layer's
// coverage is exactly 0.
std::array<float, 4> boxBounds(const DrawLayer& layer);

}  // namespace mq::render
