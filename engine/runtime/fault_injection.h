// Planned faults for tests and drills (--inject SPEC), so every stall path of
// the live scheduler is exercised on purpose:
//   render-stall:200ms@5s                 the render thread stops for 200 ms at 5 s
//   decode-stall:source=camera:500ms@3s   source "camera"'s decoder stops for 500 ms at 3 s
//   encode-stall:300ms@7s                 the encode thread stops for 300 ms at 7 s
// Durations and times take "ms" or "s" (seconds when bare).
#pragma once

#include <string>
#include <vector>

namespace mq::runtime {

enum class FaultKind { RenderStall, DecodeStall, EncodeStall };

struct Fault {
  FaultKind kind;
  std::string source;  // decode-stall only
  double seconds = 0;  // how long
  double at = 0;       // show time, seconds
  bool fired = false;
};

// Throws mq::UserError naming --inject and the expected form.
Fault parseFault(const std::string& spec);

}  // namespace mq::runtime
