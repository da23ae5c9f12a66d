#include "scene_test_util.h"

#include <catch2/catch.hpp>
#include <vector>

// Debian installs stb headers under /usr/include/stb; the library is libstb.so,
// which already holds the implementation (so no STB_IMAGE_WRITE_IMPLEMENTATION).
#if __has_include(<stb_image_write.h>)
#include <stb_image_write.h>
#else
#include <stb/stb_image_write.h>
#endif

namespace mq::scene::test {

void writePng(const fs::path& path, int width, int height) {
  std::vector<unsigned char> pixels(size_t(width * height * 4));
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 37);
  if (!stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4))
    throw std::runtime_error("stbi_write_png failed: " + path.string());
}

SceneIssue onlyIssue(const std::string& text, const fs::path& file) {
  auto error = parseError(text, file);
  REQUIRE(error);
  INFO(error->what());
  REQUIRE(error->issues().size() == 1);
  return error->issues()[0];
}

std::optional<SceneError> parseError(const std::string& text, const fs::path& file) {
  try {
    parseScene(text, file);
  } catch (const SceneError& e) {
    return e;
  }
  return std::nullopt;
}

std::optional<SceneError> loadError(const fs::path& file) {
  try {
    loadScene(file);
  } catch (const SceneError& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace mq::scene::test
