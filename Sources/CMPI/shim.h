#ifndef MTL_DIST_CMPI_SHIM_H
#define MTL_DIST_CMPI_SHIM_H
#include <mpi.h>

/* OpenMPI defines its handles as casts of global symbols (e.g. MPI_COMM_WORLD is
   ((MPI_Comm)&ompi_mpi_comm_world)); Swift cannot import such macros, so they are
   exposed as static inline functions with a module prefix. */
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int(void) { return MPI_INT; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_max(void) { return MPI_MAX; }
static inline MPI_Op cmpi_min(void) { return MPI_MIN; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *cmpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int cmpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int cmpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info cmpi_info_null(void) { return MPI_INFO_NULL; }
static inline int cmpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
static inline MPI_Comm cmpi_comm_null(void) { return MPI_COMM_NULL; }

/* buffers[r][i] = buffers[0][i] + buffers[1][i] + … + buffers[w − 1][i] (summed in that order) for
   every r and lo <= i < hi: a slice of an in-place sum over buffers every rank of a host can address. */
static inline void cmpi_sum_into_all(float *const *buffers, int w, long lo, long hi) {
    if (w == 2) {
        float *restrict a = buffers[0], *restrict b = buffers[1];
        for (long i = lo; i < hi; i++) { float x = a[i] + b[i]; a[i] = x; b[i] = x; }
        return;
    }
    for (long i = lo; i < hi; i++) {
        float x = buffers[0][i];
        for (int r = 1; r < w; r++) x += buffers[r][i];
        for (int r = 0; r < w; r++) buffers[r][i] = x;
    }
}

/* A counter in a shared window, taken from by every rank of a host at once. */
static inline long long cmpi_counter_next(long long *value) { return __atomic_fetch_add(value, 1, __ATOMIC_SEQ_CST); }
static inline void cmpi_counter_store(long long *value, long long v) { __atomic_store_n(value, v, __ATOMIC_SEQ_CST); }

/* OpenMPI defines MPI_MAX_ERROR_STRING through another macro (OPAL_MAX_ERROR_STRING). */
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
