// Percentiles of a long live run in constant memory.
#include <catch2/catch.hpp>

#include "runtime/fault_injection.h"
#include "runtime/stats_json.h"

using namespace mq;

TEST_CASE("runtime: duration histogram percentiles are within 1 %", "[runtime][stats]") {
  runtime::DurationHistogram h;
  CHECK(h.percentile(50) == 0);
  std::vector<double> all;
  for (int i = 1; i <= 100000; ++i) {
    double ms = double(i % 1000 + 1) * 0.25;  // 0.25 .. 250 ms
    h.add(ms);
    all.push_back(ms);
  }
  for (double p : {50.0, 95.0, 99.0}) {
    double exact = runtime::percentile(all, p);
    INFO("p" << p << ": exact " << exact << ", histogram " << h.percentile(p));
    CHECK(h.percentile(p) == Approx(exact).epsilon(0.011));
  }
  CHECK(h.max() == 250.0);
  CHECK(h.count() == 100000);
  auto j = h.json();
  CHECK(j["max"] == 250.0);
}

TEST_CASE("runtime: fault specs parse, and bad ones say what was expected", "[runtime][inject]") {
  runtime::Fault f = runtime::parseFault("render-stall:200ms@5s");
  CHECK(f.kind == runtime::FaultKind::RenderStall);
  CHECK(f.seconds == Approx(0.2));
  CHECK(f.at == Approx(5));
  f = runtime::parseFault("decode-stall:source=camera:0.5s@3");
  CHECK(f.kind == runtime::FaultKind::DecodeStall);
  CHECK(f.source == "camera");
  CHECK(f.seconds == Approx(0.5));
  CHECK(f.at == Approx(3));
  f = runtime::parseFault("encode-stall:300ms@7500ms");
  CHECK(f.kind == runtime::FaultKind::EncodeStall);
  CHECK(f.at == Approx(7.5));
  for (const char* bad :
       {"render-stall", "render-stall:200ms", "render-stall:0ms@1s", "render-stall:abc@1s",
        "decode-stall:200ms@1s", "gpu-melt:1s@1s", "encode-stall:1s@-1s"}) {
    INFO(bad);
    CHECK_THROWS_WITH(runtime::parseFault(bad), Catch::Contains("--inject"));
  }
}
