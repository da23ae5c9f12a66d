// Scene loading: valid files, positions, and one test per class of bad input.
#include <catch2/catch.hpp>
#include <set>

#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

// A one-node scene with `props` (JSON members, without braces) on the node.
std::string nodeScene(const std::string& kind, const std::string& props) {
  return R"({"format": "marquee.scene/1", "nodes": [{"id": "n", "kind": ")" + kind + "\"" +
         (props.empty() ? "" : ", " + props) + "}]}";
}

}  // namespace

TEST_CASE("scene: loads a valid scene with every node kind", "[scene]") {
  fs::path file = kSceneData / "valid_all_kinds.json";
  Scene scene = loadScene(file);
  CHECK(scene.file == file);
  CHECK(scene.baseDir.is_absolute());
  CHECK(scene.baseDir == fs::absolute(kSceneData).lexically_normal());
  CHECK(scene.name == "All node kinds");
  CHECK(scene.canvas.width == 1280);
  CHECK(scene.canvas.height == 720);
  CHECK(scene.canvas.fps == mq::Rational{30000, 1001});
  CHECK(scene.canvas.background == Color{0x10, 0x10, 0x18, 255});
  REQUIRE(scene.nodes.size() == 4);

  const Node& backdrop = scene.nodes[0];
  CHECK(backdrop.kind == NodeKind::Gradient);
  CHECK(backdrop.name == "Backdrop");
  CHECK(backdrop.getEnum<GradientType>(Prop::GradientType) == GradientType::Radial);
  REQUIRE(backdrop.getStops(Prop::GradientStops).size() == 3);
  CHECK(backdrop.getStops(Prop::GradientStops)[1] ==
        GradientStop{0.6, Color{0x10, 0x20, 0x30, 255}});
  CHECK(backdrop.getVec2(Prop::GradientCenter) == Vec2{0.5, 0.4});
  CHECK(backdrop.getFloat(Prop::Opacity) == 1.0);  // default

  const Node& panel = scene.nodes[1];
  CHECK(panel.kind == NodeKind::Solid);
  CHECK(panel.getColor(Prop::Fill) == Color{255, 255, 255, 0xC0});  // upper-case hex accepted
  CHECK(panel.getInsets(Prop::Crop) == Insets{0, 0, 0, 0});
  CHECK(panel.getEnum<Blend>(Prop::Blend) == Blend::Multiply);
  CHECK(panel.getFloat(Prop::CornerRadius) == 16.0);

  const Node& group = scene.nodes[2];
  CHECK(group.kind == NodeKind::Group);
  REQUIRE(group.children.size() == 2);
  CHECK(group.children[0].id == "lower_third.title");
  CHECK(group.children[0].getString(Prop::Text) == "Spring drop \xE2\x80\x94 20% off");
  CHECK(group.children[0].getEnum<Align>(Prop::Align) == Align::Left);
  CHECK(group.children[1].jsonPointer == "/nodes/2/children/1");
  CHECK(group.children[1].getColor(Prop::ShadowColor) == Color{0, 0, 0, 0x80});

  CHECK(scene.nodes[3].getString(Prop::Text).empty());  // text may be empty, but present
  CHECK(scene.positions.at("/nodes/2/children/0/font_size") == std::pair(15, 22));
}

TEST_CASE("scene: positions and issueAt for a multi-line file", "[scene]") {
  const std::string text =
      "{\n"
      "  \"format\": \"marquee.scene/1\",\n"
      "  \"canvas\": {\n"
      "    \"width\": 640, \"height\": 360\n"
      "  },\n"
      "  \"nodes\": [\n"
      "    {\n"
      "      \"id\": \"box\",\n"
      "      \"kind\": \"solid\",\n"
      "      \"position\": [10,\n"
      "                   20]\n"
      "    }\n"
      "  ]\n"
      "}\n";
  Scene scene = parseScene(text, "/shows/demo.json");
  CHECK(scene.baseDir == fs::path("/shows"));
  CHECK(scene.positions.at("") == std::pair(1, 1));
  CHECK(scene.positions.at("/format") == std::pair(2, 13));
  CHECK(scene.positions.at("/canvas") == std::pair(3, 13));
  CHECK(scene.positions.at("/canvas/height") == std::pair(4, 29));
  CHECK(scene.positions.at("/nodes/0") == std::pair(7, 5));
  CHECK(scene.positions.at("/nodes/0/id") == std::pair(8, 13));
  CHECK(scene.positions.at("/nodes/0/position/1") == std::pair(11, 20));
  CHECK(scene.nodes[0].getVec2(Prop::Position) == Vec2{10, 20});
  CHECK(scene.nodes[0].jsonPointer == "/nodes/0");

  SceneIssue i = issueAt(scene, "/nodes/0/position/1", "too far");
  CHECK(i.file == "/shows/demo.json");
  CHECK(std::pair(i.line, i.column) == std::pair(11, 20));
  // Not in the file: the nearest enclosing value that is.
  i = issueAt(scene, "/nodes/0/font/family", "no such font");
  CHECK(std::pair(i.line, i.column) == std::pair(7, 5));
  CHECK(i.pointer == "/nodes/0/font/family");
  i = issueAt(scene, "/missing", "x");
  CHECK(std::pair(i.line, i.column) == std::pair(1, 1));
  CHECK(SceneError({i}).what() == std::string("/shows/demo.json:1:1: /missing: x"));
}

TEST_CASE("scene: SceneError formats one issue per line", "[scene]") {
  SceneError e({{"a.json", 3, 7, "/nodes/0", "bad"},
                {"a.json", 1, 1, "", "root"},
                {"a.json", 0, 0, "", "cannot read"}});
  CHECK(std::string(e.what()) ==
        "a.json:3:7: /nodes/0: bad\na.json:1:1: (root): root\n"
        "a.json: (root): cannot read");
}

TEST_CASE("scene: canvas defaults and frame rates", "[scene]") {
  Scene plain = parseScene(R"({"format": "marquee.scene/1"})", "x.json");
  CHECK(plain.canvas.width == 1920);
  CHECK(plain.canvas.height == 1080);
  CHECK(plain.canvas.fps == mq::Rational{30, 1});
  CHECK(plain.canvas.background == Color{0, 0, 0, 255});
  CHECK(plain.nodes.empty());

  auto fps = [](const std::string& value) {
    return parseScene(R"({"format": "marquee.scene/1", "canvas": {"fps": )" + value + "}}",
                      "x.json")
        .canvas.fps;
  };
  CHECK(fps("60") == mq::Rational{60, 1});
  CHECK(fps("25.0") == mq::Rational{25, 1});
  CHECK(fps("29.97") == mq::Rational{30000, 1001});
  CHECK(fps("59.94") == mq::Rational{60000, 1001});
  CHECK(fps("23.976") == mq::Rational{24000, 1001});
  CHECK(fps("12.5") == mq::Rational{25, 2});
  CHECK(fps("\"24000/1001\"") == mq::Rational{24000, 1001});
  CHECK(fps("\"60/2\"") == mq::Rational{30, 1});
  CHECK(fps("\"50\"") == mq::Rational{50, 1});
  CHECK(fps("1") == mq::Rational{1, 1});
  CHECK(fps("240") == mq::Rational{240, 1});
  for (const char* bad :
       {"0", "-30", "241", "0.5", "29.12345", "\"30/0\"", "\"0/1\"", "\"30/\"", "\"/1\"",
        "\"30/1/1\"", "\"abc\"", "\"99999999/1\"", "true", "[30, 1]", "null", "1e300"}) {
    INFO(bad);
    SceneIssue i =
        onlyIssue(R"({"format": "marquee.scene/1", "canvas": {"fps": )" + std::string(bad) + "}}");
    CHECK(i.pointer == "/canvas/fps");
    CHECK(i.message.find("expected a frame rate in [1, 240]") == 0);
  }
}

TEST_CASE("scene: canvas size must be even and in range", "[scene]") {
  for (const char* bad : {"1921", "14", "8194", "1920.5", "\"1920\"", "-2", "1e10"}) {
    INFO(bad);
    SceneIssue i = onlyIssue(R"({"format": "marquee.scene/1", "canvas": {"height": )" +
                             std::string(bad) + "}}");
    CHECK(i.pointer == "/canvas/height");
    CHECK(i.message.find("expected an even integer in [16, 8192], found ") == 0);
  }
  Scene s = parseScene(R"({"format": "marquee.scene/1", "canvas": {"width": 16, "height": 8192.0,
    "background": "#AbCdEf80"}})",
                       "x.json");
  CHECK(s.canvas.width == 16);
  CHECK(s.canvas.height == 8192);
  CHECK(s.canvas.background == Color{0xab, 0xcd, 0xef, 0x80});
}

TEST_CASE("scene: property values by type", "[scene]") {
  Node n = parseScene(nodeScene("text", R"("text": "Hi", "crop": 8, "opacity": 0, "visible": false,
      "scale": [-1, 2.5], "font_size": 2000, "color": "#00FF0080", "align": "right")"),
                      "x.json")
               .nodes.at(0);
  CHECK(n.getInsets(Prop::Crop) == Insets{8, 8, 8, 8});
  CHECK(n.getFloat(Prop::Opacity) == 0.0);
  CHECK(n.getBool(Prop::Visible) == false);
  CHECK(n.getVec2(Prop::Scale) == Vec2{-1, 2.5});
  CHECK(n.getFloat(Prop::FontSize) == 2000.0);
  CHECK(n.getColor(Prop::Fill) == Color{0, 255, 0, 128});
  CHECK(n.getEnum<Align>(Prop::Align) == Align::Right);
  CHECK(n.getString(Prop::Font) == "DejaVu Sans");
}

TEST_CASE("scene: wrong values name the pointer and say what was expected", "[scene]") {
  struct Case {
    std::string kind, props, pointer, message;
  };
  const std::vector<Case> cases = {
      {"solid", R"("opacity": 1.5)", "/nodes/0/opacity", "expected a number in [0, 1], found 1.5"},
      {"solid", R"("opacity": -0.25)", "/nodes/0/opacity",
       "expected a number in [0, 1], found -0.25"},
      {"solid", R"("opacity": "1")", "/nodes/0/opacity",
       "expected a number in [0, 1], found \"1\""},
      {"solid", R"("opacity": null)", "/nodes/0/opacity",
       "expected a number in [0, 1], found null"},
      {"solid", R"("rotation": 1e300)", "/nodes/0/rotation",
       "expected a number in [-36000, 36000], found 1e+300"},
      {"solid", R"("visible": 1)", "/nodes/0/visible", "expected true or false, found 1"},
      {"solid", R"("position": {"x": 1})", "/nodes/0/position",
       "expected [x, y], each a number in [-100000, 100000], found an object"},
      {"solid", R"("position": [1])", "/nodes/0/position",
       "expected [x, y], each a number in [-100000, 100000], found an array of 1 element"},
      {"solid", R"("scale": [1, 1001])", "/nodes/0/scale/1",
       "expected a number in [-1000, 1000], found 1001"},
      {"solid", R"("size": [true, 1])", "/nodes/0/size/0",
       "expected a number in [0, 16384], found true"},
      {"solid", R"("crop": [1, 2, 3])", "/nodes/0/crop",
       "expected a number or [left, top, right, bottom], each a number in [0, 16384], found an "
       "array of 3 elements"},
      {"solid", R"("crop": -1)", "/nodes/0/crop", "expected a number in [0, 16384], found -1"},
      {"solid", R"("color": "#fff")", "/nodes/0/color",
       "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found \"#fff\""},
      {"solid", R"("color": "#gg0000")", "/nodes/0/color",
       "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found \"#gg0000\""},
      {"solid", R"("border_color": 16777215)", "/nodes/0/border_color",
       "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found 16777215"},
      {"solid", R"("blend": "Add")", "/nodes/0/blend",
       "expected one of \"normal\", \"add\", \"multiply\", \"screen\", found \"Add\"; did you mean "
       "\"add\"?"},
      {"solid", R"("blend": 1)", "/nodes/0/blend",
       "expected one of \"normal\", \"add\", \"multiply\", \"screen\", found 1"},
      {"text", R"("text": ["a"])", "/nodes/0/text",
       "expected a string, found an array of 1 element"},
      {"image", R"("source": "")", "/nodes/0/source",
       "expected a file path (a non-empty string), found \"\""},
      {"image", R"("source": "a\u0000.png")", "/nodes/0/source",
       "expected a file path (a non-empty string)"},
      {"gradient", R"("stops": [{"offset": 0, "color": "#000000"}])", "/nodes/0/stops",
       "expected an array of at least 2 gradient stops {\"offset\": number, \"color\": colour}, "
       "found an array of 1 element"},
      {"gradient", R"("stops": [{"offset": 0, "color": "#000000"}, 1])", "/nodes/0/stops/1",
       "expected a gradient stop {\"offset\": number, \"color\": colour}, found 1"},
      {"gradient",
       R"("stops": [{"offset": 0, "color": "#000000"}, {"offset": 1.5, "color": "#000000"}])",
       "/nodes/0/stops/1/offset", "expected a number in [0, 1], found 1.5"},
      {"gradient", R"("stops": [{"offset": 0, "color": "#000000"}, {"offset": 1}])",
       "/nodes/0/stops/1/color", "missing \"color\" in gradient stop"},
      {"gradient",
       R"("stops": [{"offset": 0, "color": "#000000"}, {"offset": 1, "color": "#fff", "colour": 1}])",
       "/nodes/0/stops/1/color", "expected a colour"},
      {"gradient", R"("radius": 0)", "/nodes/0/radius",
       "expected a number in [0.0001, 100], found 0"},
      {"solid", R"("font_size": 12)", "/nodes/0/font_size",
       "property \"font_size\" does not apply to a solid node"},
      {"image", R"("color": "#ffffff", "source": "x.png")", "/nodes/0/color",
       "property \"color\" does not apply to an image node"},
      {"text", R"("text": "", "opacty": 1)", "/nodes/0/opacty",
       "unknown property \"opacty\" for a text node; did you mean \"opacity\"?"},
      {"text", R"("text": "", "fontsize": 1)", "/nodes/0/fontsize",
       "unknown property \"fontsize\" for a text node; did you mean \"font_size\"?"},
      {"solid", R"("colour": "#ffffff")", "/nodes/0/colour",
       "unknown property \"colour\" for a solid node; did you mean \"color\"?"},
      {"solid", R"("zzz": 1)", "/nodes/0/zzz", "unknown property \"zzz\" for a solid node"},
      {"solid", R"("name": 3)", "/nodes/0/name", "expected a string, found 3"},
      {"solid", R"("children": [])", "/nodes/0/children",
       "\"children\" only applies to group nodes, not to a solid node"},
      {"group", R"("children": {})", "/nodes/0/children",
       "expected an array of nodes, found an object"},
      {"group", R"("children": [[]])", "/nodes/0/children/0",
       "expected a node object {\"id\": ..., \"kind\": ..., ...}, found an empty array"},
      {"image", "", "/nodes/0/source", "missing required property \"source\" for an image node"},
      {"text", "", "/nodes/0/text", "missing required property \"text\" for a text node"},
      {"sprite", "", "/nodes/0/kind",
       "unknown node kind \"sprite\"; expected one of solid, gradient, image, text, group, video, "
       "sound, lower_third, lbar, countdown, stock_counter, progress_bar, product_card, ticker, "
       "particles"},
      {"txt", "", "/nodes/0/kind",
       "unknown node kind \"txt\"; expected one of solid, gradient, image, text, group, video, "
       "sound, lower_third, lbar, countdown, stock_counter, progress_bar, product_card, ticker, "
       "particles; "
       "did you "
       "mean \"text\"?"},
  };
  for (const Case& c : cases) {
    std::string text = nodeScene(c.kind, c.props);
    INFO(text);
    auto error = parseError(text);
    REQUIRE(error);
    INFO(error->what());
    REQUIRE(error->issues().size() >= 1);
    const SceneIssue& i = error->issues()[0];
    CHECK(i.pointer == c.pointer);
    CHECK(i.message.find(c.message) == 0);
    CHECK(i.line == 1);
    CHECK(i.column > 1);
  }
}

TEST_CASE("scene: node structure errors", "[scene]") {
  auto issue = [](const std::string& nodes) {
    return onlyIssue(R"({"format": "marquee.scene/1", "nodes": )" + nodes + "}");
  };
  SceneIssue i = issue(R"([{"kind": "solid"}])");
  CHECK(i.pointer == "/nodes/0/id");
  CHECK(i.column == 41);  // the node object: the missing key has no position of its own
  CHECK(i.message == "missing \"id\"; every node needs a unique id like \"lower_third\"");
  i = issue(R"([{"id": "a"}])");
  CHECK(i.message ==
        "missing \"kind\"; expected one of solid, gradient, image, text, group, video, "
        "sound, lower_third, lbar, countdown, stock_counter, progress_bar, product_card, ticker, "
        "particles");
  for (const char* bad :
       {"\"\"", "\"a b\"", "\"caf\\u00e9\"", "\"a/b\"", "7",
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""}) {
    INFO(bad);
    i = issue(std::string(R"([{"kind": "solid", "id": )") + bad + "}]");
    CHECK(i.pointer == "/nodes/0/id");
    CHECK(i.message.find("expected an id of 1 to 64 characters from A-Z a-z 0-9 _ . -") == 0);
  }
  CHECK_NOTHROW(parseScene(R"({"format": "marquee.scene/1", "nodes": [{"kind": "solid",
    "id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"kind": "solid",
    "id": "A-z_0.9"}]})",
                           "x.json"));
  i = issue(R"([{"id": "x", "kind": "group", "children": [{"id": "y", "kind": "solid"}]},
                {"id": "y", "kind": "solid"}])");
  CHECK(i.pointer == "/nodes/1/id");
  CHECK(i.line == 2);
  CHECK(i.message == "duplicate id \"y\"; already used by the node at /nodes/0/children/0");
  i = issue(R"({"id": "x"})");
  CHECK(i.pointer == "/nodes");
  CHECK(i.message == "expected an array of nodes, found an object");
}

TEST_CASE("scene: root errors", "[scene]") {
  SceneIssue i = onlyIssue(R"({"format": "marquee.scene/2", "nodes": 5, "x": 1})");
  CHECK(i.pointer == "/format");  // a foreign format stops the checks right there
  CHECK(i.message == "expected \"marquee.scene/1\", found \"marquee.scene/2\"");
  i = onlyIssue(R"({"format": 1})");
  CHECK(i.message == "expected \"marquee.scene/1\", found 1");
  i = onlyIssue(R"({"nodes": []})");
  CHECK(i.pointer == "/format");
  CHECK(std::pair(i.line, i.column) == std::pair(1, 1));
  i = onlyIssue(R"({"format": "marquee.scene/1", "name": ["x"]})");
  CHECK(i.pointer == "/name");
  i = onlyIssue(R"({"format": "marquee.scene/1", "canvas": []})");
  CHECK(i.pointer == "/canvas");
  i = onlyIssue(R"({"format": "marquee.scene/1", "canvas": {"widht": 1920}})");
  CHECK(i.pointer == "/canvas/widht");
  CHECK(i.message ==
        "unknown key \"widht\" in canvas; did you mean \"width\"? "
        "(expected width, height, fps, background)");
  i = onlyIssue(R"({"format": "marquee.scene/1", "Nodes": []})");
  CHECK(i.message.find("unknown key \"Nodes\" in the scene; did you mean \"nodes\"?") == 0);
  for (const char* text : {"[]", "\"scene\"", "42", "null", "true"}) {
    INFO(text);
    i = onlyIssue(text);
    CHECK(i.pointer == "");
    CHECK(i.message.find("expected a scene object") == 0);
  }
}

TEST_CASE("scene: all issues are collected, sorted by position, and capped", "[scene]") {
  auto error = parseError(
      "{\"format\": \"marquee.scene/1\",\n"
      " \"nodes\": [\n"
      "  {\"id\": \"a\", \"kind\": \"solid\", \"opacity\": 2, \"blend\": \"x\"},\n"
      "  {\"id\": \"a\", \"kind\": \"blob\"},\n"
      "  {\"id\": \"b\", \"kind\": \"text\"}\n"
      " ],\n"
      " \"canvas\": {\"width\": 3}}\n");
  REQUIRE(error);
  std::vector<std::string> pointers;
  for (const SceneIssue& i : error->issues()) pointers.push_back(i.pointer);
  CHECK(pointers == std::vector<std::string>{"/nodes/0/opacity", "/nodes/0/blend", "/nodes/1/id",
                                             "/nodes/1/kind", "/nodes/2/text", "/canvas/width"});
  std::string many = R"({"format": "marquee.scene/1", "nodes": [)";
  for (int k = 0; k < 80; ++k)
    many += std::string(k ? "," : "") + "\n{\"id\": \"n\", \"kind\": \"solid\"}";
  error = parseError(many + "]}");
  REQUIRE(error);
  REQUIRE(error->issues().size() == 50);
  CHECK(error->issues()[0].line == 3);  // the first duplicate
  CHECK(error->issues()[48].line == 51);
  CHECK(error->issues()[49].message == "too many issues; only the first 49 are listed");
}

TEST_CASE("scene: files that cannot be read", "[scene]") {
  TempDir dir;
  auto error = loadError(dir / "absent.json");
  REQUIRE(error);
  REQUIRE(error->issues().size() == 1);
  CHECK(error->issues()[0].line == 0);
  CHECK(error->issues()[0].file == (dir / "absent.json").string());
  CHECK(error->issues()[0].message == "cannot open scene file: No such file or directory");
  CHECK(std::string(error->what()) ==
        (dir / "absent.json").string() +
            ": (root): cannot open scene file: No such file or directory");
  error = loadError(dir.path());
  REQUIRE(error);
  CHECK(error->issues()[0].message == "cannot read scene file: it is a directory");

  writeFile(dir / "big.json", "[" + std::string(17 << 20, ' ') + "]");
  error = loadError(dir / "big.json");
  REQUIRE(error);
  CHECK(error->issues()[0].message == "file is too large for a scene (the limit is 16 MiB)");
}

TEST_CASE("scene: a leading UTF-8 byte order mark is accepted", "[scene]") {
  Scene s =
      parseScene("\xEF\xBB\xBF{\"format\": \"marquee.scene/1\", \"name\": \"BOM\"}", "x.json");
  CHECK(s.name == "BOM");
  CHECK(s.positions.at("/name") == std::pair(1, 39));
}

TEST_CASE("scene: image sources are checked against the scene's directory", "[scene]") {
  TempDir dir;
  fs::create_directories(dir / "img");
  writePng(dir / "img/logo.png");
  writeFile(dir / "img/notes.txt", "just text, not pixels\n");
  writeFile(dir / "img/fake.png", "\x89PNG\r\n\x1a\n but then garbage");
  writeFile(dir / "img/empty.png", "");
  fs::create_directories(dir / "img/dir.png");

  auto scene = [&](const std::string& source) {
    std::string text = nodeScene("image", "\"source\": \"" + source + "\", \"fit\": \"cover\"");
    writeFile(dir / "scene.json", text);
    return dir / "scene.json";
  };
  Scene s = loadScene(scene("img/logo.png"));
  CHECK(s.nodes[0].getString(Prop::Source) == "img/logo.png");  // kept as written
  CHECK(s.resolve("img/logo.png") == dir / "img/logo.png");
  CHECK(s.resolve("/abs/x.png") == fs::path("/abs/x.png"));
  CHECK(s.nodes[0].getEnum<Fit>(Prop::Fit) == Fit::Cover);
  CHECK_NOTHROW(loadScene(scene((dir / "img/logo.png").string())));  // absolute paths work too
  CHECK_NOTHROW(loadScene(scene("img/../img/./logo.png")));

  auto issue = [&](const std::string& source) {
    auto error = loadError(scene(source));
    REQUIRE(error);
    REQUIRE(error->issues().size() == 1);
    CHECK(error->issues()[0].pointer == "/nodes/0/source");
    CHECK(error->issues()[0].line == 1);
    return error->issues()[0].message;
  };
  CHECK(issue("img/missing.png") == "image file not found: " + (dir / "img/missing.png").string());
  CHECK(issue("img/notes.txt") == "not a PNG or JPEG image: " + (dir / "img/notes.txt").string());
  CHECK(issue("img/fake.png") == "not a PNG or JPEG image: " + (dir / "img/fake.png").string());
  CHECK(issue("img/empty.png") == "not a PNG or JPEG image: " + (dir / "img/empty.png").string());
  CHECK(issue("img/dir.png") == "not a PNG or JPEG image: " + (dir / "img/dir.png").string());
}

TEST_CASE("scene: malformed fixtures are rejected with the right place and message", "[scene]") {
  struct Expect {
    const char* file;
    int line, column;
    const char* pointer;
    const char* message;  // prefix of the first issue's message
  };
  // Kept in step with tests/data/scenes/malformed/: every file there must be listed.
  const std::vector<Expect> expected = {
      {"bad_color.json", 4, 47, "/nodes/0/color",
       "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found \"red\""},
      {"bad_enum.json", 4, 47, "/nodes/0/blend",
       "expected one of \"normal\", \"add\", \"multiply\", \"screen\", found \"overlay\""},
      {"bad_fps.json", 3, 21, "/canvas/fps", "expected a frame rate in [1, 240]"},
      {"bad_id.json", 4, 12, "/nodes/0/id", "expected an id of 1 to 64 characters"},
      {"children_on_solid.json", 4, 50, "/nodes/0/children",
       "\"children\" only applies to group nodes"},
      {"clip_descending_keys.json", 7, 53, "/clips/0/tracks/0/keys/1/time",
       "expected a time after the previous key's (0.5): keys are in ascending time, found 0.25"},
      {"clip_key_out_of_range.json", 6, 84, "/clips/0/tracks/0/keys/0/value",
       "expected a number in [0, 1], found 1.5"},
      {"clip_unknown_easing.json", 7, 49, "/clips/0/tracks/0/keys/0/ease",
       "unknown easing \"ease-out\"; CSS \"ease-out\" is \"cubic-bezier(0,0,0.58,1)\" "
       "(expected linear, step, in-sine, "},
      {"clip_unknown_node.json", 6, 16, "/clips/0/tracks/0/node",
       "no node has the id \"lower_thrid\"; did you mean \"lower_third\"?"},
      {"comment.json", 2, 3, "", "comments are not allowed in JSON"},
      {"cue_two_actions.json", 5, 48, "/cues/0/start",
       "a cue does one thing, but this one has both \"play\" and \"start\""},
      {"cue_unknown_clip.json", 5, 33, "/cues/0/start",
       "no clip has the id \"lower_third_inn\"; \"start\" names a clip; did you mean "
       "\"lower_third_in\"?"},
      {"deep_nesting.json", 1, 167, nullptr, "nesting deeper than 128 levels"},
      {"descending_stops.json", 5, 64, "/nodes/0/stops/1/offset",
       "gradient stop offsets must not decrease: 0.25 follows 0.5"},
      {"duplicate_id.json", 6, 14, "/nodes/1/children/0/id",
       "duplicate id \"panel\"; already used by the node at /nodes/0"},
      {"duplicate_key.json", 4, 54, "/nodes/0/opacity",
       "duplicate key \"opacity\" in object (first value at line 4, column 49)"},
      {"empty.json", 1, 1, "", "empty file; expected a JSON value"},
      {"huge_number.json", 4, 50, "/nodes/0/rotation", "number out of range: 1e999"},
      {"invalid_utf8.json", 3, 15, "/name", "invalid UTF-8 in string (byte 0xe9)"},
      {"missing_format.json", 1, 1, "/format", "missing \"format\"; expected \"marquee.scene/1\""},
      {"missing_id.json", 4, 5, "/nodes/0/id", "missing \"id\""},
      {"missing_image.json", 4, 47, "/nodes/0/source", "image file not found: "},
      {"missing_source.json", 4, 5, "/nodes/0/source", "missing required property \"source\""},
      {"missing_text.json", 4, 5, "/nodes/0/text",
       "missing required property \"text\" for a text node"},
      {"nan.json", 4, 50, "/nodes/0/rotation", "'NaN' is not valid JSON; numbers must be finite"},
      {"non_image_source.json", 4, 47, "/nodes/0/source", "not a PNG or JPEG image: "},
      {"not_an_object.json", 1, 1, "", "expected a scene object"},
      {"odd_canvas_width.json", 3, 23, "/canvas/width",
       "expected an even integer in [16, 8192], found 1921"},
      {"out_of_range_opacity.json", 6, 45, "/nodes/2/opacity",
       "expected a number in [0, 1], found 1.5"},
      {"property_not_applicable.json", 4, 51, "/nodes/0/font_size",
       "property \"font_size\" does not apply to a solid node"},
      {"trailing_comma.json", 5, 3, "/nodes", "trailing comma before ']' is not allowed in JSON"},
      {"truncated.json", 4, 50, "/nodes/0/text",
       "unexpected end of file inside string (started at line 4, column 45)"},
      {"unknown_kind.json", 4, 28, "/nodes/0/kind",
       "unknown node kind \"sprite\"; expected one of solid, gradient, image, text, group, video, "
       "sound, lower_third, lbar, countdown, stock_counter, progress_bar, product_card, ticker, "
       "particles"},
      {"unknown_property.json", 6, 16, "/nodes/1/opacty",
       "unknown property \"opacty\" for a text node; did you mean \"opacity\"?"},
      {"unknown_root_key.json", 3, 11, "/node",
       "unknown key \"node\" in the scene; did you mean \"nodes\"?"},
      {"unpaired_surrogate.json", 3, 16, "/name", "unpaired UTF-16 high surrogate"},
      {"wrong_format.json", 2, 13, "/format",
       "expected \"marquee.scene/1\", found \"marquee.scene/2\""},
      {"wrong_type_opacity.json", 5, 17, "/nodes/0/opacity",
       "expected a number in [0, 1], found \"half\""},
      {"wrong_vec2_length.json", 4, 50, "/nodes/0/position",
       "expected [x, y], each a number in [-100000, 100000], found an array of 3 elements"},
  };
  std::set<std::string> listed;
  for (const Expect& e : expected) {
    fs::path file = kSceneData / "malformed" / e.file;
    INFO(file.string());
    listed.insert(e.file);
    auto error = loadError(file);
    REQUIRE(error);
    INFO(error->what());
    const SceneIssue& i = error->issues().at(0);
    CHECK(i.file == file.string());
    CHECK(i.line == e.line);
    CHECK(i.column == e.column);
    if (e.pointer) CHECK(i.pointer == e.pointer);
    CHECK(i.message.find(e.message) == 0);
    CHECK(std::string(error->what()).find(file.string() + ":" + std::to_string(e.line) + ":") == 0);
  }
  for (const auto& entry : fs::directory_iterator(kSceneData / "malformed")) {
    INFO(entry.path().string());
    CHECK(listed.count(entry.path().filename().string()));
    CHECK(loadError(entry.path()));
    CHECK(fs::file_size(entry.path()) <= 20 * 1024);
  }
}

TEST_CASE("scene: keying and mask properties load, are checked and round-trip", "[scene][keying]") {
  TempDir dir;
  fs::create_directories(dir / "img");
  writePng(dir / "img/shot.png");
  writePng(dir / "img/matte.png");
  const std::string text =
      "{\n"
      "  \"format\": \"marquee.scene/1\",\n"
      "  \"nodes\": [\n"
      "    {\"id\": \"host\", \"kind\": \"image\", \"source\": \"img/shot.png\",\n"
      "     \"key\": \"chroma\", \"key_color\": \"#00b140\", \"key_similarity\": 0.35,\n"
      "     \"key_softness\": 0.1, \"key_spill\": 0.5},\n"
      "    {\"id\": \"lights\", \"kind\": \"image\", \"source\": \"img/shot.png\",\n"
      "     \"key\": \"luma\", \"key_threshold\": 0.2, \"key_invert\": true},\n"
      "    {\"id\": \"panel\", \"kind\": \"solid\", \"mask\": \"img/matte.png\",\n"
      "     \"mask_mode\": \"luminance\", \"mask_invert\": true}\n"
      "  ]\n"
      "}\n";
  writeFile(dir / "show.json", text);
  Scene s = loadScene(dir / "show.json");
  REQUIRE(s.nodes.size() == 3);
  const Node& host = s.nodes[0];
  CHECK(host.getEnum<Key>(Prop::Key) == Key::Chroma);
  CHECK(host.getColor(Prop::KeyColor) == Color{0x00, 0xb1, 0x40, 255});
  CHECK(host.getFloat(Prop::KeySimilarity) == 0.35);
  CHECK(host.getFloat(Prop::KeySoftness) == 0.1);
  CHECK(host.getFloat(Prop::KeySpill) == 0.5);
  const Node& lights = s.nodes[1];
  CHECK(lights.getEnum<Key>(Prop::Key) == Key::Luma);
  CHECK(lights.getFloat(Prop::KeyThreshold) == 0.2);
  CHECK(lights.getBool(Prop::KeyInvert));
  CHECK(lights.getColor(Prop::KeyColor) == Color{0, 255, 0, 255});  // default: green
  const Node& panel = s.nodes[2];
  CHECK(panel.getString(Prop::Mask) == "img/matte.png");
  CHECK(panel.getEnum<MaskMode>(Prop::MaskMode) == MaskMode::Luminance);
  CHECK(panel.getBool(Prop::MaskInvert));
  CHECK(makeNode(NodeKind::Solid, "x").getString(Prop::Mask).empty());  // default: none

  // save -> load -> save is byte-identical; defaults are not written.
  const std::string saved = saveScene(s);
  CHECK(saved.find("key_softness\": 0.1") != std::string::npos);
  CHECK(saved.find("\"mask_invert\": true") != std::string::npos);
  CHECK(saved.find("key_spill\": 1") == std::string::npos);
  writeFile(dir / "saved.json", saved);
  CHECK(saveScene(loadScene(dir / "saved.json")) == saved);

  // Bad values: located (file, line, column, JSON pointer), saying what was expected.
  struct Case {
    std::string kind, props, pointer, message;
  };
  const std::vector<Case> cases = {
      {"image", R"("source": "img/shot.png", "key": "green")", "/nodes/0/key",
       "expected one of \"none\", \"chroma\", \"luma\", found \"green\""},
      {"image", R"("source": "img/shot.png", "key_similarity": 1.5)", "/nodes/0/key_similarity",
       "expected a number in [0, 1], found 1.5"},
      {"image", R"("source": "img/shot.png", "key_softness": -0.1)", "/nodes/0/key_softness",
       "expected a number in [0, 1], found -0.1"},
      {"image", R"("source": "img/shot.png", "key_color": "green")", "/nodes/0/key_color",
       "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found \"green\""},
      {"solid", R"("key": "chroma")", "/nodes/0/key", "property \"key\" does not apply to a solid"},
      {"solid", R"("mask_mode": "luma")", "/nodes/0/mask_mode",
       "expected one of \"alpha\", \"luminance\", found \"luma\""},
      {"solid", R"("mask": "img/missing.png")", "/nodes/0/mask",
       "image file not found: " + (dir / "img/missing.png").string()},
  };
  for (const Case& c : cases) {
    INFO(c.props);
    writeFile(dir / "bad.json", nodeScene(c.kind, c.props));
    auto error = loadError(dir / "bad.json");
    REQUIRE(error);
    REQUIRE(error->issues().size() == 1);
    const SceneIssue& issue = error->issues()[0];
    CHECK(issue.file == (dir / "bad.json").string());
    CHECK(issue.pointer == c.pointer);
    CHECK(issue.line == 1);
    CHECK(issue.column > 1);
    CHECK(issue.message.rfind(c.message, 0) == 0);
  }
}
