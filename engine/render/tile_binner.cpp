#include "render/tile_binner.h"

#include <algorithm>
#include <cmath>

namespace mq::render {
namespace {

// Whether every pixel centre of the tile maps inside the layer's interior. The
// layer transform is affine, so checking the four corner pixels is exact.
bool coversTile(const DrawLayer& l, float x0, float y0, float x1, float y1) {
  const auto& a = l.gpu.inv0;
  const auto& b = l.gpu.inv1;
  const float xs[2] = {x0 + 0.5f, x1 - 0.5f}, ys[2] = {y0 + 0.5f, y1 - 0.5f};
  for (float x : xs) {
    for (float y : ys) {
      float lx = a[0] * x + a[1] * y + a[2];
      float ly = b[0] * x + b[1] * y + b[2];
      if (lx < l.interior[0] || ly < l.interior[1] || lx > l.interior[2] || ly > l.interior[3]) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TileBins binTiles(const DrawList& list) {
  TileBins bins;
  bins.tilesX = (list.width + kTileWidth - 1) / kTileWidth;
  bins.tilesY = (list.height + kTileHeight - 1) / kTileHeight;
  std::vector<std::vector<uint32_t>> perTile(size_t(bins.tilesX) * bins.tilesY);
  for (uint32_t i = 0; i < list.layers.size(); ++i) {
    const DrawLayer& l = list.layers[i];
    if (!(l.bounds[2] > l.bounds[0] && l.bounds[3] > l.bounds[1])) continue;
    auto tx0 = int64_t(std::floor(l.bounds[0] / kTileWidth));
    auto ty0 = int64_t(std::floor(l.bounds[1] / kTileHeight));
    auto tx1 = int64_t(std::ceil(l.bounds[2] / kTileWidth));
    auto ty1 = int64_t(std::ceil(l.bounds[3] / kTileHeight));
    tx0 = std::clamp<int64_t>(tx0, 0, bins.tilesX);
    tx1 = std::clamp<int64_t>(tx1, 0, bins.tilesX);
    ty0 = std::clamp<int64_t>(ty0, 0, bins.tilesY);
    ty1 = std::clamp<int64_t>(ty1, 0, bins.tilesY);
    for (int64_t ty = ty0; ty < ty1; ++ty) {
      for (int64_t tx = tx0; tx < tx1; ++tx) {
        auto& tile = perTile[size_t(ty) * bins.tilesX + size_t(tx)];
        bool inside = coversTile(l, float(tx * kTileWidth), float(ty * kTileHeight),
                                 float((tx + 1) * kTileWidth), float((ty + 1) * kTileHeight));
        if (inside && l.opaque) tile.clear();  // nothing below is visible in this tile
        tile.push_back(inside ? i | kEntryInterior : i);
      }
    }
  }
  bins.ranges.reserve(perTile.size() * 2);
  for (const auto& tile : perTile) {
    bins.ranges.push_back(uint32_t(bins.indices.size()));
    bins.ranges.push_back(uint32_t(tile.size()));
    bins.indices.insert(bins.indices.end(), tile.begin(), tile.end());
  }
  if (bins.indices.empty()) bins.indices.push_back(0);  // keep the buffer non-empty
  return bins;
}

}  // namespace mq::render
