#include "render/texture_atlas.h"

#include <algorithm>

#include "core/error.h"

namespace mq::render {

namespace {

gpu::RegionUpload regionOf(const AtlasRect& r, const std::vector<uint8_t>& texels) {
  return {r.x, r.y, r.width, r.height, {texels.data(), texels.size()}};
}

}  // namespace

TextureAtlas::TextureAtlas(gpu::Device& device) : device_(device) {
  grow(1024);
}

void TextureAtlas::grow(uint32_t minHeight) {
  uint32_t limit = std::min<uint32_t>(device_.limits().maxImageDimension2D, 16384);
  uint32_t h = std::max<uint32_t>(height_, 1024);
  // Powers of two keep normalised texel centres exact in float.
  while (h < minHeight) h *= 2;
  if (h > limit) {
    throw UserError("the scene's images, text and groups do not fit in the " +
                    std::to_string(kWidth) + "x" + std::to_string(limit) +
                    " texture atlas; use smaller images");
  }
  if (h == height_ && image_) return;
  gpu::ImageCreateInfo info;
  info.format = VK_FORMAT_R8G8B8A8_SRGB;
  info.storageViewFormat = VK_FORMAT_R8G8B8A8_UNORM;
  info.width = kWidth;
  info.height = h;
  info.usage =
      VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  image_ = device_.createImage(info);  // the old one is destroyed once no frame uses it
  height_ = h;
  std::vector<gpu::RegionUpload> regions;
  for (const auto& [at, u] : uploads_) regions.push_back(regionOf(u.rect, u.texels));
  device_.uploadRegions(image_, regions, /*fresh=*/true);
}

AtlasRect TextureAtlas::allocate(uint32_t width, uint32_t height) {
  uint32_t w = width + 2, h = height + 2;  // gutters
  if (w > kWidth) {
    throw UserError("an image " + std::to_string(width) + " texels wide does not fit the " +
                    std::to_string(kWidth) + "-texel texture atlas");
  }
  if (shelfX_ + w > kWidth) {
    shelfY_ += shelfHeight_;
    shelfX_ = 0;
    shelfHeight_ = 0;
  }
  AtlasRect r{shelfX_ + 1, shelfY_ + 1, width, height};
  shelfX_ += w;
  shelfHeight_ = std::max(shelfHeight_, h);
  if (shelfY_ + shelfHeight_ > height_) grow(shelfY_ + shelfHeight_);
  return r;
}

std::optional<AtlasRect> TextureAtlas::reuse(uint32_t width, uint32_t height) {
  const uint64_t need = uint64_t(width + 2) * (height + 2);
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->width < width + 2 || it->height < height + 2) continue;
    if (best == free_.end() ||
        uint64_t(it->width) * it->height < uint64_t(best->width) * best->height)
      best = it;
  }
  // A slot four times the size would mostly stand empty: pack a new one.
  if (best == free_.end() || uint64_t(best->width) * best->height > 4 * need) return std::nullopt;
  AtlasRect slot = *best;
  *best = free_.back();
  free_.pop_back();
  return slot;
}

TextureAtlas::Placement TextureAtlas::place(uint32_t width, uint32_t height) {
  if (std::optional<AtlasRect> slot = reuse(width, height)) {
    return {{slot->x + 1, slot->y + 1, width, height}, *slot, true};
  }
  AtlasRect r = allocate(width, height);
  return {r, {r.x - 1, r.y - 1, width + 2, height + 2}, false};
}

std::vector<AtlasRect> TextureAtlas::add(const TextureData& data) {
  // Place every level first: a growth on the way re-uploads what the atlas
  // already holds, and these levels are uploaded once, below.
  std::vector<Placement> places;
  uint32_t w = data.width, h = data.height;
  for (size_t i = 0; i < data.levels.size(); ++i) {
    places.push_back(place(w, h));
    w = std::max(1u, w / 2);
    h = std::max(1u, h / 2);
  }
  // A reused slot still holds its last texture: the texels go in with a
  // transparent one-texel gutter around them, which is all the shader reads
  // beyond the rect.
  std::vector<std::vector<uint8_t>> padded;
  padded.reserve(places.size());
  std::vector<gpu::RegionUpload> regions;
  std::vector<AtlasRect> rects;
  for (size_t i = 0; i < places.size(); ++i) {
    const AtlasRect& r = places[i].rect;
    rects.push_back(r);
    uploads_[{r.x, r.y}] = {r, places[i].slot, data.levels[i]};
    if (!places[i].reused) {
      regions.push_back(regionOf(r, data.levels[i]));
      continue;
    }
    const uint32_t pw = r.width + 2, ph = r.height + 2;
    std::vector<uint8_t>& p = padded.emplace_back(size_t(pw) * ph * 4, uint8_t(0));
    for (uint32_t y = 0; y < r.height; ++y)
      std::copy_n(&data.levels[i][size_t(y) * r.width * 4], size_t(r.width) * 4,
                  &p[(size_t(y + 1) * pw + 1) * 4]);
    regions.push_back({r.x - 1, r.y - 1, pw, ph, {p.data(), p.size()}});
  }
  device_.uploadRegions(image_, regions, /*fresh=*/false);
  return rects;
}

void TextureAtlas::release(const std::vector<AtlasRect>& levels) {
  for (const AtlasRect& r : levels) {
    auto it = uploads_.find({r.x, r.y});
    if (it == uploads_.end()) continue;
    retire(it->second.slot);
    uploads_.erase(it);
  }
}

void TextureAtlas::retire(const AtlasRect& slot) {
  retired_.push_back({slot, frame_ + kReuseDelayFrames});
}

void TextureAtlas::beginFrame() {
  ++frame_;
  auto ready = std::partition(retired_.begin(), retired_.end(),
                              [&](const Retired& r) { return r.reusableAt > frame_; });
  for (auto it = ready; it != retired_.end(); ++it) free_.push_back(it->slot);
  retired_.erase(ready, retired_.end());
}

AtlasRect TextureAtlas::renderTarget(uint64_t key, uint32_t width, uint32_t height) {
  auto it = targets_.find(key);
  if (it != targets_.end()) {
    if (it->second.rect.width == width && it->second.rect.height == height) return it->second.rect;
    // A group that changes size (an animated scale) leaves its old space for
    // reuse; the frame that last drew into it has retired (keys are per frame
    // slot).
    retire(it->second.slot);
  }
  // The GPU writes the inside every frame (also after a growth); the gutter
  // must read as transparent. New space is (the atlas is cleared when it is
  // created); reused space is cleared here.
  Placement p = place(width, height);
  if (p.reused) {
    const AtlasRect& s = p.slot;
    std::vector<uint8_t> zeros(size_t(s.width) * s.height * 4, 0);
    gpu::RegionUpload clear{s.x, s.y, s.width, s.height, {zeros.data(), zeros.size()}};
    device_.uploadRegions(image_, {&clear, 1}, /*fresh=*/false);
  }
  targets_[key] = {p.rect, p.slot};
  return p.rect;
}

}  // namespace mq::render
