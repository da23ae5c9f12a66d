// The Vulkan instance, the chosen physical device, its single queue, owned
// buffers and images with deferred destruction, and the frame slots that pace
// work in flight. Nothing outside engine/gpu calls vkDestroy* or allocates
// device memory directly.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mq::gpu {

class Device;

struct DeviceOptions {
  std::string preferredDevice;  // substring of the device name; empty: MARQUEE_DEVICE or the best
  bool validation = false;      // also enabled by MARQUEE_VALIDATION=1
};

enum class MemoryUsage {
  GpuOnly,   // device-local
  Upload,    // host-visible, coherent: CPU writes each frame, GPU reads
  Readback,  // host-visible, cached where available: GPU writes, CPU reads
  // Device-local and exportable as an opaque POSIX file descriptor
  // (VK_KHR_external_memory_fd), which CUDA imports; not mapped. Only where
  // Device::canExportMemory().
  Exported,
};

// A buffer and its memory. Dropping the last reference queues the destroy on
// the device's frame slots, so a buffer still used by work in flight survives.
struct BufferObject {
  Device* device = nullptr;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  void* mapped = nullptr;           // persistently mapped for Upload/Readback
  VkDeviceSize allocationSize = 0;  // of `memory` (>= size)
  uint32_t memoryType = 0;          // index into the device's memory types
  bool coherent = true;
  // Texel-buffer views of this buffer, made on first use by Device::texelView
  // and destroyed with it.
  struct TexelView {
    VkFormat format;
    VkDeviceSize offset;
    VkBufferView view;
  };
  std::vector<TexelView> texelViews;
  ~BufferObject();
};
using Buffer = std::shared_ptr<BufferObject>;

struct ImageObject {
  Device* device = nullptr;
  VkImage image = VK_NULL_HANDLE;
  VkImageView view = VK_NULL_HANDLE;
  // Only with ImageCreateInfo::storageViewFormat: a view in that format, for
  // storage writes and for sampling the raw (undecoded) values.
  VkImageView storageView = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkFormat format = VK_FORMAT_UNDEFINED;
  uint32_t width = 0, height = 0, mipLevels = 1;
  VkImageUsageFlags usage = 0;
  ~ImageObject();
};
using Image = std::shared_ptr<ImageObject>;

// Texels for a rectangle of mip level 0 of an image (tightly packed rows).
struct RegionUpload {
  uint32_t x = 0, y = 0, width = 0, height = 0;
  std::span<const uint8_t> bytes;
};

struct ImageCreateInfo {
  VkFormat format = VK_FORMAT_R16G16B16A16_SFLOAT;
  uint32_t width = 1, height = 1, mipLevels = 1;
  VkImageUsageFlags usage = VK_IMAGE_USAGE_SAMPLED_BIT;
  // Set: the image is also viewed in this (size-compatible) format for storage
  // writes, e.g. a UNORM view of an sRGB image, which cannot be a storage image.
  VkFormat storageViewFormat = VK_FORMAT_UNDEFINED;
};

class Device {
 public:
  static constexpr uint32_t kFramesInFlight = 2;

  explicit Device(const DeviceOptions& options);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physicalDevice() const { return physical_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queueFamily() const { return queueFamily_; }
  const std::string& name() const { return name_; }
  bool isCpu() const { return deviceType_ == VK_PHYSICAL_DEVICE_TYPE_CPU; }
  uint32_t vendorId() const { return vendorId_; }  // PCI vendor: 0x10de NVIDIA
  // VkPhysicalDeviceIDProperties::deviceUUID: what CUDA calls the same GPU.
  const std::array<uint8_t, VK_UUID_SIZE>& deviceUuid() const { return deviceUuid_; }
  const VkPhysicalDeviceLimits& limits() const { return limits_; }
  bool validationEnabled() const { return validation_; }
  // Warnings and errors the validation layer reported since start-up.
  uint64_t validationMessages() const { return validationMessages_.load(); }

  Buffer createBuffer(VkDeviceSize size, VkBufferUsageFlags usage, MemoryUsage memory);
  // Whether MemoryUsage::Exported buffers can be made (VK_KHR_external_memory_fd).
  bool canExportMemory() const { return externalMemoryFd_; }
  // A new file descriptor for an Exported buffer's memory; the caller owns it
  // (CUDA's import takes it over).
  int exportMemoryFd(const Buffer& buffer);
  // A uniform texel-buffer view of `buffer` from `offset` (a multiple of
  // minTexelBufferOffsetAlignment) to its end, made once and kept with it.
  // Why texel buffers: shaders reading data at per-invocation addresses get
  // vector gathers from them on lavapipe, where storage-buffer loads are done
  // lane by lane (several times slower per load). The buffer needs
  // VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT.
  VkBufferView texelView(const Buffer& buffer, VkFormat format, VkDeviceSize offset = 0);
  Image createImage(const ImageCreateInfo& info);
  // Copies rectangles into an image kept in GENERAL layout (sampled and written
  // by compute). `fresh`: the image was just created; it is cleared to zero
  // first. Waits for the copy (load time only); earlier frames' reads are
  // ordered before it.
  void uploadRegions(const Image& image, std::span<const RegionUpload> regions, bool fresh);
  // Makes CPU writes to a non-coherent mapped buffer visible to the GPU (no-op when coherent).
  void flush(const Buffer& buffer);
  // Makes GPU writes to a non-coherent mapped buffer visible to the CPU (no-op when coherent).
  void invalidate(const Buffer& buffer);

  VkSampler linearClampSampler() const { return linearSampler_; }
  VkPipelineCache pipelineCache() const { return pipelineCache_; }

  // Frame slots. beginFrame() waits until the slot's previous frame retired, runs
  // the destructions queued on it, and returns a command buffer in the recording
  // state. submitFrame() submits it, signalling the timeline.
  VkCommandBuffer beginFrame();
  uint64_t submitFrame();  // returns the frame's timeline value
  void waitForFrame(uint64_t timelineValue);
  bool frameFinished(uint64_t timelineValue) const;  // without waiting
  // Waits at most `timeoutNs`; whether the frame finished.
  bool waitForFrameFor(uint64_t timelineValue, uint64_t timeoutNs);
  uint32_t currentSlot() const { return slot_; }
  void waitIdle();

  // Runs `destroy` once no submitted work can still use what it destroys.
  void destroyLater(std::function<void()> destroy);

  // Objects whose lifetime the caller manages through these wrappers.
  VkShaderModule createShaderModule(std::span<const uint32_t> spirv);
  void destroyShaderModule(VkShaderModule module);

  void setDebugName(uint64_t handle, VkObjectType type, const char* name);

  // Objects worth sharing by everything that uses this device (compiled
  // pipelines: compiling one on lavapipe takes a noticeable fraction of a
  // second). Released before the device is destroyed.
  template <typename T, typename Make>
  std::shared_ptr<T> shared(const std::string& key, Make make) {
    auto& slot = shared_[key];
    if (!slot) slot = std::shared_ptr<T>(make());
    return std::static_pointer_cast<T>(slot);
  }
  bool hasShared(const std::string& key) const { return shared_.count(key) != 0; }

 private:
  struct FrameSlot {
    VkCommandPool pool = VK_NULL_HANDLE;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    uint64_t lastValue = 0;
    std::vector<std::function<void()>> deletions;
  };

  void createInstance();
  void pickPhysicalDevice(const std::string& preferred);
  void createDevice();
  uint32_t memoryType(uint32_t typeBits, VkMemoryPropertyFlags required,
                      VkMemoryPropertyFlags preferred) const;
  VkDeviceMemory allocate(const VkMemoryRequirements& req, VkMemoryPropertyFlags required,
                          VkMemoryPropertyFlags preferred, VkMemoryPropertyFlags* chosen,
                          const void* allocateNext = nullptr, uint32_t* chosenType = nullptr);
  void loadPipelineCache();
  void savePipelineCache();
  static VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(
      VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
      const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkPhysicalDeviceType deviceType_ = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  VkPhysicalDeviceLimits limits_{};
  uint32_t vendorId_ = 0;
  std::array<uint8_t, VK_UUID_SIZE> deviceUuid_{};
  bool externalMemoryFd_ = false;
  VkPhysicalDeviceMemoryProperties memoryProps_{};
  std::string name_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queueFamily_ = 0;
  VkSemaphore timeline_ = VK_NULL_HANDLE;
  uint64_t timelineValue_ = 0;
  std::array<FrameSlot, kFramesInFlight> slots_;
  uint32_t slot_ = 0;
  bool recording_ = false;
  uint32_t lastSubmittedSlot_ = 0;
  VkCommandPool uploadPool_ = VK_NULL_HANDLE;
  VkSampler linearSampler_ = VK_NULL_HANDLE;
  VkPipelineCache pipelineCache_ = VK_NULL_HANDLE;
  bool validation_ = false;
  bool debugUtils_ = false;
  std::atomic<uint64_t> validationMessages_{0};
  std::map<std::string, std::shared_ptr<void>> shared_;
};

}  // namespace mq::gpu
