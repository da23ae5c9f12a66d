#include "render/widgets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/text_template.h"
#include "scene/clock_time.h"

namespace mq::render {
namespace {

using scene::Color;
using scene::Node;
using scene::NodeKind;
using scene::Prop;
using scene::Vec2;

// Natural boxes at 1920x1080, sized like the graphics of a broadcast lower
// third area; a designer scales or resizes them from there.
glm::dvec2 naturalSize(NodeKind kind) {
  switch (kind) {
    case NodeKind::LowerThird:
      return {1000, 160};
    case NodeKind::Countdown:
      return {520, 180};
    case NodeKind::StockCounter:
      return {440, 150};
    case NodeKind::ProgressBar:
      return {900, 130};
    case NodeKind::ProductCard:
      return {420, 580};
    case NodeKind::Ticker:
      return {1920, 64};
    default:
      return {0, 0};
  }
}

Color withAlpha(Color c, double factor) {
  c.a = uint8_t(std::lround(std::clamp(c.a * factor, 0.0, 255.0)));
  return c;
}

// A shade of `c` mixed toward white by `amount` (sRGB, for gradient ends).
Color lighter(Color c, double amount) {
  auto mix = [&](uint8_t v) { return uint8_t(std::lround(v + (255 - v) * amount)); };
  return {mix(c.r), mix(c.g), mix(c.b), c.a};
}

// Counters show whole items, grouped in thousands: 12,480.
std::string countText(double value) {
  return data::formatNumber(std::round(value), 0);
}

// Builds a widget's children in its box coordinates.
class Parts {
 public:
  Parts(const Node& widget, std::vector<Node>& out, const TextMeasure& measure)
      : widget_(widget), out_(out), measure_(measure) {
    // Parts hand out references to what they add; no widget adds more than
    // this many, so the references stay valid (the ticker's copies go to a
    // vector of their own).
    out_.reserve(out_.size() + 32);
    font_ = widget.getString(Prop::Font);
    // A font file has no bold variant to ask for; a family name does.
    bool file = font_.find('.') != std::string::npos || font_.find('/') != std::string::npos;
    boldFont_ = file ? font_ : font_ + ":bold";
  }

  Node& solid(const std::string& part, double x, double y, double w, double h, Color color,
              double radius = 0) {
    Node& n = add(NodeKind::Solid, part, x, y);
    n.values[size_t(Prop::Size)] = Vec2{std::max(0.0, w), std::max(0.0, h)};
    n.values[size_t(Prop::Fill)] = color;
    n.values[size_t(Prop::CornerRadius)] = std::min(radius, std::min(w, h) / 2);
    return n;
  }

  // A linear gradient from `from` to `to` along start..end (fractions of its box).
  Node& gradient(const std::string& part, double x, double y, double w, double h, Color from,
                 Color to, Vec2 start, Vec2 end, double radius = 0) {
    Node& n = add(NodeKind::Gradient, part, x, y);
    n.values[size_t(Prop::Size)] = Vec2{std::max(0.0, w), std::max(0.0, h)};
    n.values[size_t(Prop::GradientStops)] = scene::Stops{{0.0, from}, {1.0, to}};
    n.values[size_t(Prop::GradientStart)] = start;
    n.values[size_t(Prop::GradientEnd)] = end;
    n.values[size_t(Prop::CornerRadius)] = std::min(radius, std::min(w, h) / 2);
    return n;
  }

  // One line of text whose anchor point (fractions of its own box) sits at
  // (x, y); shrunk to `maxWidth` when it is wider (0: no limit).
  Node& text(const std::string& part, const std::string& content, double x, double y,
             double fontSize, Color color, bool bold, Vec2 anchor, double maxWidth = 0) {
    Node& n = add(NodeKind::Text, part, x, y);
    n.values[size_t(Prop::Text)] = content;
    n.values[size_t(Prop::Font)] = bold ? boldFont_ : font_;
    n.values[size_t(Prop::FontSize)] = fontSize;
    n.values[size_t(Prop::Fill)] = color;
    n.values[size_t(Prop::Anchor)] = anchor;
    n.values[size_t(Prop::LineHeight)] = 1.25;
    if (maxWidth > 0 && !content.empty()) {
      double width = measure_(n);
      if (width > maxWidth) n.values[size_t(Prop::FontSize)] = fontSize * maxWidth / width;
    }
    return n;
  }

  double width(const Node& textNode) const { return measure_(textNode); }
  Node& last() { return out_.back(); }
  Node& append(Node n) {
    out_.push_back(std::move(n));
    return out_.back();
  }
  // Swaps the last two parts: the one added last is drawn below the one before.
  void raiseBelowLast() {
    if (out_.size() >= 2) std::swap(out_[out_.size() - 1], out_[out_.size() - 2]);
  }

  // A drop shadow under a panel, the depth broadcast graphics have over video.
  static void shadow(Node& n, double blur, double offsetY) {
    n.values[size_t(Prop::ShadowColor)] = Color{0, 0, 0, 110};
    n.values[size_t(Prop::ShadowBlur)] = blur;
    n.values[size_t(Prop::ShadowOffset)] = Vec2{0, offsetY};
  }

 private:
  Node& add(NodeKind kind, const std::string& part, double x, double y) {
    Node n = scene::makeNode(kind, widget_.id + "." + part);
    n.jsonPointer = widget_.jsonPointer;
    n.values[size_t(Prop::Position)] = Vec2{x, y};
    out_.push_back(std::move(n));
    return out_.back();
  }

  const Node& widget_;
  std::vector<Node>& out_;
  const TextMeasure& measure_;
  std::string font_, boldFont_;
};

struct Style {
  Color accent, panel, text;
  explicit Style(const Node& w)
      : accent(w.getColor(Prop::AccentColor)),
        panel(w.getColor(Prop::PanelColor)),
        text(w.getColor(Prop::TextColor)) {}
};

// A name plate: accent block, the title on the panel, the subtitle on an
// accent strip beneath it.
void lowerThird(const Node& w, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y;
  double block = std::round(H * 0.1), pad = H * 0.2;
  const std::string& subtitle = w.getString(Prop::Subtitle);
  double titleH = subtitle.empty() ? H : std::round(H * 0.6);
  Parts::shadow(p.solid("panel", block, 0, W - block, titleH, s.panel), H * 0.25, H * 0.05);
  if (!subtitle.empty()) {
    p.gradient("strip", block, titleH, W - block, H - titleH, s.accent, lighter(s.accent, 0.12),
               {0, 0}, {1, 0});
    p.text("subtitle", subtitle, block + pad, titleH + (H - titleH) / 2, (H - titleH) * 0.5, s.text,
           false, {0, 0.5}, W - block - 2 * pad);
  }
  p.solid("block", 0, 0, block, H, s.accent);
  p.text("title", w.getString(Prop::Title), block + pad, titleH / 2, titleH * 0.5, s.text, true,
         {0, 0.5}, W - block - 2 * pad);
}

// Items left: a label, the count, and past the threshold the low-stock look
// (low colour bar, border and number; at zero the at_zero text).
void stockCounter(const Node& w, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y, pad = H * 0.16, bar = std::round(H * 0.07);
  double value = w.getFloat(Prop::Value);
  bool low = value <= w.getFloat(Prop::LowThreshold);
  Color accent = low ? w.getColor(Prop::LowColor) : s.accent;
  Node& panel = p.solid("panel", 0, 0, W, H, s.panel, H * 0.12);
  Parts::shadow(panel, H * 0.2, H * 0.05);
  if (low) {
    panel.values[size_t(Prop::BorderWidth)] = std::max(2.0, std::round(H * 0.025));
    panel.values[size_t(Prop::BorderColor)] = accent;
  }
  p.solid("bar", pad, pad, bar, H - 2 * pad, accent, bar / 2);
  double x = pad + bar + pad * 0.8, avail = W - x - pad;
  p.text("title", w.getString(Prop::Title), x, pad * 0.85, H * 0.17, withAlpha(s.text, 0.8), false,
         {0, 0}, avail);
  const std::string& atZero = w.getString(Prop::AtZero);
  bool zero = value <= 0 && !atZero.empty();
  p.text("value", zero ? atZero : countText(value), x, H - pad * 0.7, H * (zero ? 0.36 : 0.46),
         low ? accent : s.text, true, {0, 1}, avail);
}

// Progress toward a goal: label, "value / goal" (or at_goal once reached)
// and a rounded track with a gradient fill.
void progressBar(const Node& w, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y, pad = H * 0.17;
  double value = w.getFloat(Prop::Value), goal = w.getFloat(Prop::Goal);
  double fraction = std::clamp(value / goal, 0.0, 1.0);
  bool reached = value >= goal;
  Parts::shadow(p.solid("panel", 0, 0, W, H, s.panel, H * 0.16), H * 0.2, H * 0.05);
  double labelY = pad + H * 0.12;
  const std::string& atGoal = w.getString(Prop::AtGoal);
  std::string numbers =
      reached && !atGoal.empty() ? atGoal : countText(value) + " / " + countText(goal);
  Node& count = p.text("count", numbers, W - pad, labelY, H * 0.2, reached ? s.accent : s.text,
                       true, {1, 0.5}, W * 0.45);
  double countW = p.width(count);
  p.text("title", w.getString(Prop::Title), pad, labelY, H * 0.2, withAlpha(s.text, 0.85), false,
         {0, 0.5}, std::max(1.0, W - 3 * pad - countW));
  double trackH = std::round(H * 0.2), trackY = H - pad - trackH, trackW = W - 2 * pad;
  p.solid("track", pad, trackY, trackW, trackH, withAlpha(s.text, 0.16), trackH / 2);
  if (fraction > 0) {
    p.gradient("fill", pad, trackY, trackW * fraction, trackH, s.accent, lighter(s.accent, 0.35),
               {0, 0}, {1, 0}, trackH / 2);
  }
}

// Time left: a label over big digits; at zero the at_zero text in the accent.
void countdown(const Node& w, const scene::Scene& sc, double time, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y, pad = H * 0.12;
  double remaining = 0;
  std::string shown = countdownText(w, sc, time, &remaining);
  bool done = remaining <= 0;
  Node& panel = p.solid("panel", 0, 0, W, H, s.panel, H * 0.12);
  Parts::shadow(panel, H * 0.2, H * 0.05);
  if (done) {
    panel.values[size_t(Prop::BorderWidth)] = std::max(2.0, std::round(H * 0.025));
    panel.values[size_t(Prop::BorderColor)] = s.accent;
  }
  const std::string& title = w.getString(Prop::Title);
  double top = pad;
  if (!title.empty()) {
    p.text("title", title, W / 2, pad, H * 0.15, s.accent, true, {0.5, 0}, W - 2 * pad);
    top = pad + H * 0.2;
  }
  p.text("time", shown, W / 2, (top + H - pad * 0.6) / 2, H * (done ? 0.34 : 0.46),
         done ? s.accent : s.text, true, {0.5, 0.5}, W - 2 * pad);
}

// A pinned product: photo, name, price and the old price struck through.
void productCard(const Node& w, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y, pad = std::round(W * 0.05);
  Parts::shadow(p.solid("panel", 0, 0, W, H, s.panel, W * 0.06), W * 0.06, W * 0.015);
  double side = W - 2 * pad, photoH = std::min(side, H * 0.66);
  const std::string& image = w.getString(Prop::Image);
  if (image.empty()) {
    p.solid("photo", pad, pad, side, photoH, withAlpha(s.text, 0.08), W * 0.035);
  } else {
    Node& photo = p.solid("photo", pad, pad, side, photoH, Color{});
    photo.kind = NodeKind::Image;
    photo.values[size_t(Prop::Source)] = image;
    photo.values[size_t(Prop::Fit)] = int64_t(scene::Fit::Cover);
  }
  double y = pad + photoH + pad * 0.8;
  double textH = H - y - pad;
  p.text("title", w.getString(Prop::Title), pad, y, std::min(W * 0.075, textH * 0.3), s.text, true,
         {0, 0}, side);
  double baseY = H - pad * 0.9;
  Node& price = p.text("price", w.getString(Prop::Price), pad, baseY,
                       std::min(W * 0.13, textH * 0.48), s.accent, true, {0, 1}, side * 0.6);
  double priceW = w.getString(Prop::Price).empty() ? 0 : p.width(price);
  const std::string& oldPrice = w.getString(Prop::OldPrice);
  if (!oldPrice.empty()) {
    double size2 = std::min(W * 0.07, textH * 0.26), x = pad + priceW + pad * 0.7;
    double ascentMid = baseY - size2 * 0.85;  // the middle of the digits' height
    Color dim = withAlpha(s.text, 0.6);
    Node& old = p.text("old_price", oldPrice, x, baseY - size2 * 0.25, size2, dim, false, {0, 1},
                       std::max(1.0, W - pad - x));
    double oldW = p.width(old);
    p.solid("strike", x - 2, ascentMid - size2 * 0.04, oldW + 4, std::max(2.0, size2 * 0.08),
            withAlpha(s.accent, 0.9));
  }
}

// A band with a tag and a line scrolling right to left, looping seamlessly;
// the line goes into `scroll`, the region that clips it.
void ticker(const Node& w, double time, glm::dvec2 size, Parts& p, Parts& scroll, double& scrollX) {
  Style s(w);
  double W = size.x, H = size.y, pad = H * 0.35;
  p.solid("band", 0, 0, W, H, s.panel);
  scrollX = 0;
  const std::string& title = w.getString(Prop::Title);
  if (!title.empty()) {
    double tagW =
        p.width(p.text("title", title, pad, H / 2, H * 0.42, s.text, true, {0, 0.5}, W * 0.3)) +
        2 * pad;
    p.solid("tag", 0, 0, tagW, H, s.accent);
    p.raiseBelowLast();  // the tag's box goes under its text
    scrollX = tagW;
  }
  const std::string& text = w.getString(Prop::Text);
  if (text.empty()) return;
  std::string loop = text + w.getString(Prop::Separator);
  Node line = scroll.text("line", loop, 0, H / 2, H * 0.42, s.text, false, {0, 0.5});
  // A measured width leaves out trailing spaces; the advance from one loop
  // to the next is the width of two loops less that of the text after them.
  Node twice = line;
  twice.values[size_t(Prop::Text)] = loop + text;
  Node alone = line;
  alone.values[size_t(Prop::Text)] = text;
  double period = scroll.width(twice) - scroll.width(alone);
  if (period <= 0) return;
  double regionW = W - scrollX;
  double offset = std::fmod(w.getFloat(Prop::Speed) * time, period);
  // Enough copies to cover the region; a very short line is capped (it then
  // leaves gaps rather than flooding the frame with layers).
  int copies = std::clamp(int(std::ceil((regionW + offset) / period)), 1, 64);
  for (int k = 0; k < copies; ++k) {
    Node& copy = k == 0 ? scroll.last() : scroll.append(line);
    copy.values[size_t(Prop::Position)] = Vec2{k * period - offset, H / 2};
  }
}

// The L (any frame: the insets say which sides) around the squeezed camera,
// filled with the panel colour or gradient, with an accent rule along the
// camera's edge and the product, subtitle and price in the bottom bar.
void lbar(const Node& w, glm::dvec2 size, Parts& p) {
  Style s(w);
  double W = size.x, H = size.y;
  glm::dvec4 cam = lbarCameraRect(w, size);
  Color endColor = w.getColor(Prop::PanelEndColor);
  bool gradient = endColor.a > 0;
  // Four bands around the camera, each mapping the one box-wide gradient.
  struct Band {
    const char* part;
    double x, y, w, h;
  };
  const Band bands[] = {{"frame_top", 0, 0, W, cam.y},
                        {"frame_bottom", 0, cam.y + cam.w, W, H - cam.y - cam.w},
                        {"frame_left", 0, cam.y, cam.x, cam.w},
                        {"frame_right", cam.x + cam.z, cam.y, W - cam.x - cam.z, cam.w}};
  for (const Band& b : bands) {
    if (b.w <= 0.01 || b.h <= 0.01) continue;
    if (gradient) {
      p.gradient(b.part, b.x, b.y, b.w, b.h, s.panel, endColor, {-b.x / b.w, -b.y / b.h},
                 {(W - b.x) / b.w, (H - b.y) / b.h});
    } else {
      p.solid(b.part, b.x, b.y, b.w, b.h, s.panel);
    }
  }
  double squeeze = w.getFloat(Prop::Squeeze);
  if (squeeze <= 0) return;
  // An accent rule along the camera's inner edges.
  double rule = std::max(2.0, std::round(H * 0.005));
  scene::Insets f = w.getInsets(Prop::Frame);
  if (f.right > 0)
    p.solid("rule_right", cam.x + cam.z, cam.y, rule, cam.w + (f.bottom > 0 ? rule : 0), s.accent);
  if (f.left > 0) p.solid("rule_left", cam.x - rule, cam.y, rule, cam.w, s.accent);
  if (f.bottom > 0) p.solid("rule_bottom", cam.x, cam.y + cam.w, cam.z, rule, s.accent);
  if (f.top > 0) p.solid("rule_top", cam.x, cam.y - rule, cam.z, rule, s.accent);
  // Text fades in over the second half of the squeeze, once there is room.
  double textOpacity = std::clamp((squeeze - 0.5) * 2, 0.0, 1.0);
  double barY = cam.y + cam.w + rule, barH = H - barY;
  if (textOpacity <= 0 || barH < 8) return;
  double pad = barH * 0.22, x = std::max(pad, cam.x + pad * 0.5);
  const std::string& subtitle = w.getString(Prop::Subtitle);
  double titleY = subtitle.empty() ? barY + barH / 2 : barY + barH * 0.4;
  std::vector<Node*> texts;
  double priceW = 0;
  const std::string& price = w.getString(Prop::Price);
  const std::string& oldPrice = w.getString(Prop::OldPrice);
  double right = W - pad;
  if (!price.empty()) {
    Node& pr = p.text("price", price, right, barY + barH / 2, barH * 0.42, s.accent, true, {1, 0.5},
                      W * 0.3);
    priceW = p.width(pr);
    texts.push_back(&pr);
    if (!oldPrice.empty()) {
      double size2 = barH * 0.22, ox = right - priceW - pad * 0.6;
      Node& old = p.text("old_price", oldPrice, ox, barY + barH / 2, size2, withAlpha(s.text, 0.6),
                         false, {1, 0.5}, W * 0.2);
      double oldW = p.width(old);
      texts.push_back(&old);
      texts.push_back(&p.solid("strike", ox - oldW - 2, barY + barH / 2 - size2 * 0.05, oldW + 4,
                               std::max(2.0, size2 * 0.09), withAlpha(s.accent, 0.9)));
      priceW += pad * 0.6 + oldW;
    }
  }
  double textW = std::max(1.0, right - priceW - pad - x);
  texts.push_back(&p.text("title", w.getString(Prop::Title), x, titleY, barH * 0.3, s.text, true,
                          {0, 0.5}, textW));
  if (!subtitle.empty()) {
    texts.push_back(&p.text("subtitle", subtitle, x, barY + barH * 0.72, barH * 0.19,
                            withAlpha(s.text, 0.8), false, {0, 0.5}, textW));
  }
  for (Node* t : texts) t->values[size_t(Prop::Opacity)] = textOpacity;
}

}  // namespace

glm::dvec2 widgetSize(const Node& widget, const scene::Canvas& canvas) {
  Vec2 s = widget.getVec2(Prop::Size);
  glm::dvec2 natural = widget.kind == NodeKind::LBar ? glm::dvec2(canvas.width, canvas.height)
                                                     : naturalSize(widget.kind);
  return {s.x > 0 ? s.x : natural.x, s.y > 0 ? s.y : natural.y};
}

std::string countdownText(const Node& w, const scene::Scene& sc, double time, double* remaining) {
  double left;
  std::optional<double> until = scene::parseClockTime(w.getString(Prop::Until));
  if (until) {
    // Time of day now; a target earlier in the day than the start is tomorrow's.
    double now = sc.clockAtStart + time;
    double target = *until;
    while (target < sc.clockAtStart) target += 86400;
    left = target - now;
  } else {
    left = w.getFloat(Prop::Duration) - std::max(0.0, time - w.getFloat(Prop::StartsAt));
  }
  left = std::max(0.0, left);
  // Whole seconds, rounded up: "0:01" is on screen during the last second.
  // The epsilon keeps a frame exactly on a second boundary from reading one high.
  long long total = (long long)std::ceil(left - 1e-9);
  if (remaining) *remaining = double(total);
  if (total <= 0) {
    const std::string& atZero = w.getString(Prop::AtZero);
    if (!atZero.empty()) return atZero;
  }
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", total / 60, total % 60);
  return buf;
}

glm::dvec4 lbarCameraRect(const Node& lbar, glm::dvec2 size) {
  scene::Insets f = lbar.getInsets(Prop::Frame);
  double s = lbar.getFloat(Prop::Squeeze);
  double left = f.left * s, top = f.top * s;
  double w = std::max(0.0, size.x - (f.left + f.right) * s);
  double h = std::max(0.0, size.y - (f.top + f.bottom) * s);
  return {left, top, w, h};
}

Node expandWidget(const Node& widget, const scene::Scene& sc, double time,
                  const TextMeasure& measure) {
  Node group = widget;
  group.kind = NodeKind::Group;
  group.bindings.clear();
  glm::dvec2 size = widgetSize(widget, sc.canvas);
  group.values[size_t(Prop::Size)] = Vec2{size.x, size.y};
  std::vector<Node>& children = group.children;
  children.clear();
  Parts parts(widget, children, measure);
  switch (widget.kind) {
    case NodeKind::LowerThird:
      lowerThird(widget, size, parts);
      break;
    case NodeKind::LBar:
      lbar(widget, size, parts);
      break;
    case NodeKind::Countdown:
      countdown(widget, sc, time, size, parts);
      break;
    case NodeKind::StockCounter:
      stockCounter(widget, size, parts);
      break;
    case NodeKind::ProgressBar:
      progressBar(widget, size, parts);
      break;
    case NodeKind::ProductCard:
      productCard(widget, size, parts);
      break;
    case NodeKind::Ticker: {
      // The line scrolls inside a group of its own: its crop makes the group
      // isolated, which clips the line to the band (the crop itself trims
      // half a pixel, invisible against the band).
      Node region = scene::makeNode(NodeKind::Group, widget.id + ".scroll");
      region.jsonPointer = widget.jsonPointer;
      Parts scroll(widget, region.children, measure);
      region.children.reserve(64);
      double scrollX = 0;
      ticker(widget, time, size, parts, scroll, scrollX);
      region.values[size_t(Prop::Position)] = Vec2{scrollX, 0};
      region.values[size_t(Prop::Size)] = Vec2{std::max(1.0, size.x - scrollX), size.y};
      region.values[size_t(Prop::Crop)] = scene::Insets{0.5, 0, 0.5, 0};
      if (!region.children.empty()) children.push_back(std::move(region));
      break;
    }
    default:
      break;
  }
  return group;
}

}  // namespace mq::render
