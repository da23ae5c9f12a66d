// The marquee sub-commands. Each returns the process exit status; errors are
// thrown as mq::UserError / scene::SceneError (status 2) or mq::RuntimeError
// (status 1) and reported by main().
#pragma once

#include "cli_args.h"

namespace mq::cli {

// Exit statuses, documented in the README.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;     // the environment failed: GPU, encoder, disk
inline constexpr int kExitBadInput = 2;    // bad scene, asset or command line; nothing written
inline constexpr int kExitValidation = 3;  // the Vulkan validation layer reported problems

const std::vector<CommandSpec>& commands();
int run(const CommandSpec& spec, const Args& args);

}  // namespace mq::cli
