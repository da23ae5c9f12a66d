#include "render/tile_binner.h"

#include <algorithm>
#include <cmath>

namespace mq::render {
namespace {

// Whether every pixel centre of the tile maps inside the layer's interior. The
// interior (a rounded rectangle) is convex and the layer transform affine, so
// checking the four corner pixels is exact.
bool coversTile(const DrawLayer& l, float x0, float y0, float x1, float y1) {
  const auto& a = l.gpu.inv0;
  const auto& b = l.gpu.inv1;
  const auto& box = l.interior;
  double cx = 0.5 * (double(box[0]) + box[2]), cy = 0.5 * (double(box[1]) + box[3]);
  double hx = 0.5 * (double(box[2]) - box[0]), hy = 0.5 * (double(box[3]) - box[1]);
  double r = std::min({double(l.interiorRadius), hx, hy});
  if (hx < 0 || hy < 0) return false;
  const float xs[2] = {x0 + 0.5f, x1 - 0.5f}, ys[2] = {y0 + 0.5f, y1 - 0.5f};
  for (float x : xs) {
    for (float y : ys) {
      double lx = double(a[0]) * x + double(a[1]) * y + a[2];
      double ly = double(b[0]) * x + double(b[1]) * y + b[2];
      // Distance past the corner circles' centres; inside when within r of them.
      double qx = std::abs(lx - cx) - (hx - r), qy = std::abs(ly - cy) - (hy - r);
      if (qx > r || qy > r) return false;
      if (qx > 0 && qy > 0 && qx * qx + qy * qy > r * r) return false;
    }
  }
  return true;
}

}  // namespace

std::array<float, 4> boxBounds(const DrawLayer& l) {
  // The layer maps output to local units: local = M p + c. Invert it to take
  // the box corners to output pixels.
  const auto& a = l.gpu.inv0;
  const auto& b = l.gpu.inv1;
  double det = double(a[0]) * b[1] - double(a[1]) * b[0];
  if (!(std::abs(det) > 1e-12)) return l.bounds;
  const auto& box = l.gpu.box;
  double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
  for (double lx : {double(box[0]), double(box[2])}) {
    for (double ly : {double(box[1]), double(box[3])}) {
      double u = lx - a[2], v = ly - b[2];
      double x = (b[1] * u - a[1] * v) / det, y = (a[0] * v - b[0] * u) / det;
      x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
    }
  }
  // The antialiased edge: coverage is clamp(0.5 - d / pix) for a distance d
  // past the box in local units, pix = sqrt(|det|) local units per pixel. One
  // output pixel spans at least sMin local units (the smaller singular value
  // of the map), so coverage is 0 from 0.5 * pix / sMin pixels out: half a
  // pixel for an even scale, more for a layer squeezed along one axis. Half a
  // pixel more for rounding.
  double sum =
      double(a[0]) * a[0] + double(a[1]) * a[1] + double(b[0]) * b[0] + double(b[1]) * b[1];
  double sMin =
      std::sqrt(std::max(0.0, 0.5 * (sum - std::sqrt(std::max(0.0, sum * sum - 4 * det * det)))));
  double pix = std::sqrt(std::abs(det));
  double m = sMin > 0 ? std::max(1.0, 0.5 + 0.5 * pix / sMin) : 1e30;
  return {std::max(l.bounds[0], float(x0 - m)), std::max(l.bounds[1], float(y0 - m)),
          std::min(l.bounds[2], float(x1 + m)), std::min(l.bounds[3], float(y1 + m))};
}

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
    // Only a shadow reaches past the box.
    bool shadow = l.gpu.shadow[3] > 0;
    std::array<float, 4> box = shadow ? boxBounds(l) : l.bounds;
    for (int64_t ty = ty0; ty < ty1; ++ty) {
      for (int64_t tx = tx0; tx < tx1; ++tx) {
        auto& tile = perTile[size_t(ty) * bins.tilesX + size_t(tx)];
        float x0 = float(tx * kTileWidth), y0 = float(ty * kTileHeight);
        // Tiles of the last column and row may reach past the output, whose
        // pixels are never written: only the part inside needs covering.
        float x1 = std::min(x0 + float(kTileWidth), float(list.width));
        float y1 = std::min(y0 + float(kTileHeight), float(list.height));
        bool inside = coversTile(l, x0, y0, x1, y1);
        if (inside && l.opaque) tile.clear();  // nothing below is visible in this tile
        bool outsideBox = shadow && !overlapsTile(box, x0, y0);
        tile.push_back(inside ? i | kEntryInterior : outsideBox ? i | kEntryShadowOnly : i);
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
