#include "runtime/show_data.h"

#include "core/error.h"
#include "core/log.h"

namespace mq::runtime {

ShowData::ShowData(const scene::Scene& scene, const std::optional<std::filesystem::path>& feed) {
  std::vector<scene::SceneIssue> issues;
  for (const scene::Node* n : scene.allNodes()) {
    if (n->kind != scene::NodeKind::Text) continue;
    const std::string& text = n->getString(scene::Prop::Text);
    if (text.find('{') == std::string::npos) continue;
    try {
      templates_.emplace(n->id, data::TextTemplate::compile(text, {}, "text template"));
    } catch (const UserError& e) {
      issues.push_back(scene::issueAt(scene, n->jsonPointer + "/text", e.what()));
    }
  }
  if (!issues.empty()) throw scene::SceneError(std::move(issues));
  if (feed && feed->string() != "-") store_.loadFeedFile(*feed);
}

void ShowData::applyUntil(double t) {
  for (const std::string& problem : store_.applyUntil(t)) log::warn("data: ", problem);
}

bool ShowData::applyLine(const std::string& line) {
  return store_.applyNow(line, "--data -");
}

std::map<std::string, std::string> ShowData::texts() const {
  std::map<std::string, std::string> out;
  for (const auto& [id, t] : templates_) out[id] = t.render(store_).text;
  return out;
}

}  // namespace mq::runtime
