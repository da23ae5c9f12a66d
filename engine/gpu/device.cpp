#include "gpu/device.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/log.h"
#include "gpu/vk_check.h"

namespace mq::gpu {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool envFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

const char* typeName(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "CPU";
    default:
      return "other";
  }
}

int typeRank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 1;
    default:
      return 0;
  }
}

std::filesystem::path pipelineCachePath() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::filesystem::path(home) / ".cache";
  } else {
    return {};
  }
  return base / "marquee" / "pipeline-cache.bin";
}

}  // namespace

const char* resultName(VkResult r) {
  switch (r) {
#define MQ_CASE(x) \
  case x:          \
    return #x;
    MQ_CASE(VK_SUCCESS)
    MQ_CASE(VK_NOT_READY)
    MQ_CASE(VK_TIMEOUT)
    MQ_CASE(VK_INCOMPLETE)
    MQ_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    MQ_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    MQ_CASE(VK_ERROR_INITIALIZATION_FAILED)
    MQ_CASE(VK_ERROR_DEVICE_LOST)
    MQ_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    MQ_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    MQ_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    MQ_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    MQ_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    MQ_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    MQ_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    MQ_CASE(VK_ERROR_FRAGMENTED_POOL)
    MQ_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    MQ_CASE(VK_ERROR_SURFACE_LOST_KHR)
    MQ_CASE(VK_SUBOPTIMAL_KHR)
    MQ_CASE(VK_ERROR_OUT_OF_DATE_KHR)
#undef MQ_CASE
    default:
      return "VK_ERROR_(unknown)";
  }
}

// ---- owned objects -------------------------------------------------------

BufferObject::~BufferObject() {
  if (!device) return;
  VkDevice dev = device->device();
  VkBuffer b = buffer;
  VkDeviceMemory m = memory;
  device->destroyLater([dev, b, m, views = std::move(texelViews)] {
    for (const TexelView& v : views) vkDestroyBufferView(dev, v.view, nullptr);
    vkDestroyBuffer(dev, b, nullptr);
    vkFreeMemory(dev, m, nullptr);
  });
}

ImageObject::~ImageObject() {
  if (!device) return;
  VkDevice dev = device->device();
  VkImage i = image;
  VkImageView v = view;
  VkImageView sv = storageView;
  VkDeviceMemory m = memory;
  device->destroyLater([dev, i, v, sv, m] {
    if (sv) vkDestroyImageView(dev, sv, nullptr);
    vkDestroyImageView(dev, v, nullptr);
    vkDestroyImage(dev, i, nullptr);
    vkFreeMemory(dev, m, nullptr);
  });
}

// ---- set-up ---------------------------------------------------------------

Device::Device(const DeviceOptions& options) {
  validation_ = options.validation || envFlag("MARQUEE_VALIDATION");
  createInstance();
  std::string preferred = options.preferredDevice;
  if (preferred.empty()) {
    if (const char* env = std::getenv("MARQUEE_DEVICE")) preferred = env;
  }
  pickPhysicalDevice(preferred);
  createDevice();
  loadPipelineCache();
}

Device::~Device() {
  if (!device_) return;
  vkDeviceWaitIdle(device_);
  shared_.clear();  // their destructors queue destruction on the slots, run just below
  for (FrameSlot& s : slots_) {
    for (auto& d : s.deletions) d();
    s.deletions.clear();
  }
  savePipelineCache();
  vkDestroyPipelineCache(device_, pipelineCache_, nullptr);
  vkDestroySampler(device_, linearSampler_, nullptr);
  for (FrameSlot& s : slots_) vkDestroyCommandPool(device_, s.pool, nullptr);
  vkDestroyCommandPool(device_, uploadPool_, nullptr);
  vkDestroySemaphore(device_, timeline_, nullptr);
  vkDestroyDevice(device_, nullptr);
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  vkDestroyInstance(instance_, nullptr);
}

VKAPI_ATTR VkBool32 VKAPI_CALL Device::onDebugMessage(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* self = static_cast<Device*>(user);
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    self->validationMessages_++;
    log::error("vulkan validation: ", data && data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

void Device::createInstance() {
  uint32_t layerCount = 0;
  vkEnumerateInstanceLayerProperties(&layerCount, nullptr);
  std::vector<VkLayerProperties> layers(layerCount);
  vkEnumerateInstanceLayerProperties(&layerCount, layers.data());
  uint32_t extCount = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &extCount, nullptr);
  std::vector<VkExtensionProperties> exts(extCount);
  vkEnumerateInstanceExtensionProperties(nullptr, &extCount, exts.data());

  std::vector<const char*> enabledLayers;
  std::vector<const char*> enabledExts;
  for (const auto& e : exts) {
    if (!std::strcmp(e.extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) debugUtils_ = true;
  }
  if (validation_) {
    bool found = std::any_of(layers.begin(), layers.end(), [](const VkLayerProperties& l) {
      return !std::strcmp(l.layerName, kValidationLayer);
    });
    if (!found) {
      throw RuntimeError(
          "Vulkan validation was requested but VK_LAYER_KHRONOS_validation is not installed "
          "(Debian package vulkan-validationlayers)");
    }
    enabledLayers.push_back(kValidationLayer);
  }
  if (debugUtils_) enabledExts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "marquee";
  app.pEngineName = "marquee";
  app.apiVersion = VK_API_VERSION_1_3;

  VkDebugUtilsMessengerCreateInfoEXT messengerInfo{
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messengerInfo.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                  VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messengerInfo.pfnUserCallback = &Device::onDebugMessage;
  messengerInfo.pUserData = this;

  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = uint32_t(enabledLayers.size());
  info.ppEnabledLayerNames = enabledLayers.data();
  info.enabledExtensionCount = uint32_t(enabledExts.size());
  info.ppEnabledExtensionNames = enabledExts.data();
  // Chained so that messages from instance creation itself are caught too.
  if (validation_ && debugUtils_) info.pNext = &messengerInfo;

  VkResult r = vkCreateInstance(&info, nullptr, &instance_);
  if (r != VK_SUCCESS) {
    throw RuntimeError(std::string("cannot create a Vulkan instance (") + resultName(r) +
                       "); install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers");
  }
  if (validation_ && debugUtils_) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    MQ_VK_CHECK(create(instance_, &messengerInfo, nullptr, &messenger_));
  }
}

void Device::pickPhysicalDevice(const std::string& preferred) {
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance_, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(instance_, &count, devices.data());

  struct Candidate {
    VkPhysicalDevice device;
    VkPhysicalDeviceProperties props;
    uint32_t family;
  };
  std::vector<Candidate> usable;
  std::string listing;
  for (VkPhysicalDevice d : devices) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(d, &props);
    listing += std::string("\n  ") + props.deviceName + " (" + typeName(props.deviceType) + ")";
    if (props.apiVersion < VK_API_VERSION_1_3) continue;
    VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.pNext = &f13;
    VkPhysicalDeviceFeatures2 f{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f.pNext = &f12;
    vkGetPhysicalDeviceFeatures2(d, &f);
    if (!f13.synchronization2 || !f13.maintenance4 || !f12.timelineSemaphore) continue;
    uint32_t qCount = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(d, &qCount, nullptr);
    std::vector<VkQueueFamilyProperties> qs(qCount);
    vkGetPhysicalDeviceQueueFamilyProperties(d, &qCount, qs.data());
    for (uint32_t i = 0; i < qCount; ++i) {
      if ((qs[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) && (qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) {
        usable.push_back({d, props, i});
        break;
      }
    }
  }
  if (usable.empty()) {
    throw RuntimeError("no Vulkan 1.3 device with graphics and compute found" +
                       (listing.empty() ? std::string(" (no devices at all)") : ":" + listing));
  }
  const Candidate* chosen = nullptr;
  if (!preferred.empty()) {
    for (const Candidate& c : usable) {
      std::string n = c.props.deviceName;
      if (n.find(preferred) != std::string::npos) {
        chosen = &c;
        break;
      }
    }
    if (!chosen)
      throw UserError("no Vulkan device matches \"" + preferred + "\"; devices:" + listing);
  } else {
    // Prefer a discrete GPU; among equals keep the driver's order.
    std::stable_sort(usable.begin(), usable.end(), [](const Candidate& a, const Candidate& b) {
      return typeRank(a.props.deviceType) > typeRank(b.props.deviceType);
    });
    chosen = &usable.front();
  }
  physical_ = chosen->device;
  queueFamily_ = chosen->family;
  deviceType_ = chosen->props.deviceType;
  limits_ = chosen->props.limits;
  name_ = chosen->props.deviceName;
  vendorId_ = chosen->props.vendorID;
  VkPhysicalDeviceIDProperties ids{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &ids;
  vkGetPhysicalDeviceProperties2(physical_, &props2);
  std::copy(std::begin(ids.deviceUUID), std::end(ids.deviceUUID), deviceUuid_.begin());
  uint32_t extCount = 0;
  vkEnumerateDeviceExtensionProperties(physical_, nullptr, &extCount, nullptr);
  std::vector<VkExtensionProperties> exts(extCount);
  vkEnumerateDeviceExtensionProperties(physical_, nullptr, &extCount, exts.data());
  externalMemoryFd_ = std::any_of(exts.begin(), exts.end(), [](const VkExtensionProperties& e) {
    return !std::strcmp(e.extensionName, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
  });
  vkGetPhysicalDeviceMemoryProperties(physical_, &memoryProps_);
  log::info("Vulkan device: ", name_, " (", typeName(deviceType_), ")",
            validation_ ? ", validation on" : "");
}

void Device::createDevice() {
  float priority = 1.0f;
  VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  q.queueFamilyIndex = queueFamily_;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;

  VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  f13.synchronization2 = VK_TRUE;
  // glslc's vulkan1.3 output uses LocalSizeId, which needs maintenance4.
  f13.maintenance4 = VK_TRUE;
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12.timelineSemaphore = VK_TRUE;
  f12.pNext = &f13;
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &f12;

  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.pNext = &features;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &q;
  // For the encoder handoff: output frames exported to CUDA (NVENC).
  const char* memoryFd = VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
  if (externalMemoryFd_) {
    info.enabledExtensionCount = 1;
    info.ppEnabledExtensionNames = &memoryFd;
  }
  VkResult r = vkCreateDevice(physical_, &info, nullptr, &device_);
  if (r != VK_SUCCESS) {
    throw RuntimeError(std::string("cannot create the Vulkan device on ") + name_ + " (" +
                       resultName(r) + ")");
  }
  vkGetDeviceQueue(device_, queueFamily_, 0, &queue_);

  VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  VkSemaphoreCreateInfo sem{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  sem.pNext = &type;
  MQ_VK_CHECK(vkCreateSemaphore(device_, &sem, nullptr, &timeline_));

  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.queueFamilyIndex = queueFamily_;
  pool.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  for (FrameSlot& s : slots_) {
    MQ_VK_CHECK(vkCreateCommandPool(device_, &pool, nullptr, &s.pool));
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = s.pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    MQ_VK_CHECK(vkAllocateCommandBuffers(device_, &alloc, &s.cmd));
  }
  MQ_VK_CHECK(vkCreateCommandPool(device_, &pool, nullptr, &uploadPool_));

  VkSamplerCreateInfo s{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  s.magFilter = VK_FILTER_LINEAR;
  s.minFilter = VK_FILTER_LINEAR;
  s.mipmapMode = VK_SAMPLER_MIPMAP_MODE_LINEAR;
  // Transparent black outside the image: a layer's content ends at its edge.
  s.addressModeU = s.addressModeV = s.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER;
  s.borderColor = VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK;
  s.maxLod = VK_LOD_CLAMP_NONE;
  MQ_VK_CHECK(vkCreateSampler(device_, &s, nullptr, &linearSampler_));
}

void Device::loadPipelineCache() {
  std::vector<char> data;
  std::filesystem::path path = pipelineCachePath();
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), {});
  }
  VkPipelineCacheCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  info.initialDataSize = data.size();
  info.pInitialData = data.empty() ? nullptr : data.data();
  // A stale or foreign cache is rejected by the driver's header check; start empty then.
  if (vkCreatePipelineCache(device_, &info, nullptr, &pipelineCache_) != VK_SUCCESS) {
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    MQ_VK_CHECK(vkCreatePipelineCache(device_, &info, nullptr, &pipelineCache_));
  }
}

void Device::savePipelineCache() {
  std::filesystem::path path = pipelineCachePath();
  if (path.empty()) return;
  size_t size = 0;
  if (vkGetPipelineCacheData(device_, pipelineCache_, &size, nullptr) != VK_SUCCESS || !size)
    return;
  std::vector<char> data(size);
  if (vkGetPipelineCacheData(device_, pipelineCache_, &size, data.data()) != VK_SUCCESS) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  // Write then rename, so two processes never leave a torn cache file.
  std::filesystem::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return;
    out.write(data.data(), std::streamsize(size));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

// ---- memory and resources ----------------------------------------------------

uint32_t Device::memoryType(uint32_t typeBits, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred) const {
  for (uint32_t pass = 0; pass < 2; ++pass) {
    VkMemoryPropertyFlags want = pass == 0 ? (required | preferred) : required;
    for (uint32_t i = 0; i < memoryProps_.memoryTypeCount; ++i) {
      if ((typeBits & (1u << i)) && (memoryProps_.memoryTypes[i].propertyFlags & want) == want) {
        return i;
      }
    }
  }
  return UINT32_MAX;
}

VkDeviceMemory Device::allocate(const VkMemoryRequirements& req, VkMemoryPropertyFlags required,
                                VkMemoryPropertyFlags preferred, VkMemoryPropertyFlags* chosen,
                                const void* allocateNext, uint32_t* chosenType) {
  uint32_t type = memoryType(req.memoryTypeBits, required, preferred);
  if (type == UINT32_MAX) throw RuntimeError("no suitable Vulkan memory type on " + name_);
  VkMemoryAllocateInfo info{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  info.pNext = allocateNext;
  info.allocationSize = req.size;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkResult r = vkAllocateMemory(device_, &info, nullptr, &memory);
  if (r != VK_SUCCESS) {
    throw RuntimeError("GPU memory allocation of " + std::to_string(req.size) + " bytes failed (" +
                       resultName(r) + ")");
  }
  if (chosen) *chosen = memoryProps_.memoryTypes[type].propertyFlags;
  if (chosenType) *chosenType = type;
  return memory;
}

VkBufferView Device::texelView(const Buffer& buffer, VkFormat format, VkDeviceSize offset) {
  for (const BufferObject::TexelView& v : buffer->texelViews) {
    if (v.format == format && v.offset == offset) return v.view;
  }
  VkBufferViewCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  info.buffer = buffer->buffer;
  info.format = format;
  info.offset = offset;
  info.range = VK_WHOLE_SIZE;
  VkBufferView view = VK_NULL_HANDLE;
  MQ_VK_CHECK(vkCreateBufferView(device_, &info, nullptr, &view));
  buffer->texelViews.push_back({format, offset, view});
  return view;
}

Buffer Device::createBuffer(VkDeviceSize size, VkBufferUsageFlags usage, MemoryUsage memory) {
  auto b = std::make_shared<BufferObject>();
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = std::max<VkDeviceSize>(size, 4);
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  const bool exported = memory == MemoryUsage::Exported;
  if (exported && !externalMemoryFd_)
    throw RuntimeError(name_ + " cannot export memory (no VK_KHR_external_memory_fd)");
  VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  VkExportMemoryAllocateInfo exportInfo{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO};
  exportInfo.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  if (exported) info.pNext = &external;
  MQ_VK_CHECK(vkCreateBuffer(device_, &info, nullptr, &b->buffer));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, b->buffer, &req);
  VkMemoryPropertyFlags required = 0, preferred = 0;
  switch (memory) {
    case MemoryUsage::GpuOnly:
    case MemoryUsage::Exported:
      preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
      break;
    case MemoryUsage::Upload:
      required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
      preferred = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      break;
    case MemoryUsage::Readback:
      required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
      // CPU reads from uncached memory are slow on discrete GPUs.
      preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      break;
  }
  VkMemoryPropertyFlags chosen = 0;
  try {
    b->memory = allocate(req, required, preferred, &chosen, exported ? &exportInfo : nullptr,
                         &b->memoryType);
  } catch (...) {
    vkDestroyBuffer(device_, b->buffer, nullptr);
    throw;
  }
  MQ_VK_CHECK(vkBindBufferMemory(device_, b->buffer, b->memory, 0));
  b->size = size;
  b->allocationSize = req.size;
  b->coherent = (chosen & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  if (memory == MemoryUsage::Upload || memory == MemoryUsage::Readback) {
    MQ_VK_CHECK(vkMapMemory(device_, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped));
  }
  b->device = this;
  return b;
}

Image Device::createImage(const ImageCreateInfo& ci) {
  auto img = std::make_shared<ImageObject>();
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = ci.format;
  info.extent = {ci.width, ci.height, 1};
  info.mipLevels = ci.mipLevels;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = ci.usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  VkImageFormatListCreateInfo formatList{VK_STRUCTURE_TYPE_IMAGE_FORMAT_LIST_CREATE_INFO};
  VkFormat formats[2] = {ci.format, ci.storageViewFormat};
  if (ci.storageViewFormat != VK_FORMAT_UNDEFINED) {
    // The sampled format need not support storage; the storage view's does.
    info.flags |= VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT | VK_IMAGE_CREATE_EXTENDED_USAGE_BIT;
    formatList.viewFormatCount = 2;
    formatList.pViewFormats = formats;
    info.pNext = &formatList;
  }
  VkResult r = vkCreateImage(device_, &info, nullptr, &img->image);
  if (r != VK_SUCCESS) {
    throw RuntimeError("cannot create a " + std::to_string(ci.width) + "x" +
                       std::to_string(ci.height) + " image (" + resultName(r) + ")");
  }
  VkMemoryRequirements req;
  vkGetImageMemoryRequirements(device_, img->image, &req);
  try {
    img->memory = allocate(req, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, nullptr);
  } catch (...) {
    vkDestroyImage(device_, img->image, nullptr);
    throw;
  }
  MQ_VK_CHECK(vkBindImageMemory(device_, img->image, img->memory, 0));
  VkImageViewCreateInfo view{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
  view.image = img->image;
  view.viewType = VK_IMAGE_VIEW_TYPE_2D;
  view.format = ci.format;
  view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, ci.mipLevels, 0, 1};
  if (ci.storageViewFormat != VK_FORMAT_UNDEFINED) {
    // The sampled view must not claim storage usage its format lacks.
    VkImageViewUsageCreateInfo sampledUsage{VK_STRUCTURE_TYPE_IMAGE_VIEW_USAGE_CREATE_INFO};
    sampledUsage.usage = ci.usage & ~VkImageUsageFlags(VK_IMAGE_USAGE_STORAGE_BIT);
    view.pNext = &sampledUsage;
    MQ_VK_CHECK(vkCreateImageView(device_, &view, nullptr, &img->view));
    VkImageViewUsageCreateInfo storageUsage{VK_STRUCTURE_TYPE_IMAGE_VIEW_USAGE_CREATE_INFO};
    storageUsage.usage = VK_IMAGE_USAGE_STORAGE_BIT | (ci.usage & VK_IMAGE_USAGE_SAMPLED_BIT);
    view.pNext = &storageUsage;
    view.format = ci.storageViewFormat;
    MQ_VK_CHECK(vkCreateImageView(device_, &view, nullptr, &img->storageView));
  } else {
    MQ_VK_CHECK(vkCreateImageView(device_, &view, nullptr, &img->view));
  }
  img->format = ci.format;
  img->width = ci.width;
  img->height = ci.height;
  img->mipLevels = ci.mipLevels;
  img->usage = ci.usage;
  img->device = this;
  return img;
}

void Device::uploadRegions(const Image& image, std::span<const RegionUpload> regions, bool fresh) {
  if (regions.empty() && !fresh) return;
  VkDeviceSize total = 16;
  for (const auto& r : regions) total += (r.bytes.size() + 15) & ~VkDeviceSize(15);
  Buffer staging = createBuffer(total, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::Upload);
  std::vector<VkBufferImageCopy> copies;
  VkDeviceSize offset = 0;
  for (const auto& r : regions) {
    std::memcpy(static_cast<uint8_t*>(staging->mapped) + offset, r.bytes.data(), r.bytes.size());
    VkBufferImageCopy c{};
    c.bufferOffset = offset;
    c.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    c.imageOffset = {int32_t(r.x), int32_t(r.y), 0};
    c.imageExtent = {r.width, r.height, 1};
    copies.push_back(c);
    offset += (r.bytes.size() + 15) & ~VkDeviceSize(15);
  }
  flush(staging);

  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = uploadPool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd;
  MQ_VK_CHECK(vkAllocateCommandBuffers(device_, &alloc, &cmd));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  MQ_VK_CHECK(vkBeginCommandBuffer(cmd, &begin));

  // GENERAL -> TRANSFER_DST for the copies (what drivers copy fastest into),
  // then back to GENERAL, where the compositor samples and writes it.
  VkImageMemoryBarrier2 b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2};
  b.srcStageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT;
  b.srcAccessMask = VK_ACCESS_2_MEMORY_WRITE_BIT;
  b.dstStageMask = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
  b.dstAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  b.oldLayout = fresh ? VK_IMAGE_LAYOUT_UNDEFINED : VK_IMAGE_LAYOUT_GENERAL;
  b.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  b.srcQueueFamilyIndex = b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  b.image = image->image;
  b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, image->mipLevels, 0, 1};
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.imageMemoryBarrierCount = 1;
  dep.pImageMemoryBarriers = &b;
  vkCmdPipelineBarrier2(cmd, &dep);
  if (fresh) {
    VkClearColorValue zero{};
    vkCmdClearColorImage(cmd, image->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &zero, 1,
                         &b.subresourceRange);
    b.srcStageMask = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
    b.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
    b.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    vkCmdPipelineBarrier2(cmd, &dep);
  }
  if (!copies.empty()) {
    vkCmdCopyBufferToImage(cmd, staging->buffer, image->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                           uint32_t(copies.size()), copies.data());
  }
  b.srcStageMask = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
  b.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  b.dstStageMask = VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT;
  b.dstAccessMask = VK_ACCESS_2_SHADER_SAMPLED_READ_BIT | VK_ACCESS_2_SHADER_STORAGE_READ_BIT |
                    VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT;
  b.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  b.newLayout = VK_IMAGE_LAYOUT_GENERAL;
  vkCmdPipelineBarrier2(cmd, &dep);
  MQ_VK_CHECK(vkEndCommandBuffer(cmd));

  VkCommandBufferSubmitInfo cmdInfo{VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO};
  cmdInfo.commandBuffer = cmd;
  VkSubmitInfo2 submit{VK_STRUCTURE_TYPE_SUBMIT_INFO_2};
  submit.commandBufferInfoCount = 1;
  submit.pCommandBufferInfos = &cmdInfo;
  MQ_VK_CHECK(vkQueueSubmit2(queue_, 1, &submit, VK_NULL_HANDLE));
  MQ_VK_CHECK(vkQueueWaitIdle(queue_));
  vkFreeCommandBuffers(device_, uploadPool_, 1, &cmd);
}

void Device::flush(const Buffer& buffer) {
  if (buffer->coherent) return;
  VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
  range.memory = buffer->memory;
  range.size = VK_WHOLE_SIZE;
  MQ_VK_CHECK(vkFlushMappedMemoryRanges(device_, 1, &range));
}

int Device::exportMemoryFd(const Buffer& buffer) {
  auto getFd =
      reinterpret_cast<PFN_vkGetMemoryFdKHR>(vkGetDeviceProcAddr(device_, "vkGetMemoryFdKHR"));
  if (!externalMemoryFd_ || !getFd)
    throw RuntimeError(name_ + " cannot export memory (no VK_KHR_external_memory_fd)");
  VkMemoryGetFdInfoKHR info{VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR};
  info.memory = buffer->memory;
  info.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  int fd = -1;
  MQ_VK_CHECK(getFd(device_, &info, &fd));
  return fd;
}

void Device::invalidate(const Buffer& buffer) {
  if (buffer->coherent || !buffer->mapped) return;
  VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
  range.memory = buffer->memory;
  range.size = VK_WHOLE_SIZE;
  MQ_VK_CHECK(vkInvalidateMappedMemoryRanges(device_, 1, &range));
}

// ---- frames ---------------------------------------------------------------------

VkCommandBuffer Device::beginFrame() {
  MQ_CHECK(!recording_);
  FrameSlot& s = slots_[slot_];
  waitForFrame(s.lastValue);
  for (auto& d : s.deletions) d();
  s.deletions.clear();
  MQ_VK_CHECK(vkResetCommandPool(device_, s.pool, 0));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  MQ_VK_CHECK(vkBeginCommandBuffer(s.cmd, &begin));
  recording_ = true;
  return s.cmd;
}

uint64_t Device::submitFrame() {
  MQ_CHECK(recording_);
  FrameSlot& s = slots_[slot_];
  MQ_VK_CHECK(vkEndCommandBuffer(s.cmd));
  s.lastValue = ++timelineValue_;
  VkCommandBufferSubmitInfo cmdInfo{VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO};
  cmdInfo.commandBuffer = s.cmd;
  VkSemaphoreSubmitInfo signal{VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO};
  signal.semaphore = timeline_;
  signal.value = s.lastValue;
  signal.stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT;
  VkSubmitInfo2 submit{VK_STRUCTURE_TYPE_SUBMIT_INFO_2};
  submit.commandBufferInfoCount = 1;
  submit.pCommandBufferInfos = &cmdInfo;
  submit.signalSemaphoreInfoCount = 1;
  submit.pSignalSemaphoreInfos = &signal;
  VkResult r = vkQueueSubmit2(queue_, 1, &submit, VK_NULL_HANDLE);
  if (r != VK_SUCCESS) throw RuntimeError(std::string("GPU submit failed: ") + resultName(r));
  recording_ = false;
  lastSubmittedSlot_ = slot_;
  slot_ = (slot_ + 1) % kFramesInFlight;
  return s.lastValue;
}

void Device::waitForFrame(uint64_t value) {
  if (value == 0) return;
  VkSemaphoreWaitInfo wait{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  wait.semaphoreCount = 1;
  wait.pSemaphores = &timeline_;
  wait.pValues = &value;
  VkResult r = vkWaitSemaphores(device_, &wait, UINT64_MAX);
  if (r != VK_SUCCESS)
    throw RuntimeError(std::string("waiting for the GPU failed: ") + resultName(r));
}

bool Device::waitForFrameFor(uint64_t value, uint64_t timeoutNs) {
  VkSemaphoreWaitInfo wait{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  wait.semaphoreCount = 1;
  wait.pSemaphores = &timeline_;
  wait.pValues = &value;
  VkResult r = vkWaitSemaphores(device_, &wait, timeoutNs);
  if (r == VK_TIMEOUT) return false;
  if (r != VK_SUCCESS)
    throw RuntimeError(std::string("waiting for the GPU failed: ") + resultName(r));
  return true;
}

bool Device::frameFinished(uint64_t value) const {
  uint64_t reached = 0;
  MQ_VK_CHECK(vkGetSemaphoreCounterValue(device_, timeline_, &reached));
  return reached >= value;
}

void Device::waitIdle() {
  MQ_VK_CHECK(vkDeviceWaitIdle(device_));
}

void Device::destroyLater(std::function<void()> destroy) {
  // While recording, the object may be used by the frame being recorded: its
  // slot retires last. Between frames, the newest submitted frame may still use it.
  uint32_t slot = recording_ ? slot_ : lastSubmittedSlot_;
  slots_[slot].deletions.push_back(std::move(destroy));
}

VkShaderModule Device::createShaderModule(std::span<const uint32_t> spirv) {
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = spirv.size_bytes();
  info.pCode = spirv.data();
  VkShaderModule module;
  MQ_VK_CHECK(vkCreateShaderModule(device_, &info, nullptr, &module));
  return module;
}

void Device::destroyShaderModule(VkShaderModule module) {
  vkDestroyShaderModule(device_, module, nullptr);
}

void Device::setDebugName(uint64_t handle, VkObjectType type, const char* name) {
  if (!debugUtils_) return;
  static auto fn = reinterpret_cast<PFN_vkSetDebugUtilsObjectNameEXT>(
      vkGetInstanceProcAddr(instance_, "vkSetDebugUtilsObjectNameEXT"));
  if (!fn) return;
  VkDebugUtilsObjectNameInfoEXT info{VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT};
  info.objectType = type;
  info.objectHandle = handle;
  info.pObjectName = name;
  fn(device_, &info);
}

}  // namespace mq::gpu
