#pragma once
// Low-rank-bias metrics: what a spectrum says about the rank of a model, and
// the model-level measurements nmfx logs during training.
#include <limits>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::metrics {

/// Effective rank exp(-sum p_i log p_i), p = sigma / ||sigma||_1 (Roy &
/// Vetterli 2007): k for a flat spectrum of length k, 1 for rank one, 0 for
/// an all-zero spectrum.
double effective_rank(const std::vector<double>& sigma);

/// Nuclear over operator norm ||sigma||_1 / sigma_1 (0 for an all-zero spectrum).
double nuclear_ratio(const std::vector<double>& sigma);

/// Hoyer's sparseness of a length-n vector from its L1 and L2 norms:
/// (sqrt(n) - L1/L2) / (sqrt(n) - 1), 0 for a flat vector, 1 for a single
/// non-zero; 0 when n == 1 or the vector is zero.
double hoyer_sparseness(double l1, double l2, long n);

/// A spectrum (descending) and its summaries.
struct Spectrum {
  std::vector<double> sigma;
  double effective_rank = 0, nuclear_ratio = 0, sigma1 = 0, sigma2 = 0;
};
Spectrum summarize(std::vector<double> sigma);

/// The measurements at one evaluation of W and H.
struct Evaluation {
  long iteration = 0;
  Spectrum model;  // sigma(W H)
  Spectrum w, h;   // sigma(W), sigma(H)
  /// Mean squared cosine between distinct live rows of H (0: orthogonal atoms,
  /// 1: all parallel): ||Hn Hn^T - I||_F^2 / (r (r - 1)) over the r live rows,
  /// each normalized to unit length.
  double cosine_separation = 0;
  double hoyer_w = 0;  // mean Hoyer sparseness of W's live columns (codes)
  double hoyer_h = 0;  // mean Hoyer sparseness of H's live rows (atoms)
  long dead_components = 0;  // components with an all-zero column of W or row of H
  /// `nmfx fit --test`: ||X_test - W_test D||^2 / ||X_test||^2 of the test
  /// samples' codes against the model's dictionary D (NaN: no test set).
  double test_rel_error = std::numeric_limits<double>::quiet_NaN();
};

/// Collective over the grid: evaluates W (over X's rows) and H (over X's
/// columns); the result is the same on every rank.
/// sigma(W H) comes from ScaLAPACK QRs of W and H^T and the SVD of the small
/// k x k product R_W R_H^T, never from forming W H.
Evaluation evaluate(const ProcessGrid& grid, const dist::Factor& w, const dist::Factor& h,
                    long iteration);

/// How sparse codes are per sample (per index of `w`, over its k entries):
/// the mean number of active (positive) atoms and the mean Hoyer sparseness
/// (a zero code counts as 0). Collective over w's reduce_comm(); the same on
/// every rank of it.
struct CodeSparsity {
  double active = 0, hoyer = 0;
};
CodeSparsity code_sparsity(const dist::Factor& w);

}  // namespace nmfx::metrics
