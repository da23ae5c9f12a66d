// Checks a scene's assets the way rendering will use them, so `marquee
// validate` and the compositor report the same problems in the same form
// (FILE:LINE:COL: POINTER: message).
#pragma once

#include <vector>

#include "scene/scene.h"

namespace mq::render {

// Every text node's font resolves (file or fontconfig family).
std::vector<scene::SceneIssue> checkFonts(const scene::Scene& scene);
// Every image node's source, and every mask image, decodes completely (a
// header check passes a truncated PNG; rendering would not).
std::vector<scene::SceneIssue> checkImages(const scene::Scene& scene);

}  // namespace mq::render
