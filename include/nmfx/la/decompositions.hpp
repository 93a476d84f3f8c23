#pragma once
// QR and singular values with ScaLAPACK (distributed) and LAPACK (small,
// replicated matrices).
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::la {

/// The k x k upper-triangular R (column-major, the same on every rank) of the
/// QR factorization of the matrix whose rows are the k-vectors of `f` (over
/// X's rows or columns, not replicated): ScaLAPACK pdgeqrf on f's
/// blacs_context(), collective over f's reduce_comm(). With fewer indices
/// than k (an overcomplete factor) R is trapezoidal: its rows from
/// f.map.global_size() on are zero.
std::vector<double> qr_r(const dist::Factor& f);

/// Singular values of a small m x n column-major matrix, descending (LAPACK
/// dgesdd); every rank computes the same from the same input.
std::vector<double> singular_values(long m, long n, std::vector<double> a);

/// The singular values of X and, optionally, its leading singular vectors.
struct Svd {
  std::vector<double> sigma;  // all min(m, n), descending, the same on every rank
  dist::Factor u;             // k left singular vectors, laid out like W
  dist::Factor v;             // k right singular vectors, laid out like H
};

/// ScaLAPACK QR (LQ when m < n) of a copy of X, then pdgesvd of the p x p
/// triangular factor (p = min(m, n)), so X is never gathered; the other
/// side's vectors come from one distributed product with X (U = X V / sigma
/// or V = X^T U / sigma). `k` = 0: values only. Needs square blocks. A
/// single-precision X is factorized in single precision (psgeqrf), the
/// triangle in double.
template <class Scalar>
Svd svd(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, int k);

/// The same for a factor read as the matrix F (k x global indices, e.g. a
/// Deep NMF code H_i): values from the eigenvalues of the k x k Gram matrix
/// F F^T (summed over f's reduce_comm()), left vectors replicated
/// (dist::Factor::replicated), right ones V = F^T U / sigma laid out like F.
/// Accurate to sqrt(machine epsilon) relative to sigma_1, ample for
/// initializations.
Svd svd(const dist::Factor& f, int k);

}  // namespace nmfx::la
