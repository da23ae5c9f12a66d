#include "render/asset_check.h"

#include <stb_image.h>

#include <functional>

#include "core/error.h"
#include "text/text_renderer.h"

namespace mq::render {
namespace {

void forEachNode(const std::vector<scene::Node>& nodes,
                 const std::function<void(const scene::Node&)>& visit) {
  for (const scene::Node& n : nodes) {
    visit(n);
    forEachNode(n.children, visit);
  }
}

}  // namespace

std::vector<scene::SceneIssue> checkFonts(const scene::Scene& scene) {
  std::vector<scene::SceneIssue> issues;
  forEachNode(scene.nodes, [&](const scene::Node& n) {
    if (n.kind != scene::NodeKind::Text) return;
    try {
      text::resolveFont(n.getString(scene::Prop::Font), scene.baseDir);
    } catch (const UserError& e) {
      issues.push_back(scene::issueAt(scene, n.jsonPointer + "/font", e.what()));
    }
  });
  return issues;
}

std::vector<scene::SceneIssue> checkImages(const scene::Scene& scene) {
  std::vector<scene::SceneIssue> issues;
  auto check = [&](const scene::Node& n, scene::Prop property) {
    auto file = scene.resolve(n.getString(property));
    int w = 0, h = 0, channels = 0;
    if (stbi_uc* pixels = stbi_load(file.c_str(), &w, &h, &channels, 4)) {
      stbi_image_free(pixels);
      return;
    }
    const char* why = stbi_failure_reason();
    issues.push_back(
        scene::issueAt(scene, n.jsonPointer + "/" + scene::property(property).name,
                       "cannot decode image " + file.string() + ": " + (why ? why : "unknown")));
  };
  forEachNode(scene.nodes, [&](const scene::Node& n) {
    if (n.kind == scene::NodeKind::Image) check(n, scene::Prop::Source);
    if (!n.getString(scene::Prop::Mask).empty()) check(n, scene::Prop::Mask);
  });
  return issues;
}

}  // namespace mq::render
