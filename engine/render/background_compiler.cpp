#include "render/background_compiler.h"

namespace mq::render {

BackgroundCompiler::BackgroundCompiler() : thread_([this] { run(); }) {}

BackgroundCompiler::~BackgroundCompiler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  thread_.join();
}

void BackgroundCompiler::request(uint32_t key, Make make) {
  {
    std::lock_guard lock(mutex_);
    if (!requested_.insert(key).second) return;
    queue_.emplace_back(key, std::move(make));
  }
  wake_.notify_one();
}

std::vector<std::pair<uint32_t, std::unique_ptr<gpu::ComputePipeline>>>
BackgroundCompiler::takeFinished() {
  std::lock_guard lock(mutex_);
  if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
  for (const auto& f : finished_) requested_.erase(f.first);
  return std::exchange(finished_, {});
}

void BackgroundCompiler::run() {
  for (;;) {
    std::pair<uint32_t, Make> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    std::unique_ptr<gpu::ComputePipeline> made;
    std::exception_ptr error;
    try {
      made.reset(job.second());
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (error) {
      requested_.erase(job.first);
      if (!failed_) failed_ = error;
    } else {
      finished_.emplace_back(job.first, std::move(made));
    }
  }
}

}  // namespace mq::render
