#include "nmfx/runner/observers.hpp"

#include <cmath>
#include <cstdio>

#include "nmfx/core/timing.hpp"

namespace nmfx::runner {

nmf::Observer compose(const std::vector<std::unique_ptr<FitObserver>>& list) {
  return [&list](const nmf::IterationView& view) {
    nmf::StopReason reason = nmf::StopReason::none;
    for (const auto& o : list)
      if (const nmf::StopReason r = o->observe(view); r != nmf::StopReason::none) reason = r;
    return reason;
  };
}

MetricsObserver::MetricsObserver(FitState& state, TestSet* test)
    : state_(state), test_(test), detector_(state.plan.config.plateau_window, state.plan.config.plateau_tolerance) {}

/// The metrics of the model as the stage sees it (depth d): W1 ... Wd H_d
/// and, for deep models, every partial product W1 ... Wi with its code H_i
/// (layers beyond d are not trained yet: zeros); the test error against
/// the dictionary W2 ... Wd H_d.
void MetricsObserver::evaluate(const nmf::Model& model, long iteration) {
  const Timed timed(Activity::metrics);
  const int d = state_.depth();
  run_file::Measurements& m = state_.measured;
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    metrics::Evaluation e;
    e.iteration = iteration;
    if (int(i) < d) e = metrics::evaluate(state_.grid, nmf::partial_product(model, int(i) + 1), model.h[i], iteration);
    m.layers[i].push_back(e);
  }
  m.evaluations.push_back(
      metrics::evaluate(state_.grid, nmf::partial_product(model, d), model.h[std::size_t(d - 1)], iteration));
  if (test_) m.evaluations.back().test_rel_error = test_->rel_error(model, d);
}

nmf::StopReason MetricsObserver::observe(const nmf::IterationView& view) {
  const long iteration = view.record.iteration;
  evaluated_ = regular(iteration) || state_.plan.snapshot_at(iteration);
  flat_ = false;
  if (!evaluated_) return nmf::StopReason::none;
  evaluate(view.model(), iteration);
  if (regular(iteration) && state_.last_stage())
    flat_ = detector_.add(iteration, state_.measured.evaluations.back().model.effective_rank);
  return flat_ && state_.plan.early_stop == settings::EarlyStop::plateau ? nmf::StopReason::plateau
                                                                         : nmf::StopReason::none;
}

bool MetricsObserver::replay(long last) {
  if (!state_.last_stage()) return false;
  const run_file::Progress& p = state_.progress;
  bool stop = false;
  for (const auto& e : state_.measured.evaluations)
    if ((p.stage == 0 || e.iteration > p.stage_start) && regular(e.iteration))
      stop = detector_.add(e.iteration, e.model.effective_rank) &&
             state_.plan.early_stop == settings::EarlyStop::plateau && e.iteration == last;
  return stop;
}

void MetricsObserver::finish(const nmf::Model& model, long iteration) {
  const auto& e = state_.measured.evaluations;
  if ((state_.plan.config.metrics_every > 0 || test_) && (e.empty() || e.back().iteration != iteration))
    evaluate(model, iteration);
  state_.measured.plateaus = detector_.onsets();
}

bool MetricsObserver::regular(long iteration) const {
  const long every = state_.plan.config.metrics_every;
  return every > 0 && iteration % every == 0;
}

SnapshotTaker::SnapshotTaker(FitState& state, const std::vector<run_file::Block>& blocks) : state_(state) {
  for (const run_file::Block& b : blocks)
    if (run_file::is_snapshot_block(state.plan, b)) kept_.push_back(&b);
  state_.measured.snapshots.blocks.resize(kept_.size());
}

nmf::StopReason SnapshotTaker::observe(const nmf::IterationView& view) {
  const long iteration = view.record.iteration;
  if (!state_.plan.snapshot_at(iteration)) return nmf::StopReason::none;
  run_file::Snapshots& s = state_.measured.snapshots;
  s.iterations.push_back(iteration);
  for (std::size_t b = 0; b < kept_.size(); ++b) s.blocks[b].push_back(kept_[b]->factor(view.model()));
  return nmf::StopReason::none;
}

namespace {

long total_iterations(const settings::FitPlan& plan) {
  long total = 0;
  for (const settings::Stage& stage : plan.stages) total += stage.iterations;
  return total;
}

}  // namespace

ProgressPrinter::ProgressPrinter(const FitState& state, const MetricsObserver& metrics, bool verbose)
    : state_(state), metrics_(metrics), verbose_(verbose),
      bar_(verbose && state.plan.config.progress_every > 0, "nmfx fit", total_iterations(state.plan)) {}

nmf::StopReason ProgressPrinter::observe(const nmf::IterationView& view) {
  const long every = state_.plan.config.progress_every;
  const nmf::Record& r = view.record;
  if (bar_.live()) {
    std::string status = "rel_error " + format_number(r.rel_error);
    if (!std::isnan(r.heldout_rel_error)) status += "  heldout " + format_number(r.heldout_rel_error);
    if (!state_.measured.evaluations.empty()) {
      const metrics::Evaluation& e = state_.measured.evaluations.back();
      char text[40];
      std::snprintf(text, sizeof text, "  eff_rank %.3f", e.model.effective_rank);
      status += text;
      if (!std::isnan(e.test_rel_error)) status += "  test " + format_number(e.test_rel_error);
    }
    bar_.show(r.iteration, status, r.seconds);
    return nmf::StopReason::none;
  }
  if (!verbose_ || every <= 0 || r.iteration % every != 0) return nmf::StopReason::none;
  std::printf("  iter %6ld  rel_error %.6e  rel_residual %.6f", r.iteration, r.rel_error, std::sqrt(r.rel_error));
  if (!std::isnan(r.heldout_rel_error)) std::printf("  heldout %.6e", r.heldout_rel_error);
  std::printf("  %8.2f s", r.seconds);
  if (metrics_.evaluated()) {
    const metrics::Evaluation& e = state_.measured.evaluations.back();
    std::printf("  eff_rank %.3f%s", e.model.effective_rank, metrics_.flat() ? " (plateau)" : "");
    if (!std::isnan(e.test_rel_error)) std::printf("  test_rel_error %.6e", e.test_rel_error);
  }
  if (!r.layer_rel_error.empty()) {
    std::printf("  layers");
    for (double e : r.layer_rel_error) std::printf(" %.4g", e);
  }
  std::printf("\n");
  std::fflush(stdout);
  return nmf::StopReason::none;
}

Checkpointer::Checkpointer(const FitState& state, const StopSignals& signals, Write write)
    : state_(state), signals_(signals), write_(std::move(write)) {}

nmf::StopReason Checkpointer::observe(const nmf::IterationView& view) {
  // A signal on any rank stops every rank at this iteration boundary.
  const bool signalled = state_.grid.full_comm().max(signals_.received() ? 1 : 0) != 0;
  const long every = state_.plan.config.checkpoint_every;
  const long iteration = view.record.iteration;
  // Signalled at a fresh run's initial point: nothing worth keeping yet, so
  // nothing is written and a requeued job starts afresh.
  const bool fresh_start = view.history.size() == 1;
  if ((signalled && !fresh_start) || (every > 0 && iteration > 0 && iteration % every == 0)) write_(view);
  return signalled ? nmf::StopReason::interrupted : nmf::StopReason::none;
}

}  // namespace nmfx::runner
