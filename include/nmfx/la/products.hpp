#pragma once
// The distributed products of the alternating updates. X is block-cyclic on
// the grid; W follows X's rows and H X's columns (see dist::Factor). Each
// product is one local GEMM plus one all-reduce along a grid dimension; no
// rank ever holds more than its own block of X.
#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::la {

/// out = (X H^T)^T for this rank's rows of X: k x local_rows, identical on
/// every rank of a grid row. Local GEMM, then a sum along the grid row.
void xht(const ProcessGrid& grid, const dist::DistMatrix& x, const dist::Factor& h,
         dist::Factor& out);

/// out = W^T X for this rank's columns of X: k x local_cols, identical on
/// every rank of a grid column. Local GEMM, then a sum along the grid column.
void wtx(const ProcessGrid& grid, const dist::DistMatrix& x, const dist::Factor& w,
         dist::Factor& out);

/// The k x k Gram matrix F F^T of a factor (W^T W or H H^T), the same on every
/// rank: local product, then a sum over the ranks holding the other indices
/// (`across`: the grid's column communicator for W, row communicator for H).
void gram(const Communicator& across, const dist::Factor& f, double* g);

/// <A, B> summed over all global indices of two factors with the same map.
double dot(const Communicator& across, const dist::Factor& a, const dist::Factor& b);

}  // namespace nmfx::la
