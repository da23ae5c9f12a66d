// The NVENC handoff's Vulkan half, checked where CI runs (lavapipe): with
// OutputSpec::exportForCuda the output ring is device memory exported as
// opaque file descriptors, rows 256-byte aligned. Importing such a descriptor
// again (as CUDA does on NVIDIA; here into Vulkan itself, whose lavapipe
// memory can be mapped) must show frames byte-identical, row for row, to the
// mapped path's. The CUDA half needs an NVIDIA GPU: bench/nvidia_handoff_check
// runs it there.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "golden.h"
#include "runtime/encoder_handoff.h"
#include "scene/scene.h"

using namespace mq;

namespace {

constexpr int kFrames = 6;

// Frames as tightly packed NV12 (luma rows, then CbCr rows, `width` bytes each).
using Frames = std::vector<std::vector<uint8_t>>;

std::vector<uint8_t> packRows(const uint8_t* base, uint32_t stride, uint32_t width, uint32_t rows) {
  std::vector<uint8_t> out;
  out.reserve(size_t(width) * rows);
  for (uint32_t r = 0; r < rows; ++r)
    out.insert(out.end(), base + size_t(r) * stride, base + size_t(r) * stride + width);
  return out;
}

// Maps an exported allocation through a second VkDeviceMemory imported from
// its file descriptor, of the same memory type. Empty where that type cannot
// be mapped (a discrete GPU's device-local memory: there the CUDA check,
// bench/nvidia_handoff_check, reads it); on lavapipe every type can.
std::vector<uint8_t> readExported(gpu::Device& device, const render::FrameOutput& f) {
  VkDevice dev = device.device();
  VkPhysicalDeviceMemoryProperties props;
  vkGetPhysicalDeviceMemoryProperties(device.physicalDevice(), &props);
  const uint32_t type = f.buffer->memoryType;
  REQUIRE(type < props.memoryTypeCount);
  if (!(props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)) return {};
  VkImportMemoryFdInfoKHR import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR};
  import.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  import.fd = device.exportMemoryFd(f.buffer);
  REQUIRE(import.fd >= 0);
  VkMemoryAllocateInfo info{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  info.pNext = &import;
  info.allocationSize = f.buffer->allocationSize;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  const VkResult r = vkAllocateMemory(dev, &info, nullptr, &memory);
  if (r != VK_SUCCESS) close(import.fd);  // Vulkan owns the fd only once imported
  REQUIRE(r == VK_SUCCESS);
  void* mapped = nullptr;
  REQUIRE(vkMapMemory(dev, memory, 0, VK_WHOLE_SIZE, 0, &mapped) == VK_SUCCESS);
  const auto* base = static_cast<const uint8_t*>(mapped);
  std::vector<uint8_t> out = packRows(base, f.stride, f.width, f.height * 3 / 2);
  vkUnmapMemory(dev, memory);
  vkFreeMemory(dev, memory, nullptr);
  return out;
}

Frames renderFrames(const scene::Scene& scene, bool exported, uint32_t* stride) {
  gpu::Device& device = test::sharedDevice();
  const uint64_t before = device.validationMessages();
  Frames frames;
  {
    render::OutputSpec spec{0, 0, render::OutputFormat::Nv12};
    spec.exportForCuda = exported;
    render::Compositor comp(device, scene, spec);
    auto take = [&](const render::FrameOutput& f) {
      *stride = f.stride;
      REQUIRE(f.buffer);
      if (exported) {
        CHECK(f.bytes.empty());
        CHECK(f.buffer->mapped == nullptr);
        frames.push_back(readExported(device, f));
      } else {
        // What the encoder is handed on this path: the mapped bytes themselves.
        media::VideoPlanes planes = runtime::encoderPlanes(device, f, nullptr);
        CHECK_FALSE(planes.cuda);
        CHECK(planes.data[0] == f.bytes.data());
        CHECK(planes.data[1] == f.bytes.data() + size_t(f.stride) * f.height);
        frames.push_back(packRows(f.bytes.data(), f.stride, f.width, f.height * 3 / 2));
      }
    };
    std::optional<render::FrameTicket> pending;
    for (int i = 0; i < kFrames; ++i) {
      render::FrameTicket t = comp.submit(i / 10.0, {});
      if (pending) take(comp.wait(*pending));
      pending = t;
    }
    take(comp.wait(*pending));
  }
  REQUIRE(device.validationMessages() == before);
  return frames;
}

}  // namespace

TEST_CASE("exported output frames are the mapped path's bytes, rows 256-byte aligned",
          "[gpu][handoff]") {
  gpu::Device& device = test::sharedDevice();
  REQUIRE(device.canExportMemory());  // lavapipe has VK_KHR_external_memory_fd
  scene::Scene s = scene::loadScene(std::filesystem::path(MARQUEE_SOURCE_DIR) /
                                    "tests/scenes/gpu/tile_reuse.json");
  uint32_t mappedStride = 0, exportedStride = 0;
  Frames mapped = renderFrames(s, false, &mappedStride);
  Frames exported = renderFrames(s, true, &exportedStride);
  CHECK(mappedStride == 320);    // the canvas is 320 wide
  CHECK(exportedStride == 512);  // CUDA frames' pitch
  REQUIRE(mapped.size() == size_t(kFrames));
  REQUIRE(exported.size() == size_t(kFrames));
  // lavapipe (CI) can map every memory type, so the comparison always runs
  // there; a discrete GPU's exported memory is compared through CUDA instead.
  const bool readable = !exported.front().empty();
  if (device.isCpu()) REQUIRE(readable);
  if (!readable) WARN("exported memory is not host-visible on " << device.name());
  for (int i = 0; readable && i < kFrames; ++i) {
    INFO("frame " << i);
    CHECK(exported[size_t(i)] == mapped[size_t(i)]);
  }
  // The scene animates, so equal frames are not equal by accident.
  CHECK(mapped.front() != mapped.back());
}

TEST_CASE("the encoder handoff: CUDA frames only for an NVIDIA encoder, else the mapped ring",
          "[gpu][handoff]") {
  gpu::Device& device = test::sharedDevice();
  const bool nvidia = device.vendorId() == 0x10de;
  media::EncoderSettings settings;
  settings.width = 320;
  settings.height = 240;
  const bool exported = runtime::prepareEncoderHandoff(device, settings);
  CHECK(exported == (settings.cuda != nullptr));
  if (!nvidia) {  // CI's lavapipe
    CHECK_FALSE(exported);
    CHECK(settings.videoCodec == "libx264");
  } else {  // h264_nvenc only where an NVENC session opened
    CHECK(settings.videoCodec == (exported ? "h264_nvenc" : "libx264"));
  }
  settings.videoCodec = "libx264";  // asked for by name: host memory
  CHECK_FALSE(runtime::prepareEncoderHandoff(device, settings));
  CHECK_FALSE(settings.cuda);
  settings.videoCodec = "h264_nvenc";  // by name: CUDA frames where CUDA sees this GPU
  CHECK(runtime::prepareEncoderHandoff(device, settings) == (settings.cuda != nullptr));
  if (!nvidia) CHECK_FALSE(settings.cuda);
  CHECK(settings.videoCodec == "h264_nvenc");
}
