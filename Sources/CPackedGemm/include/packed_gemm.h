#ifndef MTL_DIST_PACKED_GEMM_H
#define MTL_DIST_PACKED_GEMM_H
/* Float matrix products with one operand packed once and multiplied many times: the LSTM's
   recurrent weights, multiplied by the few rows of every time step. OpenBLAS either copies the
   whole weight into its packed layout at every call or, for small products, multiplies in place
   with kernels that run at about half of its packed kernel's speed on an LSTM step's shapes; here
   the weight is packed once per sequence and each step's product runs an AVX-512 register kernel
   over it (AVX-512, or AVX2 with FMA). */
#include <stddef.h>

/* 1 when the CPU has AVX-512 F, or AVX2 and FMA, and the OS saves those registers' state, else 0
   (always 0 off x86-64). `mtl_packed_gemm` does nothing unless this is 1; `mtl_packed_pack` runs
   anywhere. */
int mtl_packed_supported(void);

/* 1 when the CPU has AVX-512 F and the OS saves the opmask and ZMM state, else 0 (the bf16
   kernels' first condition). */
int mtl_packed_avx512(void);

/* The number of floats `mtl_packed_pack` writes for a k × n operand: k · (n rounded up to 32). */
size_t mtl_packed_count(ptrdiff_t k, ptrdiff_t n);

/* Packs op(B) [k, n] (B stored [k, n], or [n, k] when trans; ldb its row stride) into `packed`
   (`mtl_packed_count(k, n)` floats): panels of 32 columns, each k rows of 32 floats, the last
   panel's missing columns zero. */
void mtl_packed_pack(int trans, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, float *packed);

/* Row-major C[m, n] = A[m, k] · op(B) (+ C when accumulate): A stored [m, k] with row stride lda,
   op(B) packed by `mtl_packed_pack` with the same k and n, C with row stride ldc; without
   accumulate C is never read. Each C[i, j] is Σ_p A[i, p] · B[p, j] summed by fused multiply-adds
   in the order p = 0, 1, …, k − 1 (then added to C[i, j]): the same bits whatever m is and
   wherever row i sits among the rows. Elements of C outside [m, n] are never touched. */
void mtl_packed_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *packed, int accumulate, float *c, ptrdiff_t ldc);
#endif
