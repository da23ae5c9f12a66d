// Render graph compile/execute tests: pure CPU, a recording fake stands in for Vulkan.
#include "graph/render_graph.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

using namespace mq::graph;
using Catch::Matchers::Contains;

namespace {

constexpr VkPipelineStageFlags2 kCompute = VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT;
constexpr VkPipelineStageFlags2 kFragment = VK_PIPELINE_STAGE_2_FRAGMENT_SHADER_BIT;
constexpr VkPipelineStageFlags2 kColorOut = VK_PIPELINE_STAGE_2_COLOR_ATTACHMENT_OUTPUT_BIT;
constexpr VkPipelineStageFlags2 kHost = VK_PIPELINE_STAGE_2_HOST_BIT;
constexpr VkAccessFlags2 kStorageWrite = VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT;
constexpr VkAccessFlags2 kSampled = VK_ACCESS_2_SHADER_SAMPLED_READ_BIT;
constexpr VkImageLayout kUndefined = VK_IMAGE_LAYOUT_UNDEFINED;
constexpr VkImageLayout kGeneral = VK_IMAGE_LAYOUT_GENERAL;
constexpr VkImageLayout kReadOnly = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;

const ImageDesc kHd{VK_FORMAT_R16G16B16A16_SFLOAT, 1920, 1080};
const ImageDesc kSmall{VK_FORMAT_R8G8B8A8_UNORM, 256, 256};

template <typename Handle>
Handle fakeHandle(uintptr_t value) {
  return reinterpret_cast<Handle>(value);
}

std::vector<std::string> order(const CompiledGraph& c) {
  std::vector<std::string> names;
  for (const auto& p : c.passes) names.push_back(p.name);
  return names;
}

const CompiledPass& pass(const CompiledGraph& c, const std::string& name) {
  for (const auto& p : c.passes)
    if (p.name == name) return p;
  FAIL("no pass " << name);
  throw;
}

uint32_t slotOf(const CompiledGraph& c, ImageRef ref) {
  for (const auto& t : c.transients)
    if (t.resource == ref.index) return t.physicalSlot;
  return UINT32_MAX;
}

// Adds a compute pass reading `in` (sampled) and writing `out` (storage); returns the new `out`.
ImageRef computePass(RenderGraph& g, const std::string& name, std::vector<ImageRef> in,
                     ImageRef out) {
  ImageRef result;
  g.addPass(name,
            [&](PassBuilder& b) {
              for (ImageRef r : in) b.read(r, Access::ComputeSampledRead);
              result = b.write(out, Access::ComputeStorageWrite);
            },
            {});
  return result;
}

}  // namespace

TEST_CASE("access mapping", "[graph]") {
  auto s = accessInfo(Access::ComputeSampledRead);
  CHECK(s.stage == kCompute);
  CHECK(s.access == kSampled);
  CHECK(s.layout == kReadOnly);
  CHECK(s.imageUsage == VK_IMAGE_USAGE_SAMPLED_BIT);
  CHECK_FALSE(s.writes);
  auto rw = accessInfo(Access::ComputeStorageReadWrite);
  CHECK(rw.access == (VK_ACCESS_2_SHADER_STORAGE_READ_BIT | kStorageWrite));
  CHECK(rw.bufferUsage == VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
  CHECK(rw.writes);
  auto color = accessInfo(Access::ColorAttachmentWrite);
  CHECK(color.stage == kColorOut);
  CHECK(color.layout == VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL);
  CHECK(accessInfo(Access::FragmentSampledRead).stage == kFragment);
  CHECK(accessInfo(Access::TransferDst).bufferUsage == VK_BUFFER_USAGE_TRANSFER_DST_BIT);
  auto host = accessInfo(Access::HostRead);
  CHECK(host.stage == kHost);
  CHECK(host.access == VK_ACCESS_2_HOST_READ_BIT);
  CHECK(host.layout == kGeneral);
  CHECK(host.imageUsage == 0);
  auto texel = accessInfo(Access::ComputeTexelBufferRead);
  CHECK(texel.access == VK_ACCESS_2_SHADER_SAMPLED_READ_BIT);
  CHECK(texel.bufferUsage == VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT);
  CHECK_FALSE(texel.writes);
}

TEST_CASE("diamond runs producers first and keeps declaration order among independent passes",
          "[graph]") {
  RenderGraph g;
  ImageRef a = computePass(g, "A", {}, g.createImage("a", kHd));
  // C is declared before B; both only depend on A.
  ImageRef c = computePass(g, "C", {a}, g.createImage("c", kHd));
  ImageRef b = computePass(g, "B", {a}, g.createImage("b", kHd));
  ImageRef d = computePass(g, "D", {b, c}, g.createImage("d", kHd));
  g.markOutput(d);
  CHECK(order(g.compile()) == std::vector<std::string>{"A", "C", "B", "D"});

  RenderGraph ties;
  for (const char* name : {"Z", "X", "Y"})
    ties.addPass(name, [](PassBuilder& b) { b.sideEffect(); }, {});
  CHECK(order(ties.compile()) == std::vector<std::string>{"Z", "X", "Y"});
}

TEST_CASE("write-after-read: the reader runs before the next writer, with a WAR barrier",
          "[graph]") {
  RenderGraph g;
  ImageRef img = computePass(g, "produce", {}, g.createImage("img", kHd));
  g.addPass("sample",
            [&](PassBuilder& b) {
              b.read(img, Access::FragmentSampledRead);
              b.sideEffect();
            },
            {});
  ImageRef v2 = computePass(g, "overwrite", {}, img);
  g.markOutput(v2);
  CompiledGraph c = g.compile();
  CHECK(order(c) == std::vector<std::string>{"produce", "sample", "overwrite"});
  // The fragment read (and its layout transition) must finish before the compute write.
  CHECK(pass(c, "overwrite").barriers ==
        std::vector<Barrier>{
            {img.index, true, {kFragment, 0, kReadOnly}, {kCompute, kStorageWrite, kGeneral}}});
}

TEST_CASE("read-modify-write in the same layout still gets a WAW/RAW barrier", "[graph]") {
  RenderGraph g;
  ImageRef img = computePass(g, "write", {}, g.createImage("img", kHd));
  g.addPass("accumulate",
            [&](PassBuilder& b) { img = b.write(img, Access::ComputeStorageReadWrite); }, {});
  g.markOutput(img);
  CompiledGraph c = g.compile();
  CHECK(pass(c, "accumulate").barriers ==
        std::vector<Barrier>{
            {img.index,
             true,
             {kCompute, kStorageWrite, kGeneral},
             {kCompute, VK_ACCESS_2_SHADER_STORAGE_READ_BIT | kStorageWrite, kGeneral}}});
}

TEST_CASE("culling drops unread work and its transients, keeps side effects", "[graph]") {
  RenderGraph g;
  ImageRef scratch = computePass(g, "feeds unused", {}, g.createImage("scratch", kHd));
  computePass(g, "unused", {scratch}, g.createImage("never read", kSmall));
  ImageRef out = computePass(g, "main", {}, g.createImage("out", kHd));
  g.addPass("readback", [](PassBuilder& b) { b.sideEffect(); }, {});
  g.markOutput(out);
  CompiledGraph c = g.compile();
  CHECK(order(c) == std::vector<std::string>{"main", "readback"});
  CHECK(c.culled == std::vector<std::string>{"feeds unused", "unused"});
  REQUIRE(c.transients.size() == 1);
  CHECK(c.transients[0].resource == out.index);
  CHECK(c.physicalImages == std::vector<ImageDesc>{kHd});
}

TEST_CASE("a write keeps the producer of the version it modifies", "[graph]") {
  RenderGraph g;
  ImageRef img = g.createImage("img", kHd);
  g.addPass("clear", [&](PassBuilder& b) { img = b.write(img, Access::ColorAttachmentWrite); }, {});
  g.addPass("draw", [&](PassBuilder& b) { img = b.write(img, Access::ColorAttachmentWrite); }, {});
  g.markOutput(img);
  CompiledGraph c = g.compile();
  CHECK(order(c) == std::vector<std::string>{"clear", "draw"});
  CHECK(c.culled.empty());
}

TEST_CASE("barriers: transient compute write, sampled reads in two stages", "[graph]") {
  RenderGraph g;
  ImageRef img = computePass(g, "write", {}, g.createImage("img", kHd));
  for (const char* name : {"sample 1", "sample 2"}) {
    g.addPass(name,
              [&](PassBuilder& b) {
                b.read(img, Access::ComputeSampledRead);
                b.sideEffect();
              },
              {});
  }
  g.addPass("fragment",
            [&](PassBuilder& b) {
              b.read(img, Access::FragmentSampledRead);
              b.sideEffect();
            },
            {});
  CompiledGraph c = g.compile();
  INFO(c.describe());
  // Discard on first use; it waits for the compute stage where the slot was last used (the
  // previous frame's reads) and the fragment stage where the layout was last relied on.
  CHECK(pass(c, "write").barriers == std::vector<Barrier>{{img.index,
                                                           true,
                                                           {kCompute | kFragment, 0, kUndefined},
                                                           {kCompute, kStorageWrite, kGeneral}}});
  CHECK(
      pass(c, "sample 1").barriers ==
      std::vector<Barrier>{
          {img.index, true, {kCompute, kStorageWrite, kGeneral}, {kCompute, kSampled, kReadOnly}}});
  CHECK(pass(c, "sample 2").barriers.empty());  // read after read, same layout and stage
  // Same layout, new stage: the write (and transition) must still be made visible there.
  CHECK(pass(c, "fragment").barriers ==
        std::vector<Barrier>{
            {img.index, true, {kCompute, 0, kReadOnly}, {kFragment, kSampled, kReadOnly}}});
  CHECK(c.finalBarriers.empty());
}

TEST_CASE("barriers: imported image is left in its final state", "[graph]") {
  RenderGraph g;
  ImageRef swap =
      g.importImage("swapchain", kHd, fakeHandle<VkImage>(1), fakeHandle<VkImageView>(2), {},
                    {VK_PIPELINE_STAGE_2_NONE, 0, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR});
  g.importImage("untouched", kSmall, fakeHandle<VkImage>(3), fakeHandle<VkImageView>(4),
                {kFragment, kSampled, kReadOnly}, {kFragment, kSampled, kReadOnly});
  g.importImage("keep layout", kSmall, fakeHandle<VkImage>(5), fakeHandle<VkImageView>(6),
                {kCompute, kSampled, kReadOnly}, {kFragment, kSampled, kUndefined});
  g.addPass("draw", [&](PassBuilder& b) { swap = b.write(swap, Access::ColorAttachmentWrite); },
            {});
  g.markOutput(swap);
  CompiledGraph c = g.compile();
  constexpr VkAccessFlags2 kColor =
      VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_2_COLOR_ATTACHMENT_READ_BIT;
  CHECK(pass(c, "draw").barriers ==
        std::vector<Barrier>{{swap.index,
                              true,
                              {0, 0, kUndefined},
                              {kColorOut, kColor, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL}}});
  CHECK(c.finalBarriers == std::vector<Barrier>{{swap.index,
                                                 true,
                                                 {kColorOut, VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT,
                                                  VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL},
                                                 {0, 0, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR}}});
}

TEST_CASE("barriers: buffer written by compute, then read by the host", "[graph]") {
  RenderGraph g;
  BufferRef buf = g.importBuffer("histogram", {4096}, fakeHandle<VkBuffer>(7), {},
                                 {kHost, VK_ACCESS_2_HOST_READ_BIT, kUndefined});
  g.addPass("count", [&](PassBuilder& b) { buf = b.write(buf, Access::ComputeStorageWrite); }, {});
  g.markOutput(buf);
  CompiledGraph c = g.compile();
  CHECK(pass(c, "count").barriers.empty());  // nothing touched it before
  CHECK(c.finalBarriers == std::vector<Barrier>{{buf.index,
                                                 false,
                                                 {kCompute, kStorageWrite, kUndefined},
                                                 {kHost, VK_ACCESS_2_HOST_READ_BIT, kUndefined}}});
}

TEST_CASE("barriers: imported state that was written is waited on", "[graph]") {
  RenderGraph g;
  ImageRef upload =
      g.importImage("upload", kSmall, fakeHandle<VkImage>(1), fakeHandle<VkImageView>(2),
                    {VK_PIPELINE_STAGE_2_TRANSFER_BIT, VK_ACCESS_2_TRANSFER_WRITE_BIT,
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL},
                    {});
  ImageRef out = computePass(g, "use", {upload}, g.createImage("out", kSmall));
  g.markOutput(out);
  CompiledGraph c = g.compile();
  CHECK(pass(c, "use").barriers.front() ==
        Barrier{upload.index,
                true,
                {VK_PIPELINE_STAGE_2_TRANSFER_BIT, VK_ACCESS_2_TRANSFER_WRITE_BIT,
                 VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL},
                {kCompute, kSampled, kReadOnly}});
  CHECK(c.finalBarriers.empty());  // final.layout UNDEFINED: don't care
}

TEST_CASE("malformed graphs are rejected with the names involved", "[graph]") {
  auto compileError = [](RenderGraph& g) {
    try {
      g.compile();
    } catch (const GraphError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };

  SECTION("fork: two passes write the same version") {
    RenderGraph g;
    ImageRef img = computePass(g, "A", {}, g.createImage("img", kHd));
    computePass(g, "B", {}, img);
    computePass(g, "C", {}, img);
    CHECK(compileError(g) == "passes 'B' and 'C' both write version 1 of 'img'");
  }
  SECTION("stale read") {
    RenderGraph g;
    ImageRef v1 = computePass(g, "A", {}, g.createImage("img", kHd));
    computePass(g, "B", {}, v1);
    computePass(g, "late", {v1}, g.createImage("out", kHd));
    CHECK_THAT(compileError(g), Contains("pass 'late' reads stale version 1 of 'img'") &&
                                    Contains("pass 'B' already wrote version 2"));
  }
  SECTION("read before write") {
    RenderGraph g;
    ImageRef img = g.createImage("img", kHd);
    computePass(g, "early", {img}, g.createImage("out", kHd));
    CHECK(compileError(g) == "pass 'early' reads transient 'img' before any pass writes it");
  }
  SECTION("read-modify-write of a transient that holds nothing yet") {
    RenderGraph g;
    ImageRef img = g.createImage("img", kHd);
    g.addPass("rmw", [&](PassBuilder& b) { (void)b.write(img, Access::ComputeStorageReadWrite); },
              {});
    CHECK_THAT(compileError(g), Contains("reads transient 'img' before any pass writes it"));
  }
  SECTION("version never produced") {
    RenderGraph g;
    ImageRef img = g.createImage("img", kHd);
    computePass(g, "A", {ImageRef{img.index, 3}}, g.createImage("out", kHd));
    CHECK_THAT(compileError(g),
               Contains("pass 'A' uses version 3 of 'img', which no pass produces"));
  }
  SECTION("handle from another graph") {
    RenderGraph other;
    other.createImage("x", kHd);
    ImageRef foreign = other.createImage("y", kHd);
    RenderGraph g;
    computePass(g, "A", {foreign}, g.createImage("out", kHd));
    CHECK(compileError(g) ==
          "pass 'A' uses an image handle (index 1) that does not belong to this graph");
  }
  SECTION("buffer handle used for an image") {
    RenderGraph g;
    BufferRef buf = g.importBuffer("buf", {64}, fakeHandle<VkBuffer>(1), {}, {});
    computePass(g, "A", {ImageRef{buf.index, 0}}, g.createImage("out", kHd));
    CHECK_THAT(compileError(g), Contains("pass 'A' uses buffer 'buf' through an image handle"));
  }
  SECTION("one resource used twice in a pass") {
    RenderGraph g;
    ImageRef img = computePass(g, "A", {}, g.createImage("img", kHd));
    computePass(g, "B", {img}, img);
    CHECK_THAT(compileError(g), Contains("pass 'B' uses 'img' twice") && Contains("ReadWrite"));
  }
  SECTION("access that contradicts read/write") {
    RenderGraph g;
    ImageRef img = computePass(g, "A", {}, g.createImage("img", kHd));
    g.addPass("B", [&](PassBuilder& b) { b.read(img, Access::ComputeStorageWrite); }, {});
    CHECK(compileError(g) ==
          "pass 'B' reads 'img' with writing access ComputeStorageWrite; use write()");
  }
  SECTION("image-only access on a buffer") {
    RenderGraph g;
    BufferRef buf = g.importBuffer("buf", {64}, fakeHandle<VkBuffer>(1), {}, {});
    g.addPass("B", [&](PassBuilder& b) { b.read(buf, Access::FragmentSampledRead); }, {});
    CHECK(compileError(g) ==
          "pass 'B' uses buffer 'buf' with image-only access FragmentSampledRead");
  }
  SECTION("buffer-only access on an image") {
    RenderGraph g;
    ImageRef img = computePass(g, "A", {}, g.createImage("img", kHd));
    g.addPass("B", [&](PassBuilder& b) { b.read(img, Access::ComputeTexelBufferRead); }, {});
    CHECK(compileError(g) ==
          "pass 'B' uses image 'img' with buffer-only access ComputeTexelBufferRead");
  }
  SECTION("stale output") {
    RenderGraph g;
    ImageRef v1 = computePass(g, "A", {}, g.createImage("img", kHd));
    computePass(g, "B", {}, v1);
    g.markOutput(v1);
    CHECK(compileError(g) ==
          "markOutput: version 1 of 'img' is stale; pass 'B' writes a later one");
  }
  SECTION("output never written") {
    RenderGraph g;
    g.markOutput(g.createImage("img", kHd));
    CHECK(compileError(g) == "markOutput: transient 'img' is never written");
  }
  SECTION("errors derive from mq::RuntimeError") {
    RenderGraph g;
    g.markOutput(ImageRef{});
    CHECK_THROWS_AS(g.compile(), mq::RuntimeError);
  }
}

TEST_CASE("transients share a physical image only with equal descs and disjoint lifetimes",
          "[graph]") {
  RenderGraph g;
  ImageRef a = computePass(g, "write a", {}, g.createImage("a", kHd));
  ImageRef b = computePass(g, "write b from a", {a}, g.createImage("b", kHd));  // overlaps a
  ImageRef c = computePass(g, "write c from b", {b}, g.createImage("c", kHd));  // a is dead
  ImageRef small = computePass(g, "write small", {c}, g.createImage("small", kSmall));
  ImageRef out = g.createImage("out", kHd);
  g.addPass("draw",
            [&](PassBuilder& pb) {
              pb.read(small, Access::FragmentSampledRead);
              out = pb.write(out, Access::ColorAttachmentWrite);
            },
            {});
  g.markOutput(out);
  CompiledGraph c1 = g.compile();
  INFO(c1.describe());
  CHECK(slotOf(c1, a) == 0);
  CHECK(slotOf(c1, b) == 1);      // live at the same time as a
  CHECK(slotOf(c1, c) == 0);      // a's last use was the pass before
  CHECK(slotOf(c1, small) == 2);  // different desc
  CHECK(slotOf(c1, out) == 0);    // lowest free slot: c's last use was "write small"
  REQUIRE(c1.physicalImages == std::vector<ImageDesc>{kHd, kHd, kSmall});
  CHECK(c1.physicalImageUsage[0] == (VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT |
                                     VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT));
  CHECK(c1.physicalImageUsage[1] == (VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT));
  // c's memory was a's: its discard waits for a's last read.
  CHECK(pass(c1, "write c from b").barriers.back() ==
        Barrier{c.index, true, {kCompute, 0, kUndefined}, {kCompute, kStorageWrite, kGeneral}});
  // a is its slot's first user this frame: it waits for "out", the slot's last user (in the
  // previous frame).
  CHECK(pass(c1, "write a").barriers.back().src ==
        ResourceState{kColorOut, VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT, kUndefined});

  SECTION("compiling again gives the same result") {
    CompiledGraph c2 = g.compile();
    CHECK(c2 == c1);
    CHECK(c2.describe() == c1.describe());
  }
}

namespace {

template <typename Handle>
std::string id(Handle h) {
  return std::to_string(reinterpret_cast<uintptr_t>(h));
}

// Records every backend call as a line of text.
class RecordingBackend : public GraphBackend {
 public:
  std::vector<std::string> log;
  VkCommandBuffer commandBuffer() override {
    log.push_back("commandBuffer");
    return fakeHandle<VkCommandBuffer>(0xc0);
  }
  void transientImage(uint32_t slot, const ImageDesc& desc, VkImageUsageFlags usage, VkImage* image,
                      VkImageView* view) override {
    log.push_back("transientImage " + std::to_string(slot) + " " + std::to_string(desc.width) +
                  " usage " + std::to_string(usage));
    *image = fakeHandle<VkImage>(0x100 + slot);
    *view = fakeHandle<VkImageView>(0x200 + slot);
  }
  void recordBarriers(std::span<const BoundBarrier> barriers) override {
    std::string line = "barriers";
    for (const BoundBarrier& b : barriers) {
      line += " " + std::to_string(b.barrier.resource) + ":" +
              (b.image ? id(b.image) : id(b.buffer)) + "/" + std::to_string(b.barrier.src.layout) +
              ">" + std::to_string(b.barrier.dst.layout);
    }
    log.push_back(line);
  }
};

}  // namespace

TEST_CASE("execute binds images, then interleaves barriers and passes", "[graph]") {
  RenderGraph g;
  RecordingBackend backend;
  ImageRef swap =
      g.importImage("swapchain", kSmall, fakeHandle<VkImage>(0x50), fakeHandle<VkImageView>(0x51),
                    {}, {0, 0, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR});
  ImageRef tmp = g.createImage("tmp", kSmall);
  ImageRef unused = g.createImage("unused", kSmall);
  // Setup runs inside addPass, execute much later: capture handles by reference.
  g.addPass(
      "blur", [&](PassBuilder& b) { tmp = b.write(tmp, Access::ComputeStorageWrite); },
      [&](PassContext& ctx) {
        backend.log.push_back("run blur cmd " + id(ctx.commandBuffer()) + " tmp " +
                              id(ctx.image(tmp)) + " view " + id(ctx.imageView(tmp)));
        CHECK_THROWS_AS(ctx.image(swap), GraphError);  // not declared by this pass
      });
  g.addPass(
      "composite",
      [&](PassBuilder& b) {
        b.read(tmp, Access::FragmentSampledRead);
        swap = b.write(swap, Access::ColorAttachmentWrite);
      },
      [&](PassContext& ctx) {
        backend.log.push_back("run composite tmp " + id(ctx.image(tmp)) + " swap " +
                              id(ctx.imageView(swap)) + " " +
                              std::to_string(ctx.imageDesc(swap).width));
      });
  g.addPass(
      "culled", [&](PassBuilder& b) { unused = b.write(unused, Access::ComputeStorageWrite); },
      [&](PassContext&) { backend.log.push_back("run culled"); });
  g.markOutput(swap);

  CompiledGraph c = g.compile();
  execute(g, c, backend);
  const auto usage = std::to_string(VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT);
  const auto layout = [](VkImageLayout l) { return std::to_string(l); };
  CHECK(backend.log ==
        std::vector<std::string>{
            "transientImage 0 256 usage " + usage,
            "commandBuffer",
            "barriers 1:256/" + layout(kUndefined) + ">" + layout(kGeneral),
            "run blur cmd 192 tmp 256 view 512",
            "barriers 1:256/" + layout(kGeneral) + ">" + layout(kReadOnly) + " 0:80/" +
                layout(kUndefined) + ">" + layout(VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL),
            "run composite tmp 256 swap 81 256",
            "barriers 0:80/" + layout(VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL) + ">" +
                layout(VK_IMAGE_LAYOUT_PRESENT_SRC_KHR),
        });
}

TEST_CASE("describe() names passes, barriers and slots", "[graph]") {
  RenderGraph g;
  ImageRef img = computePass(g, "write", {}, g.createImage("img", kHd));
  computePass(g, "dead", {}, g.createImage("dead", kSmall));
  g.addPass("read",
            [&](PassBuilder& b) {
              b.read(img, Access::ComputeSampledRead);
              b.sideEffect();
            },
            {});
  CHECK(g.compile().describe() ==
        "pass 'write'\n"
        "  image 'img': COMPUTE NONE UNDEFINED -> COMPUTE STORAGE_WRITE GENERAL\n"
        "pass 'read'\n"
        "  image 'img': COMPUTE STORAGE_WRITE GENERAL -> COMPUTE SAMPLED_READ SHADER_READ_ONLY\n"
        "culled: 'dead'\n"
        "slot 0: 1920x1080 format 97 mips 1 usage 0xc: 'img'\n");
}
