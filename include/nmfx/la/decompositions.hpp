#pragma once
// QR and singular values with ScaLAPACK (distributed) and LAPACK (small,
// replicated matrices).
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::la {

/// The k x k upper-triangular R (column-major, the same on every rank) of the
/// QR factorization of the tall matrix whose rows are the k-vectors of `f`.
/// `comm` holds f's distinct indices (the grid's column communicator for W,
/// row communicator for H) and `context` is the BLACS p x 1 grid over it.
/// ScaLAPACK pdgeqrf; needs f.map.global_size() >= k.
std::vector<double> qr_r(const Communicator& comm, int context, const dist::Factor& f);

/// Singular values of a small m x n column-major matrix, descending (LAPACK
/// dgesdd); every rank computes the same from the same input.
std::vector<double> singular_values(long m, long n, std::vector<double> a);

/// All min(m, n) singular values of X, descending, the same on every rank:
/// ScaLAPACK QR (LQ when m < n) of a copy of X, then pdgesvd of the
/// triangular factor, so X is never gathered. Needs square blocks.
std::vector<double> singular_values(const ProcessGrid& grid, const dist::DistMatrix& x);

}  // namespace nmfx::la
