#pragma once
// Hoyer's sparseness constraint (Hoyer, "Non-negative matrix factorization
// with sparseness constraints", JMLR 2004): sparseness(x) =
// (sqrt(n) - ||x||_1/||x||_2) / (sqrt(n) - 1), 0 for a flat vector, 1 for a
// single non-zero.
#include "nmfx/core/mpi.hpp"
#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::nmf {

/// Projects every component of `f` (component j: the entries j of all its
/// k-vectors, i.e. a column of W or a row of H, spread over f's
/// reduce_comm()) onto the non-negative vectors with the same L2 norm and
/// sparseness `target` in [0, 1]: Hoyer's projection (the closest such
/// vector in Euclidean distance). All-zero components are left alone.
/// Collective over f's reduce_comm(); copies stay identical.
void project_sparseness(dist::Factor& f, double target);

}  // namespace nmfx::nmf
