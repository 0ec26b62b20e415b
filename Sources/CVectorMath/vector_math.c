/* Elementwise transcendental functions for the LSTM gates and GELU (see vector_math.h).
   Each function is a branch-free scalar formula the compiler vectorises; the same loops are built
   for three instruction sets and `level` picks one. Accuracy (checked against libm by
   AutodiffTests/FastMathTests at every level the CPU has): exp, sigmoid, tanh within 3e-7
   relative; erf and GELU within 5e-7 absolute. */
#include "vector_math.h"
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

int mtl_cpu_vector_level(void) {
#if defined(__x86_64__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return 0;
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) return 0;              /* XMM and YMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
    if (avx512 && (xcr0_lo & 0xE0) == 0xE0) return 2;  /* opmask, ZMM_Hi256, Hi16_ZMM state */
    return (avx2 && fma) ? 1 : 0;
#else
    return 0;
#endif
}

/* e^x: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its degree-7 Taylor
   polynomial, 2^n built in the exponent bits. Inputs clamp to [-87.3, 88.3], so the result never
   overflows; NaN stays NaN. t = x·log2(e) + 1.5·2^23 has ulp 1, so n = t − 1.5·2^23 is x·log2(e)
   rounded to nearest, and t's low mantissa bits hold n. */
static inline float vm_exp1(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float t = x * 1.44269504f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693145751953125f - n * 1.42860676533018705e-06f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (int32_t)((uint32_t)(bits - 0x4B400000 + 127) << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float vm_sigmoid1(float x) { return 1.0f / (1.0f + vm_exp1(-x)); }

/* tanh: the odd Taylor polynomial up to x^11 for |x| < 0.25, else sign(x)·(1 − 2 / (e^(2|x|) + 1)). */
static inline float vm_tanh1(float x) {
    float a = x < 0 ? -x : x;
    float big = 1.0f - 2.0f / (vm_exp1(2.0f * a) + 1.0f);
    big = x < 0 ? -big : big;
    float x2 = x * x;
    float p = -1382.0f / 155925;
    p = p * x2 + 62.0f / 2835;
    p = p * x2 - 17.0f / 315;
    p = p * x2 + 2.0f / 15;
    p = p * x2 - 1.0f / 3;
    float small = x + x * x2 * p;
    return a < 0.25f ? small : big;
}

/* erf, Abramowitz & Stegun 7.1.26: for a = |x|, t = 1 / (1 + 0.3275911·a),
   erf(a) = 1 − (a1·t + … + a5·t^5)·e^(−a²), odd in x. */
static inline float vm_erf1(float x) {
    float a = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float y = 1.0f - p * t * vm_exp1(-a * a);
    return x < 0 ? -y : y;
}

/* GELU(x) = x·Φ(x) = x·½(1 + erf(x/√2)); GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π). */
static inline float vm_gelu1(float x) { return x * 0.5f * (1.0f + vm_erf1(x * 0.70710677f)); }
static inline float vm_gelu_slope1(float x) {
    return 0.5f * (1.0f + vm_erf1(x * 0.70710677f)) + x * vm_exp1(-0.5f * x * x) * 0.39894228f;
}

/* y[i] = F(x[i]). In place (y == x, as the LSTM's gates are) the loop reads and writes one
   pointer: with two, the vectoriser guards against overlap at run time and takes its scalar loop
   whenever they are equal. */
#define MTL_VM_LOOP(Y, X, N, F)                                                                    \
    if ((X) == (Y)) {                                                                               \
        for (ptrdiff_t i = 0; i < (N); i++) (Y)[i] = F((Y)[i]);                                     \
    } else {                                                                                        \
        for (ptrdiff_t i = 0; i < (N); i++) (Y)[i] = F((X)[i]);                                     \
    }

#define MTL_VM_BUILD(SUFFIX, TARGET)                                                               \
    TARGET static void exp_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                        \
        MTL_VM_LOOP(y, x, n, vm_exp1)                                     \
    }                                                                                               \
    TARGET static void sigmoid_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                    \
        MTL_VM_LOOP(y, x, n, vm_sigmoid1)                                 \
    }                                                                                               \
    TARGET static void tanh_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                       \
        MTL_VM_LOOP(y, x, n, vm_tanh1)                                    \
    }                                                                                               \
    TARGET static void erf_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                        \
        MTL_VM_LOOP(y, x, n, vm_erf1)                                     \
    }                                                                                               \
    TARGET static void gelu_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                       \
        MTL_VM_LOOP(y, x, n, vm_gelu1)                                    \
    }                                                                                               \
    TARGET static void gelu_backward_##SUFFIX(const float *x, const float *g, float *d, ptrdiff_t n) { \
        for (ptrdiff_t i = 0; i < n; i++) d[i] += g[i] * vm_gelu_slope1(x[i]);                      \
    }

MTL_VM_BUILD(base, )
#if defined(__x86_64__)
MTL_VM_BUILD(avx2, __attribute__((target("avx2,fma"))))
MTL_VM_BUILD(avx512, __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))))
#define MTL_VM_DISPATCH(NAME, ARGS)                                                                \
    switch (level) {                                                                                \
    case 2: NAME##_avx512 ARGS; break;                                                              \
    case 1: NAME##_avx2 ARGS; break;                                                                \
    default: NAME##_base ARGS; break;                                                               \
    }
#else
#define MTL_VM_DISPATCH(NAME, ARGS) NAME##_base ARGS;
#endif

void mtl_vm_exp(int level, const float *x, float *y, ptrdiff_t count) { MTL_VM_DISPATCH(exp, (x, y, count)) }
void mtl_vm_sigmoid(int level, const float *x, float *y, ptrdiff_t count) { MTL_VM_DISPATCH(sigmoid, (x, y, count)) }
void mtl_vm_tanh(int level, const float *x, float *y, ptrdiff_t count) { MTL_VM_DISPATCH(tanh, (x, y, count)) }
void mtl_vm_erf(int level, const float *x, float *y, ptrdiff_t count) { MTL_VM_DISPATCH(erf, (x, y, count)) }
void mtl_vm_gelu(int level, const float *x, float *y, ptrdiff_t count) { MTL_VM_DISPATCH(gelu, (x, y, count)) }
void mtl_vm_gelu_backward(int level, const float *x, const float *dOut, float *d, ptrdiff_t count) {
    MTL_VM_DISPATCH(gelu_backward, (x, dOut, d, count))
}
