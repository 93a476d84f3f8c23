#pragma once
// Checks on the entries of a distributed matrix, collective over its grid.
#include <mpi.h>

#include <string>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::dist {

/// Collective over `comm` (the ranks holding `x`): Error on every rank unless
/// every entry of X is finite and non-negative; the message starts with
/// `what` and names the first offending entry by global (row, column).
/// `missing_nan`: NaN entries are missing values, allowed.
template <class Scalar>
void require_nonnegative_finite(MPI_Comm comm, const BasicDistMatrix<Scalar>& x, const std::string& what,
                                bool missing_nan = false);

/// The same for finiteness alone (PCA accepts negative data).
template <class Scalar>
void require_finite(MPI_Comm comm, const BasicDistMatrix<Scalar>& x, const std::string& what);

}  // namespace nmfx::dist
