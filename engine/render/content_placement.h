// Where an image's or video's picture lands inside its node's box: the fit
// (stretch, contain, cover) and the zoom. One function, so the frame plan
// (which samples the picture) and the video upload (which converts only the
// part of the picture that shows) agree.
#pragma once

#include "scene/scene.h"

namespace mq::render {

// The picture's rectangle in box units (it may reach outside the box).
struct ContentPlacement {
  double x = 0, y = 0, width = 0, height = 0;
};

// `zoom` >= 1 magnifies the fitted picture by that factor and moves the
// picture point `center` (0..1 of its width and height) to the box centre, as
// far as the zoomed picture still covers every part of the box the unzoomed
// one covered (a zoomed inset never shows an empty edge: near the picture's
// border the centre stops following). With zoom 1 the fit alone decides.
ContentPlacement placeContent(scene::Fit fit, scene::Vec2 box, double pictureWidth,
                              double pictureHeight, double zoom, scene::Vec2 center);
// The same with the node's own `fit`, `zoom` and `zoom_center`.
ContentPlacement placeContent(const scene::Node& node, scene::Vec2 box, double pictureWidth,
                              double pictureHeight);

}  // namespace mq::render
