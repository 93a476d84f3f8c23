#pragma once
// The one alternating-update skeleton every NMF algorithm and every model
// runs on: ordinary NMF X ~ W H and Deep NMF X ~ W1 W2 ... WL H (depth L;
// depth 1 is ordinary NMF, through the same code). The skeleton owns the
// distributed products (X B^T, W1^T X, Gram matrices) and the errors, and
// delegates each block's half-step to an UpdateRule. Per iteration: two GEMMs
// with X whatever the depth; the inner layers only add products of
// r x r and r x n factors. Errors come from those products
// (||X - WH||^2 = ||X||^2 - 2<W^T X, H> + <W^T W, H H^T>), never from WH.
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"
#include "nmfx/nmf/mask.hpp"
#include "nmfx/nmf/rules.hpp"

namespace nmfx::nmf {

/// X ~ W1 W2 ... WL H_L in nmfx's factor layout (k-vectors per index).
/// w[0] is W1 over X's rows; w[i] (i >= 1) is W_{i+1}, r_{i+1}-vectors for
/// each of its r_i rows, small and replicated on every rank
/// (dist::Along::replicated). h[i] is layer i+1's code H_{i+1} over X's columns, so
/// h.back() is H. Layer losses train every code; the global loss trains only
/// H and keeps h[i] = W_{i+2} ... WL H, the code the deeper layers imply.
/// `Scalar` is double, or float for a single-precision fit.
template <class Scalar>
struct BasicModel {
  std::vector<dist::BasicFactor<Scalar>> w, h;
  int depth() const { return int(w.size()); }
  /// `other`'s factors in this precision (rounded when narrowing).
  template <class Other>
  static BasicModel converted(const BasicModel<Other>& other) {
    BasicModel model;
    for (const auto& f : other.w) model.w.push_back(dist::BasicFactor<Scalar>::converted(f));
    for (const auto& f : other.h) model.h.push_back(dist::BasicFactor<Scalar>::converted(f));
    return model;
  }
};
using Model = BasicModel<double>;
using SingleModel = BasicModel<float>;

/// A_d = W1 ... Wd over X's rows (A_1 = W1). Local.
template <class Scalar>
dist::BasicFactor<Scalar> partial_product(const BasicModel<Scalar>& model, int d);

/// The rule of every block: w[i] updates model.w[i], h[i] model.h[i].
struct Rules {
  std::vector<UpdateRule*> w, h;
};

/// What an iteration updates and minimizes.
///  - global: 1/2 ||X - W1 ... WL H||^2, block by block W1, ..., WL, H;
///  - layers: the sum over layers i in [first, last] of
///    1/2 ||H_{i-1} - W_i H_i||^2 (H_0 = X), layer by layer, each W_i then
///    H_i. Jointly over all layers (layer-sum: first = 1, last = L) or one
///    layer at a time (layer-seq: first = last). When a later layer is
///    trained too, W_i's columns are scaled to unit norm after its update
///    (and H_i's rows inversely): the sum is otherwise unbounded below along
///    W_i -> c W_i, H_i -> H_i / c.
struct Phase {
  bool global = true;
  int first = 1, last = 1;  // layers (1-based, inclusive); global: 1 and L
  /// The depth of the model the errors measure: layers 1..last.
  int depth() const { return last; }
};

struct StopCriteria {
  long max_iterations = 100;  // the last iteration number (a resumed solve counts on)
  /// Stop when the relative decrease of the error over one iteration falls
  /// below this (0: never).
  double tolerance = 0;
  /// Stop after this many seconds (0: no limit).
  double time_limit = 0;
  /// The tolerance test only compares records from this iteration on (a
  /// phase that continues an earlier phase's history starts after it).
  long compare_from = 0;
};

/// One row of the training history (iteration 0 is the initial point).
struct Record {
  long iteration = 0;
  double seconds = 0;    // wall time since the solve started
  double rel_error = 0;  // ||X - W1...Wd H_d||^2 / ||X||^2, d = the phase's depth
  /// Deep models: ||H_{i-1} - W_i H_i||^2 / ||H_{i-1}||^2 for every layer
  /// (NaN for layers beyond the phase's depth); empty at depth 1.
  std::vector<double> layer_rel_error;
  /// Masked solves: rel_error counts the counted entries only; this is the
  /// same ratio over the hidden entries (NaN without any).
  double heldout_rel_error = std::numeric_limits<double>::quiet_NaN();
};

/// Why a solve (or a fit) stopped; `none` while it goes on.
enum class StopReason { none, max_iter, tol, time_limit, plateau, interrupted, checkpoint, non_finite };

/// The name run files record ("max_iter", "tol", ...).
const char* stop_reason_name(StopReason reason);

struct SolveResult {
  std::vector<Record> history;
  /// max_iter, tol, time_limit, non_finite (an overflow or NaN: the model
  /// and history end at the last finite record), or an observer's.
  StopReason stop_reason = StopReason::none;
  long iterations = 0;
};

/// What an observer sees after each iteration (and for the initial point).
class IterationView {
 public:
  template <class Scalar>
  IterationView(const Record& r, const std::vector<Record>& h, const BasicModel<Scalar>& model)
      : record(r), history(h), model_(&model) {}
  const Record& record;
  const std::vector<Record>& history;  // up to and including `record`
  /// The current model in double precision: the solve's own, or for a
  /// single-precision solve a widened copy, made on the first call and
  /// kept while the view lives (observers that never ask cost nothing).
  const Model& model() const;

 private:
  std::variant<const Model*, const SingleModel*> model_;
  mutable std::optional<Model> widened_;
};

/// Called collectively on every rank after every iteration. It may run
/// collective work (metrics); a reason other than `none` (e.g. plateau) on
/// any rank stops the solve on every rank, with that stop reason.
using Observer = std::function<StopReason(const IterationView&)>;

/// Runs `phase` on `x` (block-cyclic on `grid`, squared Frobenius norm
/// `x_norm2`, double or single precision) from the current `model`, whose
/// factors have X's precision: a single-precision solve runs its products
/// and updates in float, and sums over many terms (Gram matrices, inner
/// products, errors) in double. Collective; every rank stops at the
/// same iteration. `resumed`: the history of an earlier solve that ended at
/// the current model (a checkpoint, or the previous phase); the solve
/// continues it, its clock and its iteration count, without a new initial
/// record. With a `mask` (made on `x`; global loss only) the solve fits the
/// counted entries alone (x_norm2 is theirs) and writes the model's values
/// into the others as it goes (see mask.hpp).
template <class Scalar>
SolveResult solve(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                  BasicModel<Scalar>& model, const Rules& rules, const Phase& phase, const StopCriteria& stop,
                  const Observer& observer = {}, const std::vector<Record>& resumed = {},
                  Mask<Scalar>* mask = nullptr);

/// Ordinary NMF X ~ W H: the depth-1 model, W updated by `rule_w`, H by `rule_h`.
template <class Scalar>
SolveResult solve(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                  dist::BasicFactor<Scalar>& w, dist::BasicFactor<Scalar>& h, UpdateRule& rule_w, UpdateRule& rule_h,
                  const StopCriteria& stop, const Observer& observer = {},
                  const std::vector<Record>& resumed = {});

/// The half-step problem of one block at the current model, as its rule sees
/// it (gradient gram F right - cross; right empty when one-sided). For tests
/// and tools: `block` 0..L-1 is W_{block+1}, L..2L-1 is H_{block-L+1}.
template <class Scalar>
struct BlockProblem {
  dist::BasicFactor<Scalar> cross;
  std::vector<double> gram, right;
};
template <class Scalar>
BlockProblem<Scalar> block_problem(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x,
                                   const BasicModel<Scalar>& model, const Phase& phase, int block,
                                   Mask<Scalar>* mask = nullptr);

}  // namespace nmfx::nmf
