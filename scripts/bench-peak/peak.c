// Peak throughput of one core for the instructions the fp32 and int8 kernels are built
// on: 256-bit FMA (fp32), vpmaddwd + vpaddd (the exact int8 path: int16 pairs into
// int32) and vpmaddubsw + vpaddw (u8 x s8 into saturating int16, which onnxruntime's
// fast path uses and Picojoule does not). Ten independent accumulator chains per loop,
// so latency does not limit; each chain feeds its own result back, so no operation is
// loop invariant. Reported as multiply-accumulates per second. Where the CPU has them,
// also 512-bit FMA and the AVX-512 VNNI dot products (vpdpwssd: int16 pairs into int32;
// vpdpbusd: u8 x s8 quads into int32), which accumulate exactly, without saturation.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

__attribute__((target("avx512f"))) static void fma512(long n) {
    __m512 f[10];
    for (int i = 0; i < 10; i++) f[i] = _mm512_set1_ps((float)i);
    const __m512 x = _mm512_set1_ps(1.0001f), y = _mm512_set1_ps(0.001f);
    const double t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) f[i] = _mm512_fmadd_ps(x, y, f[i]);
    }
    const double s = now() - t0;
    float fs = 0;
    for (int i = 0; i < 10; i++) fs += _mm512_reduce_add_ps(f[i]);
    printf("fp32 vfmadd zmm            %6.1f GMAC/s  (checksum %g)\n", (double)n * 10 * 16 / s / 1e9, fs);
}

__attribute__((target("avx512f,avx512vnni"))) static void vnni512(long n) {
    __m512i a[10];
    const __m512i w16 = _mm512_set1_epi16(3), w8 = _mm512_set1_epi8(5);
    for (int i = 0; i < 10; i++) a[i] = _mm512_set1_epi32(i);
    double t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) a[i] = _mm512_dpwssd_epi32(a[i], a[i], w16);
    }
    double s = now() - t0;
    long is = 0;
    for (int i = 0; i < 10; i++) is += _mm512_reduce_add_epi32(a[i]);
    printf("int16 vpdpwssd zmm         %6.1f GMAC/s  (exact; checksum %ld)\n", (double)n * 10 * 32 / s / 1e9, is);
    for (int i = 0; i < 10; i++) a[i] = _mm512_set1_epi32(i);
    t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) a[i] = _mm512_dpbusd_epi32(a[i], a[i], w8);
    }
    s = now() - t0;
    is = 0;
    for (int i = 0; i < 10; i++) is += _mm512_reduce_add_epi32(a[i]);
    printf("u8s8 vpdpbusd zmm          %6.1f GMAC/s  (exact; checksum %ld)\n", (double)n * 10 * 64 / s / 1e9, is);
}

int main(void) {
    const long n = 100000000;
    double t0, s;

    __m256 f[10];
    for (int i = 0; i < 10; i++) f[i] = _mm256_set1_ps((float)i);
    const __m256 x = _mm256_set1_ps(1.0001f), y = _mm256_set1_ps(0.001f);
    t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) f[i] = _mm256_fmadd_ps(x, y, f[i]);
    }
    s = now() - t0;
    float fs = 0;
    for (int i = 0; i < 10; i++) fs += f[i][0];
    printf("fp32 vfmadd ymm            %6.1f GMAC/s  (checksum %g)\n", (double)n * 10 * 8 / s / 1e9, fs);

    __m256i a[10];
    for (int i = 0; i < 10; i++) a[i] = _mm256_set1_epi32(i);
    const __m256i w16 = _mm256_set1_epi16(3), w8 = _mm256_set1_epi8(5);
    t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) a[i] = _mm256_add_epi32(a[i], _mm256_madd_epi16(a[i], w16));
    }
    s = now() - t0;
    long is = 0;
    for (int i = 0; i < 10; i++) is += _mm256_extract_epi32(a[i], 0);
    printf("int16 vpmaddwd+vpaddd ymm  %6.1f GMAC/s  (checksum %ld)\n", (double)n * 10 * 16 / s / 1e9, is);

    for (int i = 0; i < 10; i++) a[i] = _mm256_set1_epi32(i);
    t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) a[i] = _mm256_add_epi16(a[i], _mm256_maddubs_epi16(a[i], w8));
    }
    s = now() - t0;
    is = 0;
    for (int i = 0; i < 10; i++) is += _mm256_extract_epi32(a[i], 0);
    printf("u8s8 vpmaddubsw+vpaddw ymm %6.1f GMAC/s  (saturating; checksum %ld)\n", (double)n * 10 * 32 / s / 1e9, is);
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) fma512(n);
    if (__builtin_cpu_supports("avx512vnni")) vnni512(n);
    return 0;
}
