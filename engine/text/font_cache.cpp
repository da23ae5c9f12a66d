// Font files: fontconfig lookup (resolveFont) and the FreeType/HarfBuzz face cache.
#include "text/font_cache.h"

#include <fontconfig/fontconfig.h>
#include <hb-ft.h>

#include <map>
#include <memory>

#include "core/error.h"
#include "text/text_renderer.h"

namespace mq::text {

namespace fs = std::filesystem;

Font::~Font() {
  if (hb) hb_font_destroy(hb);  // drops the hb_face, which holds its own face reference
  if (face) FT_Done_Face(face);
  if (library) FT_Done_FreeType(library);
}

Font& loadFont(const fs::path& file) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Font>> fonts;
  std::lock_guard lock(mutex);
  auto& slot = fonts[file.string()];
  if (slot) return *slot;

  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    fonts.erase(file.string());
    throw UserError("font file not found: \"" + file.string() + "\"");
  }
  auto font = std::make_unique<Font>();
  FT_Error err = FT_Init_FreeType(&font->library);
  if (!err) err = FT_New_Face(font->library, file.c_str(), 0, &font->face);
  if (err || !FT_IS_SCALABLE(font->face) || font->face->units_per_EM == 0) {
    fonts.erase(file.string());
    throw UserError("cannot load font \"" + file.string() + "\": " +
                    (err ? "FreeType error " + std::to_string(err) : "not a scalable font"));
  }
  // Shaping uses HarfBuzz's OpenType functions in font units rather than hb_ft's
  // size-dependent FreeType metrics: layout is then exact and independent of the
  // raster size, so it scales linearly with pixelsPerUnit.
  hb_face_t* hbFace = hb_ft_face_create_referenced(font->face);
  font->hb = hb_font_create(hbFace);
  hb_face_destroy(hbFace);
  const FT_Face f = font->face;
  font->unitsPerEm = f->units_per_EM;
  hb_font_set_scale(font->hb, f->units_per_EM, f->units_per_EM);
  font->ascender = f->ascender / font->unitsPerEm;
  font->descender = -f->descender / font->unitsPerEm;
  slot = std::move(font);
  return *slot;
}

namespace {

// fontconfig substitutes these generic names with a real family, so the
// "family must match" rule below would always reject them; they are accepted
// because by definition they mean "whatever this system uses".
bool isGenericFamily(const std::string& family) {
  for (const char* g : {"sans-serif", "sans", "serif", "monospace", "mono"})
    if (FcStrCmpIgnoreCase(reinterpret_cast<const FcChar8*>(g),
                           reinterpret_cast<const FcChar8*>(family.c_str())) == 0)
      return true;
  return false;
}

// Returns the file fontconfig picks for `name` ("Family[:props]"), or an empty
// path when no installed family has that name. Caller holds the lookup mutex.
fs::path matchFamily(const std::string& name) {
  static FcConfig* config = FcInitLoadConfigAndFonts();
  if (!config) return {};
  FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>(name.c_str()));
  if (!pattern) return {};
  FcChar8* value = nullptr;
  if (FcPatternGetString(pattern, FC_FAMILY, 0, &value) != FcResultMatch) {
    FcPatternDestroy(pattern);  // e.g. ":bold" names no family
    return {};
  }
  const std::string wanted = reinterpret_cast<const char*>(value);
  FcConfigSubstitute(config, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result;
  FcPattern* match = FcFontMatch(config, pattern, &result);
  FcPatternDestroy(pattern);
  if (!match) return {};

  // fontconfig always returns *some* font; only accept it if one of its family
  // names (fonts may list several, e.g. "DejaVu Sans,DejaVu Sans Condensed") is
  // the one asked for, ignoring case.
  bool familyMatches = isGenericFamily(wanted);
  for (int i = 0;
       !familyMatches && FcPatternGetString(match, FC_FAMILY, i, &value) == FcResultMatch; ++i)
    familyMatches =
        FcStrCmpIgnoreCase(value, reinterpret_cast<const FcChar8*>(wanted.c_str())) == 0;
  fs::path file;
  if (familyMatches && FcPatternGetString(match, FC_FILE, 0, &value) == FcResultMatch)
    file = reinterpret_cast<const char*>(value);
  FcPatternDestroy(match);
  return file;
}

}  // namespace

fs::path resolveFont(const std::string& familyOrFile, const fs::path& baseDir) {
  // A file always wins, and is checked every time (it may appear later).
  if (!familyOrFile.empty()) {
    const fs::path path(familyOrFile);
    const fs::path candidate = path.is_absolute() ? path : baseDir / path;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal();
  }

  static std::mutex mutex;
  static std::map<std::string, fs::path> families;  // successful lookups only
  std::lock_guard lock(mutex);
  if (auto it = families.find(familyOrFile); it != families.end()) return it->second;
  fs::path file = familyOrFile.empty() ? fs::path() : matchFamily(familyOrFile);
  if (file.empty()) {
    const std::string dir = baseDir.empty() ? "." : baseDir.string();
    throw UserError("font not found: \"" + familyOrFile + "\" (not a file relative to " + dir +
                    ", and no installed font family of that name)");
  }
  families.emplace(familyOrFile, file);
  return file;
}

}  // namespace mq::text
