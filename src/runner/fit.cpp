#include "nmfx/runner/fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>

#include "nmfx/core/error.hpp"
#include "nmfx/core/memory.hpp"
#include "nmfx/core/timing.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/core/signals.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/runner/observers.hpp"
#include "nmfx/runner/run_file.hpp"
#include "nmfx/runner/test_set.hpp"

namespace nmfx::runner {
namespace {

using settings::FitPlan;

std::string join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

/// The shape of X and the grid chosen for it.
struct DataShape {
  long m = 0, n = 0;
  GridShape grid;
};

/// Collective: X's shape in `data` and the grid for it (and the ranks mpirun
/// started); Error when the shape cannot hold the model.
DataShape data_shape(MPI_Comm comm, const FitPlan& plan, const io::File& data) {
  const FitConfig& c = plan.config;
  const int size = Communicator(comm).size();
  DataShape out;
  collectively(comm, [&] {
    const io::Dims dims = io::matrix_shape(data, c.dataset);
    const long m = out.m = long(dims[0]), n = out.n = long(dims[1]);
    // Overcomplete models (k > min(m, n)) are fine for every rule but als,
    // whose unconstrained least-squares problems are then singular.
    if (plan.algorithm == nmf::Algorithm::als && plan.ranks[0] > std::min(m, n))
      throw Error("--algo als cannot fit --rank " + std::to_string(plan.ranks[0]) + " to a " + std::to_string(m) +
                  "x" + std::to_string(n) + " matrix (at most " + std::to_string(std::min(m, n)) +
                  "; beyond, its least-squares problems are singular): use hals, mu, anls, pgd or adam");
    GridShape& shape = out.grid;
    shape = c.grid.empty() ? choose_grid(size, m, n) : parse_grid(c.grid);
    if (long(shape.rows) * shape.cols != size)
      throw Error("--grid " + shape.str() + " needs " + std::to_string(long(shape.rows) * shape.cols) +
                  " ranks but mpirun started " + std::to_string(size));
  });
  return out;
}

/// Whether the fit takes an SVD of X (the reference, the NNDSVD starts),
/// which factorizes a copy of X.
bool svd_of_x(const FitPlan& plan) {
  using settings::Init;
  return plan.config.reference || plan.init == Init::nndsvd || plan.init == Init::nndsvda ||
         plan.init == Init::nndsvdar || plan.init == Init::ssvd;
}

/// What a fit allocates on this rank beside X (and its copy for an SVD):
/// each layer's W and H six times over (their cross products, the rules'
/// gradients, the last finite factors, the metrics' QR copy, the copies
/// written to files), eight k x k matrices (Grams, the rules' copies, the
/// metrics' triangles), the buffer X is read through, and, for an SVD of X,
/// the p x p triangle and vectors (p = min(m, n)).
double working_bytes(const FitPlan& plan, const ProcessGrid& grid, long m, long n, int block) {
  const dist::LocalShape mine = dist::local_shape(grid, m, n, block, block);
  double values = 0;
  for (std::size_t i = 0; i < plan.ranks.size(); ++i) {
    const double k = plan.ranks[i], w_indices = i == 0 ? double(mine.rows) : double(plan.ranks[i - 1]);
    values += 6 * k * (w_indices + double(mine.cols)) + 8 * k * k;
  }
  const long p = std::min(m, n);
  if (svd_of_x(plan)) values += 2 * dist::local_shape(grid, p, p, block, block).entries();
  return values * sizeof(double) + io::transfer_buffer_bytes;
}

/// The data of a fit on its grid: X block-cyclic in double or single
/// precision, its sum and squared norm. Not movable: the factors made on its
/// grid point to it.
template <class Scalar>
struct Problem {
  /// Collective: reads X and checks it is non-negative, finite and not all zero.
  Problem(MPI_Comm comm, const FitPlan& plan, bool verbose)
      : data_(io::File::open_read(comm, plan.config.data_path)),
        shape_(data_shape(comm, plan, data_)),
        grid(comm, shape_.grid),
        block(plan.config.block > 0 ? plan.config.block : dist::default_block),
        x(grid, 0, 0, block, block) {
    const FitConfig& c = plan.config;
    const double start = wall_time();
    const std::string what = c.dataset + " in '" + c.data_path + "'";
    const long m = shape_.m, n = shape_.n;
    // X (and a copy of it for the SVD of the reference and the NNDSVD
    // starts) alone, then with the model: a rank too large is named as such.
    const double copies = svd_of_x(plan) ? 2 : 1;
    dist::require_matrix_memory(grid, what, m, n, block, block, copies, 0, sizeof(Scalar));
    const std::string model = plan.deep() ? "--ranks " + join(plan.ranks) : "--rank " + std::to_string(plan.ranks[0]);
    dist::require_matrix_memory(grid, model + " on " + what, m, n, block, block, copies,
                                working_bytes(plan, grid, m, n, block), sizeof(Scalar));
    {
      const Timed timed(Activity::read);
      x = io::read_matrix<Scalar>(data_, c.dataset, grid, block, block);
    }
    data_.close();
    dist::require_nonnegative_finite(grid.comm(), x, what, c.missing == "nan");
    double sums[3] = {0, 0, double(m) * double(n)};  // sum, sum of squares and count of the counted entries
    if (plan.masked()) {
      const Timed timed(Activity::read);  // marking X's left-out entries
      mask = std::make_unique<nmf::Mask<Scalar>>(grid, x, c.missing == "nan", c.holdout, c.seed);
      sums[0] = mask->counted_sum();
      sums[1] = mask->counted_norm2();
      sums[2] = double(mask->counted());
    } else {
      for (const Scalar entry : x.local) {
        sums[0] += double(entry);
        sums[1] += double(entry) * double(entry);
      }
      grid.full_comm().sum(sums, 2);
    }
    double largest = 0;
    for (const Scalar entry : x.local) largest = std::max(largest, double(entry));
    sum = sums[0];
    norm2 = sums[1];
    counted = sums[2];
    if (!(norm2 > 0))
      throw Error(what + (mask ? " has no non-zero entry left to fit" : " is all zeros") +
                      "; there is nothing to factorize",
                  true);
    // Squared norms (errors, Gram matrices) must not overflow.
    // Single precision: HDF5 turns entries beyond float's range into its
    // largest value.
    const bool single = std::is_same_v<Scalar, float>;
    if (!std::isfinite(sum) || !(norm2 < 1e300) ||
        (single && !(grid.full_comm().max(largest) < double(std::numeric_limits<float>::max())))) {
      char scale[32];
      std::snprintf(scale, sizeof scale, "%.3g", grid.full_comm().max(largest));
      throw Error(what + " is too large to factorize in " + (single ? "single" : "double") +
                      " precision (its largest entry is " + scale +
                      (single ? ", beyond float32's range" : ", its squared norm overflows") +
                      "); divide it by a constant first",
                  true);
    }
    if (verbose) {
      const std::string model = plan.deep() ? "deep " + join(plan.ranks) + " (" + c.deep_loss + ")"
                                            : "k=" + std::to_string(plan.ranks[0]);
      std::printf("nmfx fit: %s (%ld x %ld) read in %.2f s; %s, %s, grid %s, block %d, %d rank%s%s\n",
                  what.c_str(), x.rows.global_size(), x.cols.global_size(), wall_time() - start,
                  c.algorithm.c_str(), model.c_str(), grid.shape().str().c_str(), block, grid.size(),
                  grid.size() > 1 ? "s" : "", single ? ", single precision" : "");
      if (mask)
        std::printf("nmfx fit: masked: %ld entries fitted, %ld missing, %ld hidden (--holdout %g)\n",
                    mask->counted(), mask->missing(), mask->hidden(), c.holdout);
    }
  }
  Problem(const Problem&) = delete;
  Problem& operator=(const Problem&) = delete;

  /// The mean of the counted entries.
  double mean() const { return sum / counted; }

 private:
  io::File data_;  // open until X is read (its shape is read once)
  DataShape shape_;

 public:
  ProcessGrid grid;
  int block;
  dist::BasicDistMatrix<Scalar> x;
  /// Masked NMF: X's entries left out of the objective (null: none).
  std::unique_ptr<nmf::Mask<Scalar>> mask;
  double sum = 0, norm2 = 0, counted = 0;  // over the entries the objective counts
};

/// sigma(X) and the Eckart-Young bound on the error of any rank-k model.
template <class Scalar>
void measure_reference(const Problem<Scalar>& p, int k, run_file::Measurements& measured, bool verbose) {
  const Timed timed(Activity::reference);
  const double start = wall_time();
  measured.sigma_x = la::svd(p.grid, p.x, 0).sigma;
  double tail = 0;  // sum of sigma_i^2 beyond k: the best any rank-k model leaves
  for (std::size_t i = std::size_t(k); i < measured.sigma_x.size(); ++i)
    tail += measured.sigma_x[i] * measured.sigma_x[i];
  measured.svd_rel_error = tail / p.norm2;
  // k >= rank(X): a model of rank k can reproduce X exactly (bound 0).
  if (verbose)
    std::printf("nmfx fit: singular values of X in %.2f s; best rank-%d rel_error "
                "(Eckart-Young) %.6e, rel_residual %.6f%s\n",
                wall_time() - start, k, measured.svd_rel_error, std::sqrt(measured.svd_rel_error),
                tail > 0 ? "" : " (k >= rank(X))");
}

/// The model's factors in X's precision, every entry 0: W1 and the codes
/// over X's rows and columns, the inner W_i replicated.
template <class Scalar>
nmf::BasicModel<Scalar> empty_model(const ProcessGrid& grid, const std::vector<int>& ranks,
                                    const dist::BasicDistMatrix<Scalar>& x) {
  using Factor = dist::BasicFactor<Scalar>;
  nmf::BasicModel<Scalar> model;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    model.w.push_back(i == 0 ? Factor::rows_of(grid, ranks[i], x) : Factor::replicated(grid, ranks[i], ranks[i - 1]));
    model.h.push_back(Factor::cols_of(grid, ranks[i], x));
  }
  return model;
}

/// The model in double precision: `model` itself, or a widened copy kept in `copy`.
const nmf::Model& in_double(const nmf::Model& model, std::optional<nmf::Model>&) { return model; }
const nmf::Model& in_double(const nmf::SingleModel& model, std::optional<nmf::Model>& copy) {
  return copy.emplace(nmf::Model::converted(model));
}

/// Runs `change` on `model` in double precision: on the model itself, or
/// on a widened copy rounded back after (initialization and resumes, which
/// read and write files in double).
template <class Scalar, class Change>
void change_in_double(nmf::BasicModel<Scalar>& model, Change change) {
  if constexpr (std::is_same_v<Scalar, double>) {
    change(model);
  } else {
    nmf::Model wide = nmf::Model::converted(model);
    change(wide);
    model = nmf::SingleModel::converted(wide);
  }
}

/// The model (in X's precision) with a rule for every block, and the blocks
/// as files see them (W's, then codes).
template <class Scalar>
struct Trainee {
  nmf::BasicModel<Scalar> model;
  std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
  nmf::Rules rules;
  std::vector<run_file::Block> blocks;
};

template <class Scalar>
void make_trainee(const FitPlan& plan, const Problem<Scalar>& p, Trainee<Scalar>& t) {
  t.model = empty_model(p.grid, plan.ranks, p.x);
  for (int i = 0; i < plan.depth(); ++i) {
    t.owned.push_back(nmf::make_rule(plan.algorithm, plan.config.rule_w));
    t.rules.w.push_back(t.owned.back().get());
    t.owned.push_back(nmf::make_rule(plan.algorithm, plan.config.rule_h));
    t.rules.h.push_back(t.owned.back().get());
  }
  auto name = [&](char f, int i) { return plan.deep() ? f + std::to_string(i + 1) : std::string(1, f); };
  for (int i = 0; i < plan.depth(); ++i)
    t.blocks.push_back({name('W', i), false, i, *t.rules.w[std::size_t(i)]});
  for (int i = 0; i < plan.depth(); ++i)
    t.blocks.push_back({name('H', i), true, i, *t.rules.h[std::size_t(i)]});
}

/// Fills layer `layer` (1-based) as --init says, to factorize what it sees:
/// X for layer 1, the code H_{layer-1} after. Layer 1 with the fit's seed, so
/// depth 1 is ordinary NMF. Collective.
template <class Scalar>
void initialize_layer(const FitPlan& plan, const Problem<Scalar>& p, nmf::Model& model, int layer) {
  using settings::Init;
  const Timed timed(Activity::reference);
  const ProcessGrid& grid = p.grid;
  dist::Factor& w = model.w[std::size_t(layer - 1)];
  dist::Factor& h = model.h[std::size_t(layer - 1)];
  const std::uint64_t seed = layer == 1 ? plan.config.seed : mix64(plan.config.seed + std::uint64_t(layer));
  double mean = p.mean();
  if (layer > 1) {  // the mean of the code this layer factorizes
    const dist::Factor& code = model.h[std::size_t(layer - 2)];
    double sum = 0;
    for (double v : code.local) sum += v;
    code.reduce_comm().sum(&sum, 1);
    mean = sum / (double(code.k) * double(code.map.global_size()));
  }
  switch (plan.init) {
    case Init::random:
      nmf::random_init(seed, mean, w, h);
      break;
    case Init::eye:
      nmf::eye_init(w, h);
      break;
    case Init::nndsvd:
    case Init::nndsvda:
    case Init::nndsvdar:
    case Init::ssvd: {
      const nmf::NndsvdFill fill = plan.init == Init::nndsvd    ? nmf::NndsvdFill::zeros
                                   : plan.init == Init::nndsvda ? nmf::NndsvdFill::mean
                                                                : nmf::NndsvdFill::random;
      if (layer == 1) {  // an overcomplete W1 gets every triplet X has
        const long triplets = std::min({long(w.k), p.x.rows.global_size(), p.x.cols.global_size()});
        nmf::nndsvd_init(la::svd(grid, p.x, int(triplets)), fill, mean, seed, w, h);
      } else {
        nmf::nndsvd_init(la::svd(model.h[std::size_t(layer - 2)], w.k), fill, mean, seed, w, h);
      }
      break;
    }
    case Init::file: {
      const io::File run = io::File::open_read(grid.comm(), plan.init_file);
      w = run_file::read_model_factor(run, "/W", w);
      h = run_file::read_model_factor(run, "/H", h);
      break;
    }
  }
  if (plan.config.init_scale != 1)  // make_plan allows it for random and eye only
    for (dist::Factor* f : {&w, &h})
      for (double& v : f->local) v *= plan.config.init_scale;
  // Every copy of the code reduced an inner layer's statistics on its own;
  // the first copy's result is everyone's, so the replicas start (and stay)
  // identical.
  if (layer > 1)
    for (dist::Factor* f : {&w, &h}) h.replica_comm().broadcast(f->local.data(), long(f->local.size()));
}

FitSummary summarize(const ProcessGrid& grid, const nmf::SolveResult& result,
                     const run_file::Measurements& measured) {
  FitSummary s;
  s.iterations = result.iterations;
  s.stop_reason = result.stop_reason;
  s.rel_error = result.history.back().rel_error;
  s.heldout_rel_error = result.history.back().heldout_rel_error;
  s.seconds = result.history.back().seconds;
  // Per iteration of the loop: the initial point's products are excluded.
  s.seconds_per_iteration =
      result.iterations > 0 ? (s.seconds - result.history.front().seconds) / double(result.iterations) : 0;
  s.grid = grid.shape().str();
  s.svd_rel_error = measured.svd_rel_error;
  s.plateaus = measured.plateaus;
  if (!measured.evaluations.empty()) {
    s.final_effective_rank = measured.evaluations.back().model.effective_rank;
    if (!std::isnan(measured.evaluations.back().test_rel_error))
      s.test_rel_error = measured.evaluations.back().test_rel_error;
  }
  return s;
}

void print_summary(const FitSummary& s, const std::string& output) {
  if (s.final_effective_rank >= 0) {
    std::printf("nmfx fit: effective rank of the model %.3f; plateaus at iteration", s.final_effective_rank);
    if (s.plateaus.empty()) std::printf("s: none");
    for (long p : s.plateaus) std::printf(" %ld", p);
    std::printf("\n");
  }
  const TimingReport& t = s.timing;
  std::printf("nmfx fit: time %.2f s:", t.total);
  for (std::size_t a = 0; a < activity_count; ++a)
    if (t.seconds[a] >= 0.005)
      std::printf(" %s %.2f (%.0f%%),", activity_name(Activity(a)), t.seconds[a], 100 * t.seconds[a] / t.total);
  std::printf(" other %.2f (%.0f%%); peak memory %s per rank\n", t.other, 100 * t.other / t.total,
              format_bytes(t.peak_resident_bytes).c_str());
  if (s.test_rel_error >= 0)
    std::printf("nmfx fit: test set rel_error %.6e, rel_residual %.6f; its encodings took %.2f s, %.1f%% of "
                "the solve's %.2f s\n",
                s.test_rel_error, std::sqrt(s.test_rel_error), s.test_seconds,
                s.seconds > 0 ? 100 * s.test_seconds / s.seconds : 0.0, s.seconds);
  std::printf("nmfx fit: %ld iterations (%s), rel_error %.6e, rel_residual %.6f, ", s.iterations,
              nmf::stop_reason_name(s.stop_reason), s.rel_error, std::sqrt(s.rel_error));
  if (!std::isnan(s.heldout_rel_error)) std::printf("heldout_rel_error %.6e, ", s.heldout_rel_error);
  std::printf("%.4f s/iteration; wrote %s\n", s.seconds_per_iteration, output.c_str());
}

/// A fit in progress: the model and its rules, what has been measured, the
/// stage, the history, and the observers that watch the iterations.
template <class Scalar>
class Training {
 public:
  /// `test`: the --test samples, or nullptr.
  Training(const FitPlan& plan, const Problem<Scalar>& problem, TestSet* test, bool verbose)
      : plan_(plan), problem_(problem), verbose_(verbose), checkpoint_(checkpoint_path(plan.config)) {
    if (plan.deep()) measured_.layers.resize(plan.ranks.size() - 1);
    // Masked data has no Eckart-Young bound: the best masked model is not a truncated SVD.
    if (plan.config.reference && !plan.masked()) measure_reference(problem, plan.ranks.back(), measured_, verbose);
    make_trainee(plan, problem, trainee_);
    require_snapshot_memory();
    progress_.run_id = run_file::new_run_id(problem.grid.full_comm());  // a resume reads it back
    auto metrics = std::make_unique<MetricsObserver>(state_, test);
    metrics_ = metrics.get();
    observers_.push_back(std::move(metrics));
    auto progress = std::make_unique<ProgressPrinter>(state_, *metrics_, verbose);
    progress_printer_ = progress.get();
    observers_.push_back(std::move(progress));
    observers_.push_back(std::make_unique<SnapshotTaker>(state_, trainee_.blocks));  // before checkpoints
    observers_.push_back(std::make_unique<Checkpointer>(
        state_, signals_, [this](const nmf::IterationView& v) { write_checkpoint(v); }));
  }

  /// Continues from the checkpoint (Error when it does not fit the plan).
  void resume() {
    change_in_double(trainee_.model, [&](nmf::Model& model) {
      history_ = run_file::read_checkpoint(checkpoint_, plan_, problem_.grid, problem_.block, trainee_.blocks, model,
                                           measured_, progress_);
    });
    plateau_at_checkpoint_ = metrics_->replay(history_.back().iteration);
    if (verbose_)
      std::printf("nmfx fit: resuming at iteration %ld from %s\n", history_.back().iteration, checkpoint_.c_str());
  }

  /// The stage loop: a stage that ends by max_iter or tol hands on to the
  /// next; anything else (or the last stage) ends the fit.
  nmf::SolveResult train() {
    nmf::SolveResult result{history_, nmf::StopReason::plateau, history_.empty() ? 0 : history_.back().iteration};
    if (plateau_at_checkpoint_) return result;
    for (bool resuming = !history_.empty();; ++progress_.stage, resuming = false) {
      const settings::Stage& stage = plan_.stages[progress_.stage];
      if (!resuming) enter_stage();
      // The tolerance compares iterations of this stage only.
      const nmf::StopCriteria stop{progress_.stage_start + stage.iterations, plan_.config.tolerance,
                                   plan_.config.time_limit, progress_.stage_start + (progress_.stage > 0 ? 1 : 0)};
      result = nmf::solve(problem_.grid, problem_.x, problem_.norm2, trainee_.model, trainee_.rules, stage.phase,
                          stop, compose(observers_), history_, problem_.mask.get());
      history_ = result.history;
      progress_printer_->finish();
      const bool stage_done =
          result.stop_reason == nmf::StopReason::max_iter || result.stop_reason == nmf::StopReason::tol;
      if (!stage_done || state_.last_stage()) return result;
    }
  }

  /// Measures the final state and writes the run file to `path`; returns
  /// the run's timing (up to the write), which the file records.
  TimingReport write_run(const std::string& path, const nmf::SolveResult& result, double start) {
    std::optional<nmf::Model> copy;
    const nmf::Model& model = in_double(trainee_.model, copy);
    metrics_->finish(model, result.iterations);
    const TimingReport timing = report_timing(problem_.grid.full_comm(), wall_time() - start);
    run_file::write_run(path, contents(model, result.history, result.iterations, result.stop_reason), timing);
    return timing;
  }

  const run_file::Measurements& measured() const { return measured_; }
  const std::string& checkpoint() const { return checkpoint_; }

 private:
  /// Collective: Error unless every snapshot the plan may take fits in
  /// memory beside the fit.
  void require_snapshot_memory() const {
    double values = 0;
    for (const run_file::Block& b : trainee_.blocks)
      if (run_file::is_snapshot_block(plan_, b)) values += double(b.factor(trainee_.model).local.size());
    const long count = plan_.snapshot_count();
    if (count > 0)
      require_memory(problem_.grid.comm(),
                     "the " + std::to_string(count) + " snapshots of --snapshots " + plan_.config.snapshots,
                     double(count) * values * sizeof(double));
  }

  /// A layer starts with the first stage that trains it.
  void enter_stage() {
    progress_.stage_start = history_.empty() ? 0 : history_.back().iteration;
    const settings::Stage& stage = plan_.stages[progress_.stage];
    const int before = progress_.stage > 0 ? plan_.stages[progress_.stage - 1].phase.depth() : 0;
    change_in_double(trainee_.model, [&](nmf::Model& model) {
      for (int layer = before + 1; layer <= stage.phase.depth(); ++layer)
        initialize_layer(plan_, problem_, model, layer);
    });
    if (verbose_ && plan_.stages.size() > 1)
      std::printf("nmfx fit: stage %zu of %zu: %s, layers %d..%d, %ld iterations\n", progress_.stage + 1,
                  plan_.stages.size(), stage.phase.global ? "global loss" : "layer loss",
                  stage.phase.global ? 1 : stage.phase.first, stage.phase.last, stage.iterations);
  }

  run_file::Contents contents(const nmf::Model& model, const std::vector<nmf::Record>& history, long iterations,
                              nmf::StopReason reason) const {
    return {plan_,   problem_.grid, problem_.block, trainee_.blocks, model,         state_.depth(),
            history, iterations,    reason,         measured_,       progress_.run_id};
  }

  void write_checkpoint(const nmf::IterationView& v) {
    const Timed timed(Activity::checkpoints);
    io::AtomicOutput out(problem_.grid.comm(), checkpoint_);
    run_file::write_checkpoint(out.temporary_path(),
                               contents(v.model(), v.history, v.record.iteration, nmf::StopReason::checkpoint),
                               progress_);
    out.commit();
  }

  const FitPlan& plan_;
  const Problem<Scalar>& problem_;
  bool verbose_;
  std::string checkpoint_;
  run_file::Measurements measured_;
  Trainee<Scalar> trainee_;
  run_file::Progress progress_;
  std::vector<nmf::Record> history_;
  bool plateau_at_checkpoint_ = false;
  FitState state_{plan_, problem_.grid, measured_, progress_};
  const StopSignals signals_;
  MetricsObserver* metrics_ = nullptr;
  ProgressPrinter* progress_printer_ = nullptr;
  std::vector<std::unique_ptr<FitObserver>> observers_;
};

/// The smallest relative decrease of rel_error per iteration that single
/// precision resolves: products with a float32 X carry relative rounding
/// errors of ~1e-7, and rel_error (~1e-1) is then known to ~1e-8 absolute
/// (measured on Fashion-MNIST: 2.4e-9 from a double recomputation).
constexpr double single_precision_tol_floor = 1e-7;

/// A fit with X in `Scalar` precision, its output claimed by `output`.
template <class Scalar>
FitSummary fit(MPI_Comm comm, const FitPlan& plan, io::AtomicOutput& output, bool verbose) {
  const FitConfig& config = plan.config;
  if (verbose && std::is_same_v<Scalar, float> && config.tolerance > 0 &&
      config.tolerance < single_precision_tol_floor)
    std::printf("nmfx fit: note: --tol %g asks for changes of rel_error below what single precision resolves "
                "(about %g relative); use --precision double for it\n",
                config.tolerance, single_precision_tol_floor);
  reset_timing();
  const double start = wall_time();
  const Problem<Scalar> problem(comm, plan, verbose);
  const std::unique_ptr<TestSet> test =
      read_test_set(plan, problem.grid, problem.block, problem.x.cols.global_size(), verbose);
  Training<Scalar> training(plan, problem, test.get(), verbose);
  if (config.resume) training.resume();
  const nmf::SolveResult result = training.train();
  if (result.stop_reason == nmf::StopReason::interrupted) {
    if (verbose && result.history.size() > 1)
      std::printf("nmfx fit: interrupted at iteration %ld; checkpoint %s (add --resume to continue)\n",
                  result.iterations, training.checkpoint().c_str());
    else if (verbose)
      std::printf("nmfx fit: interrupted before the first iteration; nothing written\n");
    FitSummary s;
    s.iterations = result.iterations;
    s.stop_reason = result.stop_reason;
    return s;
  }
  const TimingReport timing = training.write_run(output.temporary_path(), result, start);
  output.commit();
  if (problem.grid.is_root()) std::remove(training.checkpoint().c_str());  // finished: not needed
  FitSummary s = summarize(problem.grid, result, training.measured());
  s.timing = timing;
  if (test) s.test_seconds = problem.grid.full_comm().max(test->seconds());
  if (verbose) print_summary(s, config.output_path);
  return s;
}

}  // namespace

std::string checkpoint_path(const FitConfig& config) { return config.output_path + ".checkpoint"; }

FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose) {
  FitPlan plan;
  collectively(comm, [&] { plan = settings::make_plan(config); });
  // The output is this run's from here on.
  io::AtomicOutput output(comm, config.output_path,
                          {config.data_path, plan.init_file, config.test_path,
                           config.resume ? checkpoint_path(config) : ""});
  if (Communicator(comm).rank() == 0) io::remove_stale_temporaries(checkpoint_path(config));
  return plan.precision == Precision::single ? fit<float>(comm, plan, output, verbose)
                                             : fit<double>(comm, plan, output, verbose);
}

}  // namespace nmfx::runner
