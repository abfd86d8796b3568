// Peak throughput of one core for the instructions the fp32 and int8 kernels are built
// on: 256-bit FMA (fp32), vpmaddwd + vpaddd (the exact int8 path: int16 pairs into
// int32) and vpmaddubsw + vpaddw (u8 x s8 into saturating int16, which onnxruntime's
// fast path uses and Picojoule does not). Ten independent accumulator chains per loop,
// so latency does not limit; each chain feeds its own result back, so no operation is
// loop invariant. Reported as multiply-accumulates per second.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
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
    return 0;
}
