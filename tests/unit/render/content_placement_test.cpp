// Where a picture lands in its box: fits, and the zoom of macro insets and
// loupes (the centre follows zoom_center until the picture's edge would show).
#include "render/content_placement.h"

#include <catch2/catch.hpp>

namespace {

using namespace mq;
using render::placeContent;
using scene::Fit;

}  // namespace

TEST_CASE("content placement: fits without zoom", "[render][zoom]") {
  // A 1280x720 picture in a 1000x740 box.
  auto cover = placeContent(Fit::Cover, {1000, 740}, 1280, 720, 1, {0.5, 0.5});
  CHECK(cover.height == Approx(740));
  CHECK(cover.width == Approx(1280 * 740.0 / 720));
  CHECK(cover.x == Approx((1000 - cover.width) / 2));
  CHECK(cover.y == Approx(0).margin(1e-9));
  auto contain = placeContent(Fit::Contain, {1000, 740}, 1280, 720, 1, {0.5, 0.5});
  CHECK(contain.width == Approx(1000));
  CHECK(contain.height == Approx(562.5));
  CHECK(contain.y == Approx((740 - 562.5) / 2));
  auto stretch = placeContent(Fit::Stretch, {1000, 740}, 1280, 720, 1, {0.1, 0.9});
  CHECK((stretch.x == 0 && stretch.y == 0 && stretch.width == 1000 && stretch.height == 740));
  // zoom_center does nothing without a zoom.
  auto off = placeContent(Fit::Cover, {1000, 740}, 1280, 720, 1, {0.0, 1.0});
  CHECK(off.x == Approx(cover.x));
}

TEST_CASE("content placement: zoom moves the centre point to the box centre", "[render][zoom]") {
  // A 400x400 box showing a 400x400 picture at 4x, centred on (0.3, 0.6).
  auto p = placeContent(Fit::Stretch, {400, 400}, 400, 400, 4, {0.3, 0.6});
  CHECK(p.width == Approx(1600));
  CHECK(p.height == Approx(1600));
  // The picture point (0.3, 0.6) is at the box centre.
  CHECK(p.x + 0.3 * p.width == Approx(200));
  CHECK(p.y + 0.6 * p.height == Approx(200));
}

TEST_CASE("content placement: a zoomed picture never uncovers the box", "[render][zoom]") {
  // Centre point at the picture's corner: the picture stops at the box edge.
  auto corner = placeContent(Fit::Stretch, {400, 300}, 800, 600, 2, {0.0, 1.0});
  CHECK(corner.x == Approx(0).margin(1e-9));
  CHECK(corner.y + corner.height == Approx(300));
  // Contain: only what the unzoomed picture covered must stay covered; at a
  // small zoom the picture still floats in its band.
  auto contain = placeContent(Fit::Contain, {1000, 1000}, 1000, 500, 1.5, {0.0, 0.5});
  CHECK(contain.width == Approx(1500));
  CHECK(contain.x == Approx(0).margin(1e-9));  // would be 500 if it followed the centre point
  CHECK(contain.y <= Approx(250));
  CHECK(contain.y + contain.height >= Approx(750));
  // Every zoom and centre keeps the covered area covered.
  for (double z : {1.0, 1.3, 2.0, 7.5}) {
    for (double cx : {0.0, 0.25, 0.5, 0.9, 1.0}) {
      auto p = placeContent(Fit::Cover, {600, 450}, 640, 480, z, {cx, 1.0 - cx});
      CHECK(p.x <= 1e-9);
      CHECK(p.y <= 1e-9);
      CHECK(p.x + p.width >= 600 - 1e-9);
      CHECK(p.y + p.height >= 450 - 1e-9);
    }
  }
}
