#include "media/builtin_camera.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>

namespace mq::media {
namespace {

constexpr std::string_view kScheme = "builtin:camera";
constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

bool parseInt(std::string_view text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

// The drawtext font: the bundled DejaVu file when present (same glyphs on
// every machine), else whatever fontconfig calls "Sans:bold".
std::string fontOption() {
  std::error_code ec;
  if (std::filesystem::exists(kFont, ec)) return std::string("fontfile=") + kFont;
  return "font='Sans\\:style=Bold'";
}

}  // namespace

bool isBuiltinCameraUrl(const std::string& url) {
  return url.rfind(kScheme, 0) == 0 && (url.size() == kScheme.size() || url[kScheme.size()] == '?');
}

bool builtinCameraSpec(const std::string& url, bool audio, BuiltinCameraSpec& spec,
                       std::string& error) {
  spec = BuiltinCameraSpec{};
  if (!isBuiltinCameraUrl(url)) {
    error = "'" + url + "' is not a builtin:camera URL";
    return false;
  }
  std::string_view query = std::string_view(url).substr(kScheme.size());
  if (!query.empty()) query.remove_prefix(1);  // '?'
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "size") {
      const size_t x = value.find('x');
      int w = 0, h = 0;
      if (x == std::string_view::npos || !parseInt(value.substr(0, x), w) ||
          !parseInt(value.substr(x + 1), h) || w < 16 || h < 16 || w > 7680 || h > 4320 || w % 2 ||
          h % 2) {
        error = "builtin:camera size '" + std::string(value) +
                "' is not valid (WxH, even, 16x16 to 7680x4320)";
        return false;
      }
      spec.width = w;
      spec.height = h;
    } else if (key == "rate") {
      int r = 0;
      if (!parseInt(value, r) || r < 1 || r > 120) {
        error = "builtin:camera rate '" + std::string(value) + "' is not valid (1 to 120)";
        return false;
      }
      spec.rate = r;
    } else {
      error = "builtin:camera does not know the option '" + std::string(key) +
              "' (use size=WxH and rate=N)";
      return false;
    }
  }

  const int w = spec.width, h = spec.height, r = spec.rate;
  // Sized for the centre of a 9:16 portrait crop of the picture, so "cover"
  // into a phone-shaped box still shows the whole clock.
  const int visible = std::min(w, h * 9 / 16);
  const int font = std::max(10, visible / 8);
  const int label = std::max(8, font * 2 / 5);
  const std::string R = std::to_string(r);
  // Clock fields from the frame number (exact integer arithmetic in doubles,
  // where t = pts * time_base could round just below a whole second).
  auto field = [&](const std::string& expr) { return "%{eif\\:" + expr + "\\:d\\:2}"; };
  const std::string clock = field("trunc(n/" + std::to_string(r * 3600) + ")") +
                            "\\:" + field("mod(trunc(n/" + std::to_string(r * 60) + "),60)") +
                            "\\:" + field("mod(trunc(n/" + R + "),60)") + "." +
                            field("mod(n," + R + ")");
  const std::string beepFrames = std::to_string(std::max(1, r / 5));  // 200 ms
  const std::string fontOpt = fontOption();

  std::string g = "testsrc2=size=" + std::to_string(w) + "x" + std::to_string(h) + ":rate=" + R;
  g += ",setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv";
  // Flashes with the beep, for checking lip sync by eye.
  g += ",drawbox=x=(iw-" + std::to_string(font * 7) + ")/2:y=ih/2+" +
       std::to_string(font * 9 / 10) + ":w=" + std::to_string(font * 7) +
       ":h=" + std::to_string(std::max(2, font / 3)) + ":color=red:t=fill:enable='lt(mod(n," + R +
       ")," + beepFrames + ")'";
  g += ",drawtext=" + fontOpt + ":fontsize=" + std::to_string(font) +
       ":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=" + std::to_string(font / 5) +
       ":x=(w-text_w)/2:y=(h-text_h)/2:text='" + clock + "'";
  g += ",drawtext=" + fontOpt + ":fontsize=" + std::to_string(label) +
       ":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=" + std::to_string(label / 4) +
       ":x=(w-text_w)/2:y=h/2-" + std::to_string(font + label * 3 / 2) + ":text='MARQUEE CAMERA'";
  g += ",format=yuv420p[out0]";
  if (audio) {
    // n counts samples: 1 kHz is exactly 48 samples per period, and each beep
    // (9600 samples) starts and ends at a zero crossing, so it does not click.
    g += ";aevalsrc=exprs='if(lt(mod(n,48000),9600),0.1*sin(PI*n/24),0)'"
         ":sample_rate=48000:channel_layout=mono:nb_samples=1024,aformat=sample_fmts=flt[out1]";
  }
  spec.graph = std::move(g);
  return true;
}

}  // namespace mq::media
