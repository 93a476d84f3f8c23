#pragma once
// `nmfx fit --test TEST.h5`: held-out samples with the training data's
// features, encoded against the model's dictionary at every metrics
// evaluation and at the end (the same distributed NNLS as `nmfx encode`), so
// that a run records its test error beside its training error.
#include <memory>

#include "nmfx/nmf/solver.hpp"
#include "nmfx/settings/fit_plan.hpp"

namespace nmfx::runner {

class TestSet {
 public:
  virtual ~TestSet() = default;
  /// Collective: encodes the test samples against the dictionary of `model`
  /// at depth d (nmf::dictionary: H, or W2 ... Wd H_d), as the plan's
  /// test_encoding says, starting from the codes of the previous call; returns
  /// ||X_test - W_test D||^2 / ||X_test||^2 (the same on every rank).
  virtual double rel_error(const nmf::Model& model, int d) = 0;
  /// Wall seconds spent in rel_error so far (this rank's).
  virtual double seconds() const = 0;
};

/// Collective: the plan's --test samples (its --dataset, in its precision)
/// on `grid`, in `block` x `block` blocks like X, whose columns they share
/// (`features` of them); nullptr without --test. Error on every rank, one
/// line starting "--test: ", when the file cannot be read or its matrix has
/// another number of columns, is not finite and non-negative, or is all
/// zeros.
std::unique_ptr<TestSet> read_test_set(const settings::FitPlan& plan, const ProcessGrid& grid, int block,
                                       long features, bool verbose);

}  // namespace nmfx::runner
