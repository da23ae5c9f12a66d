// The background compiler behind live shows' new tile classes: each key is
// made once however often it is asked for while pending, finished pipelines
// come back by key, and a failure to make one reaches the render thread (and
// the key can be asked for again).
#include "render/background_compiler.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace mq::render;

namespace {

// Waits (up to 10 s) for `want` finished pipelines in all.
std::vector<uint32_t> takeKeys(BackgroundCompiler& compiler, size_t want) {
  std::vector<uint32_t> keys;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (keys.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (auto& [key, made] : compiler.takeFinished()) keys.push_back(key);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return keys;
}

}  // namespace

TEST_CASE("background compiler: a key asked for again while pending is made once",
          "[render][live]") {
  BackgroundCompiler compiler;
  std::atomic<int> made{0};
  std::atomic<bool> release{false};
  auto slow = [&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++made;
    return nullptr;  // no GPU here: an empty pipeline pointer stands for one
  };
  compiler.request(7, slow);
  compiler.request(7, slow);
  compiler.request(9, slow);
  compiler.request(7, slow);
  release = true;
  std::vector<uint32_t> keys = takeKeys(compiler, 2);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<uint32_t>{7, 9});
  CHECK(made == 2);
  // Taken: asking again makes it again (the compositor asks only for what it lacks).
  compiler.request(7, slow);
  CHECK(takeKeys(compiler, 1) == std::vector<uint32_t>{7});
  CHECK(made == 3);
}

TEST_CASE("background compiler: a failure reaches the caller, and the key can be retried",
          "[render][live]") {
  BackgroundCompiler compiler;
  compiler.request(3, []() -> mq::gpu::ComputePipeline* { throw std::runtime_error("no memory"); });
  bool thrown = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!thrown && std::chrono::steady_clock::now() < deadline) {
    try {
      compiler.takeFinished();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const std::runtime_error& e) {
      thrown = true;
      CHECK(std::string(e.what()) == "no memory");
    }
  }
  CHECK(thrown);
  compiler.request(3, [] { return nullptr; });
  CHECK(takeKeys(compiler, 1) == std::vector<uint32_t>{3});
}

TEST_CASE("background compiler: destroyed with work queued, it finishes the one being made",
          "[render][live]") {
  std::atomic<int> made{0};
  {
    BackgroundCompiler compiler;
    for (uint32_t k = 0; k < 50; ++k)
      compiler.request(k, [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        ++made;
        return nullptr;
      });
  }
  CHECK(made < 50);  // the queue was dropped, not worked through
}
