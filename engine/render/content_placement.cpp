#include "render/content_placement.h"

#include <algorithm>

namespace mq::render {

namespace {

// Zooms one axis: `at`/`size` is the fitted picture's extent along it, `box`
// the box's; returns the zoomed picture's start.
double zoomAxis(double at, double size, double box, double zoom, double center, double& zoomed) {
  zoomed = size * zoom;
  // What the unzoomed picture covers of the box stays covered.
  double coveredFrom = std::max(0.0, at), coveredTo = std::min(box, at + size);
  double wanted = box / 2 - center * zoomed;
  return std::clamp(wanted, coveredTo - zoomed, coveredFrom);
}

}  // namespace

ContentPlacement placeContent(scene::Fit fit, scene::Vec2 box, double pictureWidth,
                              double pictureHeight, double zoom, scene::Vec2 center) {
  ContentPlacement p{0, 0, box.x, box.y};
  if (fit != scene::Fit::Stretch && pictureWidth > 0 && pictureHeight > 0) {
    double sx = box.x / pictureWidth, sy = box.y / pictureHeight;
    double s = fit == scene::Fit::Contain ? std::min(sx, sy) : std::max(sx, sy);
    p.width = pictureWidth * s;
    p.height = pictureHeight * s;
    p.x = (box.x - p.width) / 2;
    p.y = (box.y - p.height) / 2;
  }
  if (zoom > 1) {
    p.x = zoomAxis(p.x, p.width, box.x, zoom, center.x, p.width);
    p.y = zoomAxis(p.y, p.height, box.y, zoom, center.y, p.height);
  }
  return p;
}

ContentPlacement placeContent(const scene::Node& node, scene::Vec2 box, double pictureWidth,
                              double pictureHeight) {
  using scene::Prop;
  return placeContent(node.getEnum<scene::Fit>(Prop::Fit), box, pictureWidth, pictureHeight,
                      node.getFloat(Prop::Zoom), node.getVec2(Prop::ZoomCenter));
}

}  // namespace mq::render
