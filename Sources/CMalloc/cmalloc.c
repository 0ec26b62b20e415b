#include "cmalloc.h"
#include <stdlib.h>  /* defines __GLIBC__ on glibc systems */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int cmalloc_keep_freed_memory(long max_block, long trim_threshold) {
#if defined(__GLIBC__)
    int a = mallopt(M_MMAP_THRESHOLD, (int)max_block);
    int b = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    /* grow the heap in large steps too, so it is not extended by brk a few pages at a time */
    int c = mallopt(M_TOP_PAD, (int)(trim_threshold / 4));
    return a == 1 && b == 1 && c == 1;
#else
    (void)max_block;
    (void)trim_threshold;
    return 0;
#endif
}
