// Live data in a show: a data store fed by a JSON-lines file or pipe
// (`--data FILE|-`, see engine/data/data_store.h), the texts that are
// templates (`"Only {stock.blue_xl} Blue XLs left!"`: a text node's text, a
// widget's title, price, ...) rendered from it each frame, and the node
// properties bound to its values (scene/property_binding.h). Offline, timed lines apply at their
// show time, so renders stay deterministic; live, a pipe applies lines as they arrive.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/data_store.h"
#include "data/rules.h"
#include "data/text_template.h"
#include "scene/property_binding.h"
#include "scene/scene.h"

namespace mq::runtime {

class ShowMedia;

class ShowData {
 public:
  // Compiles every templated text containing '{' (a malformed one is a
  // scene::SceneError at its property), and loads `feed` if given (errors
  // name the file and line). A feed of "-" is not loaded here: see applyLine().
  ShowData(const scene::Scene& scene, const std::optional<std::filesystem::path>& feed);

  // Applies every timed change due by show time `t` (seconds).
  void applyUntil(double t);

  // One output frame at show time `t`: applies the data due, evaluates the
  // scene's rules and bindings (a tweening binding moves on to `t`: call this
  // for every frame in order), and carries out what fired — a clip start (and its stop
  // after "for" seconds) or stop becomes a cue in `scene` at `t` (so
  // animation, a pure function of the cues, plays it), a sound plays in
  // `media` on that frame. Returns the ids of the rules that fired.
  std::vector<std::string> frame(double t, int64_t frameIndex, scene::Scene& scene,
                                 ShowMedia* media);
  // A line from a live pipe (thread-safe); false and a warning when malformed.
  bool applyLine(const std::string& line);

  // Every value live data sets in the last frame(): the templated texts, and
  // the bound properties. A binding whose data value is missing keeps the
  // result it last had (before its first result, the node's own value shows).
  scene::PropertyOverrides overrides() const;
  bool empty() const { return templates_.empty() && bindings_.empty() && rules_.size() == 0; }
  const data::DataStore& store() const { return store_; }

 private:
  struct BoundProperty {
    std::string node;
    scene::PropertyBinding binding;
    std::optional<scene::PropertyValue> shown;  // none before the first result
    scene::PropertyValue from, to;              // the tween under way
    double tweenStart = 0;
  };
  void updateBinding(BoundProperty& b, double t);
  data::DataStore store_;
  std::map<std::pair<std::string, scene::Prop>, data::TextTemplate> templates_;
  std::vector<BoundProperty> bindings_;
  data::RuleSet rules_;
};

}  // namespace mq::runtime
