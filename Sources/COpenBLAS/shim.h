#ifndef MTL_DIST_COPENBLAS_SHIM_H
#define MTL_DIST_COPENBLAS_SHIM_H
#include <cblas.h>
#include <stdlib.h>
#include <dlfcn.h>

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
#endif
