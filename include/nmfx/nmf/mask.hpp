#pragma once
// Masked NMF: the entries of X the objective leaves out. Missing entries are
// NaN in the data (--missing nan); hidden entries (--holdout F) are observed
// ones set aside to measure how well the model predicts what it never saw.
// The objective is 1/2 the sum over the counted entries of (X - W H)^2.
//
// Masked solves work by imputation: before a block is updated, every
// left-out entry of X holds the current model's value there ((W H)_ij,
// from this rank's blocks of W and H only; W H is never formed). The
// ordinary half-step problem on that X majorizes the masked objective and
// touches it at the current model, with the same gradient. So every rule
// that decreases its half-step problem decreases the masked objective (EM
// for mu, hals and anls), and pgd and adam step along the exact masked
// gradient.
#include <cstdint>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::nmf {

/// Whether --holdout `fraction` with `seed` hides entry (row, col) of an
/// m x n matrix: a function of the seed and the global index alone, so every
/// process grid hides the same entries.
bool is_hidden(std::uint64_t seed, double fraction, long row, long col, long n);

/// Sums over this rank's left-out entries after an imputation.
struct ImputedSums {
  double values2 = 0;   // sum of the imputed values squared (as X now holds them)
  double heldout2 = 0;  // sum over hidden entries of (x - (W H))^2
};

/// The left-out entries of this rank's part of X, which it writes to.
template <class Scalar>
class Mask {
 public:
  /// Collective over `grid`. Leaves out X's NaN entries (when `missing_nan`;
  /// otherwise X must have none) and hides a fraction `holdout` of the other
  /// entries. The left-out entries then hold the mean of the counted ones.
  /// Error on every rank when a row or a column of X has no counted entry.
  Mask(const ProcessGrid& grid, dist::BasicDistMatrix<Scalar>& x, bool missing_nan, double holdout,
       std::uint64_t seed);
  Mask(const Mask&) = delete;
  Mask& operator=(const Mask&) = delete;

  /// Global counts and sums over the counted entries.
  long counted() const { return counted_; }
  long missing() const { return missing_; }
  long hidden() const { return hidden_; }
  double counted_sum() const { return counted_sum_; }
  double counted_norm2() const { return counted_norm2_; }
  double hidden_norm2() const { return hidden_norm2_; }

  /// Writes (A B)_ij into every left-out entry (i, j) of this rank's X, where
  /// `a` holds k-vectors over X's rows and `b` over its columns; returns
  /// this rank's sums. Local.
  ImputedSums impute(const dist::BasicFactor<Scalar>& a, const dist::BasicFactor<Scalar>& b);
  /// The values the left-out entries hold now (in the order of impute()).
  const std::vector<double>& values() const { return stored_; }
  /// The model's values of the last impute() (before rounding to Scalar).
  const std::vector<double>& model_values() const { return model_; }

 private:
  dist::BasicDistMatrix<Scalar>& x_;
  /// The left-out entries' local rows and columns, in tiles of rows (see impute).
  std::vector<std::uint32_t> rows_, cols_;
  std::size_t offset(std::size_t e) const { return std::size_t(cols_[e]) * std::size_t(x_.local_rows()) + rows_[e]; }
  std::vector<double> truth_;  // hidden: the value; missing: NaN
  std::vector<double> model_, stored_;  // the model's values; as X holds them
  long counted_ = 0, missing_ = 0, hidden_ = 0;
  double counted_sum_ = 0, counted_norm2_ = 0, hidden_norm2_ = 0;
};

extern template class Mask<double>;
extern template class Mask<float>;

}  // namespace nmfx::nmf
