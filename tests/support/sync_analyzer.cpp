#include "sync_analyzer.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace mq::test {
namespace {

namespace fs = std::filesystem;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command and returns its stdout; throws when it fails.
std::string capture(const std::string& command) {
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("failed (" + std::to_string(status) + "): " + command);
  return out;
}

}  // namespace

void makeFlashBeepClip(const fs::path& file, double fps, int seconds, int width, int height) {
  std::ostringstream cmd;
  cmd.precision(10);
  // The white frame is the first frame of each second: frame N starts a
  // second when floor(N / fps) changes.
  cmd << "ffmpeg -nostdin -v error -y -f lavfi -i \"color=c=black:s=" << width << "x" << height
      << ":r=" << fps << ":d=" << seconds << ",format=yuv420p,geq=lum='if(lt(mod(N\\," << fps
      << ")\\,1)\\,235\\,16)':cb=128:cr=128\""
      << " -f lavfi -i \"aevalsrc='if(lt(mod(t\\,1)\\,0.1)\\,0.5*sin(2*PI*1000*t)\\,0)':s=48000:d="
      << seconds << "\" -c:v libx264 -qp 0 -g " << int(std::round(fps))
      << " -colorspace bt709 -color_range tv -c:a pcm_s16le " << quote(file.string());
  capture(cmd.str());
}

std::vector<double> flashOnsets(const fs::path& file, const std::string& crop) {
  std::string graph =
      "movie=" + file.string() + (crop.empty() ? "" : ",crop=" + crop) + ",signalstats";
  std::string out = capture("ffprobe -v error -f lavfi -i " + quote(graph) +
                            " -show_entries frame=pts_time:frame_tags=lavfi.signalstats.YAVG "
                            "-of csv=p=0");
  std::vector<double> onsets;
  std::istringstream lines(out);
  std::string line;
  bool wasBright = true;  // an output that starts white does not count as a flash
  while (std::getline(lines, line)) {
    double t = 0, y = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf", &t, &y) != 2) continue;
    bool bright = y > 125;
    if (bright && !wasBright) onsets.push_back(t);
    wasBright = bright;
  }
  return onsets;
}

std::vector<double> beepOnsets(const fs::path& file) {
  std::string pcm = capture("ffmpeg -nostdin -v error -i " + quote(file.string()) +
                            " -map 0:a:0 -ac 1 -ar 48000 -f s16le -");
  std::vector<double> onsets;
  const auto* samples = reinterpret_cast<const int16_t*>(pcm.data());
  size_t count = pcm.size() / 2;
  size_t quiet = 48000;  // samples since the last loud one (the start counts as quiet)
  for (size_t i = 0; i < count; ++i) {
    double v = std::abs(samples[i]) / 32768.0;
    if (v > 0.05 && quiet >= 9600) onsets.push_back(double(i) / 48000.0);
    quiet = v < 0.01 ? quiet + 1 : 0;
  }
  return onsets;
}

double SyncReport::maxAbsOffset() const {
  double m = 0;
  for (const SyncPair& p : pairs) m = std::max(m, std::abs(p.offset()));
  return m;
}

std::string SyncReport::describe() const {
  std::ostringstream out;
  out.precision(4);
  out << pairs.size() << " pairs, " << unmatchedBeeps << " beeps without a flash; offsets (ms):";
  for (const SyncPair& p : pairs) out << " " << p.beep << "s:" << p.offset() * 1000;
  out << "\nflashes:";
  for (double f : flashes) out << " " << f;
  out << "\nbeeps:";
  for (double b : beeps) out << " " << b;
  return out.str();
}

SyncReport analyzeSync(const fs::path& file, const std::string& crop) {
  SyncReport r;
  r.flashes = flashOnsets(file, crop);
  r.beeps = beepOnsets(file);
  for (double b : r.beeps) {
    const double* best = nullptr;
    for (const double& f : r.flashes)
      if (!best || std::abs(f - b) < std::abs(*best - b)) best = &f;
    if (best && std::abs(*best - b) <= 0.5)
      r.pairs.push_back({b, *best});
    else
      ++r.unmatchedBeeps;
  }
  return r;
}

}  // namespace mq::test
