#pragma once
// Codes for data against a fixed dictionary: the W half-step of NMF alone,
// min_{W >= 0} 1/2 ||X - W H||^2 + l1 ||W||_1, solved by the update rules
// themselves. X H^T and H H^T are formed once; each iteration is then one
// rule update and one k x k Gram matrix, with no product with X.
#include <functional>

#include "nmfx/nmf/solver.hpp"

namespace nmfx::nmf {

struct EncodeOptions {
  Algorithm algorithm = Algorithm::anls;  // anls is exact in one iteration
  double l1 = 0;                          // L1 penalty on the codes
  long max_iterations = 300;              // iterative rules (hals, mu, pgd, adam)
  /// Stop when the relative decrease of the error over one iteration falls
  /// below this (0: never).
  double tolerance = 1e-4;
};

/// Called collectively after every iteration with its record (iteration 0
/// is the starting point).
using EncodeProgress = std::function<void(const Record&)>;

struct EncodeResult {
  long iterations = 0;
  StopReason stop_reason = StopReason::none;  // max_iter or tol
  double rel_error = 0;                       // ||X - W H||^2 / ||X||^2 at the end
};

/// The dictionary sizes beyond which `nmfx encode` defaults to hals: exact
/// NNLS costs O(k^3) per sample.
constexpr int exact_encode_atoms = 256;

/// Fills `w` (laid out over X's rows, k-vectors) with the codes of `x`
/// (double or single precision, block-cyclic on `grid`, squared norm `x_norm2`) against `h` (over X's
/// columns). anls solves each sample's NNLS exactly (warm-started from w);
/// the other rules start from w when it is non-zero, else from uniform
/// random codes (a function of the global index) scaled to X's mean, and
/// iterate. Collective; every rank stops at the same iteration. Error for
/// als and for rules that need the two-sided problem.
template <class Scalar>
EncodeResult encode(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                    const dist::Factor& h, dist::Factor& w, const EncodeOptions& options,
                    const EncodeProgress& progress = {});

}  // namespace nmfx::nmf
