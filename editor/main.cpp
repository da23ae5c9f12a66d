// marquee: render show scenes headless (validate, still, render). The editor
// and live operator modes join this executable as they land.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli_args.h"
#include "commands.h"
#include "core/error.h"
#include "scene/scene.h"

namespace {

void printUsage(FILE* out) {
  std::fprintf(out,
               "usage: marquee COMMAND [options]\n\n"
               "Marquee renders live-commerce show scenes on the GPU (Vulkan).\n\ncommands:\n");
  for (const auto& c : mq::cli::commands()) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nRun 'marquee COMMAND --help' for a command's options.\n\n"
               "exit status: 0 success; 1 runtime failure (GPU, encoder, disk); 2 bad input\n"
               "(scene, asset or command line; nothing is written); 3 the Vulkan validation\n"
               "layer reported problems (only with --validation or MARQUEE_VALIDATION=1).\n");
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core).
  // Frames, packets and audio blocks are allocated on one thread and freed on
  // another (decoders, encoder, muxers, lavapipe's workers), which left the
  // arenas holding freed pages: resident memory grew by megabytes a minute in
  // a long live show with a flat heap. Two arenas keep it flat (measured with
  // bench/live_bench.sh at 1080x1920: +6.7 MB against +0.3 MB in a minute).
  mallopt(M_ARENA_MAX, 2);
  if (argc < 2) {
    printUsage(stderr);
    return mq::cli::kExitBadInput;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    printUsage(stdout);
    return mq::cli::kExitOk;
  }
  if (command == "--version") {
    std::printf("marquee 0.1.0\n");
    return mq::cli::kExitOk;
  }
  const mq::cli::CommandSpec* spec = nullptr;
  for (const auto& c : mq::cli::commands()) {
    if (command == c.name) spec = &c;
  }
  if (!spec) {
    std::fprintf(stderr, "marquee: unknown command '%s'\n\n", command.c_str());
    printUsage(stderr);
    return mq::cli::kExitBadInput;
  }
  try {
    mq::cli::Args args = mq::cli::parse(*spec, argc, argv, 2);
    if (args.has("--help")) {
      std::fputs(mq::cli::helpText(*spec).c_str(), stdout);
      return mq::cli::kExitOk;
    }
    return mq::cli::run(*spec, args);
  } catch (const mq::scene::SceneError& e) {
    std::fprintf(stderr, "%s", e.what());
    if (std::strlen(e.what()) && e.what()[std::strlen(e.what()) - 1] != '\n')
      std::fputc('\n', stderr);
    return mq::cli::kExitBadInput;
  } catch (const mq::UserError& e) {
    std::fprintf(stderr, "marquee: %s\n", e.what());
    return mq::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "marquee: error: %s\n", e.what());
    return mq::cli::kExitFailure;
  }
}
