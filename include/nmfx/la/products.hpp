#pragma once
// The distributed products of the alternating updates. X is block-cyclic on
// the grid; W follows X's rows and H X's columns (see dist::Factor). Each
// product is one local GEMM plus one all-reduce along a grid dimension; no
// rank ever holds more than its own block of X.
#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::la {

/// out = (X H^T)^T for this rank's rows of X (`h` over X's columns, `out`
/// over X's rows, k x local_rows, identical on every copy). Local GEMM, then
/// a sum over h's reduce_comm() (the grid row). The GEMM runs in panels of
/// at most 65536 rows, so its scratch is at most 65536 x k. For a
/// single-precision X it is SGEMM on a float copy of the factor's panel,
/// summing at most 4096 terms in float and the rest in double; `out` is
/// double either way.
template <class Scalar>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& h, dist::Factor& out);

/// out = W^T X for this rank's columns of X (`w` over X's rows, `out` over
/// X's columns, k x local_cols, identical on every copy). Local GEMM, then a
/// sum over w's reduce_comm() (the grid column). Precision as for xht.
template <class Scalar>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& w, dist::Factor& out);

/// The k x k Gram matrix F F^T of a factor (W^T W or H H^T, any
/// distribution), the same on every rank: local product, then a sum over
/// f's reduce_comm().
void gram(const dist::Factor& f, double* g);

/// <A, B> summed over all global indices of two factors with the same map
/// and distribution; the same on every rank.
double dot(const dist::Factor& a, const dist::Factor& b);

}  // namespace nmfx::la
