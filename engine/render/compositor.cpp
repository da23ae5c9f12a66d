#include "render/compositor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "embedded_shaders.h"
#include "gpu/vk_check.h"
#include "graph/render_graph.h"
#include "render/asset_check.h"
#include "render/content_placement.h"
#include "render/tile_binner.h"
#include "render/tile_classes.h"
#include "render/video_upload.h"
#include "scene/animation.h"
#include "text/text_renderer.h"

namespace mq::render {
namespace {

using scene::Node;
using scene::Prop;

constexpr uint32_t kMaxDispatchesPerFrame = 64;
constexpr uint32_t kMaxVideosPerFrame = 16;
constexpr size_t kMaxOutputBuffers = 64;
// Atlas keys of video rectangles (isolated groups use slot << 32 | index).
constexpr uint64_t kVideoKeyBit = 1ull << 63;
constexpr uint64_t kParticleKeyBit = 1ull << 62;  // particle emitters: this | slot << 32 | index
constexpr uint32_t kRampSize = 256;
// Output buffers are written by the composite and, for reused tiles, copied
// from the previous frame's; output readers (the preview) read them as texels.
constexpr VkBufferUsageFlags kOutputBufferUsage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
    VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT;

struct PushConstants {
  float background[4];
  uint32_t size[2];
  uint32_t stride;
  uint32_t tileBase;
  int32_t targetOffset[2];
  float atlasInvSize[2];
  uint32_t byteShift;  // always 8: a shift the shader compiler cannot see (composite_nv12.comp)
  uint32_t pad;
};

struct GpuTile {
  uint32_t x, y, first, count;
};

std::vector<gpu::DescriptorBinding> compositeBindings(bool imageOutput) {
  return {{0, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER},
          {1, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER},
          {2, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER},
          {3, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER},
          {4, imageOutput ? VK_DESCRIPTOR_TYPE_STORAGE_IMAGE : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
          {5, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER},
          {6, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER}};
}

// What drawing the layer's drop shadow takes: its alpha follows the texture
// (keyed, if the layer is) where it follows the picture, it takes the mask's
// shape, and it blends like the layer.
uint32_t shadowFeatures(const GpuLayer& g) {
  uint32_t f = kFeatureShadow;
  if (g.info[2] & kFlagShadowFromAlpha) {
    f |= kFeatureShadowAlpha | kFeatureTextured;
    if (g.info[2] & (kFlagChromaKey | kFlagLumaKey)) f |= kFeatureKey;
  }
  if (g.info[1] != 0) f |= kFeatureBlendModes;
  if (g.info[2] & kFlagMask) f |= kFeatureMask;
  return f;
}

// `shadow` false: the features of the layer where its shadow cannot show (in
// the interior of an opaque layer the content covers it).
uint32_t layerFeatures(const GpuLayer& g, bool shadow = true) {
  uint32_t f = 0;
  if (g.info[2] & kFlagAnalyticStops) {
    f |= kFeatureGradient;
  } else if (g.info[0] != kKindSolid) {
    f |= kFeatureTextured;
    if (!(g.info[2] & kFlagPixelAligned)) f |= kFeatureFiltered;
  }
  if (shadow && g.shadow[3] > 0) f |= shadowFeatures(g);
  if (g.info[1] != 0) f |= kFeatureBlendModes;
  if (g.info[2] & (kFlagChromaKey | kFlagLumaKey)) f |= kFeatureKey;
  if (g.info[2] & kFlagMask) f |= kFeatureMask;
  if (g.info[2] & kFlagShine) f |= kFeatureShine;
  return f;
}

// Whether the layer's box edges change none of its pixels, so tiles they
// cross need no edge math for it: a texture placed texel for pixel (its
// border falls on pixel edges), no rounded corners, border or feathered
// crop, and every texel inside its box. Outside the texture the shader
// reads the atlas's transparent gutter, so the colour there is 0 as the
// edge's coverage would make it, and inside it that coverage is exactly 1.
bool edgesChangeNothing(const GpuLayer& g) {
  if (g.info[0] != kKindTexture || !(g.info[2] & kFlagPixelAligned) || g.shape[0] != 0 ||
      g.shape[1] != 0 || g.feather != std::array<float, 4>{0, 0, 0, 0}) {
    return false;
  }
  // The texture's extent in local units: texel = local * contentMap.xy + contentMap.zw.
  const auto& m = g.contentMap;
  const auto& r = g.contentRect;
  double x0 = -double(m[2]) / m[0], x1 = (double(r[2]) - m[2]) / m[0];
  double y0 = -double(m[3]) / m[1], y1 = (double(r[3]) - m[3]) / m[1];
  double slack = 1e-4 * std::max({1.0, std::abs(x0), std::abs(x1), std::abs(y0), std::abs(y1)});
  return g.box[0] <= x0 + slack && g.box[1] <= y0 + slack && g.box[2] >= x1 - slack &&
         g.box[3] >= y1 - slack;
}

// Whether a tile-list entry is an opaque image covering the tile with nothing
// of its own to add over its texels: the copy path's one layer, or the base
// path's bottom one (kFeatureBase). `opaque` already means full opacity,
// normal blending and no key or mask; a shine sweep is drawn over the texels.
// Its shadow cannot show, and the full path's result is the texel itself.
bool opaqueImageCovers(const std::vector<DrawLayer>& drawn, const std::vector<GpuLayer>& layers,
                       uint32_t entry) {
  uint32_t i = entry & kEntryLayer;
  const GpuLayer& g = layers[i];
  return (entry & kEntryInterior) && drawn[i].opaque && g.info[0] == kKindTexture &&
         !(g.info[2] & kFlagShine);
}

// Keys for tile reuse: FNV-1a over bytes, combined with the splitmix64
// finaliser. 64 bits make an accidental match between two different tiles
// (which would show a stale tile for a frame) practically impossible.
uint64_t hashBytes(const void* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint64_t combine(uint64_t h, uint64_t v) {
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Pictures the conversion shader can read a 32-bit word (four 8-bit samples)
// at a time: 8-bit planar or semi-planar 4:2:x.
bool readsWords(const media::PictureFormat& f) {
  return f.bytesPerSample == 1 && f.chromaShiftX == 1 &&
         (f.layout == media::PlaneLayout::Planar || f.layout == media::PlaneLayout::SemiPlanar);
}

// Pictures whose luma the conversion can sharpen: those with a luma plane
// (packed RGB and packed 4:2:2 pictures are shown as they are).
bool sharpens(const media::PictureFormat& f) {
  return f.layout != media::PlaneLayout::Packed;
}

std::array<float, 4> rectOf(const AtlasRect& r) {
  return {float(r.x), float(r.y), float(r.width), float(r.height)};
}

text::Align toTextAlign(scene::Align a) {
  switch (a) {
    case scene::Align::Center:
      return text::Align::Center;
    case scene::Align::Right:
      return text::Align::Right;
    default:
      return text::Align::Left;
  }
}

void toLinearStraight(scene::Color c, float out[4]) {
  out[0] = srgbToLinear(c.r);
  out[1] = srgbToLinear(c.g);
  out[2] = srgbToLinear(c.b);
  out[3] = c.a / 255.0f;
}

}  // namespace

Compositor::Compositor(gpu::Device& device, const scene::Scene& scene, OutputSpec output)
    : device_(device),
      scene_(scene),
      format_(output.format),
      atlas_(device),
      reuseTiles_(output.reuseUnchangedTiles),
      smallestBuilds_(output.smallestShaderBuilds) {
  width_ = output.width ? output.width : uint32_t(scene.canvas.width);
  height_ = output.height ? output.height : uint32_t(scene.canvas.height);
  if (format_ == OutputFormat::Nv12 && (width_ % 2 || height_ % 2)) {
    throw UserError("video output size " + std::to_string(width_) + "x" + std::to_string(height_) +
                    " must have an even width and height (4:2:0 chroma)");
  }
  // NV12 rows are written a 32-bit word (4 luma bytes) at a time; CUDA
  // frames (NVENC) have rows aligned to 256 bytes.
  const uint32_t align = output.exportForCuda ? 256 : 4;
  stride_ = format_ == OutputFormat::Nv12 ? (width_ + align - 1) / align * align : width_;
  outputMemory_ = output.exportForCuda ? gpu::MemoryUsage::Exported : gpu::MemoryUsage::Readback;

  descriptors_ = std::make_unique<gpu::FrameDescriptors>(
      device,
      std::vector<VkDescriptorPoolSize>{
          {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kMaxDispatchesPerFrame},
          {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, kMaxVideosPerFrame},
          {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
           4 * kMaxDispatchesPerFrame + kMaxVideosPerFrame},
          {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 2 * kMaxDispatchesPerFrame},
          {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, kMaxDispatchesPerFrame + kMaxVideosPerFrame}},
      kMaxDispatchesPerFrame + kMaxVideosPerFrame);

  VkDeviceSize outputBytes = format_ == OutputFormat::Nv12 ? VkDeviceSize(stride_) * height_ * 3 / 2
                                                           : VkDeviceSize(stride_) * height_ * 4;
  ring_->busy.assign(std::max<uint32_t>(output.buffers, gpu::Device::kFramesInFlight + 1), false);
  for (size_t i = 0; i < ring_->busy.size(); ++i) {
    outputs_.push_back(device.createBuffer(outputBytes, kOutputBufferUsage, outputMemory_));
  }
  slots_.resize(gpu::Device::kFramesInFlight);
  for (Slot& s : slots_) {
    s.backend = std::make_unique<VulkanGraphBackend>(device);
    s.timer = std::make_unique<gpu::GpuTimer>(device);
  }
  // Asset errors are reported before any output is written: fonts resolve,
  // and every image is decoded and uploaded now.
  if (auto issues = checkFonts(scene); !issues.empty()) throw scene::SceneError(issues);
  loadTextures(scene.nodes);
  particlePass_ = std::make_unique<ParticlePass>(device);
  // Without clips nothing changes over time: frames are planned from scene_
  // itself, with no copy and no evaluation.
  if (!scene.clips.empty()) animated_.emplace(scene);
}

Compositor::~Compositor() {
  device_.waitIdle();
}

void Compositor::loadTextures(const std::vector<Node>& nodes) {
  for (const Node& n : nodes) {
    if (n.kind == scene::NodeKind::Image) image(n);
    if (!n.getString(Prop::Mask).empty()) mask(n);
    if (usesRampTexture(n)) gradient(n);
    if (n.kind == scene::NodeKind::Particles && !n.getString(Prop::Sprite).empty()) {
      Node sprite = n;  // a particle sprite is loaded like an image's source
      sprite.values[size_t(Prop::Source)] = n.getString(Prop::Sprite);
      image(sprite);
    }
    loadTextures(n.children);
  }
}

TextureInfo Compositor::addTexture(const std::string& key, const TextureData& data,
                                   TextureInfo info) {
  AtlasTexture tex;
  tex.levels = atlas_.add(data);
  tex.key = key;
  tex.transient = key.rfind("text:", 0) == 0 || key.rfind("resampled:", 0) == 0;
  tex.lastUsed = submits_;
  info.width = data.width;
  info.height = data.height;
  info.opaque = data.opaque;
  if (!freeTextureIds_.empty()) {
    info.id = freeTextureIds_.back();
    freeTextureIds_.pop_back();
    tex.version = ++textureSerial_;
    tex.info = info;
    textures_[info.id] = std::move(tex);
  } else {
    info.id = uint32_t(textures_.size());
    tex.info = info;
    textures_.push_back(std::move(tex));
  }
  textureIds_[key] = info.id;
  return info;
}

void Compositor::dropUnusedTransients() {
  for (uint32_t id = 0; id < textures_.size(); ++id) {
    AtlasTexture& t = textures_[id];
    if (!t.transient || submits_ - t.lastUsed < kTransientKeepFrames) continue;
    atlas_.release(t.levels);
    textureIds_.erase(t.key);
    t = AtlasTexture{};
    freeTextureIds_.push_back(id);
  }
}

TextureInfo Compositor::image(const Node& node) {
  return imageFile(node, Prop::Source);
}

TextureInfo Compositor::mask(const Node& node) {
  return imageFile(node, Prop::Mask);
}

TextureInfo Compositor::resampledImage(const Node& node, uint32_t width, uint32_t height) {
  std::filesystem::path file = scene_.resolve(node.getString(Prop::Source));
  std::string key =
      "resampled:" + std::to_string(width) + "x" + std::to_string(height) + ":" + file.string();
  if (auto it = textureIds_.find(key); it != textureIds_.end()) {
    textures_[it->second].lastUsed = submits_;
    return textures_[it->second].info;
  }
  // From the file, not the stored levels: an image over the atlas width is
  // stored smaller than it is.
  const TextureInfo original = image(node);
  uint32_t w = 0, h = 0;
  std::vector<float> rgba;
  try {
    rgba = decodeImageLinear(file, w, h);
  } catch (const UserError& e) {
    throw scene::SceneError({scene::issueAt(
        scene_, node.jsonPointer + "/" + scene::property(Prop::Source).name, e.what())});
  }
  TextureInfo info;
  info.naturalWidth = original.naturalWidth;
  info.naturalHeight = original.naturalHeight;
  return addTexture(
      key, makeTexture(width, height, resampleLinear(rgba, w, h, width, height), true), info);
}

TextureInfo Compositor::imageFile(const Node& node, Prop property) {
  std::filesystem::path file = scene_.resolve(node.getString(property));
  std::string key = "image:" + file.string();
  if (auto it = textureIds_.find(key); it != textureIds_.end()) return textures_[it->second].info;
  TextureData data;
  try {
    data = loadImageTexture(file);
  } catch (const UserError& e) {
    throw scene::SceneError({scene::issueAt(
        scene_, node.jsonPointer + "/" + scene::property(property).name, e.what())});
  }
  TextureInfo info;
  info.naturalWidth = data.width;
  info.naturalHeight = data.height;
  limitTextureSize(data, TextureAtlas::kWidth - 2);
  return addTexture(key, data, info);
}

TextureInfo Compositor::text(const Node& node, double pixelsPerUnit) {
  text::TextStyle style;
  style.text = node.getString(Prop::Text);
  style.fontSize = node.getFloat(Prop::FontSize);
  toLinearStraight(node.getColor(Prop::Fill), style.color);
  style.outlineWidth = node.getFloat(Prop::OutlineWidth);
  toLinearStraight(node.getColor(Prop::OutlineColor), style.outlineColor);
  style.align = toTextAlign(node.getEnum<scene::Align>(Prop::Align));
  style.lineHeight = node.getFloat(Prop::LineHeight);
  style.boxWidth = node.getVec2(Prop::Size).x;
  style.boxHeight = node.getVec2(Prop::Size).y;
  // Rasterise at the shown size, quantised so tiny transform changes reuse the bitmap.
  double ppu = std::max(1.0 / 64, std::round(pixelsPerUnit * 64) / 64);
  std::ostringstream key;
  key.precision(17);
  key << "text:" << node.id << '|' << style.text << '|' << node.getString(Prop::Font) << '|'
      << style.fontSize << '|' << style.outlineWidth << '|' << int(style.align) << '|'
      << style.lineHeight << '|' << style.boxWidth << '|' << style.boxHeight << '|' << ppu;
  for (float c : style.color) key << ',' << c;
  for (float c : style.outlineColor) key << ',' << c;
  if (auto it = textureIds_.find(key.str()); it != textureIds_.end()) {
    textures_[it->second].lastUsed = submits_;
    return textures_[it->second].info;
  }

  text::TextBitmap bitmap;
  try {
    style.fontFile = text::resolveFont(node.getString(Prop::Font), scene_.baseDir);
    bitmap = text::renderText(style, ppu);
  } catch (const UserError& e) {
    throw scene::SceneError({scene::issueAt(scene_, node.jsonPointer + "/font", e.what())});
  }
  TextureData data =
      makeTexture(uint32_t(std::max(1, bitmap.width)), uint32_t(std::max(1, bitmap.height)),
                  bitmap.rgba.empty() ? std::vector<float>(4, 0.f) : bitmap.rgba, true);
  TextureInfo info;
  info.naturalWidth = bitmap.boxWidth;
  info.naturalHeight = bitmap.boxHeight;
  info.padding = bitmap.padding / ppu;
  info.extentWidth = data.width / ppu;
  info.extentHeight = data.height / ppu;
  limitTextureSize(data, TextureAtlas::kWidth - 2);  // extent stays: the texture just gets coarser
  return addTexture(key.str(), data, info);
}

TextureInfo Compositor::gradient(const Node& node) {
  const scene::Stops& stops = node.getStops(Prop::GradientStops);
  std::ostringstream key;
  key.precision(17);
  key << "gradient:";
  for (const auto& s : stops) {
    key << s.offset << ',' << int(s.color.r) << ',' << int(s.color.g) << ',' << int(s.color.b)
        << ',' << int(s.color.a) << ';';
  }
  if (auto it = textureIds_.find(key.str()); it != textureIds_.end()) {
    return textures_[it->second].info;
  }
  // Stops interpolate in linear light, premultiplied, so a fade to transparent
  // does not pass through grey.
  std::vector<float> ramp(kRampSize * 4);
  for (uint32_t i = 0; i < kRampSize; ++i) {
    double t = (i + 0.5) / kRampSize;
    t = (t - 0.5 / kRampSize) * kRampSize / (kRampSize - 1);  // texel centres hit 0 and 1 exactly
    size_t k = 0;
    while (k + 1 < stops.size() && stops[k + 1].offset < t) ++k;
    std::array<float, 4> a = linearPremultiplied(stops[k].color);
    std::array<float, 4> c = a;
    if (k + 1 < stops.size() && t > stops[k].offset) {
      std::array<float, 4> b = linearPremultiplied(stops[k + 1].color);
      double span = stops[k + 1].offset - stops[k].offset;
      double f = span > 0 ? std::clamp((t - stops[k].offset) / span, 0.0, 1.0) : 1.0;
      for (int j = 0; j < 4; ++j) c[j] = float(a[j] + (b[j] - a[j]) * f);
    }
    std::copy(c.begin(), c.end(), ramp.begin() + i * 4);
  }
  return addTexture(key.str(), makeTexture(kRampSize, 1, ramp, false), TextureInfo{});
}

std::optional<TextureInfo> Compositor::video(const Node& node) {
  if (!planVideos_) return std::nullopt;
  auto it = planVideos_->find(node.id);
  if (it == planVideos_->end()) return std::nullopt;
  const media::VideoFrame& frame = it->second;
  uint32_t w = uint32_t(frame.format.width), h = uint32_t(frame.format.height);
  if (w == 0 || h == 0 || w > TextureAtlas::kWidth - 2 || h > 8192) return std::nullopt;

  auto [target, created] = videoTargets_.try_emplace(node.id);
  VideoTarget& t = target->second;
  uint64_t key = kVideoKeyBit | std::hash<std::string>{}(node.id) >> 1;
  AtlasRect rect = atlas_.renderTarget(key, w, h);
  if (created) {
    t.textureId = uint32_t(textures_.size());
    textures_.emplace_back().video = true;
  }
  AtlasTexture& tex = textures_[t.textureId];
  bool moved = tex.levels.empty() || tex.levels[0].x != rect.x || tex.levels[0].y != rect.y ||
               tex.levels[0].width != w || tex.levels[0].height != h;
  tex.levels = {rect};
  tex.info.id = t.textureId;
  tex.info.width = w;
  tex.info.height = h;
  tex.info.opaque = !frame.format.hasAlpha;
  tex.info.naturalWidth = w;
  tex.info.naturalHeight = h;
  // Convert only when the picture changed (a 25 fps camera in a 50 fps show
  // converts every other frame); a node shown twice converts once.
  bool queued = std::any_of(videoUploads_.begin(), videoUploads_.end(),
                            [&](const VideoUpload& u) { return u.nodeId == node.id; });
  PictureRegion region = visibleRegion(node, frame.format);
  // Sharpening works on the picture as it converts: a new amount converts again.
  double sharpen = sharpens(frame.format) ? node.getFloat(Prop::Sharpen) : 0.0;
  bool fresh = moved || !t.written || t.serial != frame.serial || t.sharpen != sharpen;
  if (!queued && (fresh || !t.converted.contains(region))) {
    if (!fresh) {  // more of the same picture shows now: convert the union
      region = {std::min(region.x0, t.converted.x0), std::min(region.y0, t.converted.y0),
                std::max(region.x1, t.converted.x1), std::max(region.y1, t.converted.y1)};
    }
    videoUploads_.push_back({node.id, &frame, rect, region, sharpen});
    t.serial = frame.serial;
    t.written = true;
    t.converted = region;
    t.sharpen = sharpen;
    // The texels' version: tiles showing them composite again when it changes.
    tex.version = frame.serial ^ (std::hash<double>{}(sharpen) << 1);
  }
  return tex.info;
}

Compositor::PictureRegion Compositor::visibleRegion(const Node& node,
                                                    const media::PictureFormat& f) {
  const uint32_t w = uint32_t(f.width), h = uint32_t(f.height);
  PictureRegion all{0, 0, w, h};
  // Only pictures the fast conversion reads a word at a time are cut (their
  // plane offsets must stay word-aligned).
  bool cuttable = readsWords(f) && !f.hasAlpha;
  scene::Vec2 box = node.getVec2(Prop::Size);
  if (!cuttable || box.x <= 0 || box.y <= 0) return all;
  ContentPlacement place = placeContent(node, box, w, h);
  // The box (less its crop) in picture pixels, plus two for the bilinear
  // footprint at the edge.
  scene::Insets crop = node.getInsets(Prop::Crop);
  double toPictureX = w / place.width, toPictureY = h / place.height;
  double x0 = (crop.left - place.x) * toPictureX - 2;
  double x1 = (box.x - crop.right - place.x) * toPictureX + 2;
  double y0 = (crop.top - place.y) * toPictureY - 2;
  double y1 = (box.y - crop.bottom - place.y) * toPictureY + 2;
  if (x1 <= x0 || y1 <= y0) return all;  // cropped away: nothing to save
  // Whole 8-pixel columns (4-byte words of luma and of 4:2:x chroma) and
  // whole chroma rows.
  auto down = [](double v, uint32_t step, uint32_t limit) {
    return std::min(limit, uint32_t(std::max(0.0, std::floor(v / step))) * step);
  };
  auto up = [](double v, uint32_t step, uint32_t limit) {
    return std::min(limit, uint32_t(std::max(0.0, std::ceil(v / step))) * step);
  };
  uint32_t rows = 1u << f.chromaShiftY;
  return {down(x0, 8, w), down(y0, rows, h), up(x1, 8, w), up(y1, rows, h)};
}

void Compositor::recordVideo(VkCommandBuffer cmd, Slot& slot, const VideoUpload& upload) {
  const media::VideoFrame& frame = *upload.frame;
  VkDeviceSize paramsBytes = 256;  // keeps the planes' descriptor offset aligned
  VkDeviceSize bytes = paramsBytes + packedPlaneBytes(frame);
  gpu::Buffer& staging = slot.videoStaging[upload.nodeId];
  if (!staging || staging->size < bytes) {
    staging = device_.createBuffer(
        bytes, VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT,
        gpu::MemoryUsage::Upload);
  }
  auto* base = static_cast<uint8_t*>(staging->mapped);
  VideoParams params = packVideoFrame(frame, base + paramsBytes, upload.rect.x, upload.rect.y);
  // Only the region that shows: the planes start at its corner, the shader
  // sees a picture of its size written at its place in the rectangle.
  const PictureRegion& r = upload.region;
  const media::PictureFormat& pf = frame.format;
  if (r.x0 || r.y0 || r.x1 != uint32_t(pf.width) || r.y1 != uint32_t(pf.height)) {
    uint32_t cx = r.x0 >> pf.chromaShiftX, cy = r.y0 >> pf.chromaShiftY;
    params.planeOffset[0] += r.y0 * params.planeStride[0] + r.x0;
    if (pf.layout == media::PlaneLayout::SemiPlanar) {
      params.planeOffset[1] += cy * params.planeStride[1] + 2 * cx;
    } else {
      params.planeOffset[1] += cy * params.planeStride[1] + cx;
      params.planeOffset[2] += cy * params.planeStride[2] + cx;
    }
    params.size = {r.x1 - r.x0, r.y1 - r.y0, upload.rect.x + r.x0, upload.rect.y + r.y0};
    params.bounds = {-int32_t(r.x0), -int32_t(r.y0), pf.width - 1 - int32_t(r.x0),
                     pf.height - 1 - int32_t(r.y0)};
  }
  // Contrast-adaptive sharpening's lobe: -1/8 (gentle) to -1/5 (the most).
  params.sharpen[0] = float(-1.0 / (8.0 - 3.0 * upload.sharpen));
  std::memcpy(base, &params, sizeof params);
  device_.flush(staging);

  const media::PictureFormat& f = frame.format;
  bool quad = readsWords(f) && !f.hasAlpha;
  for (int i = 0; i < 3; ++i) quad = quad && frame.linesize[i] % 4 == 0;
  const uint32_t spec[6] = {
      uint32_t(f.layout), f.bytesPerSample == 2, f.packedYuv422, f.hasAlpha, quad,
      upload.sharpen > 0};
  std::string name = "video_to_rgb#";
  for (uint32_t v : spec) name += std::to_string(v);
  const gpu::ComputePipeline& p = *device_.shared<gpu::ComputePipeline>(name, [&] {
    return new gpu::ComputePipeline(device_, shaders::code("video_to_rgb.comp"),
                                    {{0, VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER},
                                     {1, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER},
                                     {2, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE}},
                                    0, name.c_str(), spec);
  });
  VkDescriptorSet set = descriptors_->allocate(p.setLayout());
  gpu::DescriptorWrites(set)
      .buffer(0, VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, staging->buffer, 0, sizeof(VideoParams))
      .texelBuffer(1, device_.texelView(staging, VK_FORMAT_R32_UINT, paramsBytes))
      .image(2, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_NULL_HANDLE, atlas_.image()->storageView)
      .update(device_.device());
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0, 1, &set, 0, nullptr);
  uint32_t columns = quad ? (params.size[0] + 3) / 4 : params.size[0];
  vkCmdDispatch(cmd, (columns + 7) / 8, (params.size[1] + 7) / 8, 1);
}

void Compositor::writeBuffer(gpu::Buffer& buffer, const void* data, size_t bytes) {
  if (!buffer || buffer->size < bytes) {
    // Grow geometrically; the old buffer is destroyed once its frame retired.
    VkDeviceSize size = std::max<VkDeviceSize>(bytes, buffer ? buffer->size * 2 : 4096);
    buffer = device_.createBuffer(size, VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT,
                                  gpu::MemoryUsage::Upload);
  }
  std::memcpy(buffer->mapped, data, bytes);
  device_.flush(buffer);
}

std::string Compositor::pipelineName(Target target, uint32_t features) const {
  return std::string(target == Target::Nv12    ? "composite_nv12.comp"
                     : target == Target::Rgba8 ? "composite_rgba8.comp"
                                               : "composite_linear.comp") +
         (smallestBuilds_ ? "#" : "#default-build#") + std::to_string(features);
}

gpu::ComputePipeline* Compositor::makePipeline(Target target, uint32_t features) const {
  std::string name = pipelineName(target, features);
  const uint32_t spec[13] = {
      (features & kFeatureTextured) != 0,    (features & kFeatureShadow) != 0,
      (features & kFeatureShadowAlpha) != 0, (features & kFeatureEdges) != 0,
      (features & kFeatureBlendModes) != 0,  (features & kFeatureFiltered) != 0,
      (features & kFeatureCopy) != 0,        (features & kFeatureGradient) != 0,
      (features & kFeatureKey) != 0,         (features & kFeatureMask) != 0,
      (features & kFeatureShine) != 0,       (features & kFeatureBase) != 0,
      (features & kFeatureBaseFiltered) != 0};
  // The smallest build that covers these features compiles fastest.
  std::vector<shaders::Build> builds = shaders::builds(name.substr(0, name.find('#')));
  std::span<const uint32_t> code = builds.front().code;  // the default build
  for (const shaders::Build& b : builds) {
    if (smallestBuilds_ && b.covers(features) && b.code.size() < code.size()) code = b.code;
  }
  return new gpu::ComputePipeline(device_, code, compositeBindings(target == Target::Group),
                                  sizeof(PushConstants), name.c_str(), spec);
}

uint32_t Compositor::pipelineKey(Target target, uint32_t features) {
  return uint32_t(target) * kFeatureClasses + features;
}

bool Compositor::hasPipeline(Target target, uint32_t features) const {
  return pipelines_.count(pipelineKey(target, features)) ||
         device_.hasShared(pipelineName(target, features));
}

void Compositor::adopt(Target target, uint32_t features,
                       std::unique_ptr<gpu::ComputePipeline> made) {
  pipelines_[pipelineKey(target, features)] = device_.shared<gpu::ComputePipeline>(
      pipelineName(target, features), [&] { return made.release(); });
}

const gpu::ComputePipeline& Compositor::pipeline(Target target, uint32_t features) {
  auto& p = pipelines_[pipelineKey(target, features)];
  if (!p) {
    p = device_.shared<gpu::ComputePipeline>(pipelineName(target, features),
                                             [&] { return makePipeline(target, features); });
  }
  return *p;
}

// Compiling a variant takes lavapipe 0.1-0.2 s (several times that before
// Mesa's shader cache holds it) on one core, and a show's first frame needs a
// dozen: the ones no compositor on this device has made yet are compiled on
// every core at once (pipeline creation is thread-safe in Vulkan, and the
// pipeline cache is internally synchronised). Waits for all of them, so an
// offline render stays deterministic.
void Compositor::compilePipelines(Target target, const std::vector<uint32_t>& featureSets) {
  std::vector<uint32_t> missing;
  for (uint32_t f : featureSets) {
    if (!hasPipeline(target, f)) missing.push_back(f);
  }
  if (missing.size() < 2) return;  // pipeline() makes a lone one where it is needed
  std::vector<std::unique_ptr<gpu::ComputePipeline>> made(missing.size());
  std::vector<std::exception_ptr> failed(missing.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < missing.size();) {
      try {
        made[i].reset(makePipeline(target, missing[i]));
      } catch (...) {
        failed[i] = std::current_exception();
      }
    }
  };
  size_t workers =
      std::min<size_t>(missing.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < missing.size(); ++i) {
    if (failed[i]) std::rethrow_exception(failed[i]);
    adopt(target, missing[i], std::move(made[i]));
  }
}

void Compositor::setCompileInBackground(bool on) {
  if (on && !background_) {
    // The fallback must be there before a frame needs it: for the output,
    // and for isolated groups, which a show may show only later.
    pipeline(outputTarget(), kFeatureFallback);
    pipeline(Target::Group, kFeatureFallback);
    background_ = std::make_unique<BackgroundCompiler>();
  }
  if (!on) background_.reset();
}

std::vector<uint32_t> Compositor::variantsToDraw(Target target,
                                                 const std::vector<uint32_t>& featureSets,
                                                 const std::vector<size_t>& tiles) {
  if (fallbackOnly_) return std::vector<uint32_t>(featureSets.size(), kFeatureFallback);
  if (!background_) {
    compilePipelines(target, featureSets);
    return featureSets;
  }
  for (auto& [key, made] : background_->takeFinished()) {
    adopt(Target(key / kFeatureClasses), key % kFeatureClasses, std::move(made));
    ++pipelineCounts_.compiledInBackground;
  }
  std::vector<uint32_t> draw = featureSets;
  for (size_t i = 0; i < draw.size(); ++i) {
    uint32_t f = draw[i];
    if (hasPipeline(target, f)) continue;
    background_->request(pipelineKey(target, f),
                         [this, target, f] { return makePipeline(target, f); });
    draw[i] = kFeatureFallback;  // made now if this target has none yet
    pipelineCounts_.fallbackTiles += tiles[i];
  }
  return draw;
}

// Picks the mip levels the layer samples and maps its uv onto their atlas rectangles.
GpuLayer Compositor::resolve(const DrawLayer& l, const std::vector<AtlasRect>& groupRects) const {
  GpuLayer g = l.gpu;
  if (g.info[2] & kFlagMask) {
    // Mask images never change after upload: their rectangle is all the
    // tile-reuse key needs.
    const std::vector<AtlasRect>& levels = textures_.at(l.maskTexture).levels;
    size_t level = std::min(levels.size() - 1, size_t(std::max(0.0, std::round(l.maskLod))));
    const AtlasRect& r = levels[level];
    g.maskRect = rectOf(r);
    g.maskMap = {float(l.maskUvMap[0] * r.width), float(l.maskUvMap[1] * r.height),
                 float(l.maskUvMap[2] * r.width), float(l.maskUvMap[3] * r.height)};
  }
  if (l.source == DrawLayer::Source::None) return g;
  const std::vector<AtlasRect>* levels = nullptr;
  std::vector<AtlasRect> single;
  if (l.source == DrawLayer::Source::Group) {
    single.push_back(groupRects.at(l.texture));
    levels = &single;
  } else if (l.source == DrawLayer::Source::Particles) {
    single.push_back(particleRects_.at(l.texture));
    levels = &single;
  } else {
    levels = &textures_.at(l.texture).levels;
  }
  auto place = [&](double lod, std::array<float, 4>& map, std::array<float, 4>& rect) {
    size_t level = std::min(levels->size() - 1, size_t(std::max(0.0, std::round(lod))));
    const AtlasRect& r = (*levels)[level];
    rect = rectOf(r);
    // Level texels = normalised uv * level size; computed in double so a
    // texel-for-pixel layer lands exactly on texel centres.
    map = {float(l.uvMap[0] * r.width), float(l.uvMap[1] * r.height), float(l.uvMap[2] * r.width),
           float(l.uvMap[3] * r.height)};
  };
  place(l.contentLod, g.contentMap, g.contentRect);
  place(l.shadowLod, g.shadowMap, g.shadowRect);
  // Texel-for-pixel: output pixel x lands on texel x + k for an integer k.
  // Output pixels map to local units (inv0, inv1) and those to the level's
  // texels (contentMap): a picture scaled by the layer and stored (mip level,
  // resampled copy) at the size it is shown at is aligned as well.
  auto near = [](double v, double to, double tolerance) { return std::abs(v - to) < tolerance; };
  auto integral = [&](double v) { return near(v, std::round(v), 1e-4); };
  const auto& a = g.inv0;
  const auto& b = g.inv1;
  const auto& m = g.contentMap;
  double mx = m[0], my = m[1];
  if (g.info[0] == kKindTexture && near(a[0] * mx, 1, 1e-6) && near(a[1] * mx, 0, 1e-6) &&
      near(b[0] * my, 0, 1e-6) && near(b[1] * my, 1, 1e-6) && integral(a[2] * mx + m[2]) &&
      integral(b[2] * my + m[3])) {
    // Then output pixel (x, y) shows atlas texel (x, y) + offset: the
    // shader's copy and base paths read that instead of mapping each pixel
    // (info.w: two signed 16-bit halves, x low).
    long ox = std::lround(g.contentRect[0] + a[2] * mx + m[2]);
    long oy = std::lround(g.contentRect[1] + b[2] * my + m[3]);
    if (std::abs(ox) < 32768 && std::abs(oy) < 32768) {
      g.info[2] |= kFlagPixelAligned;
      g.info[3] = uint32_t(uint16_t(int16_t(ox))) | uint32_t(uint16_t(int16_t(oy))) << 16;
    }
  }
  return g;
}

Compositor::PreparedList Compositor::prepare(const DrawList& list,
                                             const std::vector<AtlasRect>& groupRects,
                                             const std::vector<uint64_t>& groupKeys) const {
  PreparedList p;
  p.list = &list;
  p.layers.reserve(list.layers.size() + 1);
  std::vector<uint64_t> layerKeys, shadowOnlyKeys;
  std::vector<std::array<float, 4>> contentBounds;  // output pixels
  for (const DrawLayer& l : list.layers) {
    p.layers.push_back(resolve(l, groupRects));
    p.features.push_back(layerFeatures(p.layers.back()));
    p.interiorFeatures.push_back(l.opaque ? layerFeatures(p.layers.back(), false)
                                          : p.features.back());
    // Outside its box (kEntryShadowOnly) the layer's own colour is 0: only
    // its shadow shows.
    p.shadowOnlyFeatures.push_back(shadowFeatures(p.layers.back()));
    p.edgeFeatures.push_back(p.features.back() |
                             (edgesChangeNothing(p.layers.back()) ? 0u : kFeatureEdges));
    p.video.push_back(l.source == DrawLayer::Source::Provider && textures_.at(l.texture).video);
    // A layer's pixels follow from its parameters and the texels it samples.
    // Texels at a rectangle change only for videos (their version) and
    // groups (their key); a group's rectangle differs between frame slots
    // while holding the same picture, so its position is left out.
    GpuLayer k = p.layers.back();
    uint64_t version = 0;
    if (l.source == DrawLayer::Source::Group) {
      k.contentRect[0] = k.contentRect[1] = k.shadowRect[0] = k.shadowRect[1] = 0;
      k.info[3] = 0;  // the texel offset follows the rectangle
      version = groupKeys.at(l.texture);
    } else if (l.source == DrawLayer::Source::Particles) {
      k.contentRect[0] = k.contentRect[1] = k.shadowRect[0] = k.shadowRect[1] = 0;
      k.info[3] = 0;
      version = particleKeys_.at(l.texture);
    } else if (l.source == DrawLayer::Source::Provider) {
      version = textures_.at(l.texture).version;
    }
    uint64_t key = hashBytes(&k, sizeof k);
    layerKeys.push_back(combine(key, version));
    // Outside the layer's box only its shadow shows, and the shadow depends on
    // the texels only when it follows their alpha: there a new video picture
    // leaves the pixels as they were.
    bool texelsOnlyInBox = !(k.info[2] & kFlagShadowFromAlpha);
    shadowOnlyKeys.push_back(texelsOnlyInBox ? combine(key, 0) : layerKeys.back());
    contentBounds.push_back(texelsOnlyInBox ? boxBounds(l) : l.bounds);
  }
  if (p.layers.empty()) p.layers.push_back(GpuLayer{});  // keep the buffer non-empty

  p.bins = binTiles(list);
  uint64_t base = combine(hashBytes(list.background.data(), sizeof list.background),
                          (uint64_t(list.width) << 32) | list.height);
  p.key = base;
  size_t tileCount = size_t(p.bins.tilesX) * p.bins.tilesY;
  p.tileKeys.resize(tileCount);
  for (size_t t = 0; t < tileCount; ++t) {
    uint32_t first = p.bins.ranges[2 * t], count = p.bins.ranges[2 * t + 1];
    float x0 = float((t % p.bins.tilesX) * kTileWidth),
          y0 = float((t / p.bins.tilesX) * kTileHeight);
    uint64_t h = base;
    for (uint32_t k = 0; k < count; ++k) {
      uint32_t entry = p.bins.indices[first + k];
      uint32_t i = entry & kEntryLayer;
      const std::array<float, 4>& b = contentBounds[i];
      bool content = overlapsTile(b, x0, y0);
      h = combine(h, (content ? layerKeys[i] : shadowOnlyKeys[i]) ^ (entry & ~kEntryLayer));
    }
    p.tileKeys[t] = h;
    p.key = combine(p.key, h);
  }
  return p;
}

void Compositor::recordComposite(VkCommandBuffer cmd, const PreparedList& prepared,
                                 const std::vector<bool>& dirty, DispatchBuffers& buffers,
                                 Target target, VkBuffer outputBuffer, AtlasRect groupRect) {
  const DrawList& list = *prepared.list;
  const std::vector<GpuLayer>& layers = prepared.layers;
  const std::vector<uint32_t>& interiorFeatures = prepared.interiorFeatures;
  const TileBins& bins = prepared.bins;

  // Sort tiles into classes by the features their layers need; each class is
  // one dispatch with a pipeline compiled for exactly those features (or a
  // few tiles' class drawn by a larger one's, see pipelineClasses).
  std::vector<uint32_t> tileClass(size_t(bins.tilesX) * bins.tilesY);
  std::map<uint32_t, size_t> classTileCounts;
  for (uint32_t ty = 0; ty < bins.tilesY; ++ty) {
    for (uint32_t tx = 0; tx < bins.tilesX; ++tx) {
      size_t t = size_t(ty) * bins.tilesX + tx;
      uint32_t first = bins.ranges[2 * t], count = bins.ranges[2 * t + 1];
      uint32_t f = 0, k0 = 0;
      if (count > 1 && opaqueImageCovers(list.layers, layers, bins.indices[first])) {
        // Under other layers, an opaque image covering the tile is sampled
        // without the features of the layers over it (which lavapipe would
        // evaluate for it too: it runs both sides of every branch), and
        // theirs without its texture fetch.
        uint32_t i = bins.indices[first] & kEntryLayer;
        f = kFeatureBase | (layers[i].info[2] & kFlagPixelAligned ? 0 : kFeatureBaseFiltered);
        k0 = 1;
      }
      for (uint32_t k = k0; k < count; ++k) {
        uint32_t entry = bins.indices[first + k];
        uint32_t i = entry & kEntryLayer;
        f |= (entry & kEntryInterior)     ? interiorFeatures[i]
             : (entry & kEntryShadowOnly) ? prepared.shadowOnlyFeatures[i]
                                          : prepared.edgeFeatures[i];
      }
      if (count == 1 && opaqueImageCovers(list.layers, layers, bins.indices[first])) {
        // An image placed texel-for-pixel, or a video at any scale, is copied.
        uint32_t i = bins.indices[first] & kEntryLayer;
        if (layers[i].info[2] & kFlagPixelAligned) {
          f = kFeatureCopy;
        } else if (prepared.video[i]) {
          f = kFeatureCopy | kFeatureFiltered;
        }
      }
      tileClass[t] = f;
      ++classTileCounts[f];
    }
  }
  const std::map<uint32_t, uint32_t> drawnBy = pipelineClasses(classTileCounts);
  std::map<uint32_t, std::vector<GpuTile>> classes;
  for (uint32_t ty = 0; ty < bins.tilesY; ++ty) {
    for (uint32_t tx = 0; tx < bins.tilesX; ++tx) {
      size_t t = size_t(ty) * bins.tilesX + tx;
      if (!dirty.empty() && !dirty[t]) continue;
      classes[drawnBy.at(tileClass[t])].push_back(
          {tx, ty, bins.ranges[2 * t], bins.ranges[2 * t + 1]});
    }
  }
  if (classes.empty()) return;  // every tile was reused
  std::vector<GpuTile> tiles;
  std::vector<uint32_t> used, base;
  std::vector<size_t> classTiles;
  for (const auto& [c, members] : classes) {
    used.push_back(c);
    base.push_back(uint32_t(tiles.size()));
    classTiles.push_back(members.size());
    tiles.insert(tiles.end(), members.begin(), members.end());
  }
  writeBuffer(buffers.layers, layers.data(), layers.size() * sizeof(GpuLayer));
  writeBuffer(buffers.tiles, tiles.data(), tiles.size() * sizeof(GpuTile));
  writeBuffer(buffers.indices, bins.indices.data(), bins.indices.size() * sizeof(uint32_t));

  const std::vector<uint32_t> draw = variantsToDraw(target, used, classTiles);
  // Every variant has the same set layout, so one descriptor set serves all.
  const gpu::ComputePipeline& first = pipeline(target, draw.front());
  VkDescriptorSet set = descriptors_->allocate(first.setLayout());
  gpu::DescriptorWrites writes(set);
  writes.texelBuffer(0, device_.texelView(buffers.layers, VK_FORMAT_R32G32B32A32_SFLOAT))
      .texelBuffer(6, device_.texelView(buffers.layers, VK_FORMAT_R32G32B32A32_UINT))
      .texelBuffer(1, device_.texelView(buffers.tiles, VK_FORMAT_R32G32B32A32_UINT))
      .texelBuffer(2, device_.texelView(buffers.indices, VK_FORMAT_R32_UINT))
      .image(3, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, device_.linearClampSampler(),
             atlas_.image()->view)
      // The UNORM view: texels as stored (sRGB-encoded), for the copy path.
      .image(5, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, device_.linearClampSampler(),
             atlas_.image()->storageView);
  if (target == Target::Group) {
    writes.image(4, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_NULL_HANDLE, atlas_.image()->storageView);
  } else {
    writes.buffer(4, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, outputBuffer);
  }
  writes.update(device_.device());

  PushConstants push{};
  std::copy(list.background.begin(), list.background.end(), push.background);
  push.size[0] = list.width;
  push.size[1] = list.height;
  push.stride = target == Target::Group ? list.width : stride_;
  push.targetOffset[0] = int32_t(groupRect.x);
  push.targetOffset[1] = int32_t(groupRect.y);
  push.atlasInvSize[0] = 1.0f / TextureAtlas::kWidth;
  push.atlasInvSize[1] = 1.0f / float(atlas_.height());
  push.byteShift = 8;
  for (size_t u = 0; u < used.size(); ++u) {
    const gpu::ComputePipeline& p = pipeline(target, draw[u]);
    push.tileBase = base[u];
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline());
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0, 1, &set, 0,
                            nullptr);
    vkCmdPushConstants(cmd, p.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push), &push);
    vkCmdDispatch(cmd, uint32_t(classTiles[u]), 1, 1);
  }
}

FrameTicket Compositor::submit(double sceneTime, const VideoFrames& videos, PlanQuality quality) {
  // Plan first: it may decode and upload new textures, which must not happen
  // while a frame is being recorded.
  atlas_.beginFrame();
  if (++submits_ % 30 == 0) dropUnusedTransients();
  planVideos_ = &videos;
  videoUploads_.clear();
  // scene_ stays the reference for assets and messages; the plan is built from
  // the animated copy, which is only updated (not copied) per frame.
  const scene::Scene* planScene = &scene_;
  if (animated_) {
    scene::applyAnimation(scene_, sceneTime, *animated_);
    scene::applyOverrides(propertyOverrides_, *animated_);
    planScene = &*animated_;
  }
  FramePlan plan = buildFramePlan(*planScene, sceneTime, width_, height_, *this, quality);
  planVideos_ = nullptr;
  if (atlas_.image()->image != lastAtlasImage_) {
    // The atlas grew into a new image: only uploaded textures were copied over.
    lastAtlasImage_ = atlas_.image()->image;
    for (Slot& sl : slots_) sl.groups.clear();  // group rectangles were not carried over
    for (const auto& [id, frame] : videos) {
      auto t = videoTargets_.find(id);
      if (t == videoTargets_.end() ||
          std::any_of(videoUploads_.begin(), videoUploads_.end(),
                      [&](const VideoUpload& u) { return u.nodeId == id; }))
        continue;
      PictureRegion all{0, 0, uint32_t(frame.format.width), uint32_t(frame.format.height)};
      videoUploads_.push_back({id, &frame, textures_[t->second.textureId].levels[0], all});
      t->second.serial = frame.serial;
      t->second.converted = all;
    }
  }
  if (videoUploads_.size() > kMaxVideosPerFrame) {
    throw UserError("the scene shows more than " + std::to_string(kMaxVideosPerFrame) +
                    " video sources at once");
  }
  if (plan.groups.size() + 1 > kMaxDispatchesPerFrame) {
    throw UserError("the scene has more than " + std::to_string(kMaxDispatchesPerFrame - 1) +
                    " isolated groups visible at once");
  }

  // Isolated groups render into atlas rectangles of their own, one set per
  // frame slot so a frame in flight never reads what the next one writes.
  uint32_t slotIndex = device_.currentSlot();
  std::vector<AtlasRect> groupRects;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    groupRects.push_back(atlas_.renderTarget((uint64_t(slotIndex) << 32) | i, plan.groups[i].width,
                                             plan.groups[i].height));
  }
  if (plan.particles.size() > ParticlePass::kMaxEmittersPerFrame) {
    throw UserError("the scene has more than " +
                    std::to_string(ParticlePass::kMaxEmittersPerFrame) +
                    " particle emitters with live particles at once");
  }
  particleRects_.clear();
  particleKeys_.clear();
  for (size_t i = 0; i < plan.particles.size(); ++i) {
    ParticleDraw& d = plan.particles[i];
    AtlasRect r =
        atlas_.renderTarget(kParticleKeyBit | (uint64_t(slotIndex) << 32) | i, d.width, d.height);
    // The layer samples only the region that can hold particles.
    const std::array<uint32_t, 4>& region = d.gpu.region;
    particleRects_.push_back({r.x + region[0], r.y + region[1], region[2], region[3]});
    particleKeys_.push_back(d.key);
    d.gpu.target = {r.x, r.y, r.width, r.height};
    if (!d.sprite.empty()) {
      auto it = textureIds_.find("image:" + scene_.resolve(d.sprite).string());
      if (it != textureIds_.end()) d.gpu.sprite = rectOf(textures_[it->second].levels[0]);
    }
  }
  std::vector<PreparedList> groups;
  std::vector<uint64_t> groupKeys;
  for (const DrawList& list : plan.groups) {
    groups.push_back(prepare(list, groupRects, groupKeys));
    groupKeys.push_back(groups.back().key);
  }
  PreparedList main = prepare(plan.main, groupRects, groupKeys);

  // The next output buffer, once its consumer has handed it back.
  uint32_t outputIndex = nextOutput_;
  nextOutput_ = (nextOutput_ + 1) % uint32_t(outputs_.size());
  {
    std::unique_lock lock(ring_->mutex);
    if (ring_->busy[outputIndex]) {
      auto start = std::chrono::steady_clock::now();
      auto free = [&] { return !ring_->busy[outputIndex]; };
      // An encoder that keeps more frames referenced than the ring holds
      // would wait for input forever while we wait for it: after a while,
      // grow the ring instead (bounded, so a consumer that never releases
      // still ends in back-pressure, not unbounded memory).
      if (!ring_->released.wait_for(lock, std::chrono::seconds(2), free) &&
          outputs_.size() < kMaxOutputBuffers) {
        outputIndex = uint32_t(outputs_.size());
        outputs_.push_back(
            device_.createBuffer(outputs_[0]->size, kOutputBufferUsage, outputMemory_));
        ring_->busy.push_back(false);
        log::warn("the encoder holds ", outputs_.size() - 1, " frames; output ring grown to ",
                  outputs_.size(), " buffers");
      } else {
        ring_->released.wait(lock, free);
      }
      outputWaitMs_ +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
    }
    ring_->busy[outputIndex] = true;
  }
  const gpu::Buffer& outputBuffer = outputs_[outputIndex];

  // Tile reuse: most of a show's picture (backdrop, panels, stickers, text
  // between changes) is the same from one frame to the next, and a CPU
  // rasteriser pays for every pixel it composites. A tile whose key matches
  // the previous frame's same tile is copied from the previous output (the
  // copy is one buffer-to-buffer transfer of the whole frame, then the
  // changed tiles are composited over it). The result is byte-identical to
  // compositing every tile: the shader is deterministic and the key covers
  // every input of the tile.
  std::vector<bool> dirty;
  std::optional<uint32_t> previous;
  if (reuseTiles_ && !fallbackOnly_ && lastOutput_ && *lastOutput_ != outputIndex &&
      lastTileKeys_.size() == main.tileKeys.size()) {
    dirty.resize(main.tileKeys.size());
    for (size_t t = 0; t < dirty.size(); ++t) dirty[t] = main.tileKeys[t] != lastTileKeys_[t];
    size_t changed = size_t(std::count(dirty.begin(), dirty.end(), true));
    if (changed < dirty.size()) previous = *lastOutput_;
    if (changed == dirty.size()) dirty.clear();  // nothing to copy: composite everything
    tileCounts_.composited += changed;
    tileCounts_.reused += main.tileKeys.size() - changed;
  } else {
    tileCounts_.composited += main.tileKeys.size();
  }
  // Tile keys and the output they describe are only remembered once the
  // frame is recorded (an exception below leaves the previous ones in force).

  VkCommandBuffer cmd = device_.beginFrame();
  Slot& slot = slots_[slotIndex];
  descriptors_->beginFrame();
  particlePass_->beginFrame(slotIndex);
  slot.backend->begin(cmd);
  if (slot.dispatches.size() < plan.groups.size() + 1) {
    slot.dispatches.resize(plan.groups.size() + 1);
  }
  slot.groups.resize(plan.groups.size());
  slot.timer->begin(cmd);

  // Groups composite children before parents (plan order); each pass samples
  // the atlas and writes its own rectangle of it. The graph orders the passes
  // and places every barrier.
  graph::RenderGraph g;
  const gpu::Image& atlasImage = atlas_.image();
  graph::ImageRef atlas =
      g.importImage("atlas", {atlasImage->format, atlasImage->width, atlasImage->height, 1},
                    atlasImage->image, atlasImage->view,
                    // Left by the previous frame's group passes (or the last upload).
                    {VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT, VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT,
                     VK_IMAGE_LAYOUT_GENERAL},
                    {});
  // New video pictures first: groups and the composite sample them.
  for (const VideoUpload& upload : videoUploads_) {
    g.addPass(
        "video:" + upload.nodeId,
        [&](graph::PassBuilder& b) {
          atlas = b.write(atlas, graph::Access::ComputeSampledStorageReadWrite);
        },
        [&](graph::PassContext& ctx) { recordVideo(ctx.commandBuffer(), slot, upload); });
  }
  // Particles next: groups and the composite sample them.
  for (size_t i = 0; i < plan.particles.size(); ++i) {
    ParticleDraw& d = plan.particles[i];
    d.gpu.atlasInv = {1.0f / TextureAtlas::kWidth, 1.0f / float(atlas_.height()), 0.f, 0.f};
    atlas = particlePass_->add(g, atlas, atlasImage, d, i);
  }
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    // This slot's rectangle still holds the group's picture: nothing to draw.
    CachedGroup& cached = slot.groups[i];
    if (reuseTiles_ && !fallbackOnly_ && cached.key == groups[i].key &&
        cached.rect.x == groupRects[i].x && cached.rect.y == groupRects[i].y) {
      continue;
    }
    cached = {groups[i].key, groupRects[i]};
    g.addPass(
        "group" + std::to_string(i),
        [&](graph::PassBuilder& b) {
          atlas = b.write(atlas, graph::Access::ComputeSampledStorageReadWrite);
        },
        [&, i](graph::PassContext& ctx) {
          recordComposite(ctx.commandBuffer(), groups[i], {}, slot.dispatches[i + 1], Target::Group,
                          VK_NULL_HANDLE, groupRects[i]);
        });
  }
  graph::BufferRef output =
      g.importBuffer("output", {outputBuffer->size}, outputBuffer->buffer, graph::ResourceState{},
                     graph::ResourceState{VK_PIPELINE_STAGE_2_HOST_BIT, VK_ACCESS_2_HOST_READ_BIT,
                                          VK_IMAGE_LAYOUT_UNDEFINED});
  if (previous) {
    const gpu::Buffer& from = outputs_[*previous];
    graph::BufferRef last =
        g.importBuffer("previous output", {from->size}, from->buffer,
                       // Written by the previous frame's composite, possibly still running.
                       {VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT,
                        VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT, VK_IMAGE_LAYOUT_UNDEFINED},
                       {});
    g.addPass(
        "reuse unchanged tiles",
        [&](graph::PassBuilder& b) {
          b.read(last, graph::Access::TransferSrc);
          output = b.write(output, graph::Access::TransferDst);
        },
        [&](graph::PassContext& ctx) {
          VkBufferCopy region{0, 0, from->size};
          vkCmdCopyBuffer(ctx.commandBuffer(), ctx.buffer(last), ctx.buffer(output), 1, &region);
        });
  }
  g.addPass(
      "composite",
      [&](graph::PassBuilder& b) {
        b.read(atlas, graph::Access::ComputeSampledReadGeneral);
        output = b.write(output, graph::Access::ComputeStorageWrite);
      },
      [&](graph::PassContext& ctx) {
        recordComposite(ctx.commandBuffer(), main, dirty, slot.dispatches[0], outputTarget(),
                        ctx.buffer(output), AtlasRect{});
      });
  g.markOutput(output);
  for (OutputReader* reader : outputReaders_)
    reader->addPasses(g, output, outputBuffer, outputIndex);
  graph::execute(g, g.compile(), *slot.backend);
  lastOutput_ = outputIndex;
  lastTileKeys_ = std::move(main.tileKeys);

  slot.timer->end(cmd);
  FrameTicket ticket;
  ticket.slot = slotIndex;
  ticket.output = outputIndex;
  ticket.timeline = device_.submitFrame();
  return ticket;
}

FrameOutput Compositor::wait(const FrameTicket& ticket) {
  device_.waitForFrame(ticket.timeline);
  Slot& slot = slots_[ticket.slot];
  gpu::Buffer buffer = outputs_[ticket.output];
  device_.invalidate(buffer);
  FrameOutput out;
  if (buffer->mapped)
    out.bytes = {static_cast<const uint8_t*>(buffer->mapped), size_t(buffer->size)};
  out.buffer = buffer;
  // The deleter keeps the buffer alive and hands it back to the ring.
  out.lease =
      std::shared_ptr<void>(buffer.get(), [ring = ring_, index = ticket.output, buffer](void*) {
        {
          std::lock_guard lock(ring->mutex);
          ring->busy[index] = false;
        }
        ring->released.notify_all();
      });
  out.width = width_;
  out.height = height_;
  out.stride = stride_;
  out.gpuMs = slot.timer->milliseconds();
  return out;
}

}  // namespace mq::render
