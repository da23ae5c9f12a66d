// Compiles pipelines on a thread of its own, for live shows. Making a
// pipeline takes lavapipe 0.1-0.3 s, and a show meets new tile classes while
// it runs (an effect draws something new, a widget appears): compiled on the
// render thread, each would hold up a frame that long. Instead the compositor
// asks for it here and draws the class with a fallback pipeline until it is
// ready (see Compositor::setCompileInBackground).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gpu/compute_pipeline.h"

namespace mq::render {

class BackgroundCompiler {
 public:
  using Make = std::function<gpu::ComputePipeline*()>;

  BackgroundCompiler();
  // Finishes the pipeline being made, drops the queued ones and joins.
  ~BackgroundCompiler();
  BackgroundCompiler(const BackgroundCompiler&) = delete;
  BackgroundCompiler& operator=(const BackgroundCompiler&) = delete;

  // Queues `make` under `key`, unless that key is queued, being made, or
  // finished and not yet taken.
  void request(uint32_t key, Make make);

  // The pipelines finished since the last call, by key. Rethrows the first
  // failure to make one.
  std::vector<std::pair<uint32_t, std::unique_ptr<gpu::ComputePipeline>>> takeFinished();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<uint32_t, Make>> queue_;
  std::set<uint32_t> requested_;  // queued, being made, or finished and not taken
  std::vector<std::pair<uint32_t, std::unique_ptr<gpu::ComputePipeline>>> finished_;
  std::exception_ptr failed_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq::render
