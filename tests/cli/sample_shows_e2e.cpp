// The sample shows in scenes/: every scene file validates with the marquee
// executable, and every show carries its main camera as the video node with
// id "camera" (what `--input camera=...` replaces).
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

std::vector<fs::path> sceneFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(sourceDir() / "scenes")) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every scene in scenes/ validates", "[cli][shows]") {
  std::vector<fs::path> files = sceneFiles();
  REQUIRE(files.size() >= 8);
  for (const fs::path& f : files) {
    RunResult r = runMarquee({"validate", f.string()}, sourceDir());
    INFO(r.describe());
    CHECK(r.exited);
    CHECK(r.status == 0);
  }
}

TEST_CASE("every sample show has its main camera as video node \"camera\"", "[cli][shows]") {
  const std::set<std::string> shows = {"drop-event", "studio-residency", "creator-variety-hour",
                                       "warehouse-tour", "tutorial-workshop"};
  std::set<std::string> seen;
  for (const fs::path& f : sceneFiles()) {
    std::string stem = f.stem().string();
    std::string show = stem;
    if (auto dash = show.rfind("-landscape"); dash != std::string::npos) show.resize(dash);
    if (!shows.count(show)) continue;
    seen.insert(show);
    nlohmann::json scene = nlohmann::json::parse(readFile(f));
    int cameras = 0;
    std::string kind;
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& nodes) {
      for (const auto& n : nodes) {
        if (n.value("id", "") == "camera") {
          ++cameras;
          kind = n.value("kind", "");
        }
        if (n.contains("children")) walk(n["children"]);
      }
    };
    walk(scene["nodes"]);
    INFO(f.string());
    CHECK(cameras == 1);
    CHECK(kind == "video");
    CHECK(scene["nodes"].dump().find("builtin:camera") != std::string::npos);
    // Vertical shows are 1080x1920, their landscape versions 1920x1080.
    bool landscape = stem != show;
    CHECK(scene["canvas"]["width"] == (landscape ? 1920 : 1080));
    CHECK(scene["canvas"]["height"] == (landscape ? 1080 : 1920));
  }
  CHECK(seen == shows);
}
