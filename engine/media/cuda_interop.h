// The NVIDIA encoder handoff: GPU memory that Vulkan wrote, seen by CUDA, so
// that NVENC encodes the frame where it is, with no copy on the CPU and none
// on the GPU.
//
// The compositor allocates its output ring as exportable device memory
// (gpu::MemoryUsage::Exported); each buffer is exported once as an opaque
// file descriptor and imported here (cuImportExternalMemory), which gives a
// CUDA device pointer to the same bytes. The encoder then wraps those
// pointers as AV_PIX_FMT_CUDA frames of the frames context made here and
// hands them to h264_nvenc (or any encoder that takes CUDA frames), which
// registers them with NVENC as CUDA device pointers.
//
// Ordering: a frame's pointers are handed over only after the CPU has waited
// for the frame's Vulkan work (Compositor::wait), so CUDA never reads a
// half-written frame; the ring slot goes back to the compositor only when the
// encoder releases the frame, so Vulkan never overwrites one NVENC still reads.
//
// CUDA itself is loaded at run time (libcuda.so.1, through FFmpeg's loader),
// so Marquee builds and runs where there is no NVIDIA driver at all; open()
// then says why there is no interop, and the software path is used.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

struct AVBufferRef;
struct CudaFunctions;  // FFmpeg's CUDA loader (ffnvcodec/dynlink_loader.h)

namespace mq::media {

class CudaInterop {
 public:
  // Interop with the CUDA device that is the Vulkan device `vulkanUuid`, or
  // nullptr with the reason in `why` (no CUDA driver, no such CUDA device,
  // FFmpeg without CUDA).
  static std::shared_ptr<CudaInterop> open(const std::array<uint8_t, 16>& vulkanUuid,
                                           std::string* why);
  ~CudaInterop();
  CudaInterop(const CudaInterop&) = delete;
  CudaInterop& operator=(const CudaInterop&) = delete;

  // The CUDA device pointer to the start of an exported Vulkan allocation of
  // `size` bytes. Imported on first use: `exportFd` is called then for a new
  // file descriptor, which CUDA takes over. `owner` identifies the allocation
  // and is kept alive as long as this interop, so the mapping cannot outlive it.
  uint64_t devicePointer(const std::shared_ptr<void>& owner, uint64_t size,
                         const std::function<int()>& exportFd);

  // An AVHWFramesContext of NV12 CUDA frames of this size (a new reference),
  // for an encoder's hw_frames_ctx and the frames handed to it.
  AVBufferRef* framesContext(int width, int height);

  // Copies `rows` rows of `rowBytes` from device memory (`pitch` apart) to
  // host memory (`rowBytes` apart). For checks: tests compare what CUDA sees
  // with what the mapped path produced.
  void download(uint64_t devicePointer, int pitch, int rowBytes, int rows, uint8_t* out);

  int cudaDeviceIndex() const { return deviceIndex_; }

 private:
  CudaInterop() = default;
  struct Import {
    std::shared_ptr<void> owner;
    void* memory = nullptr;  // CUexternalMemory
    uint64_t pointer = 0;
  };
  void check(int result, const char* what) const;

  CudaFunctions* cu_ = nullptr;
  AVBufferRef* device_ = nullptr;  // AVHWDeviceContext (CUDA)
  int deviceIndex_ = -1;
  std::mutex mutex_;
  std::map<const void*, Import> imports_;
  std::map<std::pair<int, int>, AVBufferRef*> frames_;
};

}  // namespace mq::media
