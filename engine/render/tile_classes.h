// Tile classes: the compositor sorts the tiles of a frame by the shader
// features their layers need, and draws each class with one dispatch of a
// pipeline compiled for exactly those features (shaders/composite.glsl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace mq::render {

// Shader features a tile class is compiled for (specialisation constants 0..12
// of shaders/composite.glsl, in bit order).
constexpr uint32_t kFeatureTextured = 1, kFeatureShadow = 2, kFeatureShadowAlpha = 4,
                   kFeatureEdges = 8, kFeatureBlendModes = 16, kFeatureFiltered = 32,
                   kFeatureCopy = 64,  // alone (or with Filtered, for a video): one opaque image
    kFeatureGradient = 128, kFeatureKey = 256, kFeatureMask = 512, kFeatureShine = 1024,
                   // The tile's bottom layer is an opaque image sampled straight into the
                   // accumulator; the other features are those of the layers above it.
    kFeatureBase = 2048, kFeatureBaseFiltered = 4096;
constexpr uint32_t kFeatureClasses = 8192;
// Draws any class, on the general path (see Compositor::setCompileInBackground).
constexpr uint32_t kFeatureFallback = kFeatureTextured | kFeatureShadow | kFeatureShadowAlpha |
                                      kFeatureEdges | kFeatureBlendModes | kFeatureFiltered |
                                      kFeatureGradient | kFeatureKey | kFeatureMask | kFeatureShine;

// Fewer tiles than this make a class small enough to be drawn by another's
// pipeline (pipelineClasses): at one workgroup a tile, a fraction of a
// millisecond of work, against a tenth of a second or more to compile a
// pipeline of its own on lavapipe.
constexpr size_t kFewTiles = 32;

// Whether a pipeline for `big` draws the tiles of class `small`: it has
// every feature of `small` (a feature a tile does not need is work whose
// result is thrown away or is an exact no-op, so the picture is the same; a
// pixel may round a level apart, as with the fallback pipeline), and both
// read their first layer the same way (the copy and base paths read it apart
// from the other layers).
constexpr bool classCovers(uint32_t big, uint32_t small) {
  return (big & small) == small && (big & kFeatureBase) == (small & kFeatureBase) &&
         !((big | small) & kFeatureCopy);
}

// For each class of a frame (with its number of tiles), the class whose
// pipeline draws it: a class of fewer than kFewTiles tiles is drawn by the
// class of at least that many that covers it with the fewest features (the
// first of those), so a sticker's corner or a gradient's last row costs no
// pipeline, and no dispatch each frame, of its own; any other class by its
// own. Decided on every tile of the frame, not only those composited anew,
// so a tile is drawn by the same pipeline whether its neighbours are reused
// or not.
std::map<uint32_t, uint32_t> pipelineClasses(const std::map<uint32_t, size_t>& tiles);

}  // namespace mq::render
