#include "media/cuda_interop.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/log.h"
#include "media/ffmpeg_util.h"

// FFmpeg's run-time loader for the CUDA driver API. Its messages are for
// FFmpeg's log; open() reports failures itself, so they are dropped here.
#define FFNV_LOG_FUNC(logctx, msg, ...) ((void)(logctx))
#define FFNV_DEBUG_LOG_FUNC(logctx, msg, ...) ((void)(logctx))
#include <ffnvcodec/dynlink_loader.h>

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

namespace mq::media {

namespace {

// Makes `context` current on this thread for the scope.
class ContextScope {
 public:
  ContextScope(CudaFunctions* cu, CUcontext context) : cu_(cu) {
    ok_ = cu_->cuCtxPushCurrent(context) == CUDA_SUCCESS;
  }
  ~ContextScope() {
    CUcontext dummy;
    if (ok_) cu_->cuCtxPopCurrent(&dummy);
  }
  bool ok() const { return ok_; }

 private:
  CudaFunctions* cu_;
  bool ok_ = false;
};

CUcontext contextOf(AVBufferRef* device) {
  auto* hw = reinterpret_cast<AVHWDeviceContext*>(device->data);
  return static_cast<AVCUDADeviceContext*>(hw->hwctx)->cuda_ctx;
}

}  // namespace

std::shared_ptr<CudaInterop> CudaInterop::open(const std::array<uint8_t, 16>& vulkanUuid,
                                               std::string* why) {
  std::shared_ptr<CudaInterop> interop(new CudaInterop);
  if (cuda_load_functions(&interop->cu_, nullptr) < 0) {
    *why = "no CUDA driver (libcuda.so.1 did not load)";
    return nullptr;
  }
  CudaFunctions* cu = interop->cu_;
  if (!cu->cuImportExternalMemory || !cu->cuExternalMemoryGetMappedBuffer || !cu->cuDeviceGetUuid) {
    *why = "the CUDA driver cannot import Vulkan memory (too old)";
    return nullptr;
  }
  int count = 0;
  if (cu->cuInit(0) != CUDA_SUCCESS || cu->cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    *why = "the CUDA driver found no device";
    return nullptr;
  }
  for (int i = 0; i < count && interop->deviceIndex_ < 0; ++i) {
    CUdevice device;
    CUuuid uuid;
    if (cu->cuDeviceGet(&device, i) != CUDA_SUCCESS) continue;
    if (cu->cuDeviceGetUuid(&uuid, device) != CUDA_SUCCESS) continue;
    if (std::memcmp(uuid.bytes, vulkanUuid.data(), vulkanUuid.size()) == 0)
      interop->deviceIndex_ = i;
  }
  if (interop->deviceIndex_ < 0) {
    *why = "no CUDA device is the Vulkan device (UUIDs differ)";
    return nullptr;
  }
  const std::string index = std::to_string(interop->deviceIndex_);
  int err =
      av_hwdevice_ctx_create(&interop->device_, AV_HWDEVICE_TYPE_CUDA, index.c_str(), nullptr, 0);
  if (err < 0) {
    *why = "FFmpeg could not open CUDA device " + index + ": " + avErrorText(err);
    return nullptr;
  }
  return interop;
}

CudaInterop::~CudaInterop() {
  for (auto& [key, frames] : frames_) av_buffer_unref(&frames);
  if (cu_ && device_) {
    ContextScope scope(cu_, contextOf(device_));
    for (auto& [key, import] : imports_) {
      cu_->cuMemFree(import.pointer);
      cu_->cuDestroyExternalMemory(static_cast<CUexternalMemory>(import.memory));
    }
  }
  av_buffer_unref(&device_);
  cuda_free_functions(&cu_);
}

void CudaInterop::check(int result, const char* what) const {
  if (result == CUDA_SUCCESS) return;
  const char* name = nullptr;
  cu_->cuGetErrorName(static_cast<CUresult>(result), &name);
  throw RuntimeError(std::string(what) + " failed (CUDA " + (name ? name : "error") + ")");
}

uint64_t CudaInterop::devicePointer(const std::shared_ptr<void>& owner, uint64_t size,
                                    const std::function<int()>& exportFd) {
  std::lock_guard lock(mutex_);
  auto found = imports_.find(owner.get());
  if (found != imports_.end()) return found->second.pointer;
  CudaFunctions* cu = cu_;
  ContextScope scope(cu, contextOf(device_));
  if (!scope.ok()) throw RuntimeError("cannot make the CUDA context current");
  const int fd = exportFd();
  CUDA_EXTERNAL_MEMORY_HANDLE_DESC handle{};
  handle.type = CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD;
  handle.handle.fd = fd;
  handle.size = size;
  CUexternalMemory memory = nullptr;
  const CUresult imported = cu->cuImportExternalMemory(&memory, &handle);
  if (imported != CUDA_SUCCESS) close(fd);  // CUDA owns the fd only once imported
  check(imported, "importing Vulkan memory into CUDA");
  CUDA_EXTERNAL_MEMORY_BUFFER_DESC buffer{};
  buffer.offset = 0;
  buffer.size = size;
  CUdeviceptr pointer = 0;
  const CUresult mapped = cu->cuExternalMemoryGetMappedBuffer(&pointer, memory, &buffer);
  if (mapped != CUDA_SUCCESS) cu->cuDestroyExternalMemory(memory);
  check(mapped, "mapping imported Vulkan memory in CUDA");
  imports_[owner.get()] = Import{owner, memory, pointer};
  return pointer;
}

AVBufferRef* CudaInterop::framesContext(int width, int height) {
  std::lock_guard lock(mutex_);
  AVBufferRef*& frames = frames_[{width, height}];
  if (!frames) {
    AVBufferRef* made = av_hwframe_ctx_alloc(device_);
    if (!made) throw RuntimeError("out of memory allocating a CUDA frames context");
    auto* ctx = reinterpret_cast<AVHWFramesContext*>(made->data);
    ctx->format = AV_PIX_FMT_CUDA;
    ctx->sw_format = AV_PIX_FMT_NV12;
    ctx->width = width;
    ctx->height = height;
    // Frames are never taken from its pool: they wrap the imported ring.
    ctx->initial_pool_size = 0;
    const int err = av_hwframe_ctx_init(made);
    if (err < 0) {
      av_buffer_unref(&made);
      throw RuntimeError("initialising CUDA frames failed: " + avErrorText(err));
    }
    frames = made;
  }
  AVBufferRef* ref = av_buffer_ref(frames);
  if (!ref) throw RuntimeError("out of memory referencing the CUDA frames context");
  return ref;
}

void CudaInterop::download(uint64_t devicePointer, int pitch, int rowBytes, int rows,
                           uint8_t* out) {
  CudaFunctions* cu = cu_;
  ContextScope scope(cu, contextOf(device_));
  CUDA_MEMCPY2D copy{};
  copy.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  copy.srcDevice = devicePointer;
  copy.srcPitch = size_t(pitch);
  copy.dstMemoryType = CU_MEMORYTYPE_HOST;
  copy.dstHost = out;
  copy.dstPitch = size_t(rowBytes);
  copy.WidthInBytes = size_t(rowBytes);
  copy.Height = size_t(rows);
  check(cu->cuMemcpy2D(&copy), "copying from CUDA memory");
}

}  // namespace mq::media
