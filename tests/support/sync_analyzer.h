// Measures audio/video sync in a rendered file the way a person checks it
// with a clapperboard: the input is a flash-and-beep clip (a white frame and
// a 1 kHz beep at the same instant, once a second); in the output, each beep's
// onset is paired with the flash nearest to it and their offset measured.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mq::test {

// Makes the clip with the ffmpeg CLI: `seconds` long, `fps` frames a second,
// black frames with one white frame at the start of every second, and a
// 100 ms 1 kHz beep starting at the same instants (PCM audio, so onsets are
// exact). Throws std::runtime_error when ffmpeg fails.
void makeFlashBeepClip(const std::filesystem::path& file, double fps, int seconds, int width = 320,
                       int height = 180);

struct SyncPair {
  double beep = 0, flash = 0;                     // seconds
  double offset() const { return flash - beep; }  // > 0: picture late
};

struct SyncReport {
  std::vector<double> flashes;  // onset times of white frames, seconds
  std::vector<double> beeps;    // onset times of beeps, seconds
  std::vector<SyncPair> pairs;  // each beep with the nearest flash within 0.5 s
  int unmatchedBeeps = 0;
  double maxAbsOffset() const;
  std::string describe() const;  // for failure messages
};

// Flash onsets (frames whose mean luma crosses half-way up) of the video in
// `file`, optionally within a crop "w:h:x:y" (FFmpeg's crop syntax), using
// the frames' own timestamps.
std::vector<double> flashOnsets(const std::filesystem::path& file, const std::string& crop = "");
// Beep onsets of the first audio stream: the first sample above 0.05 after at
// least 200 ms below 0.01.
std::vector<double> beepOnsets(const std::filesystem::path& file);

SyncReport analyzeSync(const std::filesystem::path& file, const std::string& crop = "");

}  // namespace mq::test
