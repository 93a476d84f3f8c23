#pragma once
// The only declarations of BLAS, LAPACK and ScaLAPACK symbols in nmfx (BLACS
// grid set-up lives with the grid in core). Private to src/la: everything
// else calls the typed wrappers in include/nmfx/la/. Fortran CHARACTER
// arguments carry a hidden trailing length each.
#include <cstddef>

extern "C" {
void dgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc, std::size_t, std::size_t);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc,
            std::size_t, std::size_t);
int numroc_(const int* n, const int* nb, const int* iproc, const int* isrcproc, const int* nprocs);
void descinit_(int* desc, const int* m, const int* n, const int* mb, const int* nb,
               const int* irsrc, const int* icsrc, const int* ictxt, const int* lld, int* info);
}
