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
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "gpu/device.h"
#include "media/audio_mixer.h"
#include "media/encoder.h"
#include "media/output_preset.h"
#include "render/asset_check.h"
#include "render/compositor.h"
#include "render/preview_overlay.h"
#include "runtime/encoder_handoff.h"
#include "runtime/live_show.h"
#include "runtime/show_data.h"
#include "runtime/show_media.h"
#include "runtime/stats_json.h"
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

const OptionSpec kInput{"--input", nullptr, "ID=URL",
                        "play URL in the video node ID for this run (repeatable); a file, "
                        "rtmp:// srt:// udp:// http(s):// URL, /dev/videoN or builtin:camera"};

const OptionSpec kOutput{"--output", "-o", "OUT",
                         "a file or stream URL to write (repeatable: record and stream at once)"};
const OptionSpec kPreset{"--preset", nullptr, "NAME",
                         "output preset: tiktok-vertical, instagram-live, landscape-1080p30, "
                         "landscape-1080p60 (size, frame rate, bitrate, keyframes, audio; the "
                         "options below override it)"};
const OptionSpec kStats{"--stats", nullptr, "FILE.json",
                        "write render, source, audio and output statistics at the end"};
const OptionSpec kCodec{"--codec", nullptr, "NAME",
                        "FFmpeg video encoder, or auto (default): h264_nvenc fed CUDA frames on an "
                        "NVIDIA GPU whose NVENC opens, else libx264"};
const OptionSpec kEncoderPreset{
    "--encoder-preset", nullptr, "NAME",
    "encoder speed preset (default veryfast for libx264, p4 for NVENC)"};
const OptionSpec kCrf{"--crf", nullptr, "N",
                      "constant rate factor, 0-51 (default 20; files without a bitrate)"};
const OptionSpec kVideoBitrate{"--video-bitrate", nullptr, "KBPS",
                               "constant video bitrate in kbit/s (live streams default to 6000)"};
const OptionSpec kKeyframes{"--keyframe-interval", nullptr, "SEC",
                            "seconds between keyframes (default 2)"};
const OptionSpec kAudioBitrate{"--audio-bitrate", nullptr, "KBPS",
                               "AAC bitrate in kbit/s (default 128)"};

const OptionSpec kData{"--data", nullptr, "FILE|-",
                       "live data for text templates (\"Only {stock} left\"): JSON lines "
                       "{\"t\": SEC, \"set\": {...}}; - reads a pipe (live)"};

// The operator's preview: the program picture plus overlays, written to a
// file of its own; the program output is the same with or without it.
const OptionSpec kZebra{"--zebra", nullptr, "LEVEL|off",
                        "preview: zebra stripes where luma Y' (0 black, 1 reference white) is at "
                        "or above LEVEL (default 0.95)"};
const OptionSpec kPeaking{"--peaking", nullptr, "SENSITIVITY",
                          "preview: focus peaking, 0 (off) to 1 (every edge); paints pixels whose "
                          "luma gradient exceeds 1 - SENSITIVITY of a black-to-white step "
                          "(default 0.75)"};
const OptionSpec kPeakingColor{"--peaking-color", nullptr, "COLOR",
                               "preview: colour of focus peaking, #RRGGBB (default #ff0000)"};
const OptionSpec kPreviewOut{"--preview-out", nullptr, "OUT",
                             "also encode the operator's preview (zebra and focus-peaking "
                             "overlays) to OUT, a file or stream of its own; -o stays the clean "
                             "program"};

const OptionSpec kFullRedraw{"--full-redraw", nullptr, nullptr,
                             "composite every tile of every frame (by default a tile whose layers "
                             "did not change is copied from the previous frame; same pixels)"};

// The encoder, output-size and device options render and live share, in
// the order their help lists them.
const std::vector<OptionSpec> kEncoding = {kCodec,     kEncoderPreset, kCrf,        kVideoBitrate,
                                           kKeyframes, kAudioBitrate,  kOutputSize, kFullRedraw,
                                           kDevice,    kValidation,    kVerbose};

// A command's own options followed by a shared group of them.
std::vector<OptionSpec> withOptions(std::vector<OptionSpec> own,
                                    const std::vector<OptionSpec>& shared) {
  own.insert(own.end(), shared.begin(), shared.end());
  return own;
}

const std::vector<CommandSpec> kCommands = {
    {"validate",
     "SCENE",
     "Check a scene file and its assets; print every problem found.",
     {kHelp, kVerbose},
     1},
    {"still",
     "SCENE -o OUT.png [--time SEC] [--preview-out PREVIEW.png]",
     "Render one frame of a scene to a PNG image.",
     {kHelp,
      {"--output", "-o", "OUT.png", "PNG file to write (required)"},
      {"--time", nullptr, "SEC", "scene time of the frame (default 0)"},
      {"--preview-out", nullptr, "PREVIEW.png",
       "also write the operator's preview: the same frame with zebra and focus-peaking "
       "overlays (OUT.png stays the clean program)"},
      kZebra,
      kPeaking,
      kPeakingColor,
      kInput,
      kData,
      kOutputSize,
      kDevice,
      kValidation,
      kVerbose},
     1},
    {"render", "SCENE -o OUT... (--frames N | --duration SEC)",
     "Render a scene offline, deterministically, and encode it once to every output: files "
     "(.mp4, .mov; .mkv and .ts are crash-safe recordings) and live streams (rtmp://, "
     "rtmps://, srt://, udp://).",
     withOptions(
         {
             kHelp,
             kOutput,
             {"--frames", nullptr, "N", "number of frames to render"},
             {"--duration", nullptr, "SEC",
              "length to render, in seconds (rounded to whole frames)"},
             kPreset,
             kInput,
             kData,
             kStats,
             {"--render-only", nullptr, nullptr,
              "composite and convert every frame but do not encode (benchmarks); -o not needed"},
             {"--realtime", nullptr, nullptr,
              "pace frames to the wall clock at the output frame rate (streaming a render); frames "
              "are never skipped, so a machine slower than real time falls behind"},
             kPreviewOut,
             kZebra,
             kPeaking,
             kPeakingColor,
         },
         kEncoding),
     1},
    {"live", "SCENE -o OUT... [--duration SEC]",
     "Run the show live: paced to the wall clock at the output frame rate, every frame on "
     "time or deliberately repeated, sound and picture on one clock; headless. Stops at "
     "--duration or on Ctrl-C / SIGTERM (recordings are finished properly).",
     withOptions(
         {
             kHelp,
             kOutput,
             {"--duration", nullptr, "SEC",
              "stop after this much show time (default: run until stopped)"},
             kPreset,
             kInput,
             kData,
             kStats,
             {"--stats-live", nullptr, "FILE",
              "append a JSON line of statistics once a second to FILE (- for stdout)"},
             {"--inject", nullptr, "SPEC",
              "planned fault (repeatable): render-stall:200ms@5s, decode-stall:source=ID:500ms@3s, "
              "encode-stall:300ms@7s"},
             kPreviewOut,
             kZebra,
             kPeaking,
             kPeakingColor,
         },
         kEncoding),
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

int runValidate(const Args& args) {
  scene::Scene s = scene::loadScene(args.positional()[0]);
  // What a render would reject too: undecodable images, unknown fonts.
  std::vector<scene::SceneIssue> issues = render::checkImages(s);
  for (auto& issue : render::checkFonts(s)) issues.push_back(std::move(issue));
  // Text templates must compile (a render would stop on them too).
  try {
    runtime::ShowData templates(s, std::nullopt);
  } catch (const scene::SceneError& e) {
    for (const auto& issue : e.issues()) issues.push_back(issue);
  }
  // Sound files must decode (a render would stop on them too).
  for (const scene::Node* n : s.allNodes()) {
    if (n->kind != scene::NodeKind::Sound) continue;
    try {
      media::loadAudioClip(s.resolve(n->getString(scene::Prop::File)));
    } catch (const UserError& e) {
      issues.push_back(scene::issueAt(s, n->jsonPointer + "/file", e.what()));
    }
  }
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

runtime::ShowMediaOptions mediaOptions(const Args& args) {
  runtime::ShowMediaOptions o;
  for (const std::string& text : args.values("--input")) {
    auto [id, url] = runtime::parseInputOverride(text);
    if (!o.inputOverrides.emplace(id, url).second)
      throw UserError("--input " + id + "=...: given twice");
  }
  return o;
}

std::optional<fs::path> dataFeed(const Args& args, bool pipeAllowed) {
  auto d = args.value("--data");
  if (!d) return std::nullopt;
  if (*d == "-" && !pipeAllowed)
    throw UserError("--data -: a pipe only works with marquee live; give a file");
  if (*d != "-" && !fs::is_regular_file(*d)) throw UserError("--data: no such file: " + *d);
  return fs::path(*d);
}

render::PreviewSettings previewSettings(const Args& args) {
  render::PreviewSettings p;
  if (auto z = args.value("--zebra"); z && *z == "off") {
    p.zebra = false;
  } else if (auto level = args.number("--zebra", 0, 1.1)) {
    p.zebraLevel = *level;
  }
  p.peakingSensitivity = args.number("--peaking", 0, 1).value_or(p.peakingSensitivity);
  if (auto text = args.value("--peaking-color")) {
    auto c = scene::parseColor(*text);
    if (!c) throw UserError("--peaking-color: expected #RRGGBB, got \"" + *text + "\"");
    p.peakingColor = *c;
  }
  return p;
}

// Writes an RGBA8 frame as a PNG beside `outPath`, then renames it: a failure
// leaves nothing behind.
void writePng(const fs::path& outPath, const render::FrameOutput& frame) {
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
}

int runStill(const Args& args) {
  auto out = args.value("--output");
  if (!out) throw UserError("marquee still needs -o OUT.png");
  fs::path outPath = *out;
  if (lowerExtension(outPath) != ".png") {
    throw UserError("-o " + outPath.string() + ": marquee still writes PNG; name the file *.png");
  }
  checkOutputPath(outPath);
  std::optional<fs::path> previewPath;
  if (auto p = args.value("--preview-out")) {
    previewPath = *p;
    if (lowerExtension(*previewPath) != ".png")
      throw UserError("--preview-out " + *p + ": marquee still writes PNG; name the file *.png");
    checkOutputPath(*previewPath);
    if (fs::weakly_canonical(*previewPath) == fs::weakly_canonical(outPath))
      throw UserError("--preview-out " + *p + ": the preview needs a file of its own, not -o's");
  } else if (args.has("--zebra") || args.has("--peaking") || args.has("--peaking-color")) {
    throw UserError("--zebra, --peaking and --peaking-color style the preview; add --preview-out");
  }
  render::PreviewSettings overlays = previewSettings(args);
  double time = args.number("--time", 0, 1e7).value_or(0.0);
  scene::Scene s = scene::loadScene(args.positional()[0]);
  render::OutputSpec spec = outputSpec(args, render::OutputFormat::Rgba8);

  gpu::Device device(deviceOptions(args));
  render::Compositor compositor(device, s, spec);
  runtime::ShowMedia media(s, s.canvas.fps, mediaOptions(args));
  runtime::ShowData showData(s, dataFeed(args, false));
  int64_t frameIndex = std::llround(time * s.canvas.fps.toDouble());
  // Rules depend on the data's history: evaluate every frame up to this one.
  for (int64_t k = 0; k <= frameIndex && !showData.empty(); ++k)
    showData.frame(k == frameIndex ? time : frameTimeSeconds(k, s.canvas.fps), k, s, nullptr);
  compositor.setPropertyOverrides(showData.overrides());
  std::optional<render::PreviewOverlay> preview;
  if (previewPath) {
    preview.emplace(device, compositor, overlays);
    compositor.addOutputReader(&*preview);
  }
  render::FrameTicket ticket = compositor.submit(time, media.videoFrames(frameIndex));
  render::FrameOutput frame = compositor.wait(ticket);

  writePng(outPath, frame);
  std::printf("wrote %s (%ux%u, rendered on %s)\n", fs::absolute(outPath).c_str(), frame.width,
              frame.height, device.name().c_str());
  if (preview) {
    writePng(*previewPath, preview->preview(ticket, frame));
    std::printf("wrote %s (preview)\n", fs::absolute(*previewPath).c_str());
  }
  return finishStatus(device);
}

bool isStreamUrl(const std::string& out) {
  return out.find("://") != std::string::npos;
}

// --preview-out for render and live: a file or stream of its own, checked
// like -o; without it the overlay options are a mistake.
std::optional<std::string> previewOutput(const Args& args,
                                         const std::vector<std::string>& outputs) {
  std::optional<std::string> previewOut = args.value("--preview-out");
  if (previewOut) {
    if (!isStreamUrl(*previewOut)) checkOutputPath(*previewOut);
    for (const std::string& out : outputs) {
      if (out == *previewOut ||
          (!isStreamUrl(out) && fs::weakly_canonical(out) == fs::weakly_canonical(*previewOut)))
        throw UserError("--preview-out " + *previewOut +
                        ": the preview needs an output of its own");
    }
  } else if (args.has("--zebra") || args.has("--peaking") || args.has("--peaking-color")) {
    throw UserError("--zebra, --peaking and --peaking-color style the preview; add --preview-out");
  }
  return previewOut;
}

// Encoder settings: the preset (if any), then every explicit option on top.
media::EncoderSettings encoderSettings(const Args& args, const scene::Scene& s,
                                       const std::vector<std::string>& outputs,
                                       const media::OutputPreset* preset) {
  media::EncoderSettings e;
  e.width = s.canvas.width;
  e.height = s.canvas.height;
  e.fps = s.canvas.fps;
  if (preset) {
    media::applyOutputPreset(*preset, e);
    // The layout is authored for the canvas: scaling it to another shape
    // would squash it.
    bool canvasPortrait = s.canvas.height > s.canvas.width;
    if (!args.has("--output-size") && canvasPortrait != (e.height > e.width)) {
      throw UserError("--preset " + preset->name + " is " + std::to_string(e.width) + "x" +
                      std::to_string(e.height) + " but the scene's canvas is " +
                      std::to_string(s.canvas.width) + "x" + std::to_string(s.canvas.height) +
                      "; pick a preset of the same orientation or set --output-size");
    }
    for (const std::string& url : outputs) media::checkOutputUrlForPreset(*preset, url);
  }
  if (auto size = args.size("--output-size")) {
    e.width = size->first;
    e.height = size->second;
  }
  if (auto c = args.value("--codec")) e.videoCodec = *c;
  if (auto p = args.value("--encoder-preset")) e.preset = *p;
  if (auto c = args.integer("--crf", 0, 51)) e.crf = int(*c);
  if (auto b = args.integer("--video-bitrate", 100, 1'000'000)) e.videoBitrate = *b * 1000;
  if (auto k = args.number("--keyframe-interval", 0.04, 60)) e.keyframeIntervalSeconds = *k;
  if (auto a = args.integer("--audio-bitrate", 16, 1024)) e.audioBitrate = *a * 1000;
  bool live = std::any_of(outputs.begin(), outputs.end(), isStreamUrl);
  if (live && e.videoBitrate == 0) e.videoBitrate = 6'000'000;  // platforms want CBR
  if (live || preset) media::validateLiveSettings(e);
  return e;
}

int runRender(const Args& args) {
  installInterruptHandler();
  bool renderOnly = args.has("--render-only");
  std::vector<std::string> outputs = args.values("--output");
  if (outputs.empty() && !renderOnly)
    throw UserError("marquee render needs -o OUT (a file or stream URL), or --render-only");
  if (args.has("--frames") == args.has("--duration")) {
    throw UserError("marquee render needs exactly one of --frames N or --duration SEC");
  }
  std::optional<fs::path> statsPath;
  if (auto st = args.value("--stats")) {
    statsPath = *st;
    checkOutputPath(*statsPath);
  }
  const media::OutputPreset* preset = nullptr;
  if (auto p = args.value("--preset")) preset = &media::findOutputPreset(*p);
  scene::Scene s = scene::loadScene(args.positional()[0]);
  media::EncoderSettings settings = encoderSettings(args, s, outputs, preset);
  Rational fps = settings.fps;
  int64_t frames = 0;
  if (auto f = args.integer("--frames", 1, 10'000'000)) frames = *f;
  if (auto d = args.number("--duration", 0.001, 1e6)) {
    frames = std::max<int64_t>(1, int64_t(std::llround(*d * fps.toDouble())));
  }
  for (const std::string& out : outputs) {
    if (isStreamUrl(out)) continue;
    checkOutputPath(out);
    if (statsPath && fs::weakly_canonical(*statsPath) == fs::weakly_canonical(out))
      throw UserError("--stats and -o name the same file: " + out);
  }
  std::optional<std::string> previewOut = previewOutput(args, outputs);
  render::PreviewSettings overlays = previewSettings(args);
  runtime::ShowMediaOptions mediaOpts = mediaOptions(args);

  render::OutputSpec spec;
  spec.format = render::OutputFormat::Nv12;
  spec.width = uint32_t(settings.width);
  spec.height = uint32_t(settings.height);
  spec.reuseUnchangedTiles = !args.has("--full-redraw");
  gpu::Device device(deviceOptions(args));
  spec.exportForCuda = !renderOnly && runtime::prepareEncoderHandoff(device, settings);
  render::Compositor compositor(device, s, spec);
  // Sources start decoding now; sounds that do not decode fail here (exit 2).
  runtime::ShowMedia media(s, fps, mediaOpts);
  runtime::ShowData showData(s, dataFeed(args, false));
  // Declared after the device and compositor so it is destroyed first: it may
  // still hold leases on output buffers.
  std::optional<render::PreviewOverlay> preview;
  if (previewOut) {
    preview.emplace(device, compositor, overlays);
    compositor.addOutputReader(&*preview);
  }
  std::unique_ptr<media::Encoder> encoder, previewEncoder;
  if (!renderOnly) encoder = std::make_unique<media::Encoder>(settings, outputs);
  if (!renderOnly && previewOut) {
    media::EncoderSettings previewSettings = settings;
    previewSettings.cuda.reset();  // the preview overlay's frames are in host memory
    previewEncoder =
        std::make_unique<media::Encoder>(previewSettings, std::vector<std::string>{*previewOut});
  }

  std::vector<double> gpuMs;
  gpuMs.reserve(size_t(frames));
  int64_t encodedFrames = 0;
  // The encoder reads the planes where the GPU wrote them; the lease goes
  // back to the compositor when the encoder releases the frame.
  auto encode = [&](media::Encoder& e, const render::FrameOutput& f, int64_t index) {
    e.submitVideo(runtime::encoderPlanes(device, f, e.cudaInterop()), index,
                  [lease = f.lease]() mutable { lease.reset(); });
  };
  auto consume = [&](const render::FrameTicket& t) {
    render::FrameOutput f = compositor.wait(t);
    gpuMs.push_back(f.gpuMs);
    if (previewEncoder) encode(*previewEncoder, preview->preview(t, f), encodedFrames);
    if (encoder) encode(*encoder, f, encodedFrames++);
  };
  auto start = std::chrono::steady_clock::now();
  bool realtime = args.has("--realtime");
  int64_t framesPerSecond = std::max<int64_t>(1, std::llround(fps.toDouble()));
  std::vector<float> audio;
  // Two frames in flight: the GPU composites frame n while the encoder takes n-1.
  std::optional<render::FrameTicket> previous;
  for (int64_t n = 0; n < frames; ++n) {
    if (g_interrupted) {
      throw RuntimeError("interrupted after " + std::to_string(n) +
                         " frames (recordings in .mkv/.ts are kept up to here; other files are "
                         "removed)");
    }
    if (realtime) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(frameTimeUs(n, fps)));
    }
    if (n > 0 && n % framesPerSecond == 0) {
      log::info("rendered ", n, " frames (", frameTimeSeconds(n, fps), " s of the show)");
    }
    if (!showData.empty()) {
      showData.frame(frameTimeSeconds(n, fps), n, s, &media);
      compositor.setPropertyOverrides(showData.overrides());
    }
    render::FrameTicket t = compositor.submit(frameTimeSeconds(n, fps), media.videoFrames(n));
    media.mixAudio(n, audio);
    if (encoder) encoder->submitAudio(audio.data(), int(audio.size() / media::kAudioChannels));
    if (previewEncoder) {
      previewEncoder->submitAudio(audio.data(), int(audio.size() / media::kAudioChannels));
    }
    if (previous) consume(*previous);
    previous = t;
  }
  if (previous) consume(*previous);
  if (encoder) encoder->finish();
  if (previewEncoder) previewEncoder->finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::ordered_json stats;
  stats["frames"] = frames;
  stats["width"] = settings.width;
  stats["height"] = settings.height;
  stats["fps_target"] = fps.toDouble();
  stats["render_ms"] = runtime::percentilesJson(gpuMs);
  stats["wall_s"] = wall;
  stats["fps"] = wall > 0 ? double(frames) / wall : 0.0;
  stats["device"] = device.name();
  stats["encoded"] = !renderOnly;
  // Pixels the CPU copied between the GPU's output and the encoder, per frame:
  // 0 when the encoder reads the mapped output memory directly.
  stats["cpu_pixel_copy_bytes_per_frame"] =
      encoder && frames > 0 ? double(encoder->cpuPixelCopyBytes()) / double(frames) : 0.0;
  stats["encoder_wait_ms"] = compositor.outputWaitMs();
  stats["tiles"] = runtime::tileCountsJson(compositor.tileCounts());
  if (encoder) stats["video_encoder"] = encoder->videoEncoderName();
  if (preset) stats["preset"] = preset->name;
  stats["sources"] = runtime::sourcesJson(media.sourceReports());
  stats["audio"] = runtime::audioJson(media.audioStats());
  if (encoder) stats["outputs"] = runtime::outputsJson(encoder->outputStats());
  if (statsPath) {
    std::ofstream f(*statsPath);
    f << stats.dump(2) << "\n";
    if (!f) throw RuntimeError("cannot write " + statsPath->string());
  }
  log::info("rendered ", frames, " frames in ", wall, " s (", stats["fps"].get<double>(), " fps)");
  for (const runtime::SourceReport& r : media.sourceReports()) {
    if (r.slateFrames > 0)
      std::fprintf(stderr, "marquee: source %s (%s) showed its slate for %llu frames%s%s\n",
                   r.id.c_str(), r.url.c_str(), (unsigned long long)r.slateFrames,
                   r.stats.lastError.empty() ? "" : ": ", r.stats.lastError.c_str());
  }
  if (previewEncoder) {
    std::printf("wrote %s (%lld frames, preview)\n",
                isStreamUrl(*previewOut) ? previewOut->c_str() : fs::absolute(*previewOut).c_str(),
                (long long)frames);
  }
  for (const std::string& out : outputs) {
    std::printf("wrote %s (%lld frames, rendered on %s)\n",
                isStreamUrl(out) ? out.c_str() : fs::absolute(out).c_str(), (long long)frames,
                device.name().c_str());
  }
  return finishStatus(device);
}

int runLiveCommand(const Args& args) {
  installInterruptHandler();
  std::vector<std::string> outputs = args.values("--output");
  if (outputs.empty()) throw UserError("marquee live needs -o OUT (a stream URL or a recording)");
  std::optional<fs::path> statsPath;
  if (auto st = args.value("--stats")) {
    statsPath = *st;
    checkOutputPath(*statsPath);
  }
  std::optional<std::string> liveStats = args.value("--stats-live");
  if (liveStats && *liveStats != "-") checkOutputPath(*liveStats);
  const media::OutputPreset* preset = nullptr;
  if (auto p = args.value("--preset")) preset = &media::findOutputPreset(*p);
  std::vector<runtime::Fault> faults;
  for (const std::string& spec : args.values("--inject"))
    faults.push_back(runtime::parseFault(spec));
  scene::Scene s = scene::loadScene(args.positional()[0]);
  runtime::LiveOptions options;
  options.encoder = encoderSettings(args, s, outputs, preset);
  options.encoder.deterministic = false;  // live output carries real time, not reproducibility
  if (auto d = args.number("--duration", 0.001, 1e7)) {
    options.frames = std::max<int64_t>(1, std::llround(*d * options.encoder.fps.toDouble()));
  }
  for (const std::string& out : outputs)
    if (!isStreamUrl(out)) checkOutputPath(out);
  options.outputs = outputs;
  if (std::optional<std::string> p = previewOutput(args, outputs)) options.previewOutput = *p;
  options.preview = previewSettings(args);
  options.media = mediaOptions(args);
  options.faults = faults;
  options.reuseUnchangedTiles = !args.has("--full-redraw");
  options.stop = &g_interrupted;
  std::ofstream liveFile;
  if (liveStats && *liveStats != "-") {
    liveFile.open(*liveStats, std::ios::app);
    if (!liveFile) throw UserError("--stats-live: cannot write " + *liveStats);
  }
  options.onSecond = [&](const nlohmann::ordered_json& line) {
    if (!liveStats) return;
    if (*liveStats == "-") {
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    } else {
      liveFile << line.dump() << "\n";
      liveFile.flush();
    }
  };

  auto showData = std::make_shared<runtime::ShowData>(s, dataFeed(args, true));
  options.data = showData.get();
  // --data -: lines from stdin apply as they arrive (an operator's script).
  // The reader owns a reference: it may still be blocked on stdin at exit.
  if (args.value("--data") == std::optional<std::string>("-")) {
    std::thread([showData] {
      std::string line;
      while (std::getline(std::cin, line))
        if (!showData->applyLine(line)) log::warn("--data -: ignored a line: ", line);
    }).detach();
  }
  gpu::Device device(deviceOptions(args));
  nlohmann::ordered_json stats = runtime::runLive(device, s, options);
  if (preset) stats["preset"] = preset->name;
  if (statsPath) {
    std::ofstream f(*statsPath);
    f << stats.dump(2) << "\n";
    if (!f) throw RuntimeError("cannot write " + statsPath->string());
  }
  std::fprintf(stderr,
               "marquee live: %lld frames, %llu lagged, %llu skipped, max |A/V offset| %.1f ms\n",
               (long long)stats["frames"].get<int64_t>(),
               (unsigned long long)stats["lagged"].get<uint64_t>(),
               (unsigned long long)stats["skipped"].get<uint64_t>(),
               stats["av_offset_ms"]["max_abs"].get<double>());
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
  if (name == "live") return runLiveCommand(args);
  return runRender(args);
}

}  // namespace mq::cli
