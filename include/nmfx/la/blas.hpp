#pragma once
// Typed wrappers over BLAS and ScaLAPACK tools. Matrices are column-major;
// sizes are checked for int overflow before they reach Fortran.
#include <array>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::la {

enum class Op { none, transpose };

/// C = alpha * op(A) * op(B) + beta * C; C is m x n, op(A) m x k.
void gemm(Op op_a, Op op_b, long m, long n, long k, double alpha, const double* a, long lda,
          const double* b, long ldb, double beta, double* c, long ldc);
/// The same in single precision (SGEMM).
void gemm(Op op_a, Op op_b, long m, long n, long k, float alpha, const float* a, long lda,
          const float* b, long ldb, float beta, float* c, long ldc);

/// C = A * A^T for A n x k (both triangles of C filled).
void gram(long n, long k, const double* a, long lda, double* c);
/// The same for a float A: SSYRK over panels of at most 4096 columns,
/// added up in double, so no float sum has more than 4096 terms.
void gram(long n, long k, const float* a, long lda, double* c);

/// Solves G X = B in place for symmetric positive definite G (n x n) and
/// `nrhs` right-hand sides B (n x nrhs); false when G is not positive
/// definite (B is then unchanged).
bool cholesky_solve(long n, const double* g, long nrhs, double* b);

/// Eigenvalues of a symmetric n x n matrix, ascending (LAPACK dsyev).
std::vector<double> symmetric_eigenvalues(long n, const double* g);

/// The same, with the orthonormal eigenvectors in `vectors` (n x n,
/// column-major, in the order of the values).
std::vector<double> symmetric_eigenvectors(long n, const double* g, std::vector<double>& vectors);

/// ScaLAPACK's numroc: indices of `global_size` owned by process `proc`.
long numroc(long global_size, int block, int proc, int procs);

/// The ScaLAPACK array descriptor of a distributed matrix, derived from its
/// layout (never stored, so it cannot drift from the data).
template <class Scalar>
std::array<int, 9> descriptor(const dist::BasicDistMatrix<Scalar>& matrix, const ProcessGrid& grid);

}  // namespace nmfx::la
