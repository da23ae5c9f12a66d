#include "render/tile_classes.h"

#include <bit>

namespace mq::render {

std::map<uint32_t, uint32_t> pipelineClasses(const std::map<uint32_t, size_t>& tiles) {
  std::map<uint32_t, uint32_t> drawnBy;
  for (const auto& [c, count] : tiles) {
    uint32_t by = c;
    if (count < kFewTiles) {
      bool found = false;
      for (const auto& [d, dCount] : tiles) {
        if (d == c || dCount < kFewTiles || !classCovers(d, c)) continue;
        if (!found || std::popcount(d) < std::popcount(by)) by = d;
        found = true;
      }
    }
    drawnBy[c] = by;
  }
  return drawnBy;
}

}  // namespace mq::render
