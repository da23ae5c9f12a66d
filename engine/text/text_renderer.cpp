// renderText: shape (HarfBuzz) -> wrap and align lines -> rasterise glyphs and
// their outlines (FreeType) -> compose fill over outline into premultiplied RGBA.
//
// Layout is computed in canvas px from HarfBuzz positions in font units, and
// glyphs are rasterised unhinted at 1/64 px positions, so the result scales
// linearly with pixelsPerUnit (only the sharpness changes).
#include "text/text_renderer.h"

#include <ft2build.h>
#include FT_GLYPH_H
#include FT_OUTLINE_H
#include FT_STROKER_H

#include <algorithm>
#include <cmath>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "text/font_cache.h"

namespace mq::text {

namespace {

constexpr double kEps = 1e-9;

int ceilPx(double v) {
  return static_cast<int>(std::ceil(v - 1e-6));
}

struct Glyph {
  uint32_t index, cluster;  // cluster: byte offset of its text in the paragraph
  double advance, dx, dy;   // canvas px; dy points up (HarfBuzz convention)
};

struct Paragraph {
  std::string_view text;
  std::vector<Glyph> glyphs;
  std::vector<double> x;  // x[i]: pen position before glyph i; size glyphs + 1
};

struct Line {
  const Paragraph* paragraph;
  size_t begin, end;  // glyph range
  double width;       // advance width without trailing spaces
};

// A glyph's coverage, placed in box pixels (top-left of the box = 0,0).
struct Coverage {
  int x, y, width, height;
  std::vector<uint8_t> alpha;
};

Paragraph shape(Font& font, std::string_view text, double pxPerUnit) {
  Paragraph p{text, {}, {0.0}};
  if (text.empty()) return p;
  hb_buffer_t* buffer = hb_buffer_create();
  hb_buffer_add_utf8(buffer, text.data(), static_cast<int>(text.size()), 0,
                     static_cast<int>(text.size()));
  hb_buffer_guess_segment_properties(buffer);
  hb_shape(font.hb, buffer, nullptr, 0);
  unsigned count = 0;
  const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buffer, &count);
  const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buffer, &count);
  for (unsigned i = 0; i < count; ++i) {
    p.glyphs.push_back({info[i].codepoint, info[i].cluster, pos[i].x_advance * pxPerUnit,
                        pos[i].x_offset * pxPerUnit, pos[i].y_offset * pxPerUnit});
    p.x.push_back(p.x.back() + p.glyphs.back().advance);
  }
  hb_buffer_destroy(buffer);
  return p;
}

// Greedy wrapping of one paragraph into `out`. Lines may break after a space or
// a '-'; a word that alone is wider than maxWidth is split between clusters (so
// a base letter keeps its combining marks). maxWidth <= 0: no wrapping.
// Assumes left-to-right text (glyph order = logical order).
void wrap(const Paragraph& p, double maxWidth, std::vector<Line>& out) {
  const auto& g = p.glyphs;
  auto charAt = [&](size_t i) { return p.text[g[i].cluster]; };
  size_t start = 0;
  size_t lastBreak = 0;  // glyph a new line could start at; only valid if > start
  auto emit = [&](size_t end) {
    size_t inkEnd = end;  // trailing spaces hang: they don't count for alignment
    while (inkEnd > start && charAt(inkEnd - 1) == ' ') --inkEnd;
    out.push_back({&p, start, end, p.x[inkEnd] - p.x[start]});
    start = end;
  };
  for (size_t i = 0; i < g.size();) {
    size_t j = i + 1;  // [i, j) is one cluster
    while (j < g.size() && g[j].cluster == g[i].cluster) ++j;
    const char c = charAt(i);
    if (maxWidth > 0 && c != ' ' && i > start && p.x[j] - p.x[start] > maxWidth + kEps) {
      emit(lastBreak > start ? lastBreak : i);
      continue;  // the cluster may still overflow the new line (then it is split before it)
    }
    if (c == ' ' || c == '-') lastBreak = j;
    i = j;
  }
  emit(g.size());
}

// Copies a rendered FT_BitmapGlyph; (ix, iy) is the pixel the glyph origin was snapped to.
void appendBitmap(FT_Glyph glyph, int ix, int iy, std::vector<Coverage>& out) {
  if (FT_Glyph_To_Bitmap(&glyph, FT_RENDER_MODE_NORMAL, nullptr, true)) return;
  auto* bg = reinterpret_cast<FT_BitmapGlyph>(glyph);
  const FT_Bitmap& bm = bg->bitmap;
  if (bm.width > 0 && bm.rows > 0 && bm.pixel_mode == FT_PIXEL_MODE_GRAY) {
    Coverage c{
        ix + bg->left, iy - bg->top, static_cast<int>(bm.width), static_cast<int>(bm.rows), {}};
    c.alpha.resize(size_t(c.width) * c.height);
    for (int r = 0; r < c.height; ++r)
      std::copy_n(bm.buffer + ptrdiff_t(r) * bm.pitch, c.width, c.alpha.data() + r * c.width);
    out.push_back(std::move(c));
  }
  FT_Done_Glyph(glyph);
}

// Accumulates coverage into one channel of an RGBA image with "over" (a + b - ab),
// clipped to the first `rows` rows; offset = padding (box -> bitmap pixels).
void blit(const Coverage& c, int offset, int width, int rows, float* channel) {
  const int x0 = std::max(0, -(c.x + offset)), x1 = std::min(c.width, width - (c.x + offset));
  const int y0 = std::max(0, -(c.y + offset)), y1 = std::min(c.height, rows - (c.y + offset));
  for (int r = y0; r < y1; ++r) {
    const uint8_t* src = c.alpha.data() + r * c.width;
    float* d = channel + (size_t(c.y + offset + r) * width + (c.x + offset)) * 4;
    for (int k = x0; k < x1; ++k) {
      if (!src[k]) continue;
      const float a = src[k] * (1.0f / 255.0f);
      d[k * 4] += a * (1.0f - d[k * 4]);
    }
  }
}

void checkStyle(const TextStyle& s) {
  auto require = [](bool ok, const char* what, double value) {
    if (!ok) throw UserError(std::string("text ") + what + " (got " + std::to_string(value) + ")");
  };
  require(s.fontSize > 0 && std::isfinite(s.fontSize), "font size must be positive", s.fontSize);
  require(s.lineHeight >= 0 && std::isfinite(s.lineHeight), "line height must not be negative",
          s.lineHeight);
  require(std::isfinite(s.outlineWidth), "outline width must be finite", s.outlineWidth);
  require(std::isfinite(s.boxWidth), "box width must be finite", s.boxWidth);
  require(std::isfinite(s.boxHeight), "box height must be finite", s.boxHeight);
}

}  // namespace

TextBitmap renderText(const TextStyle& style, double pixelsPerUnit) {
  MQ_CHECK(pixelsPerUnit > 0 && std::isfinite(pixelsPerUnit));
  checkStyle(style);
  Font& font = loadFont(style.fontFile);
  const double ppu = pixelsPerUnit;
  // Outline width is the visible width outside the glyph edge: the stroker's
  // radius. The stroke straddles the edge and is drawn under the fill.
  const double outlinePx = std::max(0.0, style.outlineWidth) * ppu;
  const bool outlined = outlinePx > 0 && style.outlineColor[3] > 0;

  std::vector<Paragraph> paragraphs;
  std::vector<Line> lines;
  std::vector<Coverage> fills, strokes;
  TextBitmap out;
  {
    std::lock_guard lock(font.mutex);
    const double pxPerFontUnit = style.fontSize / font.unitsPerEm;
    for (size_t begin = 0;;) {
      size_t end = style.text.find('\n', begin);
      std::string_view text = std::string_view(style.text).substr(begin, end - begin);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);  // CRLF files
      paragraphs.push_back(shape(font, text, pxPerFontUnit));
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    for (const Paragraph& p : paragraphs) wrap(p, style.boxWidth, lines);

    double widest = 0;
    for (const Line& l : lines) widest = std::max(widest, l.width);
    const double lineAdvance = style.lineHeight * style.fontSize;
    out.boxWidth = style.boxWidth > 0 ? style.boxWidth : widest;
    out.boxHeight = style.boxHeight > 0 ? style.boxHeight : lines.size() * lineAdvance;

    const long size64 = std::max(1L, std::lround(style.fontSize * ppu * 64));
    if (FT_Set_Char_Size(font.face, 0, size64, 72, 72))  // 72 dpi: 1 pt = 1 px
      throw UserError("text size " + std::to_string(style.fontSize * ppu) +
                      " px is not supported by " + style.fontFile.string());
    std::unique_ptr<FT_StrokerRec_, decltype(&FT_Stroker_Done)> stroker(nullptr, FT_Stroker_Done);
    if (FT_Stroker raw = nullptr; outlined && !FT_Stroker_New(font.library, &raw)) {
      stroker.reset(raw);
      FT_Stroker_Set(raw, std::lround(outlinePx * 64), FT_STROKER_LINECAP_ROUND,
                     FT_STROKER_LINEJOIN_ROUND, 0);
    }
    for (size_t li = 0; li < lines.size(); ++li) {
      const Line& line = lines[li];
      const double baseline = font.ascender * style.fontSize + li * lineAdvance;
      if (style.boxHeight > 0 && baseline - font.ascender * style.fontSize >= style.boxHeight)
        break;  // this line and all below are entirely clipped
      const double slack = out.boxWidth - line.width;
      const double lineX = style.align == Align::Left     ? 0
                           : style.align == Align::Center ? slack / 2
                                                          : slack;
      const Paragraph& p = *line.paragraph;
      for (size_t i = line.begin; i < line.end; ++i) {
        const Glyph& g = p.glyphs[i];
        // Snap the origin to 1/64 px: the integer part places the bitmap, the
        // fraction shifts the outline before it is rasterised.
        const long long x64 = std::llround((lineX + p.x[i] - p.x[line.begin] + g.dx) * ppu * 64);
        const long long y64 = std::llround((baseline - g.dy) * ppu * 64);
        const int ix = static_cast<int>(std::floor(x64 / 64.0));
        const int iy = static_cast<int>(std::floor(y64 / 64.0));
        if (FT_Load_Glyph(font.face, g.index, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) continue;
        FT_GlyphSlot slot = font.face->glyph;
        if (slot->format != FT_GLYPH_FORMAT_OUTLINE || slot->outline.n_contours == 0) continue;
        FT_Outline_Translate(&slot->outline, x64 - ix * 64LL, -(y64 - iy * 64LL));  // FT: y up
        FT_Glyph glyph = nullptr;
        if (FT_Get_Glyph(slot, &glyph)) continue;
        if (stroker) {
          FT_Glyph stroke = nullptr;
          if (!FT_Glyph_Copy(glyph, &stroke) && !FT_Glyph_Stroke(&stroke, stroker.get(), true))
            appendBitmap(stroke, ix, iy, strokes);
          else if (stroke)
            FT_Done_Glyph(stroke);
        }
        appendBitmap(glyph, ix, iy, fills);
      }
    }
  }

  // Padding: the outline plus a margin, plus however far the glyphs' own ink
  // reaches outside the box (italic overhang, accents above the ascender,
  // negative side bearings, a word wider than a wrapping box).
  const int boxW = ceilPx(out.boxWidth * ppu), boxH = ceilPx(out.boxHeight * ppu);
  int overhang = 0;
  for (const Coverage& c : fills) {
    overhang = std::max({overhang, -c.x, -c.y, c.x + c.width - boxW});
    if (style.boxHeight <= 0) overhang = std::max(overhang, c.y + c.height - boxH);
  }
  out.padding = ceilPx(outlinePx) + 2 + overhang;
  out.width = boxW + 2 * out.padding;
  out.height = boxH + 2 * out.padding;
  // Beyond what GPUs can sample as one image (and a sure sign of a typo).
  constexpr int kMaxSide = 16384;
  if (out.width > kMaxSide || out.height > kMaxSide)
    throw UserError("text box too large: " + std::to_string(out.width) + "x" +
                    std::to_string(out.height) + " px (at most " + std::to_string(kMaxSide) +
                    " per side)");
  // A fixed box height clips at its bottom edge; otherwise nothing is clipped.
  const int rows = style.boxHeight > 0 ? out.padding + boxH : out.height;

  // Coverage is gathered in place: fill in the alpha channel, outline in red.
  // Then each inked pixel becomes fill over outline, premultiplied; FreeType
  // coverage is treated as linear alpha.
  out.rgba.assign(size_t(out.width) * out.height * 4, 0.0f);
  int inkTop = out.height, inkBottom = 0;  // only these rows need composing
  for (const auto* list : {&fills, &strokes})
    for (const Coverage& c : *list) {
      inkTop = std::min(inkTop, c.y + out.padding);
      inkBottom = std::max(inkBottom, c.y + out.padding + c.height);
    }
  for (const Coverage& c : fills) blit(c, out.padding, out.width, rows, out.rgba.data() + 3);
  for (const Coverage& c : strokes) blit(c, out.padding, out.width, rows, out.rgba.data());
  const float* fc = style.color;
  const float* oc = style.outlineColor;
  float* p = out.rgba.data() + size_t(std::max(inkTop, 0)) * out.width * 4;
  float* const end = out.rgba.data() + size_t(std::min(inkBottom, rows)) * out.width * 4;
  for (; p < end; p += 4) {
    const float fill = p[3], stroke = p[0];
    if (fill == 0 && stroke == 0) continue;
    const float fa = fc[3] * fill;
    const float oa = oc[3] * stroke * (1.0f - fa);
    for (int k = 0; k < 3; ++k) p[k] = fc[k] * fa + oc[k] * oa;
    p[3] = fa + oa;
  }
  return out;
}

}  // namespace mq::text
