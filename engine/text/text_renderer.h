// Text layers: shaping (HarfBuzz), rasterising (FreeType) and layout (wrapping,
// alignment, line height) into a bitmap the compositor samples like an image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mq::text {

enum class Align : uint8_t { Left, Center, Right };

struct TextStyle {
  std::string text;                      // UTF-8; '\n' forces a line break
  std::filesystem::path fontFile;        // resolved with resolveFont()
  double fontSize = 48;                  // em size, canvas px
  float color[4] = {1, 1, 1, 1};         // linear RGB, straight alpha
  double outlineWidth = 0;               // canvas px
  float outlineColor[4] = {0, 0, 0, 1};  // linear RGB, straight alpha
  Align align = Align::Left;
  double lineHeight = 1.2;  // baseline-to-baseline, in em
  double boxWidth = 0;      // > 0: wrap lines at this width (canvas px) and align within it;
                            // 0: no wrapping, box as wide as the widest line
  double boxHeight = 0;     // > 0: fixed box height (text past it is clipped); 0: fits the lines
};

// A rendered text box. Pixels are linear-light RGBA with premultiplied alpha,
// row-major, top row first. The bitmap covers the box plus `padding` pixels on
// every side (outline and glyph overhang can reach outside the box).
struct TextBitmap {
  int width = 0, height = 0;  // pixels, including padding
  int padding = 0;            // pixels on each side around the box
  double boxWidth = 0;        // canvas px (the node's automatic size)
  double boxHeight = 0;       // canvas px
  std::vector<float> rgba;    // width * height * 4
};

// Renders `style` with `pixelsPerUnit` output pixels per canvas pixel (the
// output scale), so text stays sharp at any --output-size. Deterministic.
// Throws mq::UserError if the font cannot be loaded.
TextBitmap renderText(const TextStyle& style, double pixelsPerUnit);

// Resolves a font property: an existing file (absolute, or relative to
// baseDir), else a family name looked up with fontconfig (e.g. "DejaVu Sans",
// "DejaVu Sans:bold"). Throws mq::UserError naming the font when nothing matches.
std::filesystem::path resolveFont(const std::string& familyOrFile,
                                  const std::filesystem::path& baseDir);

}  // namespace mq::text
