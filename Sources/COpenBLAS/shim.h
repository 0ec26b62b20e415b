#ifndef MTL_DIST_COPENBLAS_SHIM_H
#define MTL_DIST_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
