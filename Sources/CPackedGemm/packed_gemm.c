/* Float products with a packed right operand (see packed_gemm.h).

   Layout: op(B) [k, n] as panels of NR = 32 columns ([panel][p][32]: 128 contiguous bytes per row
   p of the panel), zero-padded to whole panels. The kernel keeps an MR × 32 block of C (MR ≤ 8
   rows, two 16-lane registers per row) in at most 16 registers and walks p, broadcasting A[i, p]
   and loading the panel's row p. Panels are the outer loop: one panel (k · 128 bytes: 32 KB for
   k = 256) stays in L1 while every block of rows of A passes over it, so the packed operand is read
   from memory once per call. Where the CPU has AVX2 and FMA but not AVX-512, a kernel of 8-lane
   registers runs over the same panels with the same sums (below). */
#include "packed_gemm.h"
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

enum { MR = 8, NR = 32 };

size_t mtl_packed_count(ptrdiff_t k, ptrdiff_t n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)k * (size_t)((n + NR - 1) / NR * NR);
}

void mtl_packed_pack(int trans, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, float *packed) {
    if (k <= 0 || n <= 0) return;
    for (ptrdiff_t j0 = 0; j0 < n; j0 += NR) {
        float *panel = packed + j0 * k;          /* panel j0 / NR starts after j0 / NR panels of k · NR */
        ptrdiff_t cols = n - j0 < NR ? n - j0 : NR;
        if (!trans) {
            /* panel[p][jj] = B[p, j0 + jj]: rows of B are contiguous along the panel's rows */
            for (ptrdiff_t p = 0; p < k; p++) {
                memcpy(panel + p * NR, b + p * ldb + j0, (size_t)cols * sizeof(float));
                if (cols < NR) memset(panel + p * NR + cols, 0, (size_t)(NR - cols) * sizeof(float));
            }
        } else {
            /* panel[p][jj] = B[j0 + jj, p] (B stored [n, k]): read each stored row along p */
            for (ptrdiff_t jj = 0; jj < NR; jj++) {
                if (jj < cols) {
                    const float *row = b + (j0 + jj) * ldb;
                    for (ptrdiff_t p = 0; p < k; p++) panel[p * NR + jj] = row[p];
                } else {
                    for (ptrdiff_t p = 0; p < k; p++) panel[p * NR + jj] = 0;
                }
            }
        }
    }
}

#if defined(__x86_64__)

/* Which kernel runs: 2 for AVX-512 F, 1 for AVX2 with FMA, 0 for none (the OS must save the
   registers' state: XMM and YMM, and opmask and ZMM for AVX-512). */
static int packed_kernel(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1)) return 0;                                  /* OSXSAVE */
    int fma = (int)((c >> 12) & 1);
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) return 0;                            /* XMM, YMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if ((xcr0_lo & 0xE6) == 0xE6 && ((b >> 16) & 1)) return 2;       /* opmask, ZMM state; AVX-512 F */
    return fma && ((b >> 5) & 1) ? 1 : 0;                            /* FMA, AVX2 */
}

/* `packed_kernel()`, asked once (a race between threads asks twice and stores the same value). */
static int kernel_here(void) {
    static int kernel = -1;
    if (kernel < 0) kernel = packed_kernel();
    return kernel;
}

int mtl_packed_supported(void) { return kernel_here() != 0; }

int mtl_packed_avx512(void) { return kernel_here() == 2; }

#define PACKED_TARGET __attribute__((target("avx512f")))

static inline __mmask16 lanes(ptrdiff_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* C[0 ..< ROWS, 0 ..< 32] (masked by m0, m1) = A[0 ..< ROWS, :] · panel (+ C). ROWS is a constant
   at every call, so the accumulators live in registers. */
#define PACKED_BLOCK(ROWS)                                                                          \
    PACKED_TARGET static void block##ROWS(ptrdiff_t k, const float *a, ptrdiff_t lda,               \
                                          const float *panel, int accumulate, float *c,             \
                                          ptrdiff_t ldc, __mmask16 m0, __mmask16 m1) {              \
        __m512 acc0[ROWS], acc1[ROWS];                                                              \
        for (int r = 0; r < ROWS; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); } \
        for (ptrdiff_t p = 0; p < k; p++) {                                                         \
            __m512 b0 = _mm512_loadu_ps(panel + p * NR), b1 = _mm512_loadu_ps(panel + p * NR + 16); \
            for (int r = 0; r < ROWS; r++) {                                                        \
                __m512 x = _mm512_set1_ps(a[r * lda + p]);                                          \
                acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);                                          \
                acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);                                          \
            }                                                                                       \
        }                                                                                           \
        for (int r = 0; r < ROWS; r++) {                                                            \
            float *cr = c + r * ldc;                                                                \
            if (accumulate) {                                                                       \
                acc0[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), acc0[r]);                    \
                acc1[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), acc1[r]);               \
            }                                                                                       \
            _mm512_mask_storeu_ps(cr, m0, acc0[r]);                                                 \
            _mm512_mask_storeu_ps(cr + 16, m1, acc1[r]);                                            \
        }                                                                                           \
    }
PACKED_BLOCK(1) PACKED_BLOCK(2) PACKED_BLOCK(3) PACKED_BLOCK(4)
PACKED_BLOCK(5) PACKED_BLOCK(6) PACKED_BLOCK(7) PACKED_BLOCK(8)

PACKED_TARGET static void gemm512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                                   const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t j0 = 0; j0 < n; j0 += NR) {
        const float *panel = packed + j0 * k;
        __mmask16 m0 = lanes(n - j0), m1 = lanes(n - j0 - 16);
        for (ptrdiff_t i0 = 0; i0 < m; i0 += MR) {
            const float *ai = a + i0 * lda;
            float *ci = c + i0 * ldc + j0;
            switch (m - i0 < MR ? m - i0 : MR) {
            case 8: block8(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 7: block7(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 6: block6(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 5: block5(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 4: block4(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 3: block3(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            case 2: block2(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            default: block1(k, ai, lda, panel, accumulate, ci, ldc, m0, m1); break;
            }
        }
    }
}

/* The same products with AVX2 and FMA (CPUs without AVX-512: AMD Zen 1-3, Intel before
   Skylake-X): a row's 32 columns in four 8-lane registers, MR2 = 3 rows (12 accumulators and the
   panel row's 4 registers fill the 16), the last panel's columns masked. Each C[i, j] is the same
   chain of fused multiply-adds in the order of p as the AVX-512 kernel's, so both give the same
   bits, whatever m is and wherever the row sits. */
#define AVX2_TARGET __attribute__((target("avx2,fma")))
enum { MR2 = 3 };

AVX2_TARGET static inline __m256i lanes8(ptrdiff_t count) {
    int c = count >= 8 ? 8 : count <= 0 ? 0 : (int)count;
    /* lane l is on when l < c: the sign bit of (l - c) */
    return _mm256_sub_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(c));
}

#define AVX2_BLOCK(ROWS)                                                                            \
    AVX2_TARGET static void block2_##ROWS(ptrdiff_t k, const float *a, ptrdiff_t lda,               \
                                          const float *panel, int accumulate, float *c,             \
                                          ptrdiff_t ldc, const __m256i *mask) {                     \
        __m256 acc[ROWS][4];                                                                        \
        for (int r = 0; r < ROWS; r++) for (int s = 0; s < 4; s++) acc[r][s] = _mm256_setzero_ps(); \
        for (ptrdiff_t p = 0; p < k; p++) {                                                         \
            const float *row = panel + p * NR;                                                      \
            __m256 b0 = _mm256_loadu_ps(row), b1 = _mm256_loadu_ps(row + 8);                        \
            __m256 b2 = _mm256_loadu_ps(row + 16), b3 = _mm256_loadu_ps(row + 24);                  \
            for (int r = 0; r < ROWS; r++) {                                                        \
                __m256 x = _mm256_broadcast_ss(a + r * lda + p);                                    \
                acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);                                      \
                acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);                                      \
                acc[r][2] = _mm256_fmadd_ps(x, b2, acc[r][2]);                                      \
                acc[r][3] = _mm256_fmadd_ps(x, b3, acc[r][3]);                                      \
            }                                                                                       \
        }                                                                                           \
        for (int r = 0; r < ROWS; r++) {                                                            \
            float *cr = c + r * ldc;                                                                \
            for (int s = 0; s < 4; s++) {                                                           \
                __m256 v = acc[r][s];                                                               \
                if (accumulate) v = _mm256_add_ps(_mm256_maskload_ps(cr + 8 * s, mask[s]), v);      \
                _mm256_maskstore_ps(cr + 8 * s, mask[s], v);                                        \
            }                                                                                       \
        }                                                                                           \
    }
AVX2_BLOCK(1) AVX2_BLOCK(2) AVX2_BLOCK(3)

AVX2_TARGET static void gemm256(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                                const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t j0 = 0; j0 < n; j0 += NR) {
        const float *panel = packed + j0 * k;
        __m256i mask[4];
        for (int s = 0; s < 4; s++) mask[s] = lanes8(n - j0 - 8 * s);
        for (ptrdiff_t i0 = 0; i0 < m; i0 += MR2) {
            const float *ai = a + i0 * lda;
            float *ci = c + i0 * ldc + j0;
            switch (m - i0 < MR2 ? m - i0 : MR2) {
            case 3: block2_3(k, ai, lda, panel, accumulate, ci, ldc, mask); break;
            case 2: block2_2(k, ai, lda, panel, accumulate, ci, ldc, mask); break;
            default: block2_1(k, ai, lda, panel, accumulate, ci, ldc, mask); break;
            }
        }
    }
}

void mtl_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    int kernel = kernel_here();
    if (kernel == 2) gemm512(m, n, k, a, lda, packed, accumulate, c, ldc);
    else if (kernel == 1) gemm256(m, n, k, a, lda, packed, accumulate, c, ldc);
}

#else

int mtl_packed_supported(void) { return 0; }

int mtl_packed_avx512(void) { return 0; }

void mtl_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)accumulate; (void)c; (void)ldc;
}

#endif
