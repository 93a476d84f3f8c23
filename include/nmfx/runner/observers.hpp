#pragma once
// What watches a fit while it runs, as small observers composed in a list
// around the one solver skeleton: the low-rank-bias metrics (and the plateau
// stop, and the test-set error), the progress lines, and checkpoints
// (periodic, or on a signal).
#include <functional>
#include <memory>
#include <vector>

#include "nmfx/core/progress.hpp"
#include "nmfx/core/signals.hpp"
#include "nmfx/metrics/plateau.hpp"
#include "nmfx/runner/run_file.hpp"
#include "nmfx/runner/test_set.hpp"

namespace nmfx::runner {

/// Where a fit stands, shared by its observers.
struct FitState {
  const settings::FitPlan& plan;
  const ProcessGrid& grid;
  run_file::Measurements& measured;
  run_file::Progress& progress;  // the stage being trained
  int depth() const { return plan.stages[progress.stage].phase.depth(); }
  bool last_stage() const { return progress.stage + 1 == plan.stages.size(); }
};

class FitObserver {
 public:
  virtual ~FitObserver() = default;
  /// Collective: after the initial point and every iteration of a stage.
  /// Returns why the fit should stop, or none.
  virtual nmf::StopReason observe(const nmf::IterationView& view) = 0;
};

/// The solver's observer running `list` in order; when several want to
/// stop, the last one's reason is the fit's (a signal's checkpoint outranks
/// a plateau).
nmf::Observer compose(const std::vector<std::unique_ptr<FitObserver>>& list);

/// Evaluates the model every --metrics-every iterations and at every
/// --snapshots iteration into `state.measured` (with the error of `test`,
/// the --test samples, when given), and watches the effective rank of the
/// regular evaluations for plateaus in the last stage (stopping there with
/// --early-stop plateau).
class MetricsObserver : public FitObserver {
 public:
  MetricsObserver(FitState& state, TestSet* test);
  nmf::StopReason observe(const nmf::IterationView& view) override;
  /// Whether this iteration was evaluated, and found a plateau.
  bool evaluated() const { return evaluated_; }
  bool flat() const { return flat_; }
  /// After a resume: feeds the restored evaluations of the current stage to
  /// the detector; true when a plateau that stops the fit lies at the
  /// checkpoint's own iteration `last` (it stopped there before).
  bool replay(long last);
  /// The final state is always measured, with metrics or a test set (not
  /// fed to the detector, whose windows assume evenly spaced evaluations);
  /// records the plateaus.
  void finish(const nmf::Model& model, long iteration);

 private:
  void evaluate(const nmf::Model& model, long iteration);
  /// Whether `iteration` is on the --metrics-every grid.
  bool regular(long iteration) const;
  FitState& state_;
  TestSet* test_;
  metrics::PlateauDetector detector_;
  bool evaluated_ = false, flat_ = false;
};

/// Keeps a copy of the snapshot blocks (every code; every W with
/// --snapshot-w) at each --snapshots iteration in `state.measured`; the
/// run file and checkpoints write them (/snapshots).
class SnapshotTaker : public FitObserver {
 public:
  SnapshotTaker(FitState& state, const std::vector<run_file::Block>& blocks);
  nmf::StopReason observe(const nmf::IterationView& view) override;

 private:
  FitState& state_;
  std::vector<const run_file::Block*> kept_;
};

/// One progress line every --progress iterations (rank 0 prints); on a
/// terminal instead a live bar redrawn every iteration (see ProgressBar),
/// with the time left until the last stage's last iteration.
class ProgressPrinter : public FitObserver {
 public:
  ProgressPrinter(const FitState& state, const MetricsObserver& metrics, bool verbose);
  nmf::StopReason observe(const nmf::IterationView& view) override;
  /// Ends the bar's line before the fit's summary.
  void finish() { bar_.finish(); }

 private:
  const FitState& state_;
  const MetricsObserver& metrics_;
  bool verbose_;
  ProgressBar bar_;
};

/// Writes the checkpoint every --checkpoint-every iterations, and when a
/// signal came on any rank, then stops the fit (interrupted). A signal at a
/// fresh run's initial point writes nothing.
class Checkpointer : public FitObserver {
 public:
  using Write = std::function<void(const nmf::IterationView&)>;
  Checkpointer(const FitState& state, const StopSignals& signals, Write write);
  nmf::StopReason observe(const nmf::IterationView& view) override;

 private:
  const FitState& state_;
  const StopSignals& signals_;
  Write write_;
};

}  // namespace nmfx::runner
