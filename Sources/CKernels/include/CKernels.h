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

// ---------------------------------------------------------------------------
// Exact integer GEMM (Runtime/Kernels/Quantized/IntegerGEMM.swift).
//
// Operands are int8/uint8 widened to int16 with their zero point already subtracted
// (values in -255...255), packed so that one int32 word holds the int16 pair of two
// consecutive depths (low half = even depth). vpmaddwd multiplies the pairs and adds
// the two products into int32: |2 * 255 * 255| < 2^31, so nothing saturates or wraps,
// unlike vpmaddubsw, whose int16 pair sums overflow for full-range u8 x s8 operands.
//
// Panels: A (row operand) has kpairs x 6 words, word [p * 6 + r] = rows r's depths
// (2p, 2p+1). B (column operand) has kpairs x 16 words, word [p * 16 + q] = column q's
// depths (2p, 2p+1). Padding rows, columns and the odd last depth are zeros.
// ---------------------------------------------------------------------------

/// Rows and columns of the register tile.
#define CK_GEMM_MR 6
#define CK_GEMM_NR 16

/// c[i * ldc + j] = sum over depth of A(i, d) * B(d, j) for i < mr, j < nr: the full
/// 6x16 tile is computed from zero-padded panels and only the mr x nr part stored.
static inline void ck_gemm_i16_6x16(long kpairs, const int32_t *a, const int32_t *b,
                                    int32_t *c, long ldc, int mr, int nr) {
#if CK_HAVE_AVX2
    __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
    __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
    __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
    __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
    __m256i c40 = _mm256_setzero_si256(), c41 = _mm256_setzero_si256();
    __m256i c50 = _mm256_setzero_si256(), c51 = _mm256_setzero_si256();
    for (long p = 0; p < kpairs; p++) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)b);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + 8));
        __m256i x;
        x = _mm256_set1_epi32(a[0]);
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0)); c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(a[1]);
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0)); c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(a[2]);
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0)); c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(a[3]);
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0)); c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(a[4]);
        c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(x, b0)); c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(a[5]);
        c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(x, b0)); c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(x, b1));
        a += CK_GEMM_MR;
        b += CK_GEMM_NR;
    }
    if (mr == CK_GEMM_MR && nr == CK_GEMM_NR) {
        _mm256_storeu_si256((__m256i *)(c + 0 * ldc), c00); _mm256_storeu_si256((__m256i *)(c + 0 * ldc + 8), c01);
        _mm256_storeu_si256((__m256i *)(c + 1 * ldc), c10); _mm256_storeu_si256((__m256i *)(c + 1 * ldc + 8), c11);
        _mm256_storeu_si256((__m256i *)(c + 2 * ldc), c20); _mm256_storeu_si256((__m256i *)(c + 2 * ldc + 8), c21);
        _mm256_storeu_si256((__m256i *)(c + 3 * ldc), c30); _mm256_storeu_si256((__m256i *)(c + 3 * ldc + 8), c31);
        _mm256_storeu_si256((__m256i *)(c + 4 * ldc), c40); _mm256_storeu_si256((__m256i *)(c + 4 * ldc + 8), c41);
        _mm256_storeu_si256((__m256i *)(c + 5 * ldc), c50); _mm256_storeu_si256((__m256i *)(c + 5 * ldc + 8), c51);
        return;
    }
    int32_t t[CK_GEMM_MR * CK_GEMM_NR];
    _mm256_storeu_si256((__m256i *)(t + 0), c00); _mm256_storeu_si256((__m256i *)(t + 8), c01);
    _mm256_storeu_si256((__m256i *)(t + 16), c10); _mm256_storeu_si256((__m256i *)(t + 24), c11);
    _mm256_storeu_si256((__m256i *)(t + 32), c20); _mm256_storeu_si256((__m256i *)(t + 40), c21);
    _mm256_storeu_si256((__m256i *)(t + 48), c30); _mm256_storeu_si256((__m256i *)(t + 56), c31);
    _mm256_storeu_si256((__m256i *)(t + 64), c40); _mm256_storeu_si256((__m256i *)(t + 72), c41);
    _mm256_storeu_si256((__m256i *)(t + 80), c50); _mm256_storeu_si256((__m256i *)(t + 88), c51);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) c[i * ldc + j] = t[i * CK_GEMM_NR + j];
#else
    int32_t t[CK_GEMM_MR * CK_GEMM_NR] = {0};
    for (long p = 0; p < kpairs; p++) {
        for (int i = 0; i < CK_GEMM_MR; i++) {
            const int32_t aw = a[p * CK_GEMM_MR + i];
            const int32_t a0 = (int16_t)(aw & 0xFFFF), a1 = (int16_t)((uint32_t)aw >> 16);
            for (int j = 0; j < CK_GEMM_NR; j++) {
                const int32_t bw = b[p * CK_GEMM_NR + j];
                const int32_t b0 = (int16_t)(bw & 0xFFFF), b1 = (int16_t)((uint32_t)bw >> 16);
                t[i * CK_GEMM_NR + j] += a0 * b0 + a1 * b1;
            }
        }
    }
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) c[i * ldc + j] = t[i * CK_GEMM_NR + j];
#endif
}

/// Packs 16 columns of two depth rows into one B panel step: dst[q] = (r0[q] - zp,
/// r1[q] - zp) as an int16 pair, for uint8 sources (`is_signed` = 0) or int8 ones.
static inline void ck_pack_pair16_8bit(const void *r0, const void *r1, int is_signed, int16_t zp, int32_t *dst) {
#if CK_HAVE_AVX2
    const __m128i x0 = _mm_loadu_si128((const __m128i *)r0), x1 = _mm_loadu_si128((const __m128i *)r1);
    const __m256i z = _mm256_set1_epi16(zp);
    const __m256i w0 = _mm256_sub_epi16(is_signed ? _mm256_cvtepi8_epi16(x0) : _mm256_cvtepu8_epi16(x0), z);
    const __m256i w1 = _mm256_sub_epi16(is_signed ? _mm256_cvtepi8_epi16(x1) : _mm256_cvtepu8_epi16(x1), z);
    // unpack interleaves within 128-bit lanes: lo = columns 0-3 | 8-11, hi = 4-7 | 12-15.
    const __m256i lo = _mm256_unpacklo_epi16(w0, w1), hi = _mm256_unpackhi_epi16(w0, w1);
    _mm256_storeu_si256((__m256i *)dst, _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256((__m256i *)(dst + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
#else
    for (int q = 0; q < 16; q++) {
        const int v0 = is_signed ? ((const int8_t *)r0)[q] : ((const uint8_t *)r0)[q];
        const int v1 = is_signed ? ((const int8_t *)r1)[q] : ((const uint8_t *)r1)[q];
        const uint16_t l = (uint16_t)(int16_t)(v0 - zp), h = (uint16_t)(int16_t)(v1 - zp);
        dst[q] = (int32_t)((uint32_t)l | ((uint32_t)h << 16));
    }
#endif
}

/// One output's requantization parameters (Runtime/Kernels/Quantized/Requantize.swift):
/// y = clamp(round_half_even(acc * multiplier / 2^shift) + zero_point), with
/// 0 <= multiplier < 2^31 and 1 <= shift <= 61.
typedef struct {
    int32_t multiplier;
    int32_t shift;
    int32_t zero_point;
} ck_requant_step;

#if CK_HAVE_AVX2
/// 8 lanes of the requantization, exact: |acc * multiplier| < 2^62, so the product biased by
/// 2^62 is non-negative and a logical 64-bit shift stands in for the arithmetic one AVX2 lacks.
static inline __m256i ck_requantize8_avx2(__m256i a, __m256i m, __m256i s, __m256i z, int32_t lo, int32_t hi) {
    const __m256i one = _mm256_set1_epi64x(1), bias = _mm256_set1_epi64x((int64_t)1 << 62);
    const __m256i top = _mm256_set1_epi64x(0x7FFFFFFF), bottom = _mm256_set1_epi64x(-(int64_t)0x80000000);
    __m256i q[2];
    for (int h = 0; h < 2; h++) {
        // Even lanes (0, 2, 4, 6), then odd lanes, as 64-bit products and shift counts.
        const __m256i sh = h == 0 ? _mm256_and_si256(s, _mm256_set1_epi64x(0xFFFFFFFF)) : _mm256_srli_epi64(s, 32);
        const __m256i p = h == 0 ? _mm256_mul_epi32(a, m) : _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
        const __m256i half = _mm256_sllv_epi64(one, _mm256_sub_epi64(sh, one));
        const __m256i t = _mm256_add_epi64(_mm256_add_epi64(p, bias), half);
        __m256i r = _mm256_srlv_epi64(t, sh);
        // A tie leaves no remainder once half is added: round it down to even instead of up.
        const __m256i rest = _mm256_and_si256(t, _mm256_sub_epi64(_mm256_sllv_epi64(one, sh), one));
        const __m256i tie = _mm256_cmpeq_epi64(rest, _mm256_setzero_si256());
        r = _mm256_sub_epi64(r, _mm256_and_si256(tie, _mm256_and_si256(r, one)));
        // Remove the bias: 2^(62 - shift) is even for shift <= 61, so the parity fix stands.
        r = _mm256_sub_epi64(r, _mm256_srlv_epi64(bias, sh));
        r = _mm256_blendv_epi8(r, top, _mm256_cmpgt_epi64(r, top));
        q[h] = _mm256_blendv_epi8(r, bottom, _mm256_cmpgt_epi64(bottom, r));
    }
    __m256i v = _mm256_blend_epi32(q[0], _mm256_slli_epi64(q[1], 32), 0xAA);
    v = _mm256_min_epi32(_mm256_max_epi32(v, _mm256_sub_epi32(_mm256_set1_epi32(lo), z)), _mm256_sub_epi32(_mm256_set1_epi32(hi), z));
    return _mm256_add_epi32(v, z);
}
#endif

/// Requantizes one tile row of 16 int32 accumulators, plus `addend` (bias; NULL for none,
/// one value with `addend_stride` 0 or one per lane), to 8 bits and stores the first `n`.
/// `steps` holds one step (`step_stride` 0) or one per lane (`step_stride` 1); lanes at and
/// past `n` reuse lane 0's step and addend and are not stored.
static inline void ck_requantize16_8bit(const int32_t *acc, const int32_t *addend, long addend_stride,
                                        const ck_requant_step *steps, long step_stride,
                                        int is_signed, void *out, int n) {
    const int32_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
#if CK_HAVE_AVX2
    __m256i a0 = _mm256_loadu_si256((const __m256i *)acc), a1 = _mm256_loadu_si256((const __m256i *)(acc + 8));
    if (addend && addend_stride == 0) {
        const __m256i b = _mm256_set1_epi32(*addend);
        a0 = _mm256_add_epi32(a0, b); a1 = _mm256_add_epi32(a1, b);
    } else if (addend) {
        int32_t bb[16];
        for (int j = 0; j < 16; j++) bb[j] = addend[j < n ? j * addend_stride : 0];
        a0 = _mm256_add_epi32(a0, _mm256_loadu_si256((const __m256i *)bb));
        a1 = _mm256_add_epi32(a1, _mm256_loadu_si256((const __m256i *)(bb + 8)));
    }
    __m256i m[2], s[2], z[2];
    if (step_stride == 0) {
        m[0] = m[1] = _mm256_set1_epi32(steps->multiplier);
        s[0] = s[1] = _mm256_set1_epi32(steps->shift);
        z[0] = z[1] = _mm256_set1_epi32(steps->zero_point);
    } else {
        int32_t mm[16], ss[16], zz[16];
        for (int j = 0; j < 16; j++) {
            const ck_requant_step *st = steps + (j < n ? j * step_stride : 0);
            mm[j] = st->multiplier; ss[j] = st->shift; zz[j] = st->zero_point;
        }
        for (int h = 0; h < 2; h++) {
            m[h] = _mm256_loadu_si256((const __m256i *)(mm + 8 * h));
            s[h] = _mm256_loadu_si256((const __m256i *)(ss + 8 * h));
            z[h] = _mm256_loadu_si256((const __m256i *)(zz + 8 * h));
        }
    }
    const __m256i v0 = ck_requantize8_avx2(a0, m[0], s[0], z[0], lo, hi);
    const __m256i v1 = ck_requantize8_avx2(a1, m[1], s[1], z[1], lo, hi);
    // Values are already within 8 bits: the saturating packs only narrow. packs_epi32 works
    // per 128-bit lane, so restore the order before the 16 -> 8 bit pack.
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
    const __m128i l = _mm256_castsi256_si128(w), u = _mm256_extracti128_si256(w, 1);
    const __m128i b = is_signed ? _mm_packs_epi16(l, u) : _mm_packus_epi16(l, u);
    if (n == 16) { _mm_storeu_si128((__m128i *)out, b); return; }
    uint8_t t[16];
    _mm_storeu_si128((__m128i *)t, b);
    for (int j = 0; j < n; j++) ((uint8_t *)out)[j] = t[j];
#else
    for (int j = 0; j < n; j++) {
        const ck_requant_step *st = steps + j * step_stride;
        const int32_t v = (int32_t)((uint32_t)acc[j] + (uint32_t)(addend ? addend[j * addend_stride] : 0));
        const int64_t p = (int64_t)v * st->multiplier;
        const int64_t half = (int64_t)1 << (st->shift - 1);
        int64_t q = (p + half) >> st->shift;
        if (((p + half) & (((int64_t)1 << st->shift) - 1)) == 0) q &= ~(int64_t)1;
        q += st->zero_point;
        q = q < lo ? lo : q > hi ? hi : q;
        if (is_signed) ((int8_t *)out)[j] = (int8_t)q; else ((uint8_t *)out)[j] = (uint8_t)q;
    }
#endif
}

// ---------------------------------------------------------------------------
// Direct convolution tile store (Runtime/Kernels/Linear/DirectConv.swift).
//
// The register tile holds six output pixels x 16 output channels, pixel-major
// (acc[pixel * 16 + channel]); NCHW wants each channel's six pixels contiguous. Swift's
// SIMD types have no lane shuffles, and 96 scalar stores cost a third of a 27-deep
// tile (a network's first conv), so the transpose runs on 4x4 SSE blocks: per quad of
// channels, pixels 0-3 as four 16-byte stores and pixels 4-5 as four 8-byte stores.
// ---------------------------------------------------------------------------

/// y[c * plane + i] = max?(acc[i * 16 + c] + bias[c] + res[c * plane + i]) for six
/// pixels, i < 6, and the first 4 * quads channels, c < 4 * quads (quads <= 4). `bias` and `res` (a fused residual, y's layout) may be NULL;
/// `relu` clamps at zero and keeps NaN, as the scalar path does.
static inline void ck_store_tile_6x16_transposed(const float *acc, const float *bias, const float *res, int relu,
                                                 float *y, long plane, int quads) {
#if CK_HAVE_AVX2
    const __m128 zero = _mm_setzero_ps();
    for (int q = 0; q < quads; q++) {
        const __m128 b = bias ? _mm_loadu_ps(bias + 4 * q) : zero;
        __m128 r0 = _mm_add_ps(_mm_loadu_ps(acc + 0 * 16 + 4 * q), b);
        __m128 r1 = _mm_add_ps(_mm_loadu_ps(acc + 1 * 16 + 4 * q), b);
        __m128 r2 = _mm_add_ps(_mm_loadu_ps(acc + 2 * 16 + 4 * q), b);
        __m128 r3 = _mm_add_ps(_mm_loadu_ps(acc + 3 * 16 + 4 * q), b);
        const __m128 r4 = _mm_add_ps(_mm_loadu_ps(acc + 4 * 16 + 4 * q), b);
        const __m128 r5 = _mm_add_ps(_mm_loadu_ps(acc + 5 * 16 + 4 * q), b);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        // Now r_j holds channel 4q + j, pixels 0-3; lo/hi hold pixels 4-5 of channels
        // 4q, 4q + 1 and 4q + 2, 4q + 3.
        __m128 lo = _mm_unpacklo_ps(r4, r5), hi = _mm_unpackhi_ps(r4, r5);
        float *d = y + (long)(4 * q) * plane;
        if (res) {
            const float *e = res + (long)(4 * q) * plane;
            r0 = _mm_add_ps(r0, _mm_loadu_ps(e));
            r1 = _mm_add_ps(r1, _mm_loadu_ps(e + plane));
            r2 = _mm_add_ps(r2, _mm_loadu_ps(e + 2 * plane));
            r3 = _mm_add_ps(r3, _mm_loadu_ps(e + 3 * plane));
            lo = _mm_add_ps(lo, _mm_loadh_pi(_mm_loadl_pi(zero, (const __m64 *)(e + 4)), (const __m64 *)(e + plane + 4)));
            hi = _mm_add_ps(hi, _mm_loadh_pi(_mm_loadl_pi(zero, (const __m64 *)(e + 2 * plane + 4)), (const __m64 *)(e + 3 * plane + 4)));
        }
        if (relu) {
            // maxps returns its second operand when either is NaN.
            r0 = _mm_max_ps(zero, r0); r1 = _mm_max_ps(zero, r1); r2 = _mm_max_ps(zero, r2);
            r3 = _mm_max_ps(zero, r3); lo = _mm_max_ps(zero, lo); hi = _mm_max_ps(zero, hi);
        }
        _mm_storeu_ps(d, r0);
        _mm_storeu_ps(d + plane, r1);
        _mm_storeu_ps(d + 2 * plane, r2);
        _mm_storeu_ps(d + 3 * plane, r3);
        _mm_storel_pi((__m64 *)(d + 4), lo);
        _mm_storeh_pi((__m64 *)(d + plane + 4), lo);
        _mm_storel_pi((__m64 *)(d + 2 * plane + 4), hi);
        _mm_storeh_pi((__m64 *)(d + 3 * plane + 4), hi);
    }
#else
    for (int c = 0; c < 4 * quads; c++) {
        const float b = bias ? bias[c] : 0.0f;
        for (int i = 0; i < 6; i++) {
            const float v = acc[i * 16 + c] + b + (res ? res[(long)c * plane + i] : 0.0f);
            y[(long)c * plane + i] = relu && v < 0.0f ? 0.0f : v;
        }
    }
#endif
}


// ---------------------------------------------------------------------------
// Winograd output rows (Runtime/Kernels/Linear/WinogradConv.swift).
//
// A 2×2 output tile's two columns come out of the transform as two vectors over eight
// tiles; the row wants them interleaved. Swift SIMD has no lane shuffles.
// ---------------------------------------------------------------------------

/// dst[j] = (j even ? a[j / 2] : b[j / 2]) for from <= j < to, 0 <= from <= to <= 16.
static inline void ck_store_interleaved2_f32(const float *a, const float *b, float *dst, int from, int to) {
#if CK_HAVE_AVX2
    if (from == 0 && to == 16) {
        const __m256 va = _mm256_loadu_ps(a), vb = _mm256_loadu_ps(b);
        // unpack works within 128-bit halves: lo = a0 b0 a1 b1 | a4 b4 a5 b5, hi = a2 b2 a3 b3 | a6 b6 a7 b7.
        const __m256 lo = _mm256_unpacklo_ps(va, vb), hi = _mm256_unpackhi_ps(va, vb);
        _mm256_storeu_ps(dst, _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
        return;
    }
#endif
    for (int j = from; j < to; j++) dst[j] = (j & 1) ? b[j >> 1] : a[j >> 1];
}

/// dst[i] = src[2i] for i < n: one output row of a stride-2 1×1 conv's input, gathered
/// (`DirectConvPlan.subsampled`). Reads src[0 … 2n − 2] only.
static inline void ck_gather_even_f32(const float *src, long n, float *dst) {
    long i = 0;
#if defined(__AVX512F__)
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    // Strictly below n: the second load's last float, src[2i + 31], then lies before src[2n − 2].
    for (; i + 16 < n; i += 16) {
        const __m512 a = _mm512_loadu_ps(src + 2 * i), b = _mm512_loadu_ps(src + 2 * i + 16);
        _mm512_storeu_ps(dst + i, _mm512_permutex2var_ps(a, evens, b));
    }
#endif
    for (; i < n; i++) dst[i] = src[2 * i];
}

// ---------------------------------------------------------------------------
// Row deinterleave for stride-2 depthwise convs (Conv+Depthwise.swift).
//
// A stride-2 tap reads every other input column. Swift SIMD has no lane shuffles, so
// taking the even lanes of a 16-float load compiled to a chain of inserts per tap (nine
// per 8 outputs). Splitting each padded row once into its even and odd columns makes
// every tap one contiguous load; the split is two shuffles and a permute per 16 floats.
// ---------------------------------------------------------------------------

/// even[i] = src[2i] for 2i < n, odd[i] = src[2i + 1] for 2i + 1 < n.
static inline void ck_deinterleave_f32(const float *src, long n, float *even, float *odd) {
    long i = 0;
#if CK_HAVE_AVX2
    for (; i + 16 <= n; i += 16) {
        const __m256 a = _mm256_loadu_ps(src + i), b = _mm256_loadu_ps(src + i + 8);
        // Within each 128-bit lane: 0x88 keeps elements 0 and 2 of both sources, 0xDD 1 and 3.
        const __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
        // Lanes now hold (a0 a2 b0 b2 | a4 a6 b4 b6): swap the middle 64-bit quarters.
        _mm256_storeu_ps(even + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
        _mm256_storeu_ps(odd + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
    }
    // 7- and 14-wide rows (ShuffleNet's last stage) live here.
    for (; i + 8 <= n; i += 8) {
        const __m128 a = _mm_loadu_ps(src + i), b = _mm_loadu_ps(src + i + 4);
        _mm_storeu_ps(even + i / 2, _mm_shuffle_ps(a, b, 0x88));
        _mm_storeu_ps(odd + i / 2, _mm_shuffle_ps(a, b, 0xDD));
    }
    if (i < n && n >= 8) {
        // The rest as one 8-float block overlapping the last one, started on an even
        // index so that evens stay evens; an odd n leaves its last float to the loop below.
        const long j = (n - 8) & ~1L;
        const __m128 a = _mm_loadu_ps(src + j), b = _mm_loadu_ps(src + j + 4);
        _mm_storeu_ps(even + j / 2, _mm_shuffle_ps(a, b, 0x88));
        _mm_storeu_ps(odd + j / 2, _mm_shuffle_ps(a, b, 0xDD));
        i = j + 8;
    }
#endif
    for (; i + 1 < n; i += 2) {
        even[i / 2] = src[i];
        odd[i / 2] = src[i + 1];
    }
    if (i < n) even[i / 2] = src[i];
}


/// The rows of a 3-row pool window reduced column by column, max (is_max) or sum, then
/// split by parity as `ck_deinterleave_f32` splits the padded row: column i < width lands
/// at padded column j = p + i, in even[j / 2] when j is even, else in odd[j / 2]. One pass
/// instead of a reduced row stored, reloaded and split (SqueezeNet's and ShuffleNet's
/// stride-2 pools). Pad entries of even and odd are not written. The max keeps the
/// running value when either is NaN, as Pool.swift's scalar combine does.
static inline void ck_reduce3_deinterleave(const float *src, long rs, long width, long p, int is_max,
                                           float *even, float *odd) {
    float *e0 = ((p & 1) ? odd : even) + (p >> 1);       // even i
    float *o0 = ((p & 1) ? even : odd) + ((p + 1) >> 1); // odd i
    long i = 0;
#if CK_HAVE_AVX2
#define CK_RED3(at) (is_max \
    ? _mm256_max_ps(_mm256_loadu_ps(src + 2 * rs + (at)), _mm256_max_ps(_mm256_loadu_ps(src + rs + (at)), _mm256_loadu_ps(src + (at)))) \
    : _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(src + (at)), _mm256_loadu_ps(src + rs + (at))), _mm256_loadu_ps(src + 2 * rs + (at))))
#define CK_SPLIT_STORE(at) do { \
        const __m256 a = CK_RED3(at), b = CK_RED3((at) + 8); \
        const __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD); \
        _mm256_storeu_ps(e0 + (at) / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8))); \
        _mm256_storeu_ps(o0 + (at) / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8))); \
    } while (0)
    for (; i + 16 <= width; i += 16) CK_SPLIT_STORE(i);
    if (i < width && width >= 16) {
        // The rest as one block overlapping the last, from an even column so evens stay evens.
        const long j = (width - 16) & ~1L;
        CK_SPLIT_STORE(j);
        i = j + 16;
    }
#undef CK_SPLIT_STORE
#undef CK_RED3
#endif
    for (; i < width; i++) {
        const float a = src[i], b = src[rs + i], c = src[2 * rs + i];
        float v;
        if (is_max) { v = a < b ? b : a; v = v < c ? c : v; } else { v = (a + b) + c; }
        if (i & 1) o0[i / 2] = v; else e0[i / 2] = v;
    }
}

#if defined(__AVX512F__)
/// A 3×3 stride-2 max pool over one unpadded plane of `width` columns into `out_h` rows of
/// `out_w` outputs (every window inside the plane), sixteen outputs a step: the three
/// rows' maximum over columns 2j … 2j + 31 split into even and odd columns, and the even
/// columns shifted by one (column 2j + 32 from the next step's first column). A last step
/// that would run past the row overlaps the one before. Why: a row of SqueezeNet's
/// pools is 13 to 111 floats, and the row-by-row path spent as long per row outside
/// its vectors as in them. The max keeps the first operand when either is NaN, as
/// `ck_reduce3_deinterleave` does.
static inline void ck_maxpool3x3s2_plane(const float *x, long width, long out_h, long out_w, float *y) {
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odds = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i next = _mm512_set_epi32(0, 30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2);
    if (out_w < 16) {
        // Rows of under 16 outputs (SqueezeNet's 27² → 13² pool): one step a row, its loads
        // masked to the row's width (at most 32 floats), its store to out_w lanes.
        const __mmask16 lo = (__mmask16)(width >= 16 ? 0xFFFFu : (1u << width) - 1u);
        const __mmask16 hi = (__mmask16)(width >= 32 ? 0xFFFFu : width > 16 ? (1u << (width - 16)) - 1u : 0u);
        const __mmask16 keep = (__mmask16)((1u << out_w) - 1u);
        for (long r = 0; r < out_h; r++) {
            const float *s0 = x + 2 * r * width, *s1 = s0 + width, *s2 = s1 + width;
            const __m512 a = _mm512_max_ps(_mm512_max_ps(_mm512_maskz_loadu_ps(lo, s2), _mm512_maskz_loadu_ps(lo, s1)),
                                           _mm512_maskz_loadu_ps(lo, s0));
            const __m512 b = _mm512_max_ps(_mm512_max_ps(_mm512_maskz_loadu_ps(hi, s2 + 16), _mm512_maskz_loadu_ps(hi, s1 + 16)),
                                           _mm512_maskz_loadu_ps(hi, s0 + 16));
            // Output j reads columns 2j … 2j + 2 ≤ 2 · out_w ≤ width − 1: lane 15 of the
            // shifted evens (column 32) is never kept.
            const __m512 e = _mm512_permutex2var_ps(a, evens, b), o = _mm512_permutex2var_ps(a, odds, b);
            const __m512 e1 = _mm512_permutex2var_ps(a, next, b);
            _mm512_mask_storeu_ps(y + r * out_w, keep, _mm512_max_ps(e1, _mm512_max_ps(o, e)));
        }
        return;
    }
    for (long r = 0; r < out_h; r++) {
        const float *s0 = x + 2 * r * width, *s1 = s0 + width, *s2 = s1 + width;
        float *d = y + r * out_w;
        for (long j = 0; j < out_w; j += 16) {
            const long at = j + 16 <= out_w ? j : out_w - 16;
            const long c = 2 * at;
            const __m512 a = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(s2 + c), _mm512_loadu_ps(s1 + c)), _mm512_loadu_ps(s0 + c));
            // Columns c + 16 … c + 31; the last of them may lie past the row's last window
            // (then unused), never past the plane: c + 31 ≤ 2 · out_w − 1 ≤ width.
            const __m512 b = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(s2 + c + 16), _mm512_loadu_ps(s1 + c + 16)),
                                           _mm512_loadu_ps(s0 + c + 16));
            const float tail = s0[c + 32] < s1[c + 32] ? s1[c + 32] : s0[c + 32];
            const float edge = tail < s2[c + 32] ? s2[c + 32] : tail;
            const __m512 e = _mm512_permutex2var_ps(a, evens, b), o = _mm512_permutex2var_ps(a, odds, b);
            const __m512 e1 = _mm512_mask_mov_ps(_mm512_permutex2var_ps(a, next, b), (__mmask16)0x8000, _mm512_set1_ps(edge));
            _mm512_storeu_ps(d + at, _mm512_max_ps(e1, _mm512_max_ps(o, e)));
        }
    }
}
#elif CK_HAVE_AVX2
/// `ck_maxpool3x3s2_plane` with AVX2, eight outputs a step (rows of at least 8 outputs:
/// Pool.swift keeps narrower ones on the row-by-row path): the three rows' maximum over
/// columns 2j … 2j + 15 split into even and odd columns, the evens shifted by one lane
/// with column 2j + 16 as the last. The operands of every max are in the AVX-512
/// kernel's order, so NaNs propagate the same way.
static inline void ck_maxpool3x3s2_plane(const float *x, long width, long out_h, long out_w, float *y) {
    const __m256i shift = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7);
    for (long r = 0; r < out_h; r++) {
        const float *s0 = x + 2 * r * width, *s1 = s0 + width, *s2 = s1 + width;
        float *d = y + r * out_w;
        for (long j = 0; j < out_w; j += 8) {
            const long at = j + 8 <= out_w ? j : out_w - 8;
            const long c = 2 * at;
            const __m256 a = _mm256_max_ps(_mm256_max_ps(_mm256_loadu_ps(s2 + c), _mm256_loadu_ps(s1 + c)), _mm256_loadu_ps(s0 + c));
            // Columns c + 8 … c + 15, and c + 16 ≤ 2 · out_w ≤ width − 1 for the last lane.
            const __m256 b = _mm256_max_ps(_mm256_max_ps(_mm256_loadu_ps(s2 + c + 8), _mm256_loadu_ps(s1 + c + 8)),
                                           _mm256_loadu_ps(s0 + c + 8));
            const float tail = s0[c + 16] < s1[c + 16] ? s1[c + 16] : s0[c + 16];
            const float edge = tail < s2[c + 16] ? s2[c + 16] : tail;
            const __m256 e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
            const __m256 o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
            const __m256 e1 = _mm256_blend_ps(_mm256_permutevar8x32_ps(e, shift), _mm256_set1_ps(edge), 0x80);
            _mm256_storeu_ps(d + at, _mm256_max_ps(e1, _mm256_max_ps(o, e)));
        }
    }
}
#endif

#if defined(__AVX512F__)
/// Stores one 16-lane half of a `GridConvPlan` tile: for each of `channels` channels j,
/// the vector at acc + j · acc_stride holds 16 consecutive positions of the padded-width
/// grid, of which the lanes set in `keep` are output pixels. Those lanes are packed
/// (`vcompressps`), the bias, then the residual (y's layout) added and the Relu applied,
/// and stored as popcount(keep) contiguous floats at y + j · plane. Why compress: the
/// lanes that fall on the grid's pad columns sit between two rows' pixels, so the pixels
/// of one vector are a prefix and suffix (or more pieces for rows under 16), which a
/// plain store would have to write in several masked pieces. The max keeps the second
/// operand when either is NaN, as `ck_store_tile_6x16_transposed` does.
static inline void ck_store_grid16(const float *acc, long acc_stride, const float *bias, const float *res, int relu,
                                   unsigned keep, float *y, long plane, int channels) {
    const __mmask16 in = (__mmask16)keep;
    const __mmask16 out = (__mmask16)((1u << __builtin_popcount(keep & 0xFFFFu)) - 1u);
    const __m512 zero = _mm512_setzero_ps();
    for (int j = 0; j < channels; j++) {
        __m512 v = _mm512_maskz_compress_ps(in, _mm512_loadu_ps(acc + j * acc_stride));
        if (bias) v = _mm512_add_ps(v, _mm512_set1_ps(bias[j]));
        if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(out, res + j * plane));
        if (relu) v = _mm512_max_ps(zero, v);
        _mm512_mask_storeu_ps(y + j * plane, out, v);
    }
}
#else
/// The portable `ck_store_grid16` (no build without AVX-512 takes the grid path today;
/// this keeps the Swift side free of build conditions).
static inline void ck_store_grid16(const float *acc, long acc_stride, const float *bias, const float *res, int relu,
                                   unsigned keep, float *y, long plane, int channels) {
    for (int j = 0; j < channels; j++) {
        int n = 0;
        for (int lane = 0; lane < 16; lane++) {
            if (!((keep >> lane) & 1u)) continue;
            float v = acc[j * acc_stride + lane] + (bias ? bias[j] : 0.0f);
            if (res) v += res[j * plane + n];
            y[j * plane + n] = relu && v < 0.0f ? 0.0f : v;
            n++;
        }
    }
}
#endif

// ---------------------------------------------------------------------------
// Padded copies (the direct, grid and row convs' padded input planes).
// ---------------------------------------------------------------------------

/// One padded row at dst: `left` zeros, then `width` floats of src, then `right` zeros.
/// Why not three library calls: a 55-float row (SqueezeNet's 55² convs) spent as long
/// in the calls as in the copy, and a plane copies one row per padded row.
static inline void ck_pad_row_f32(const float *src, long width, long left, long right, float *dst) {
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps();
    float *d = dst;
    for (long n = left; n > 0; n -= 16, d += 16) _mm512_mask_storeu_ps(d, n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1u), zero);
    d = dst + left;
    long i = 0;
    for (; i + 16 <= width; i += 16) _mm512_storeu_ps(d + i, _mm512_loadu_ps(src + i));
    if (i < width) {
        const __mmask16 m = (__mmask16)((1u << (width - i)) - 1u);
        _mm512_mask_storeu_ps(d + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
    d = dst + left + width;
    for (long n = right; n > 0; n -= 16, d += 16) _mm512_mask_storeu_ps(d, n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1u), zero);
#else
    for (long j = 0; j < left; j++) dst[j] = 0.0f;
    for (long j = 0; j < width; j++) dst[left + j] = src[j];
    for (long j = 0; j < right; j++) dst[left + width + j] = 0.0f;
#endif
}

// ---------------------------------------------------------------------------
// Software prefetch (pools, depthwise convs). Swift has no prefetch intrinsic.
// ---------------------------------------------------------------------------

/// Asks for the 64-byte line at `p` in L2 and below (not L1), for reading: one line of
/// weights a later tile needs, fetched while this one computes.
static inline void ck_prefetch_l2(const void *p) { __builtin_prefetch(p, 0, 2); }

/// Asks for every 64-byte line of [p, p + bytes) in all cache levels, for reading. A
/// prefetch never faults, so the range may run past the end of a buffer.
static inline void ck_prefetch_range(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 3);
}

/// Asks for the lines holding bytes [0, bytes) (at most 64) of `rows` rows `stride`
/// bytes apart: a few floats of each of many rows or channel planes, too many streams
/// for the hardware prefetcher to follow.
static inline void ck_prefetch_strip(const void *p, long stride, int rows, int bytes) {
    const char *c = (const char *)p;
    for (int r = 0; r < rows; r++, c += stride) {
        __builtin_prefetch(c, 0, 3);
        if ((((unsigned long)c & 63) + (unsigned long)bytes) > 64) __builtin_prefetch(c + bytes - 1, 0, 3);
    }
}

#endif
