#ifndef MTL_DIST_VECTOR_MATH_H
#define MTL_DIST_VECTOR_MATH_H
/* Elementwise exp, sigmoid, tanh, erf and GELU over float arrays, compiled once for each x86-64
   vector extension and chosen at run time, so the LSTM gates and the transformer's feed-forward
   blocks run on the widest vectors the CPU has (Swift compiles for the x86-64 baseline, SSE2).
   `level` picks the build: 2 = AVX-512 (F, DQ, BW, VL), 1 = AVX2 with FMA, 0 = baseline; a level
   the CPU lacks must not be passed (see `mtl_cpu_vector_level`). Off x86-64 every level runs the
   baseline build. `y` may equal `x`; otherwise the arrays must not overlap. */
#include <stddef.h>

/* The x86-64 vector extensions this CPU and the OS both support: 2 = AVX-512 F/DQ/BW/VL with ZMM
   state enabled, 1 = AVX2 and FMA with YMM state, 0 = neither (or not x86-64). */
int mtl_cpu_vector_level(void);

void mtl_vm_exp(int level, const float *x, float *y, ptrdiff_t count);
void mtl_vm_sigmoid(int level, const float *x, float *y, ptrdiff_t count);
void mtl_vm_tanh(int level, const float *x, float *y, ptrdiff_t count);
void mtl_vm_erf(int level, const float *x, float *y, ptrdiff_t count);
void mtl_vm_gelu(int level, const float *x, float *y, ptrdiff_t count);
/* d[i] += dOut[i] · GELU'(x[i]) */
void mtl_vm_gelu_backward(int level, const float *x, const float *dOut, float *d, ptrdiff_t count);
#endif
