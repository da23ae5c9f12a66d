#include "runtime/show_data.h"

#include "core/error.h"
#include "core/log.h"
#include "runtime/show_media.h"

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
  // The loader has checked both; a failure here would be a bug, not input.
  if (!scene.dataJson.empty()) store_.loadInitial(nlohmann::json::parse(scene.dataJson), "/data");
  if (!scene.rulesJson.empty())
    rules_ = data::RuleSet::parse(nlohmann::json::parse(scene.rulesJson), "/rules");
  if (feed && feed->string() != "-") store_.loadFeedFile(*feed);
}

std::vector<std::string> ShowData::frame(double t, int64_t frameIndex, scene::Scene& scene,
                                         ShowMedia* media) {
  applyUntil(t);
  std::vector<std::string> fired;
  if (rules_.size() == 0) return fired;
  for (const data::FiredRule& f : rules_.evaluate(store_)) {
    fired.push_back(f.id);
    const nlohmann::json& a = f.action;
    log::info("rule ", f.id, " fired at ", t, " s: ", a.dump());
    auto cue = [&](double time) {
      scene::Cue c;
      c.time = time;
      c.jsonPointer = "/rules";
      return c;
    };
    if (a.contains("start")) {
      scene::Cue c = cue(t);
      c.start = a["start"].get<std::string>();
      scene.cues.push_back(c);
      if (a.contains("for")) {
        scene::Cue stop = cue(t + a["for"].get<double>());
        stop.stop = c.start;
        scene.cues.push_back(stop);
      }
    } else if (a.contains("stop")) {
      scene::Cue c = cue(t);
      c.stop = a["stop"].get<std::string>();
      scene.cues.push_back(c);
    } else if (a.contains("play") && media) {
      media->fire(a["play"].get<std::string>(), frameIndex);
    }
  }
  return fired;
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
