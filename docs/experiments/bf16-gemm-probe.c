// docs/experiments/bf16-gemm-probe.c: an exploratory measurement for issue 20's speed target, not part of
// mtl-dist. Times OpenBLAS's cblas_sgemm against a plain AVX512-BF16 kernel (vdpbf16ps, 8 x 32 register
// block, no cache blocking) on bf16 copies of the same fp32 matrices, and the vectorised packing of
// A and B into bf16 pairs along k (checked equal to a scalar round-to-nearest-even conversion).
//   gcc -O3 -march=x86-64-v3 docs/experiments/bf16-gemm-probe.c -o /tmp/bf16-probe -lopenblas -lm
//   OPENBLAS_NUM_THREADS=1 taskset -c 0 /tmp/bf16-probe M N K     (M a multiple of 8, N of 32, K even)
// Needs a CPU with AVX512_BF16 (both CPUs of this machine's sessions have it). Results: BENCHMARKS.md.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include <math.h>
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec*1e-9;}
typedef unsigned short bf16;
static bf16 tobf(float f){unsigned u; memcpy(&u,&f,4); u += 0x7fff + ((u>>16)&1); return u>>16;}
// A packed: row-major pairs: Ap[i][k/2] = (a[i][2p], a[i][2p+1]) as uint32
// B packed: Bp[p][n][2]
__attribute__((target("avx512f,avx512bf16")))
static void kernel(int m,int n,int k,const unsigned *Ap,const bf16 *Bp,float *C){
  int kp=k/2;
  for(int i0=0;i0<m;i0+=8){
    for(int j0=0;j0<n;j0+=32){
      __m512 acc[8][2];
      for(int r=0;r<8;r++){acc[r][0]=_mm512_setzero_ps();acc[r][1]=_mm512_setzero_ps();}
      for(int p=0;p<kp;p++){
        __m512bh b0=(__m512bh)_mm512_loadu_si512((const void*)(Bp+((long)p*n+j0)*2));
        __m512bh b1=(__m512bh)_mm512_loadu_si512((const void*)(Bp+((long)p*n+j0+16)*2));
        for(int r=0;r<8;r++){
          __m512bh a=(__m512bh)_mm512_set1_epi32(Ap[(long)(i0+r)*kp+p]);
          acc[r][0]=_mm512_dpbf16_ps(acc[r][0],a,b0);
          acc[r][1]=_mm512_dpbf16_ps(acc[r][1],a,b1);
        }
      }
      for(int r=0;r<8;r++){_mm512_storeu_ps(C+(long)(i0+r)*n+j0,acc[r][0]);_mm512_storeu_ps(C+(long)(i0+r)*n+j0+16,acc[r][1]);}
    }
  }
}
// A (m x k, row-major fp32, k even) -> pairs along k: the row-major bf16 matrix itself
__attribute__((target("avx512f,avx512bf16,avx512bw")))
static void packA(int m,int k,const float *a,unsigned *Ap){
  bf16 *out=(bf16*)Ap; long total=(long)m*k, i=0;
  for(;i+32<=total;i+=32){ __m512bh v=_mm512_cvtne2ps_pbh(_mm512_loadu_ps(a+i+16),_mm512_loadu_ps(a+i)); _mm512_storeu_si512((void*)(out+i),(__m512i)v); }
  for(;i<total;i++) out[i]=tobf(a[i]);
}
// B (k x n, row-major fp32, k even, n multiple of 16) -> Bp[p][j][2] = (b[2p][j], b[2p+1][j])
__attribute__((target("avx512f,avx512bf16,avx512bw")))
static void packB(int k,int n,const float *b,bf16 *Bp){
  const __m512i idx=_mm512_set_epi16(31,15,30,14,29,13,28,12,27,11,26,10,25,9,24,8,23,7,22,6,21,5,20,4,19,3,18,2,17,1,16,0);
  for(int p=0;p<k/2;p++) for(int j=0;j<n;j+=16){
    __m256bh r0=_mm512_cvtneps_pbh(_mm512_loadu_ps(b+(long)(2*p)*n+j));
    __m256bh r1=_mm512_cvtneps_pbh(_mm512_loadu_ps(b+(long)(2*p+1)*n+j));
    __m512i x=_mm512_inserti64x4(_mm512_castsi256_si512((__m256i)r0),(__m256i)r1,1);
    _mm512_storeu_si512((void*)(Bp+((long)p*n+j)*2),_mm512_permutexvar_epi16(idx,x));
  }
}
int main(int argc,char**argv){
  int m=atoi(argv[1]),n=atoi(argv[2]),k=atoi(argv[3]);
  float *a=malloc(4L*m*k),*b=malloc(4L*k*n),*c=malloc(4L*m*n),*c2=malloc(4L*m*n);
  for(long i=0;i<(long)m*k;i++)a[i]=rand()/(float)RAND_MAX-0.5f; for(long i=0;i<(long)k*n;i++)b[i]=rand()/(float)RAND_MAX-0.5f;
  unsigned *Ap=malloc(4L*m*k/2); bf16 *Bp=malloc(2L*k*n);
  double tp=now();
  for(int i=0;i<m;i++)for(int p=0;p<k/2;p++) Ap[(long)i*(k/2)+p]=tobf(a[(long)i*k+2*p])|((unsigned)tobf(a[(long)i*k+2*p+1])<<16);
  for(int p=0;p<k/2;p++)for(int j=0;j<n;j++){Bp[((long)p*n+j)*2]=tobf(b[(long)(2*p)*n+j]);Bp[((long)p*n+j)*2+1]=tobf(b[(long)(2*p+1)*n+j]);}
  tp=now()-tp;
  unsigned *Ap2=malloc(4L*m*k/2); bf16 *Bp2=malloc(2L*k*n);
  double tv=1e9; for(int r=0;r<5;r++){ double t=now(); packA(m,k,a,Ap2); packB(k,n,b,Bp2); t=now()-t; if(t<tv)tv=t; }
  if(memcmp(Ap,Ap2,2L*m*k)||memcmp(Bp,Bp2,2L*k*n)) printf("vector packing differs from scalar!\n");
  double bs=1e9,bb=1e9;
  for(int rep=0;rep<5;rep++){
    double t=now(); for(int r=0;r<10;r++) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,m,n,k,1,a,k,b,n,0,c,n); t=(now()-t)/10; if(t<bs)bs=t;
    t=now(); for(int r=0;r<10;r++) kernel(m,n,k,Ap,Bp,c2); t=(now()-t)/10; if(t<bb)bb=t;
  }
  double err=0,ref=0; for(long i=0;i<(long)m*n;i++){err+=(c[i]-c2[i])*(c[i]-c2[i]); ref+=c[i]*c[i];}
  printf("%dx%dx%d sgemm %.3f ms %.1f GFLOP/s, bf16 kernel %.3f ms %.1f GFLOP/s (%.2fx), vector pack of A and B %.3f ms (with it %.2fx), rel err %.2e\n",m,n,k,bs*1e3,2.0*m*n*k/bs/1e9,bb*1e3,2.0*m*n*k/bb/1e9,bs/bb,tv*1e3,bs/(bb+tv),sqrt(err/ref));
}
