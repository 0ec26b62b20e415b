#ifndef MTL_DIST_BF16_GEMM_H
#define MTL_DIST_BF16_GEMM_H
/* Matrix products with bfloat16 operands and float sums, for CPUs with AVX512_BF16 (`vdpbf16ps`):
   the transformer's linear maps under `encoder.transformer.precision: bf16`. Debian's OpenBLAS
   0.3.21 has no `sbgemm`, so this is our own: GotoBLAS-style blocking (a panel of op(B) packed per
   block of k, a block of op(A) per block of rows) around an 8 × 32 register kernel. */
#include <stddef.h>

/* 1 when the CPU has AVX512 F, BW, VL and BF16 and the OS saves ZMM state, else 0 (and always 0
   off x86-64). `mtl_bf16_gemm` must only be called when this is 1. */
int mtl_bf16_supported(void);

/* The bfloat16 nearest to x (round to nearest even; a NaN stays a quiet NaN), as the bits of its
   upper half: the rounding every operand of `mtl_bf16_gemm` gets. */
unsigned short mtl_bf16_round(float x);

/* Row-major C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, as cblas_sgemm's contract
   (A stored [m, k], or [k, m] when transA; B stored [k, n], or [n, k] when transB; lda, ldb, ldc
   are row strides; beta = 0 never reads C), except that every element of op(A) and op(B) is first
   rounded to bfloat16 (`mtl_bf16_round`). The products of the rounded operands are exact in float
   and summed in float, pairwise along k. Returns 0, or -1 without writing C when its packing
   buffers (under 1 MB per thread, kept for the thread's life) cannot be allocated. */
int mtl_bf16_gemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                  const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
                  float *c, ptrdiff_t ldc);

/* A right operand packed once for many products of few rows (the LSTM's recurrent weight under
   bf16): op(B) [k, n] (B stored [k, n], or [n, k] when trans) rounded to bfloat16 and packed as
   `mtl_bf16_gemm` packs its panels, into `mtl_bf16_packed_count(k, n)` 32-bit words (ceil(k / 2)
   pairs of every column, columns rounded up to 32). Needs `mtl_bf16_supported()`; allocates
   nothing. */
size_t mtl_bf16_packed_count(ptrdiff_t k, ptrdiff_t n);
void mtl_bf16_packed_pack(int trans, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, unsigned int *packed);

/* Row-major C[m, n] = A[m, k] · op(B) (+ C when accumulate), op(B) packed by
   `mtl_bf16_packed_pack` with the same k and n: A's elements rounded to bfloat16, the products
   summed in float pairwise along k (C[i, j] has the same bits whatever m is and wherever row i
   sits). Elements of C outside [m, n] are never touched; without accumulate C is never read.
   Returns 0, or -1 without writing C when the buffer for A's rows (96 · ceil(k / 2) words per
   thread, kept and grown) cannot be allocated. */
int mtl_bf16_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                         const unsigned int *packed, int accumulate, float *c, ptrdiff_t ldc);
#endif
