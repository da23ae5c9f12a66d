// SPIR-V compiled from shaders/*.comp|vert|frag at build time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mq::shaders {

// The SPIR-V words of a shader by its source file name ("composite.comp").
// Aborts if there is no such shader: the set is fixed at build time.
std::span<const uint32_t> code(std::string_view fileName);

}  // namespace mq::shaders
