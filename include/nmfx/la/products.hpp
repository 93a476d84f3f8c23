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
/// at most 4096 result indices. For a single-precision X it is SGEMM (on
/// a float copy of a double factor's panel), summing at most 4096 terms in
/// float and the rest in double; `out` has the factor's precision.
template <class Scalar, class F>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::BasicFactor<F>& h, dist::BasicFactor<F>& out);

/// out = W^T X for this rank's columns of X (`w` over X's rows, `out` over
/// X's columns, k x local_cols, identical on every copy). Local GEMM, then a
/// sum over w's reduce_comm() (the grid column). Precision as for xht.
template <class Scalar, class F>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::BasicFactor<F>& w, dist::BasicFactor<F>& out);

/// The k x k Gram matrix F F^T of a factor (W^T W or H H^T, any
/// distribution), the same on every rank: local product, then a sum over
/// f's reduce_comm(). Summed in double (float factors: at most 4096 terms
/// in float, see la::gram).
template <class F>
void gram(const dist::BasicFactor<F>& f, double* g);

/// <A, B> summed over all global indices of two factors with the same map
/// and distribution, summed in double; the same on every rank.
template <class F>
double dot(const dist::BasicFactor<F>& a, const dist::BasicFactor<F>& b);

}  // namespace nmfx::la
