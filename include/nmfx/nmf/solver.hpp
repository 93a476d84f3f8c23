#pragma once
// The one alternating-update skeleton every NMF algorithm runs on. It owns
// the distributed products (X H^T, W^T X, the Gram matrices) and the error,
// and delegates each half-step to an UpdateRule. Per iteration: two GEMMs
// with X, two k x k Gram matrices; the error comes from those products
// (||X - WH||^2 = ||X||^2 - 2<W^T X, H> + <W^T W, H H^T>), never from WH.
#include <functional>
#include <string>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"
#include "nmfx/nmf/rules.hpp"

namespace nmfx::nmf {

struct StopCriteria {
  long max_iterations = 100;
  /// Stop when the relative decrease of the error over one iteration falls
  /// below this (0: never).
  double tolerance = 0;
  /// Stop after this many seconds (0: no limit).
  double time_limit = 0;
};

/// One row of the training history (iteration 0 is the initial point).
struct Record {
  long iteration = 0;
  double seconds = 0;    // wall time since the solve started
  double rel_error = 0;  // ||X - WH||^2 / ||X||^2
};

struct SolveResult {
  std::vector<Record> history;
  std::string stop_reason;  // "max_iter", "tol", "time_limit", or an observer's
  long iterations = 0;
};

/// What an observer sees after each iteration (and for the initial point).
struct IterationView {
  const Record& record;
  const std::vector<Record>& history;  // up to and including `record`
  const dist::Factor& w;
  const dist::Factor& h;
};

/// Called collectively on every rank after every iteration. It may run
/// collective work (metrics); a non-empty return (e.g. "plateau") on any
/// rank stops the solve on every rank, with that stop reason.
using Observer = std::function<std::string(const IterationView&)>;

/// Runs the alternating updates on `x` (block-cyclic on `grid`, with squared
/// Frobenius norm `x_norm2`) from the initial `w` (X's rows) and `h` (X's
/// columns), updating W with `rule_w` and H with `rule_h`. Collective; every
/// rank stops at the same iteration. `resumed`: the history of an earlier
/// solve that ended at the current w, h (a checkpoint); the solve continues
/// it exactly as if it had never stopped.
SolveResult solve(const ProcessGrid& grid, const dist::DistMatrix& x, double x_norm2,
                  dist::Factor& w, dist::Factor& h, UpdateRule& rule_w, UpdateRule& rule_h,
                  const StopCriteria& stop, const Observer& observer = {},
                  const std::vector<Record>& resumed = {});

}  // namespace nmfx::nmf
