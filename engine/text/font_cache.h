// Private to engine/text: loaded font files, shared by every render.
#pragma once

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include <filesystem>
#include <mutex>

namespace mq::text {

// One font file, loaded once and kept until exit. An FT_Face (and the hb_face
// that reads its tables) is not thread-safe, so every use of `face` and `hb`
// holds `mutex`. Each Font owns its FT_Library so fonts never contend.
struct Font {
  std::mutex mutex;
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  hb_font_t* hb = nullptr;  // HarfBuzz's own (OpenType) metrics at scale = units per em
  double unitsPerEm = 0;
  double ascender = 0;  // em fractions (hhea), both positive
  double descender = 0;

  Font() = default;
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;
  ~Font();
};

// Returns the cached Font for `file`, loading it on first use. Thread-safe.
// Throws mq::UserError if the file is missing or is not a scalable font.
Font& loadFont(const std::filesystem::path& file);

}  // namespace mq::text
