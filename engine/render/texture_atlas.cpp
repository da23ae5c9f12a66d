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
  for (const Upload& u : uploads_) regions.push_back(regionOf(u.rect, u.texels));
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

std::vector<AtlasRect> TextureAtlas::add(const TextureData& data) {
  // Place every level first: a growth on the way re-uploads what the atlas
  // already holds, and these levels are uploaded once, below.
  std::vector<AtlasRect> rects;
  uint32_t w = data.width, h = data.height;
  for (size_t i = 0; i < data.levels.size(); ++i) {
    rects.push_back(allocate(w, h));
    w = std::max(1u, w / 2);
    h = std::max(1u, h / 2);
  }
  std::vector<gpu::RegionUpload> regions;
  for (size_t i = 0; i < rects.size(); ++i) {
    uploads_.push_back({rects[i], data.levels[i]});
    regions.push_back(regionOf(rects[i], data.levels[i]));
  }
  device_.uploadRegions(image_, regions, /*fresh=*/false);
  return rects;
}

AtlasRect TextureAtlas::renderTarget(uint64_t key, uint32_t width, uint32_t height) {
  auto it = targets_.find(key);
  if (it != targets_.end() && it->second.width == width && it->second.height == height) {
    return it->second;
  }
  // Nothing to upload: the atlas is cleared when it is created and rectangles
  // are never reused, so a new one and its gutter read as transparent, and the
  // GPU writes the inside every frame (also after a growth).
  AtlasRect r = allocate(width, height);
  targets_[key] = r;
  return r;
}

}  // namespace mq::render
