// Helpers shared by the scene tests: temp directories, PNG fixtures made at
// run time (no binaries in the repository), and catching SceneError.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "scene/scene.h"

namespace mq::scene::test {

namespace fs = std::filesystem;

inline const fs::path kSceneData = fs::path(MARQUEE_TEST_DATA) / "scenes";

// A fresh directory, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("marquee_scene_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes a small RGBA PNG (stb_image_write, from libstb).
void writePng(const fs::path& path, int width = 4, int height = 2);

// The SceneError thrown by parsing `text`, or nullopt if it parsed.
std::optional<SceneError> parseError(const std::string& text,
                                     const fs::path& file = "/tmp/test.json");
std::optional<SceneError> loadError(const fs::path& file);
// The single issue parsing `text` produces (fails the test unless there is
// exactly one).
SceneIssue onlyIssue(const std::string& text, const fs::path& file = "/tmp/test.json");

}  // namespace mq::scene::test
