#ifndef MTL_DIST_CMALLOC_H
#define MTL_DIST_CMALLOC_H

/// Keeps freed memory of up to `max_block` bytes per block inside the process (glibc: raises
/// M_MMAP_THRESHOLD and M_TRIM_THRESHOLD, and pads heap growth by a quarter of the trim threshold), so buffers freed and allocated again every training step
/// are reused instead of being unmapped and faulted in again. Returns 1 when applied, 0 when the C
/// library has no such tuning (it is then a no-op).
int cmalloc_keep_freed_memory(long max_block, long trim_threshold);

#endif
