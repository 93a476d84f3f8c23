#pragma once
// Codes for data against a fixed dictionary: the W half-step of NMF alone,
// min_{W >= 0} 1/2 ||X - W H||^2 + l1 ||W||_1, solved by the update rules
// themselves. X H^T and H H^T are formed once; each iteration is then one
// rule update and one k x k Gram matrix, with no product with X.
#include <functional>
#include <string>
#include <vector>

#include "nmfx/nmf/solver.hpp"

namespace nmfx::nmf {

struct EncodeOptions {
  Algorithm algorithm = Algorithm::anls;  // anls is exact in one iteration
  double l1 = 0;                          // L1 penalty on the codes
  long max_iterations = 300;              // iterative rules (hals, mu, pgd, adam)
  /// Stop when the relative decrease of the error over one iteration falls
  /// below this (0: never).
  double tolerance = 1e-4;
  /// Start from the codes in w (anls: from their support) instead of zeros
  /// (anls) or random codes (the others): codes of an earlier dictionary.
  bool warm_start = false;
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

/// The rules that encode (`nmfx encode --algo`, `fit --test-algo`).
const std::vector<std::string>& encode_rule_names();

/// The default rule for `atoms` atoms: anls up to exact_encode_atoms, hals beyond.
Algorithm default_encode_algorithm(int atoms);

/// The dictionary new samples are encoded against at depth d: W2 ... Wd H_d
/// (r1 atoms over X's columns, laid out like H; H itself at depth 1). Local.
dist::Factor dictionary(const Model& model, int d);

/// Fills `w` (laid out over X's rows, k-vectors) with the codes of `x`
/// (double or single precision, block-cyclic on `grid`, squared norm `x_norm2`) against `h` (over X's
/// columns). anls solves each sample's NNLS exactly; the other rules start
/// from uniform random codes (a function of the global index) scaled to X's
/// mean, and iterate; with options.warm_start both start from w instead.
/// Collective; every rank stops at the same iteration. Error for als and for
/// rules that need the two-sided problem.
template <class Scalar>
EncodeResult encode(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                    const dist::Factor& h, dist::Factor& w, const EncodeOptions& options,
                    const EncodeProgress& progress = {});

}  // namespace nmfx::nmf
