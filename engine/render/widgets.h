// Show-graphic widgets (lower third, L-bar, countdown, stock counter,
// progress bar, product card, ticker) are scene nodes with properties of
// their own (properties.def); when a frame is planned each one is expanded
// into a group of the primitives every other layer uses (solids, gradients,
// images, text), laid out for the widget's box at that show time. Expansion
// is a pure function of the node and the time, so renders stay deterministic
// and the editor, runtime and CLI draw widgets the same way.
#pragma once

#include <functional>
#include <glm/glm.hpp>
#include <string>

#include "scene/scene.h"

namespace mq::render {

// The width (local units) a text node takes when drawn; the frame plan
// measures with the text renderer, tests may measure with a model.
using TextMeasure = std::function<double(const scene::Node& text)>;

// The widget's box: its size property, each 0 component replaced by the
// kind's natural size (an L-bar covers the canvas).
glm::dvec2 widgetSize(const scene::Node& widget, const scene::Canvas& canvas);

// `widget` as a group node with the same transform and compositing values,
// sized to widgetSize, whose children draw it at show time `time`. Child ids
// are the widget's id plus a suffix (".title", ".fill", ...).
scene::Node expandWidget(const scene::Node& widget, const scene::Scene& scene, double time,
                         const TextMeasure& measure);

// What a countdown shows at `time`: "M:SS" (or "H:MM:SS" from an hour),
// rounded up so the last second reads 0:01, and at_zero (or "0:00") once it
// has run out; `remaining` receives the seconds left.
std::string countdownText(const scene::Node& countdown, const scene::Scene& scene, double time,
                          double* remaining = nullptr);

// The rectangle (x, y, width, height in the L-bar's box) the L-bar leaves
// for its camera at its current squeeze.
glm::dvec4 lbarCameraRect(const scene::Node& lbar, glm::dvec2 size);

}  // namespace mq::render
