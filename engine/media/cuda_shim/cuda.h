// libavutil/hwcontext_cuda.h includes <cuda.h> for the CUcontext and CUstream
// types. Marquee has no build-time CUDA toolkit: it loads the CUDA driver at
// run time through FFmpeg's own loader (Debian's libffmpeg-nvenc-dev), whose
// header declares those types. This file stands in for <cuda.h> so that the
// public FFmpeg header can be used as it is.
#pragma once

#include <ffnvcodec/dynlink_cuda.h>
