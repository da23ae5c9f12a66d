#include "commands.h"

#include <signal.h>
#include <stb_image_write.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.h"
#include "core/log.h"
#include "gpu/device.h"
#include "media/video_writer.h"
#include "render/asset_check.h"
#include "render/compositor.h"
#include "scene/scene.h"

namespace mq::cli {
namespace {

namespace fs = std::filesystem;

const OptionSpec kHelp{"--help", "-h", nullptr, "show this help"};
const OptionSpec kDevice{"--device", nullptr, "NAME",
                         "Vulkan device whose name contains NAME (default: MARQUEE_DEVICE, else a "
                         "discrete GPU, else any Vulkan 1.3 device such as lavapipe)"};
const OptionSpec kValidation{"--validation", nullptr, nullptr,
                             "enable the Khronos validation layer (also MARQUEE_VALIDATION=1); "
                             "any report makes the exit status 3"};
const OptionSpec kVerbose{"--verbose", "-v", nullptr, "log progress and the chosen device"};
const OptionSpec kOutputSize{"--output-size", nullptr, "WxH",
                             "render the canvas at another output resolution (layout kept, pixels "
                             "scaled)"};

const std::vector<CommandSpec> kCommands = {
    {"validate",
     "SCENE",
     "Check a scene file and its assets; print every problem found.",
     {kHelp, kVerbose},
     1},
    {"still",
     "SCENE -o OUT.png [--time SEC]",
     "Render one frame of a scene to a PNG image.",
     {kHelp,
      {"--output", "-o", "OUT.png", "PNG file to write (required)"},
      {"--time", nullptr, "SEC", "scene time of the frame (default 0)"},
      kOutputSize,
      kDevice,
      kValidation,
      kVerbose},
     1},
    {"render",
     "SCENE -o OUT.mp4 (--frames N | --duration SEC)",
     "Render a scene offline, deterministically, to H.264 video (MP4, MOV or MKV).",
     {kHelp,
      {"--output", "-o", "OUT.mp4", "video file to write (.mp4, .mov, .mkv)"},
      {"--frames", nullptr, "N", "number of frames to render"},
      {"--duration", nullptr, "SEC", "length to render, in seconds (rounded to whole frames)"},
      {"--stats", nullptr, "FILE.json", "write render statistics as JSON"},
      {"--render-only", nullptr, nullptr,
       "composite and convert every frame but do not encode (benchmarks); -o not needed"},
      {"--codec", nullptr, "NAME", "FFmpeg video encoder (default libx264)"},
      {"--crf", nullptr, "N", "constant rate factor, 0-51 (default 20)"},
      {"--bitrate", nullptr, "KBPS", "target bitrate in kbit/s instead of --crf"},
      {"--preset", nullptr, "NAME", "encoder preset (default veryfast)"},
      kOutputSize,
      kDevice,
      kValidation,
      kVerbose},
     1},
};

void applyVerbosity(const Args& args) {
  if (args.has("--verbose")) log::setLevel(log::Level::Info);
}

gpu::DeviceOptions deviceOptions(const Args& args) {
  gpu::DeviceOptions o;
  o.preferredDevice = args.value("--device").value_or("");
  o.validation = args.has("--validation");
  return o;
}

// The directory must exist: we never create directories the user didn't ask for.
void checkOutputPath(const fs::path& out) {
  fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) {
    throw UserError("output directory does not exist: " + dir.string());
  }
  if (fs::is_directory(out)) throw UserError("output " + out.string() + " is a directory");
}

std::string lowerExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Ctrl-C or SIGTERM during a render: stop at the next frame, so the partial
// file is removed and the exit status says the render did not complete.
std::atomic<bool> g_interrupted{false};

void onInterrupt(int) {
  g_interrupted = true;
}

void installInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

render::OutputSpec outputSpec(const Args& args, render::OutputFormat format) {
  render::OutputSpec spec;
  spec.format = format;
  if (auto s = args.size("--output-size")) {
    spec.width = uint32_t(s->first);
    spec.height = uint32_t(s->second);
  }
  return spec;
}

int finishStatus(const gpu::Device& device) {
  if (device.validationMessages() > 0) {
    std::fprintf(stderr, "marquee: the Vulkan validation layer reported %llu problem(s)\n",
                 static_cast<unsigned long long>(device.validationMessages()));
    return kExitValidation;
  }
  return kExitOk;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = p / 100.0 * double(v.size() - 1);
  size_t lo = size_t(std::floor(rank)), hi = size_t(std::ceil(rank));
  return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

int runValidate(const Args& args) {
  scene::Scene s = scene::loadScene(args.positional()[0]);
  // What a render would reject too: undecodable images, unknown fonts.
  std::vector<scene::SceneIssue> issues = render::checkImages(s);
  for (auto& issue : render::checkFonts(s)) issues.push_back(std::move(issue));
  if (!issues.empty()) throw scene::SceneError(std::move(issues));
  size_t count = 0;
  std::function<void(const std::vector<scene::Node>&)> countNodes = [&](const auto& nodes) {
    for (const auto& n : nodes) {
      ++count;
      countNodes(n.children);
    }
  };
  countNodes(s.nodes);
  std::printf("%s: ok (%dx%d at %g fps, %zu nodes)\n", args.positional()[0].c_str(), s.canvas.width,
              s.canvas.height, s.canvas.fps.toDouble(), count);
  return kExitOk;
}

int runStill(const Args& args) {
  auto out = args.value("--output");
  if (!out) throw UserError("marquee still needs -o OUT.png");
  fs::path outPath = *out;
  if (lowerExtension(outPath) != ".png") {
    throw UserError("-o " + outPath.string() + ": marquee still writes PNG; name the file *.png");
  }
  checkOutputPath(outPath);
  double time = args.number("--time", 0, 1e7).value_or(0.0);
  scene::Scene s = scene::loadScene(args.positional()[0]);
  render::OutputSpec spec = outputSpec(args, render::OutputFormat::Rgba8);

  gpu::Device device(deviceOptions(args));
  render::Compositor compositor(device, s, spec);
  render::FrameOutput frame = compositor.wait(compositor.submit(time));

  // Write beside the destination, then rename: a failure leaves nothing behind.
  fs::path partial = outPath;
  partial += ".partial";
  if (!stbi_write_png(partial.c_str(), int(frame.width), int(frame.height), 4, frame.bytes.data(),
                      int(frame.stride * 4))) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw RuntimeError("cannot write " + outPath.string());
  }
  std::error_code renameError;
  fs::rename(partial, outPath, renameError);
  if (renameError) {
    fs::remove(partial, renameError);
    throw RuntimeError("cannot write " + outPath.string());
  }
  std::printf("wrote %s (%ux%u, rendered on %s)\n", fs::absolute(outPath).c_str(), frame.width,
              frame.height, device.name().c_str());
  return finishStatus(device);
}

int runRender(const Args& args) {
  installInterruptHandler();
  bool renderOnly = args.has("--render-only");
  auto out = args.value("--output");
  if (!out && !renderOnly) throw UserError("marquee render needs -o OUT.mp4 (or --render-only)");
  if (args.has("--frames") == args.has("--duration")) {
    throw UserError("marquee render needs exactly one of --frames N or --duration SEC");
  }
  std::optional<fs::path> statsPath;
  if (auto st = args.value("--stats")) {
    statsPath = *st;
    checkOutputPath(*statsPath);
  }
  scene::Scene s = scene::loadScene(args.positional()[0]);
  int64_t frames = 0;
  if (auto f = args.integer("--frames", 1, 10'000'000)) frames = *f;
  if (auto d = args.number("--duration", 0.001, 1e6)) {
    frames = std::max<int64_t>(1, int64_t(std::llround(*d * s.canvas.fps.toDouble())));
  }
  render::OutputSpec spec = outputSpec(args, render::OutputFormat::Nv12);
  uint32_t width = spec.width ? spec.width : uint32_t(s.canvas.width);
  uint32_t height = spec.height ? spec.height : uint32_t(s.canvas.height);

  media::VideoSettings settings;
  settings.width = int(width);
  settings.height = int(height);
  settings.fps = s.canvas.fps;
  if (auto c = args.value("--codec")) settings.codec = *c;
  if (auto p = args.value("--preset")) settings.preset = *p;
  if (auto c = args.integer("--crf", 0, 51)) settings.crf = int(*c);
  if (auto b = args.integer("--bitrate", 100, 1'000'000)) settings.bitrate = *b * 1000;

  std::unique_ptr<media::VideoFileWriter> writer;
  if (!renderOnly) {
    checkOutputPath(*out);
    if (statsPath && fs::weakly_canonical(*statsPath) == fs::weakly_canonical(*out)) {
      throw UserError("--stats and -o name the same file: " + *out);
    }
    // Opened before the GPU work so a bad extension or encoder fails fast.
    writer = std::make_unique<media::VideoFileWriter>(fs::path(*out), settings);
  }
  gpu::Device device(deviceOptions(args));
  render::Compositor compositor(device, s, spec);

  std::vector<double> gpuMs;
  gpuMs.reserve(size_t(frames));
  auto consume = [&](const render::FrameTicket& t) {
    render::FrameOutput f = compositor.wait(t);
    gpuMs.push_back(f.gpuMs);
    if (writer) {
      const uint8_t* y = f.bytes.data();
      writer->write({y, int(f.stride), y + size_t(f.stride) * f.height, int(f.stride)});
    }
  };
  auto start = std::chrono::steady_clock::now();
  // Two frames in flight: the GPU composites frame n while the encoder takes n-1.
  std::optional<render::FrameTicket> previous;
  for (int64_t n = 0; n < frames; ++n) {
    if (g_interrupted) {
      throw RuntimeError("interrupted after " + std::to_string(n) + " frames; nothing written");
    }
    render::FrameTicket t = compositor.submit(frameTimeSeconds(n, s.canvas.fps));
    if (previous) consume(*previous);
    previous = t;
  }
  if (previous) consume(*previous);
  if (writer) writer->finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::ordered_json stats;
  stats["frames"] = frames;
  stats["width"] = width;
  stats["height"] = height;
  stats["fps_target"] = s.canvas.fps.toDouble();
  stats["render_ms"] = {
      {"p50", percentile(gpuMs, 50)},
      {"p95", percentile(gpuMs, 95)},
      {"p99", percentile(gpuMs, 99)},
      {"max", gpuMs.empty() ? 0.0 : *std::max_element(gpuMs.begin(), gpuMs.end())}};
  stats["wall_s"] = wall;
  stats["fps"] = wall > 0 ? double(frames) / wall : 0.0;
  stats["device"] = device.name();
  stats["encoded"] = !renderOnly;
  if (writer) stats["output"] = fs::absolute(*out).string();
  if (statsPath) {
    std::ofstream f(*statsPath);
    f << stats.dump(2) << "\n";
    if (!f) throw RuntimeError("cannot write " + statsPath->string());
  }
  log::info("rendered ", frames, " frames in ", wall, " s (", stats["fps"].get<double>(), " fps)");
  if (writer) {
    std::printf("wrote %s (%lld frames, rendered on %s)\n", fs::absolute(*out).c_str(),
                (long long)frames, device.name().c_str());
  }
  return finishStatus(device);
}

}  // namespace

const std::vector<CommandSpec>& commands() {
  return kCommands;
}

int run(const CommandSpec& spec, const Args& args) {
  applyVerbosity(args);
  std::string name = spec.name;
  if (name == "validate") return runValidate(args);
  if (name == "still") return runStill(args);
  return runRender(args);
}

}  // namespace mq::cli
