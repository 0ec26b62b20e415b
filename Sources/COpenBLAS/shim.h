#ifndef MTL_DIST_COPENBLAS_SHIM_H
#define MTL_DIST_COPENBLAS_SHIM_H
#include <cblas.h>
#include <stdlib.h>
#include <dlfcn.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* dlsym's handle for "search every loaded library" (glibc's RTLD_DEFAULT, which needs _GNU_SOURCE). */
#ifdef RTLD_DEFAULT
#define COPENBLAS_ANY_LIBRARY RTLD_DEFAULT
#else
#define COPENBLAS_ANY_LIBRARY ((void *)0)
#endif

/* OpenBLAS's run-time kernel selection in DYNAMIC_ARCH builds: `gotoblas_dynamic_init` picks the
   kernel family (OPENBLAS_CORETYPE when set, else by CPU model) unless one is chosen, and
   `gotoblas_dynamic_quit` forgets the choice. libopenblas exports both without declaring them, and
   other builds lack them, so they are looked up at run time.
   Makes OpenBLAS use the kernel family `core` (an OPENBLAS_CORETYPE name such as "SkylakeX") and
   returns 1, or returns 0 where the library has no run-time selection. Call it before the first
   BLAS call and before any thread starts. */
static inline int copenblas_select_core(const char *core) {
    void (*quit)(void) = (void (*)(void))dlsym(COPENBLAS_ANY_LIBRARY, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(COPENBLAS_ANY_LIBRARY, "gotoblas_dynamic_init");
    if (!quit || !init) return 0;
    setenv("OPENBLAS_CORETYPE", core, 1);
    quit();
    init();
    return 1;
}

/* The x86-64 vector extensions this CPU and the OS both support:
   2 = AVX-512 F/DQ/BW/VL with ZMM state enabled, 1 = AVX2 and FMA with YMM state, 0 = neither. */
static inline int copenblas_cpu_vector_level(void) {
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
#endif
