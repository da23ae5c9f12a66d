// A frame, flattened: the scene evaluated at a time and turned into composite
// dispatches of GPU-ready layers. Pure CPU; the compositor uploads and runs it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "render/particles.h"
#include "scene/scene.h"

namespace mq::render {

// One layer as the composite shader reads it (std430; see shaders/composite.glsl).
struct GpuLayer {
  std::array<float, 4> inv0, inv1, box, shape, fill, border, shadow, shadowOffset;
  std::array<float, 4> contentMap, contentRect, shadowMap, shadowRect;  // filled by the compositor
  std::array<float, 4> gradient;
  std::array<float, 4> stopOffsets;           // up to kMaxAnalyticStops, ascending
  std::array<std::array<float, 4>, 4> stops;  // linear premultiplied
  std::array<uint32_t, 4> info;               // kind, blend, flags, unused
  // Keying (kFlagChromaKey / kFlagLumaKey): chroma: key Cb, Cr, similarity,
  // softness; luma: threshold in x, softness in w. keySpill: one-hot of the
  // channel spill suppression clips (xyz), its strength (w).
  std::array<float, 4> key, keySpill;
  std::array<float, 4> maskMap, maskRect;  // kFlagMask: like contentMap/Rect; by the compositor
  // crop_softness: per side (left, top, right, bottom) 1 / the width of the
  // ramp in from the box edge, in local units; 0: a hard edge.
  std::array<float, 4> feather;
  // Shine sweep (kFlagShine): the band's centre line is where
  // dot(local, shineLine.xy) == shineLine.z, half as wide as shineLine.w;
  // shineColour is its light, linear, times the strength.
  std::array<float, 4> shineLine, shineColour;
};
static_assert(sizeof(GpuLayer) == 416);

// Gradients with at most this many stops are computed in the shader; longer
// ones sample a ramp texture.
inline constexpr size_t kMaxAnalyticStops = 4;

// Whether a gradient node samples a ramp texture (more stops than the shader takes).
inline bool usesRampTexture(const scene::Node& n) {
  return n.kind == scene::NodeKind::Gradient &&
         n.getStops(scene::Prop::GradientStops).size() > kMaxAnalyticStops;
}

enum GpuLayerKind : uint32_t { kKindSolid = 0, kKindLinear = 1, kKindRadial = 2, kKindTexture = 3 };
enum GpuLayerFlags : uint32_t {
  kFlagShadowFromAlpha = 1,
  kFlagPixelAligned = 2,
  kFlagAnalyticStops = 4,
  kFlagChromaKey = 8,
  kFlagLumaKey = 16,
  kFlagKeyInvert = 32,
  kFlagMask = 64,
  kFlagMaskLuminance = 128,
  kFlagMaskInvert = 256,
  kFlagShine = 512,
};

// What a texture-backed layer samples, as the texture provider reports it.
struct TextureInfo {
  uint32_t id = 0;  // the provider's handle
  uint32_t width = 0, height = 0;
  bool opaque = false;
  // Text: the bitmap covers the node's box plus `padding` local units each side.
  double padding = 0;
  double naturalWidth = 0, naturalHeight = 0;  // automatic box size (image: pixels; text: box)
  double extentWidth = 0, extentHeight = 0;    // text: local units the bitmap spans
};

// Supplies textures for nodes; the compositor implements it with caches.
class TextureProvider {
 public:
  virtual ~TextureProvider() = default;
  virtual TextureInfo image(const scene::Node& node) = 0;
  // pixelsPerUnit: output pixels per local unit, so text is rasterised at the size it is shown.
  virtual TextureInfo text(const scene::Node& node, double pixelsPerUnit) = 0;
  virtual TextureInfo gradient(const scene::Node& node) = 0;
  // The picture a video node shows this frame; nullopt: it has none, so its
  // slate is drawn instead.
  virtual std::optional<TextureInfo> video(const scene::Node& node) = 0;
  // The node's mask image (its `mask` property, which is set).
  virtual TextureInfo mask(const scene::Node& node) = 0;
  // The node's image resampled to width x height texels: a picture that stays
  // where it is, shown smaller than it is stored, gets a texture of exactly
  // the size it is shown at (sampled texel for pixel, and filtered better
  // than mip levels can).
  virtual TextureInfo resampledImage(const scene::Node& node, uint32_t width, uint32_t height) = 0;
};

// What a video node without a picture shows: its box in a dark slate colour
// with this message centred on it.
std::string slateMessage(const scene::Node& node);

struct DrawLayer {
  GpuLayer gpu;
  // Texture to bind: a provider id, an isolated group (index into
  // FramePlan::groups) or a particle emitter (index into FramePlan::particles).
  enum class Source { None, Provider, Group, Particles } source = Source::None;
  uint32_t texture = 0;
  // Texture mapping, resolved to atlas rectangles by the compositor:
  // level-0 normalised uv = local * uvMap.xy + uvMap.zw.
  std::array<double, 4> uvMap{0, 0, 0, 0};
  double contentLod = 0;  // mip level the content is sampled at (continuous)
  double shadowLod = 0;   // mip level whose bilinear blur approximates the shadow blur
  // The mask texture (kFlagMask), mapped like the content: normalised uv =
  // local * maskUvMap.xy + maskUvMap.zw, sampled at mip level maskLod.
  uint32_t maskTexture = 0;
  std::array<double, 4> maskUvMap{0, 0, 0, 0};
  double maskLod = 0;
  std::array<float, 4> bounds;  // output-space AABB x0, y0, x1, y1 (pixels), shadow included
  // `interior` (local units): where the layer shows its plain content, past
  // the border and the antialiased edge: the box inset by those, with corners
  // rounded by `interiorRadius`. Output points inside it get the plain
  // content, and if `opaque` is set they are fully covered (nothing below
  // shows).
  bool opaque = false;
  std::array<float, 4> interior;
  float interiorRadius = 0;
  std::string nodeId;
};

struct DrawList {
  uint32_t width = 0, height = 0;               // pixels of the target
  std::array<float, 4> background{0, 0, 0, 0};  // linear premultiplied
  std::vector<DrawLayer> layers;                // bottom to top
};

struct FramePlan {
  std::vector<DrawList> groups;         // isolated groups; a group only references earlier ones
  std::vector<ParticleDraw> particles;  // emitters with live particles
  DrawList main;
};

// Linear-light premultiplied RGBA of a scene colour.
std::array<float, 4> linearPremultiplied(scene::Color c);

// Optional work a live show can shed when it runs out of time.
struct PlanQuality {
  bool shadows = true;  // drop shadows (the most expensive per-pixel effect)
};

// Evaluates `scene` at `time` (seconds) for an output of outWidth x outHeight.
FramePlan buildFramePlan(const scene::Scene& scene, double time, uint32_t outWidth,
                         uint32_t outHeight, TextureProvider& textures, PlanQuality quality = {});

}  // namespace mq::render
