#include "render/frame_plan.h"

#include <algorithm>
#include <cmath>
#include <glm/glm.hpp>
#include <map>
#include <optional>
#include <set>

#include "render/content_placement.h"
#include "render/texture_data.h"
#include "render/widgets.h"

namespace mq::render {
namespace {

using scene::Node;
using scene::NodeKind;
using scene::Prop;
using Mat = glm::dmat3;

// The largest side of an isolated group's offscreen image.
constexpr double kMaxGroupPixels = 4096;

Mat translation(double x, double y) {
  Mat m(1.0);
  m[2] = glm::dvec3(x, y, 1);
  return m;
}
Mat scaling(double x, double y) {
  Mat m(1.0);
  m[0][0] = x;
  m[1][1] = y;
  return m;
}
Mat rotation(double degrees) {
  double r = glm::radians(degrees), c = std::cos(r), s = std::sin(r);
  Mat m(1.0);
  m[0] = glm::dvec3(c, s, 0);  // clockwise on screen, where y points down
  m[1] = glm::dvec3(-s, c, 0);
  return m;
}
double linearScale(const Mat& m) {
  return std::sqrt(std::abs(m[0][0] * m[1][1] - m[1][0] * m[0][1]));
}
glm::dvec2 apply(const Mat& m, double x, double y) {
  glm::dvec3 v = m * glm::dvec3(x, y, 1);
  return {v.x, v.y};
}

// Whether `m` maps local axes to target axes (no rotation or shear).
bool unrotated(const Mat& m) {
  return std::abs(m[1][0]) <= 1e-9 && std::abs(m[0][1]) <= 1e-9;
}
// Whether a target coordinate is a whole pixel, within float noise.
bool onWholePixel(double v) {
  return std::abs(v - std::round(v)) < 1e-4;
}

// The size in target pixels of a picture placed by `m` at (x, y) with size
// (w, h) local units, where it lands on whole pixels, unrotated and unmirrored,
// no larger than its texture on either axis and smaller on one: a texture of
// that size is then sampled texel for pixel. nullopt otherwise.
std::optional<std::array<uint32_t, 2>> shrunkOnWholePixels(const Mat& m, double x, double y,
                                                           double w, double h,
                                                           const TextureInfo& tex) {
  if (!unrotated(m) || !(m[0][0] > 0 && m[1][1] > 0)) return std::nullopt;
  const double edges[4] = {m[2][0] + x * m[0][0], m[2][1] + y * m[1][1], w * m[0][0], h * m[1][1]};
  if (!std::all_of(std::begin(edges), std::end(edges), onWholePixel)) return std::nullopt;
  double width = std::round(edges[2]), height = std::round(edges[3]);
  if (width < 1 || height < 1 || width > tex.width || height > tex.height ||
      (width == tex.width && height == tex.height)) {
    return std::nullopt;
  }
  return std::array<uint32_t, 2>{uint32_t(width), uint32_t(height)};
}

// The target pixels of a box (x0, y0)-(x1, y1) placed by `m` when its edges
// fall on pixel edges, unrotated, at the same scale on both axes: then a
// pixel centre outside the box is half a pixel from it, where the edge's
// coverage is exactly 0 (shadeLayer), so the box itself bounds the layer and
// tiles that only border it are left alone. nullopt otherwise.
std::optional<std::array<float, 4>> boxOnPixelEdges(const Mat& m, double x0, double y0, double x1,
                                                    double y1) {
  double sx = m[0][0], sy = m[1][1];
  if (!unrotated(m) || !(std::abs(std::abs(sx) - std::abs(sy)) <= 1e-9 * std::abs(sx)) || sx == 0) {
    return std::nullopt;
  }
  glm::dvec2 a = apply(m, x0, y0), b = apply(m, x1, y1);
  const double edges[4] = {std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x),
                           std::max(a.y, b.y)};
  if (!std::all_of(std::begin(edges), std::end(edges), onWholePixel)) return std::nullopt;
  return std::array<float, 4>{float(std::round(edges[0])), float(std::round(edges[1])),
                              float(std::round(edges[2])), float(std::round(edges[3]))};
}

bool isIsolatedGroup(const Node& n) {
  const scene::Insets c = n.getInsets(Prop::Crop);
  return n.getFloat(Prop::Opacity) < 1.0 ||
         n.getEnum<scene::Blend>(Prop::Blend) != scene::Blend::Normal || c.left > 0 || c.top > 0 ||
         c.right > 0 || c.bottom > 0 || n.getFloat(Prop::CornerRadius) > 0 ||
         n.getFloat(Prop::BorderWidth) > 0 || n.getColor(Prop::ShadowColor).a > 0 ||
         !n.getString(Prop::Mask).empty();
}

// BT.709 Cb and Cr (each in [-0.5, 0.5]) of an sRGB-encoded colour: keying
// compares chroma of the gamma-encoded values, as video keyers do on Y'CbCr.
std::array<float, 2> chromaOf(scene::Color c) {
  double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
  double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return {float((b - y) / 1.8556), float((r - y) / 1.5748)};
}

// Keying parameters of an image or video layer (GpuLayer::key, keySpill);
// the flags it needs, 0 for none.
uint32_t keyParameters(const Node& n, GpuLayer& g) {
  if (n.kind != NodeKind::Image && n.kind != NodeKind::Video) return 0;
  const auto key = n.getEnum<scene::Key>(Prop::Key);
  if (key == scene::Key::None) return 0;
  float softness = float(n.getFloat(Prop::KeySoftness));
  uint32_t flags = n.getBool(Prop::KeyInvert) ? kFlagKeyInvert : 0u;
  if (key == scene::Key::Luma) {
    g.key = {float(n.getFloat(Prop::KeyThreshold)), 0.f, 0.f, softness};
    return flags | kFlagLumaKey;
  }
  scene::Color c = n.getColor(Prop::KeyColor);
  std::array<float, 2> cbcr = chromaOf(c);
  g.key = {cbcr[0], cbcr[1], float(n.getFloat(Prop::KeySimilarity)), softness};
  // Spill is clipped in the key colour's strongest channel (green for a green
  // screen): clipping commutes with the sRGB curve and with premultiplying,
  // so the shader does it on linear premultiplied texels as it gets them.
  int channel = c.g >= c.r && c.g >= c.b ? 1 : c.b >= c.r ? 2 : 0;
  g.keySpill = {0.f, 0.f, 0.f, float(n.getFloat(Prop::KeySpill))};
  g.keySpill[size_t(channel)] = 1.f;
  return flags | kFlagChromaKey;
}

class Builder {
 public:
  Builder(const scene::Scene& s, double time, TextureProvider& t, PlanQuality q)
      : scene_(s), time_(time), textures_(t), quality_(q) {
    findSqueezedCameras();
    findMovingNodes();
  }

  void addNodes(const std::vector<Node>& nodes, const Mat& parentToTarget, DrawList& target) {
    for (const Node& n : nodes) addNode(n, parentToTarget, target);
  }

  FramePlan plan;

 private:
  // Local box size; 0 components are automatic.
  glm::dvec2 autoSize(const Node& n, const TextureInfo* tex) const {
    scene::Vec2 s = n.getVec2(Prop::Size);
    double w = s.x, h = s.y;
    double nw = tex ? tex->naturalWidth : scene_.canvas.width;
    double nh = tex ? tex->naturalHeight : scene_.canvas.height;
    if (w <= 0) w = nw;
    if (h <= 0) h = nh;
    return {w, h};
  }

  // Local (box) space to parent space, without the anchor shift.
  static Mat placement(const Node& n) {
    scene::Vec2 p = n.getVec2(Prop::Position), sc = n.getVec2(Prop::Scale);
    return translation(p.x, p.y) * rotation(n.getFloat(Prop::Rotation)) * scaling(sc.x, sc.y);
  }
  static Mat anchorShift(const Node& n, glm::dvec2 size) {
    scene::Vec2 a = n.getVec2(Prop::Anchor);
    return translation(-a.x * size.x, -a.y * size.y);
  }

  // Nodes whose placement can change during the show: a clip animates, or a
  // data binding drives, one of the properties that place a node or its
  // picture. Their images (and those of their descendants) are never
  // resampled to the size they are shown at, which would mean a new texture
  // every frame (see emit).
  void findMovingNodes() {
    auto places = [](Prop p) {
      return p == Prop::Position || p == Prop::Scale || p == Prop::Rotation || p == Prop::Anchor ||
             p == Prop::Size || p == Prop::Crop || p == Prop::Fit || p == Prop::Zoom ||
             p == Prop::ZoomCenter;
    };
    for (const scene::Clip& c : scene_.clips) {
      for (const scene::Track& t : c.tracks) {
        if (places(t.property)) moving_.insert(t.node);
      }
    }
    for (const Node* n : scene_.allNodes()) {
      for (const scene::PropertyBinding& b : n->bindings) {
        if (places(b.property)) moving_.insert(n->id);
      }
    }
  }

  // Counts the enclosing nodes that move (or are drawn where something else
  // decides: an L-bar's camera, a widget's parts) while nodes are added.
  struct MovingScope {
    MovingScope(int& depth, bool moving) : depth_(depth), moving_(moving) { depth_ += moving_; }
    ~MovingScope() { depth_ -= moving_; }
    MovingScope(const MovingScope&) = delete;
    MovingScope& operator=(const MovingScope&) = delete;
    int& depth_;
    int moving_;
  };

  // Where an L-bar puts the node it squeezes, in the L-bar's parent space.
  struct Squeeze {
    Mat lbarLocalToParent;
    glm::dvec4 rect;  // x, y, width, height in the L-bar's box
  };

  // Every visible L-bar with a camera: the camera is drawn in the rectangle
  // the L leaves, wherever it sits in the tree (the L-bar and its camera are
  // expected to share a parent, usually the root).
  void findSqueezedCameras() {
    for (const Node* n : scene_.allNodes()) {
      if (n->kind != NodeKind::LBar || !n->getBool(Prop::Visible) ||
          n->getString(Prop::Camera).empty())
        continue;
      glm::dvec2 size = widgetSize(*n, scene_.canvas);
      squeezes_[n->getString(Prop::Camera)] = {placement(*n) * anchorShift(*n, size),
                                               lbarCameraRect(*n, size)};
    }
  }

  void addNode(const Node& n, const Mat& parentToTarget, DrawList& target) {
    if (auto it = squeezes_.find(n.id); it != squeezes_.end()) {
      // Drawn as if it were placed, unrotated and unscaled, in the L-bar's
      // camera rectangle: its parent transform still applies.
      const Squeeze sq = it->second;
      squeezes_.erase(it);  // once: the copy below has the same id
      Node moved = n;
      const Mat& m = sq.lbarLocalToParent;
      glm::dvec2 origin = apply(m, sq.rect.x, sq.rect.y);
      double sx = glm::length(glm::dvec2(m[0])), sy = glm::length(glm::dvec2(m[1]));
      moved.values[size_t(Prop::Position)] = scene::Vec2{origin.x, origin.y};
      moved.values[size_t(Prop::Anchor)] = scene::Vec2{0, 0};
      moved.values[size_t(Prop::Rotation)] = glm::degrees(std::atan2(m[0][1], m[0][0]));
      moved.values[size_t(Prop::Scale)] = scene::Vec2{sx, sy};
      moved.values[size_t(Prop::Size)] =
          scene::Vec2{std::max(sq.rect.z, 1e-3), std::max(sq.rect.w, 1e-3)};
      MovingScope squeezed(movingDepth_, true);
      addNode(moved, parentToTarget, target);
      squeezes_.emplace(n.id, sq);
      return;
    }
    if (!n.getBool(Prop::Visible) || n.getFloat(Prop::Opacity) <= 0) return;
    Mat place = parentToTarget * placement(n);
    if (linearScale(place) < 1e-9) return;  // scaled to nothing
    MovingScope moving(movingDepth_, moving_.count(n.id) > 0);
    switch (n.kind) {
      case NodeKind::Group:
        addGroup(n, place, target);
        return;
      case NodeKind::Solid:
      case NodeKind::Gradient: {
        TextureInfo grad;
        bool ramp = usesRampTexture(n);
        if (ramp) grad = textures_.gradient(n);
        glm::dvec2 size = autoSize(n, nullptr);
        emit(n, place * anchorShift(n, size), size, target,
             ramp ? DrawLayer::Source::Provider : DrawLayer::Source::None, grad);
        return;
      }
      case NodeKind::Image: {
        TextureInfo tex = textures_.image(n);
        glm::dvec2 size = autoSize(n, &tex);
        emit(n, place * anchorShift(n, size), size, target, DrawLayer::Source::Provider, tex);
        return;
      }
      case NodeKind::Video: {
        if (std::optional<TextureInfo> tex = textures_.video(n)) {
          glm::dvec2 size = autoSize(n, &*tex);
          emit(n, place * anchorShift(n, size), size, target, DrawLayer::Source::Provider, *tex);
        } else {
          addSlate(n, place, target);
        }
        return;
      }
      case NodeKind::Sound:
        return;  // heard, not seen
      case NodeKind::Particles:
        addParticles(n, place, target);
        return;
      case NodeKind::LowerThird:
      case NodeKind::LBar:
      case NodeKind::Countdown:
      case NodeKind::StockCounter:
      case NodeKind::ProgressBar:
      case NodeKind::ProductCard:
      case NodeKind::Ticker: {
        // Text is measured at the scale it is shown, as it will be drawn.
        double ppu = linearScale(place);
        TextMeasure measure = [&](const Node& t) { return textures_.text(t, ppu).naturalWidth; };
        MovingScope parts(movingDepth_, true);  // laid out anew each frame
        addGroup(expandWidget(n, scene_, time_, measure), place, target);
        return;
      }
      case NodeKind::Text: {
        TextureInfo tex = textures_.text(n, linearScale(place));
        glm::dvec2 size{tex.naturalWidth, tex.naturalHeight};
        emit(n, place * anchorShift(n, size), size, target, DrawLayer::Source::Provider, tex);
        return;
      }
    }
  }

  // The video node's box (with its corners, border and shadow) in slate grey,
  // and the message centred on it.
  void addSlate(const Node& n, const Mat& place, DrawList& target) {
    glm::dvec2 size = autoSize(n, nullptr);
    Mat local = place * anchorShift(n, size);
    Node box = n;
    box.kind = NodeKind::Solid;
    box.values[size_t(Prop::Fill)] = scene::Color{0x1c, 0x1d, 0x2a, 255};
    emit(box, local, size, target, DrawLayer::Source::None, TextureInfo{});
    Node label = scene::makeNode(NodeKind::Text, n.id + ".slate");
    label.values[size_t(Prop::Text)] = slateMessage(n);
    label.values[size_t(Prop::Font)] = std::string("DejaVu Sans:bold");
    label.values[size_t(Prop::FontSize)] = std::clamp(size.y * 0.06, 12.0, 96.0);
    label.values[size_t(Prop::Fill)] = scene::Color{0xe8, 0xe8, 0xf0, 255};
    label.values[size_t(Prop::Align)] = int64_t(scene::Align::Center);
    label.values[size_t(Prop::Size)] = scene::Vec2{size.x * 0.9, 0};
    label.values[size_t(Prop::Anchor)] = scene::Vec2{0.5, 0.5};
    label.values[size_t(Prop::Opacity)] = n.getFloat(Prop::Opacity);
    label.jsonPointer = n.jsonPointer;
    addNode(label, local * translation(size.x / 2, size.y / 2), target);
  }

  void addGroup(const Node& n, const Mat& place, DrawList& target) {
    glm::dvec2 size = autoSize(n, nullptr);
    Mat localToTarget = place * anchorShift(n, size);
    if (!isIsolatedGroup(n)) {
      addNodes(n.children, localToTarget, target);
      return;
    }
    // Isolated: children composite into their own image at the resolution the
    // group is shown at, then the group blends as one layer.
    double s = linearScale(localToTarget);
    double pw = std::ceil(size.x * s), ph = std::ceil(size.y * s);
    double fit = std::min(1.0, kMaxGroupPixels / std::max(pw, ph));
    pw = std::max(1.0, std::floor(pw * fit));
    ph = std::max(1.0, std::floor(ph * fit));
    DrawList group;
    group.width = uint32_t(pw);
    group.height = uint32_t(ph);
    addNodes(n.children, scaling(pw / size.x, ph / size.y), group);
    plan.groups.push_back(std::move(group));
    TextureInfo tex;
    tex.id = uint32_t(plan.groups.size() - 1);
    tex.width = uint32_t(pw);
    tex.height = uint32_t(ph);
    emit(n, localToTarget, size, target, DrawLayer::Source::Group, tex);
  }

  // An emitter with live particles: they are drawn into an image of their own
  // (at `resolution` of the size the box is shown at), shown over the box.
  void addParticles(const Node& n, const Mat& place, DrawList& target) {
    std::optional<double> t = emitterTime(scene_, n, time_);
    if (!t || !particlesAlive(n, *t)) return;  // nothing drawn: no layer at all
    glm::dvec2 size = autoSize(n, nullptr);
    Mat localToTarget = place * anchorShift(n, size);
    double s = linearScale(localToTarget) * n.getFloat(Prop::Resolution);
    double pw = std::ceil(size.x * s), ph = std::ceil(size.y * s);
    double fit = std::min(1.0, kMaxGroupPixels / std::max(pw, ph));
    pw = std::max(1.0, std::floor(pw * fit));
    ph = std::max(1.0, std::floor(ph * fit));
    ParticleDraw draw = planParticles(n, *t, size.x, size.y, uint32_t(pw), uint32_t(ph));
    const std::array<uint32_t, 4> r = draw.gpu.region;
    if (r[2] == 0 || r[3] == 0) return;  // every particle is outside the box
    plan.particles.push_back(std::move(draw));
    TextureInfo tex;
    tex.id = uint32_t(plan.particles.size() - 1);
    tex.width = uint32_t(pw);
    tex.height = uint32_t(ph);
    size_t before = target.layers.size();
    emit(n, localToTarget, size, target, DrawLayer::Source::Particles, tex);
    if (target.layers.size() == before) return;
    // Only the region that can hold particles is drawn and sampled: the
    // texture is that sub-rectangle, and the layer reaches no further.
    DrawLayer& l = target.layers.back();
    double sx = pw / size.x, sy = ph / size.y;
    l.uvMap = {sx / r[2], sy / r[3], -double(r[0]) / r[2], -double(r[1]) / r[3]};
    if (l.gpu.shadow[3] > 0) return;  // the shadow reaches past the particles
    std::array<float, 4> b{1e30f, 1e30f, -1e30f, -1e30f};
    for (double x : {double(r[0]), double(r[0] + r[2])}) {
      for (double y : {double(r[1]), double(r[1] + r[3])}) {
        glm::dvec2 p = apply(localToTarget, x / sx, y / sy);
        b = {std::min(b[0], float(p.x) - 1), std::min(b[1], float(p.y) - 1),
             std::max(b[2], float(p.x) + 1), std::max(b[3], float(p.y) + 1)};
      }
    }
    l.bounds = {std::max(l.bounds[0], b[0]), std::max(l.bounds[1], b[1]),
                std::min(l.bounds[2], b[2]), std::min(l.bounds[3], b[3])};
    if (l.bounds[2] <= l.bounds[0] || l.bounds[3] <= l.bounds[1]) {
      target.layers.pop_back();
      plan.particles.pop_back();
    }
  }

  void emit(const Node& n, const Mat& localToTarget, glm::dvec2 size, DrawList& target,
            DrawLayer::Source source, const TextureInfo& tex) {
    if (size.x <= 0 || size.y <= 0) return;
    DrawLayer out;
    out.nodeId = n.id;
    out.source = source;
    out.texture = tex.id;
    GpuLayer& g = out.gpu;
    g = {};
    Mat inv = glm::inverse(localToTarget);
    double pix = linearScale(inv);
    g.inv0 = {float(inv[0][0]), float(inv[1][0]), float(inv[2][0]), float(pix)};
    g.inv1 = {float(inv[0][1]), float(inv[1][1]), float(inv[2][1]), 0.f};

    // Text bitmaps reach past the box by their padding (outline, overhang).
    double pad = n.kind == NodeKind::Text ? tex.padding : 0.0;
    scene::Insets crop = n.getInsets(Prop::Crop);
    double bx0 = -pad + crop.left, by0 = -pad + crop.top;
    double bx1 = size.x + pad - crop.right, by1 = size.y + pad - crop.bottom;
    if (bx1 <= bx0 || by1 <= by0) return;  // cropped away
    g.box = {float(bx0), float(by0), float(bx1), float(by1)};
    // Only cropped edges are feathered, over at most their inset: a wipe's
    // ramp narrows to a hard edge as its crop reaches 0, with no jump.
    double softness = n.getFloat(Prop::CropSoftness);
    const double cropped[4] = {crop.left, crop.top, crop.right, crop.bottom};
    double feather[4] = {0, 0, 0, 0};
    for (int side = 0; side < 4; ++side) {
      feather[side] = std::min(softness, cropped[side]);
      g.feather[size_t(side)] = feather[side] > 0 ? float(1 / feather[side]) : 0.f;
    }

    double radius = n.getFloat(Prop::CornerRadius);
    double sigma = n.getFloat(Prop::ShadowBlur) / 2;
    double opacity = n.getFloat(Prop::Opacity);
    g.shape = {float(radius), float(n.getFloat(Prop::BorderWidth)), float(sigma), float(opacity)};
    g.border = linearPremultiplied(n.getColor(Prop::BorderColor));
    if (quality_.shadows) g.shadow = linearPremultiplied(n.getColor(Prop::ShadowColor));
    scene::Vec2 shadowOffset = n.getVec2(Prop::ShadowOffset);
    g.shadowOffset = {float(shadowOffset.x), float(shadowOffset.y), 0.f, 0.f};
    uint32_t kind = kKindSolid;
    uint32_t flags = 0;
    bool opaqueContent = false;

    if (n.kind == NodeKind::Solid) {
      g.fill = linearPremultiplied(n.getColor(Prop::Fill));
      opaqueContent = n.getColor(Prop::Fill).a == 255;
    } else if (n.kind == NodeKind::Gradient) {
      const auto type = n.getEnum<scene::GradientType>(Prop::GradientType);
      kind = type == scene::GradientType::Linear ? kKindLinear : kKindRadial;
      if (kind == kKindLinear) {
        scene::Vec2 a = n.getVec2(Prop::GradientStart), b = n.getVec2(Prop::GradientEnd);
        g.gradient = {float(a.x * size.x), float(a.y * size.y), float(b.x * size.x),
                      float(b.y * size.y)};
      } else {
        scene::Vec2 c = n.getVec2(Prop::GradientCenter);
        double r = n.getFloat(Prop::GradientRadius) * std::max(size.x, size.y);
        g.gradient = {float(c.x * size.x), float(c.y * size.y), float(r), 0.f};
      }
      const scene::Stops& stops = n.getStops(Prop::GradientStops);
      if (stops.size() <= kMaxAnalyticStops) {
        flags |= kFlagAnalyticStops;
        for (size_t j = 0; j < kMaxAnalyticStops; ++j) {
          const scene::GradientStop& st = stops[std::min(j, stops.size() - 1)];
          g.stopOffsets[j] = j < stops.size() ? float(st.offset) : 1.0f;
          g.stops[j] = linearPremultiplied(st.color);
        }
      }
      opaqueContent = std::all_of(n.getStops(Prop::GradientStops).begin(),
                                  n.getStops(Prop::GradientStops).end(),
                                  [](const scene::GradientStop& s) { return s.color.a == 255; });
    } else {
      kind = kKindTexture;
      // Where the texture lands in the box.
      double ox = 0, oy = 0, dw = size.x, dh = size.y;
      double texWidth = tex.width, texHeight = tex.height;  // of the texture sampled
      if (n.kind == NodeKind::Text) {
        ox = oy = -pad;
        dw = tex.extentWidth;
        dh = tex.extentHeight;
      } else if (n.kind == NodeKind::Image || n.kind == NodeKind::Video) {
        // The picture's own aspect: the texture may be stored smaller (an
        // image over the atlas width is limited).
        double pw = tex.naturalWidth > 0 ? tex.naturalWidth : tex.width;
        double ph = tex.naturalHeight > 0 ? tex.naturalHeight : tex.height;
        ContentPlacement place = placeContent(n, {size.x, size.y}, pw, ph);
        ox = place.x;
        oy = place.y;
        dw = place.width;
        dh = place.height;
        // Opaque where the picture fills the whole box: stretched, covering,
        // or contained but zoomed until it fills.
        constexpr double kSlack = 1e-6;
        bool fills = ox <= kSlack && oy <= kSlack && ox + dw >= size.x - kSlack &&
                     oy + dh >= size.y - kSlack;
        bool contained = n.getEnum<scene::Fit>(Prop::Fit) == scene::Fit::Contain;
        opaqueContent = tex.opaque && (!contained || (n.getFloat(Prop::Zoom) > 1 && fills));
        // A still picture that stays where it is, shown smaller than it is
        // stored, on whole pixels: sampled from a copy of exactly the shown
        // size, texel for pixel. Sharper than the mip levels, and its tiles
        // take the shader's cheapest paths (a copy where nothing covers it).
        std::optional<std::array<uint32_t, 2>> shown;
        if (n.kind == NodeKind::Image && movingDepth_ == 0) {
          shown = shrunkOnWholePixels(localToTarget, ox, oy, dw, dh, tex);
        }
        if (shown) {
          TextureInfo copy = textures_.resampledImage(n, (*shown)[0], (*shown)[1]);
          out.texture = copy.id;
          texWidth = copy.width;
          texHeight = copy.height;
        }
      }
      out.uvMap = {1 / dw, 1 / dh, -ox / dw, -oy / dh};
      // Mip level from the texel footprint of one output pixel (its longer axis,
      // so minified content never aliases).
      double tx = texWidth / dw, ty = texHeight / dh;
      double fx = std::hypot(inv[0][0] * tx, inv[0][1] * ty);
      double fy = std::hypot(inv[1][0] * tx, inv[1][1] * ty);
      out.contentLod = std::max(0.0, std::log2(std::max(fx, fy)));
      double sigmaTexels = sigma * std::max(tx, ty);
      out.shadowLod = std::max(0.0, std::log2(std::max(1.0, 2 * sigmaTexels)));
      if (!tex.opaque || source == DrawLayer::Source::Group || n.kind == NodeKind::Text) {
        flags |= kFlagShadowFromAlpha;
      }
    }
    if (double shine = n.getFloat(Prop::Shine); shine > 0) {
      // The band's centre line travels along its normal from just before the
      // box's first corner (position 0) to just past its last (position 1).
      double a = glm::radians(n.getFloat(Prop::ShineAngle));
      double nx = std::cos(a), ny = std::sin(a);
      double half = n.getFloat(Prop::ShineWidth) / 2;
      double lo = 1e300, hi = -1e300;
      for (double x : {bx0, bx1}) {
        for (double y : {by0, by1}) {
          lo = std::min(lo, x * nx + y * ny);
          hi = std::max(hi, x * nx + y * ny);
        }
      }
      double at = (lo - half) + (hi - lo + 2 * half) * n.getFloat(Prop::ShinePosition);
      g.shineLine = {float(nx), float(ny), float(at), float(half)};
      std::array<float, 4> light = linearPremultiplied(n.getColor(Prop::ShineColor));
      for (int k = 0; k < 3; ++k) g.shineColour[size_t(k)] = float(light[size_t(k)] * shine);
      flags |= kFlagShine;
    }
    // Keying and masks make the layer partly transparent; a keyed layer's
    // shadow follows the keyed alpha.
    uint32_t keyFlags = kind == kKindTexture ? keyParameters(n, g) : 0u;
    if (keyFlags) flags |= keyFlags | kFlagShadowFromAlpha;
    if (!n.getString(Prop::Mask).empty()) {
      TextureInfo mask = textures_.mask(n);
      flags |= kFlagMask;
      if (n.getEnum<scene::MaskMode>(Prop::MaskMode) == scene::MaskMode::Luminance)
        flags |= kFlagMaskLuminance;
      if (n.getBool(Prop::MaskInvert)) flags |= kFlagMaskInvert;
      // Stretched over the uncropped box, whatever the content's fit.
      out.maskTexture = mask.id;
      out.maskUvMap = {1 / size.x, 1 / size.y, 0, 0};
      double tx = mask.width / size.x, ty = mask.height / size.y;
      double fx = std::hypot(inv[0][0] * tx, inv[0][1] * ty);
      double fy = std::hypot(inv[1][0] * tx, inv[1][1] * ty);
      out.maskLod = std::max(0.0, std::log2(std::max(fx, fy)));
    }
    bool cutOut = (flags & (kFlagChromaKey | kFlagLumaKey | kFlagMask)) != 0;
    g.info = {kind, uint32_t(n.getEnum<scene::Blend>(Prop::Blend)), flags, 0u};

    // Output-space bounds: the box, plus the shadow's reach.
    double margin = pix;  // antialiased edge
    auto extend = [&](double x0, double y0, double x1, double y1) {
      for (auto [x, y] : {std::pair{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}}) {
        glm::dvec2 p = apply(localToTarget, x, y);
        out.bounds[0] = std::min(out.bounds[0], float(p.x) - 1);
        out.bounds[1] = std::min(out.bounds[1], float(p.y) - 1);
        out.bounds[2] = std::max(out.bounds[2], float(p.x) + 1);
        out.bounds[3] = std::max(out.bounds[3], float(p.y) + 1);
      }
    };
    out.bounds = {1e30f, 1e30f, -1e30f, -1e30f};
    if (std::optional<std::array<float, 4>> exact =
            boxOnPixelEdges(localToTarget, bx0, by0, bx1, by1)) {
      out.bounds = *exact;
    } else {
      extend(bx0 - margin, by0 - margin, bx1 + margin, by1 + margin);
    }
    if (g.shadow[3] > 0) {
      double reach = 3 * sigma + margin;
      extend(bx0 + shadowOffset.x - reach, by0 + shadowOffset.y - reach,
             bx1 + shadowOffset.x + reach, by1 + shadowOffset.y + reach);
    }
    out.bounds[0] = std::max(out.bounds[0], 0.f);
    out.bounds[1] = std::max(out.bounds[1], 0.f);
    out.bounds[2] = std::min(out.bounds[2], float(target.width));
    out.bounds[3] = std::min(out.bounds[3], float(target.height));

    out.opaque = opaqueContent && !cutOut && opacity >= 1.0 &&
                 n.getEnum<scene::Blend>(Prop::Blend) == scene::Blend::Normal;
    // Half a pixel inside the (rounded) edge, and past the border, coverage is
    // exactly 1 and the border does not reach (see shadeLayer): the box
    // offset inwards by that, whose corners keep what is left of the radius.
    double inset = n.getFloat(Prop::BorderWidth) + 0.5 * pix;
    // A feathered edge's ramp is no interior either.
    out.interior = {float(bx0 + inset + feather[0]), float(by0 + inset + feather[1]),
                    float(bx1 - inset - feather[2]), float(by1 - inset - feather[3])};
    out.interiorRadius = float(std::max(0.0, radius - inset));
    target.layers.push_back(out);
  }

  const scene::Scene& scene_;
  double time_;
  TextureProvider& textures_;
  PlanQuality quality_;
  std::map<std::string, Squeeze> squeezes_;  // by the squeezed node's id
  std::set<std::string> moving_;             // see findMovingNodes
  int movingDepth_ = 0;                      // enclosing moving nodes (MovingScope)
};

}  // namespace

std::string slateMessage(const scene::Node& node) {
  std::string text = node.getString(Prop::SlateText);
  if (!text.empty()) return text;
  return (node.name.empty() ? node.id : node.name) + "\nSIGNAL LOST · RECONNECTING";
}

std::array<float, 4> linearPremultiplied(scene::Color c) {
  float a = c.a / 255.0f;
  return {srgbToLinear(c.r) * a, srgbToLinear(c.g) * a, srgbToLinear(c.b) * a, a};
}

FramePlan buildFramePlan(const scene::Scene& scene, double time, uint32_t outWidth,
                         uint32_t outHeight, TextureProvider& textures, PlanQuality quality) {
  // Keyframes and live data are already applied to `scene`; `time` drives
  // what widgets show (a countdown's digits, a ticker's scroll).
  Builder b(scene, time, textures, quality);
  b.plan.main.width = outWidth;
  b.plan.main.height = outHeight;
  b.plan.main.background = linearPremultiplied(scene.canvas.background);
  b.addNodes(
      scene.nodes,
      scaling(double(outWidth) / scene.canvas.width, double(outHeight) / scene.canvas.height),
      b.plan.main);
  return std::move(b.plan);
}

}  // namespace mq::render
