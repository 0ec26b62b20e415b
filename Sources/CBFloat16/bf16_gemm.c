/* bfloat16 matrix products (see bf16_gemm.h).

   Layout. op(A) and op(B) are rounded to bfloat16 and packed as pairs along k: one 32-bit word
   holds (x[2p], x[2p+1]) in its low and high halves, the operand `vdpbf16ps` multiplies and sums
   pairwise into float lanes. k is walked in blocks of KC pairs; for each, the block of op(B) is
   packed as panels of 32 columns ([panel][pair][32 columns]: 128 contiguous bytes per pair), and
   each block of MC rows of op(A) either row by row ([row][pair], when A's rows run along k) or
   pair by pair ([pair][row], when A is stored transposed), whichever its memory order makes a
   contiguous conversion. The kernel keeps an 8 × 32 block of C in 16 registers. Edges are zero-
   padded in the packing and masked at the store. Blocking as GotoBLAS: a B panel (KC · 128 B =
   24 KB) stays in L1 while the kernel walks the A block (MC · KC · 4 B = 72 KB, L2). */
#include "bf16_gemm.h"
#include "packed_gemm.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

enum { KC = 192, MC = 96, NC = 768, MR = 8, NR = 32 };

unsigned short mtl_bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u); /* quiet NaN */
    if ((u & 0x7f800000u) == 0) return (unsigned short)((u >> 16) & 0x8000u);        /* denormal: ±0, as vcvtneps2bf16 */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}

#if defined(__x86_64__)

int mtl_bf16_supported(void) {
    if (!mtl_packed_avx512()) return 0;                              /* AVX-512 F and ZMM state */
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    if (!(bw && vl) || a < 1) return 0;                               /* leaf 7 must have subleaf 1 */
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (int)((a >> 5) & 1);                                        /* AVX512_BF16 */
}

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

static inline __mmask16 lanes(ptrdiff_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* out[p] = (x[2p], x[2p+1]) for p < pairs, reading x[0 ..< valid] (zeros past it). */
BF16_TARGET static void pairs_along(const float *x, ptrdiff_t valid, ptrdiff_t pairs, uint32_t *out) {
    for (ptrdiff_t p = 0; p < pairs; p += 16) {
        ptrdiff_t q = 2 * p;
        __m512 lo = _mm512_maskz_loadu_ps(lanes(valid - q), x + q);
        __m512 hi = _mm512_maskz_loadu_ps(lanes(valid - q - 16), x + q + 16);
        __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
        _mm512_mask_storeu_epi32(out + p, lanes(pairs - p), v);
    }
}

/* out[i] = (x0[i], x1[i]) for i < count (x1 NULL: zeros), zeros for count ≤ i < padded. */
BF16_TARGET static void pairs_across(const float *x0, const float *x1, ptrdiff_t count, ptrdiff_t padded, uint32_t *out) {
    for (ptrdiff_t i = 0; i < padded; i += 16) {
        __mmask16 in = lanes(count - i);
        __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(in, x0 + i)));
        __m512i v = lo;
        if (x1) {
            __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(in, x1 + i)));
            v = _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16));
        }
        _mm512_mask_storeu_epi32(out + i, lanes(padded - i), v);
    }
}

/* Rows ic ..< ic + rows of op(A), pairs pc ..< pc + pairs, into `out`; sets the kernel's strides
   (`*rowStride`, `*pairStride`) in words. */
BF16_TARGET static void pack_a(int transA, const float *a, ptrdiff_t lda, ptrdiff_t k, ptrdiff_t ic, ptrdiff_t rows,
                               ptrdiff_t pc, ptrdiff_t pairs, uint32_t *out, ptrdiff_t *rowStride, ptrdiff_t *pairStride) {
    ptrdiff_t padded = (rows + MR - 1) / MR * MR, q0 = 2 * pc;
    ptrdiff_t valid = k - q0 < 2 * pairs ? k - q0 : 2 * pairs;
    if (!transA) {              /* A [m, k]: each row runs along k */
        for (ptrdiff_t r = 0; r < rows; r++) pairs_along(a + (ic + r) * lda + q0, valid, pairs, out + r * pairs);
        memset(out + rows * pairs, 0, (size_t)((padded - rows) * pairs) * sizeof *out);
        *rowStride = pairs;
        *pairStride = 1;
    } else {                    /* A stored [k, m]: each stored row is one q across the rows of op(A) */
        for (ptrdiff_t p = 0; p < pairs; p++) {
            ptrdiff_t q = q0 + 2 * p;
            pairs_across(a + q * lda + ic, q + 1 < k ? a + (q + 1) * lda + ic : NULL, rows, padded, out + p * padded);
        }
        *rowStride = 1;
        *pairStride = padded;
    }
}

/* Columns jc ..< jc + cols of op(B), pairs pc ..< pc + pairs, as panels of NR columns:
   out[(panel · pairs + p) · NR + c]. `tmp` holds `pairs` words. */
BF16_TARGET static void pack_b(int transB, const float *b, ptrdiff_t ldb, ptrdiff_t k, ptrdiff_t jc, ptrdiff_t cols,
                               ptrdiff_t pc, ptrdiff_t pairs, uint32_t *out, uint32_t *tmp) {
    ptrdiff_t q0 = 2 * pc, valid = k - q0 < 2 * pairs ? k - q0 : 2 * pairs;
    for (ptrdiff_t j0 = 0; j0 < cols; j0 += NR) {
        ptrdiff_t width = cols - j0 < NR ? cols - j0 : NR;
        uint32_t *panel = out + j0 * pairs;
        if (!transB) {          /* B [k, n]: stored rows q and q + 1 side by side */
            for (ptrdiff_t p = 0; p < pairs; p++) {
                ptrdiff_t q = q0 + 2 * p;
                const float *row = b + q * ldb + jc + j0;
                pairs_across(row, q + 1 < k ? row + ldb : NULL, width, NR, panel + p * NR);
            }
        } else {                /* B stored [n, k]: each stored row is one column of op(B), along k */
            for (ptrdiff_t c = 0; c < NR; c++) {
                if (c < width) {
                    pairs_along(b + (jc + j0 + c) * ldb + q0, valid, pairs, tmp);
                    for (ptrdiff_t p = 0; p < pairs; p++) panel[p * NR + c] = tmp[p];
                } else {
                    for (ptrdiff_t p = 0; p < pairs; p++) panel[p * NR + c] = 0;
                }
            }
        }
    }
}

/* C[0 ..< rows, 0 ..< cols] (rows ≤ 8, cols ≤ 32) = alpha · Σ_p A_p ⊗ B_p (+ beta · C when readC). */
BF16_TARGET static void kernel(ptrdiff_t pairs, const uint32_t *ap, ptrdiff_t rowStride, ptrdiff_t pairStride,
                               const uint32_t *bp, float *c, ptrdiff_t ldc, int rows, int cols,
                               float alpha, float beta, int readC) {
    __m512 acc[MR][2];
    for (int r = 0; r < MR; r++) { acc[r][0] = _mm512_setzero_ps(); acc[r][1] = _mm512_setzero_ps(); }
    for (ptrdiff_t p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(bp + p * NR));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(bp + p * NR + 16));
        const uint32_t *ar = ap + p * pairStride;
        for (int r = 0; r < MR; r++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)ar[r * rowStride]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
        }
    }
    __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        __m512 v0 = _mm512_mul_ps(acc[r][0], va), v1 = _mm512_mul_ps(acc[r][1], va);
        if (readC) {
            v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), v0);
            v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), v1);
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        _mm512_mask_storeu_ps(row + 16, m1, v1);
    }
}

/* Packing buffers, one set per thread, allocated on first use and kept. */
static __thread uint32_t *bufferA, *bufferB, *bufferT;

BF16_TARGET int mtl_bf16_gemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
                              float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return 0;
    if (!bufferA) {
        uint32_t *pa = aligned_alloc(64, (size_t)MC * KC * 4), *pb = aligned_alloc(64, (size_t)NC * KC * 4);
        uint32_t *pt = aligned_alloc(64, (size_t)KC * 4);
        if (!pa || !pb || !pt) { free(pa); free(pb); free(pt); return -1; }
        bufferA = pa; bufferB = pb; bufferT = pt;
    }
    if (k <= 0) {               /* op(A)·op(B) is empty: C = beta · C */
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return 0;
    }
    ptrdiff_t kp = (k + 1) / 2;
    for (ptrdiff_t jc = 0; jc < n; jc += NC) {
        ptrdiff_t cols = n - jc < NC ? n - jc : NC;
        for (ptrdiff_t pc = 0; pc < kp; pc += KC) {
            ptrdiff_t pairs = kp - pc < KC ? kp - pc : KC;
            int readC = pc > 0 || beta != 0;
            float blockBeta = pc > 0 ? 1.0f : beta;
            pack_b(transB, b, ldb, k, jc, cols, pc, pairs, bufferB, bufferT);
            for (ptrdiff_t ic = 0; ic < m; ic += MC) {
                ptrdiff_t rows = m - ic < MC ? m - ic : MC, rowStride, pairStride;
                pack_a(transA, a, lda, k, ic, rows, pc, pairs, bufferA, &rowStride, &pairStride);
                for (ptrdiff_t j0 = 0; j0 < cols; j0 += NR) {
                    const uint32_t *panel = bufferB + j0 * pairs;
                    int width = (int)(cols - j0 < NR ? cols - j0 : NR);
                    for (ptrdiff_t i0 = 0; i0 < rows; i0 += MR) {
                        int height = (int)(rows - i0 < MR ? rows - i0 : MR);
                        kernel(pairs, bufferA + i0 * rowStride, rowStride, pairStride, panel,
                               c + (ic + i0) * ldc + jc + j0, ldc, height, width, alpha, blockBeta, readC);
                    }
                }
            }
        }
    }
    return 0;
}

size_t mtl_bf16_packed_count(ptrdiff_t k, ptrdiff_t n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)((k + 1) / 2) * (size_t)((n + NR - 1) / NR * NR);
}

BF16_TARGET void mtl_bf16_packed_pack(int trans, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, uint32_t *packed) {
    if (k <= 0 || n <= 0) return;
    ptrdiff_t kp = (k + 1) / 2;
    if (!trans) {               /* B [k, n]: pack_b reads stored rows side by side, no buffer */
        pack_b(0, b, ldb, k, 0, n, 0, kp, packed, NULL);
        return;
    }
    /* B stored [n, k]: column j of op(B) runs along k; converted KC pairs at a time, scattered into
       its panel's column */
    uint32_t tmp[KC];
    for (ptrdiff_t j = 0; j < (n + NR - 1) / NR * NR; j++) {
        uint32_t *column = packed + (j / NR) * NR * kp + j % NR;
        for (ptrdiff_t pc = 0; pc < kp; pc += KC) {
            ptrdiff_t pairs = kp - pc < KC ? kp - pc : KC;
            if (j < n) pairs_along(b + j * ldb + 2 * pc, k - 2 * pc, pairs, tmp);
            for (ptrdiff_t p = 0; p < pairs; p++) column[(pc + p) * NR] = j < n ? tmp[p] : 0;
        }
    }
}

/* The rows of A as pairs for `mtl_bf16_packed_gemm`, one buffer per thread, grown as needed. */
static __thread uint32_t *packedRows;
static __thread size_t packedRowsCount;

BF16_TARGET int mtl_bf16_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                                     const uint32_t *packed, int accumulate, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0 || k <= 0) return m <= 0 || n <= 0 ? 0 : -1;
    ptrdiff_t kp = (k + 1) / 2;
    size_t need = (size_t)MC * (size_t)kp;
    if (packedRowsCount < need) {
        uint32_t *grown = aligned_alloc(64, need * sizeof *grown);
        if (!grown) return -1;
        free(packedRows);
        packedRows = grown;
        packedRowsCount = need;
    }
    for (ptrdiff_t ic = 0; ic < m; ic += MC) {
        ptrdiff_t rows = m - ic < MC ? m - ic : MC, rowStride, pairStride;
        pack_a(0, a, lda, k, ic, rows, 0, kp, packedRows, &rowStride, &pairStride);
        for (ptrdiff_t j0 = 0; j0 < n; j0 += NR) {
            int width = (int)(n - j0 < NR ? n - j0 : NR);
            for (ptrdiff_t i0 = 0; i0 < rows; i0 += MR) {
                int height = (int)(rows - i0 < MR ? rows - i0 : MR);
                kernel(kp, packedRows + i0 * rowStride, rowStride, pairStride, packed + j0 * kp,
                       c + (ic + i0) * ldc + j0, ldc, height, width, 1.0f, 1.0f, accumulate);
            }
        }
    }
    return 0;
}

#else

int mtl_bf16_supported(void) { return 0; }

int mtl_bf16_gemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                  const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
                  float *c, ptrdiff_t ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda;
    (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return -1;
}

size_t mtl_bf16_packed_count(ptrdiff_t k, ptrdiff_t n) { (void)k; (void)n; return 0; }

void mtl_bf16_packed_pack(int trans, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, uint32_t *packed) {
    (void)trans; (void)k; (void)n; (void)b; (void)ldb; (void)packed;
}

int mtl_bf16_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                         const uint32_t *packed, int accumulate, float *c, ptrdiff_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)accumulate; (void)c; (void)ldc;
    return -1;
}

#endif
