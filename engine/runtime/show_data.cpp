#include "runtime/show_data.h"

#include "core/error.h"
#include "core/log.h"
#include "runtime/show_media.h"
#include "scene/animation.h"

namespace mq::runtime {

namespace {

// The texts a designer writes for viewers to read, which may therefore hold
// {placeholders}; fonts, URLs, ids and clock times never do.
constexpr scene::Prop kTemplatedTexts[] = {
    scene::Prop::Text,     scene::Prop::Title,  scene::Prop::Subtitle, scene::Prop::Price,
    scene::Prop::OldPrice, scene::Prop::AtZero, scene::Prop::AtGoal};

}  // namespace

ShowData::ShowData(const scene::Scene& scene, const std::optional<std::filesystem::path>& feed) {
  std::vector<scene::SceneIssue> issues;
  for (const scene::Node* n : scene.allNodes()) {
    for (scene::Prop p : kTemplatedTexts) {
      if (!scene::appliesTo(p, n->kind)) continue;
      const std::string& text = n->getString(p);
      if (text.find('{') == std::string::npos) continue;
      data::FormatOptions options;
      // A ticker scrolls a list of comments one after another.
      if (n->kind == scene::NodeKind::Ticker)
        options.listSeparator = n->getString(scene::Prop::Separator);
      try {
        templates_.emplace(std::pair(n->id, p),
                           data::TextTemplate::compile(text, options, "text template"));
      } catch (const UserError& e) {
        issues.push_back(
            scene::issueAt(scene, n->jsonPointer + "/" + scene::property(p).name, e.what()));
      }
    }
    for (const scene::PropertyBinding& b : n->bindings) {
      BoundProperty bound;
      bound.node = n->id;
      bound.binding = b;
      bindings_.push_back(std::move(bound));
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
      // The clip's own sound, on this frame like the start.
      if (const scene::Clip* clip = scene.findClip(c.start); clip && media && !clip->sound.empty())
        media->fire(clip->sound, frameIndex);
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
  for (BoundProperty& b : bindings_) updateBinding(b, t);
  return fired;
}

void ShowData::updateBinding(BoundProperty& b, double t) {
  std::optional<scene::PropertyValue> target = scene::evaluateBinding(b.binding, store_);
  if (!target) return;  // keeps what it shows
  if (!b.shown || b.binding.tween <= 0) {
    // The first result shows at once: a show that opens mid-count does not
    // roll up from zero.
    b.shown = b.from = b.to = *target;
    b.tweenStart = t;
    return;
  }
  if (*target != b.to) {
    // Retargeted mid-way: the new tween starts where the value is now, so it
    // never jumps.
    b.from = *b.shown;
    b.to = *target;
    b.tweenStart = t;
  }
  const scene::PropertyDesc& desc = scene::property(b.binding.property);
  double x = (t - b.tweenStart) / b.binding.tween;
  b.shown = x >= 1 ? b.to : scene::interpolate(desc, b.from, b.to, scene::ease(b.binding.ease, x));
}

void ShowData::applyUntil(double t) {
  for (const std::string& problem : store_.applyUntil(t)) log::warn("data: ", problem);
}

bool ShowData::applyLine(const std::string& line) {
  return store_.applyNow(line, "--data -");
}

scene::PropertyOverrides ShowData::overrides() const {
  scene::PropertyOverrides out;
  for (const auto& [key, t] : templates_)
    out.push_back({key.first, key.second, t.render(store_).text});
  for (const BoundProperty& b : bindings_)
    if (b.shown) out.push_back({b.node, b.binding.property, *b.shown});
  return out;
}

}  // namespace mq::runtime
