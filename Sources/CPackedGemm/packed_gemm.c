/* Float products with a packed right operand (see packed_gemm.h).

   Layout: op(B) [k, n] as panels of NR = 32 columns ([panel][p][32]: 128 contiguous bytes per row
   p of the panel), zero-padded to whole panels. The kernel keeps an MR × 32 block of C (MR ≤ 8
   rows, two 16-lane registers per row) in at most 16 registers and walks p, broadcasting A[i, p]
   and loading the panel's row p. Panels are the outer loop: one panel (k · 128 bytes: 32 KB for
   k = 256) stays in L1 while every block of rows of A passes over it, so the packed operand is read
   from memory once per call. */
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

int mtl_packed_supported(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1)) return 0;                                  /* OSXSAVE */
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0xE6) != 0xE6) return 0;                          /* XMM, YMM, opmask, ZMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (int)((b >> 16) & 1);                                     /* AVX-512 F */
}

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

PACKED_TARGET void mtl_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                                   const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
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

#else

int mtl_packed_supported(void) { return 0; }

void mtl_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *packed, int accumulate, float *c, ptrdiff_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)accumulate; (void)c; (void)ldc;
}

#endif
