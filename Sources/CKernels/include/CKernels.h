// Header-only integer SIMD intrinsics for the kernels. Swift's SIMD types cannot
// express vpmaddwd / vpmaddubsw, so the few we need are static inline wrappers
// with a portable fallback for hosts without AVX2 (arm64). Prefix: ck_.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stdint.h>

#if defined(__AVX2__)
#include <immintrin.h>
#define CK_HAVE_AVX2 1
#else
#define CK_HAVE_AVX2 0
#endif

/// 1 when the AVX2 paths were compiled in.
static inline int ck_have_avx2(void) { return CK_HAVE_AVX2; }

#endif
