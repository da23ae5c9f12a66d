// SPIR-V compiled from shaders/*.comp|vert|frag at build time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mq::shaders {

// The SPIR-V words of a shader by its source file name ("composite.comp"), in
// its default build. Aborts if there is no such shader: the set is fixed at
// build time.
std::span<const uint32_t> code(std::string_view fileName);

// One build of a shader with feature switches (the top of composite.glsl):
// the features in `fixedOn` are compiled in, those in `switchable` are
// specialisation constants, the others are compiled out. The default build
// has every feature switchable; so has the one build of any other shader.
struct Build {
  uint32_t fixedOn = 0;
  uint32_t switchable = 0;
  std::span<const uint32_t> code;

  // This build can be specialised for exactly `features`.
  bool covers(uint32_t features) const {
    return (fixedOn & ~features) == 0 && (features & ~(fixedOn | switchable)) == 0;
  }
};

// Every build of a shader, the default one first; aborts like code().
std::vector<Build> builds(std::string_view fileName);

}  // namespace mq::shaders
