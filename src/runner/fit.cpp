#include "nmfx/runner/fit.hpp"

#include <algorithm>
#include <csignal>
#include <functional>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "nmfx/core/error.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/metrics/plateau.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/nmf/solver.hpp"

namespace nmfx::runner {
namespace {

void check_config(const FitConfig& c) {
  if (c.rank < 1) throw Error("--rank must be at least 1 (got " + std::to_string(c.rank) + ")");
  if (c.max_iterations < 0) throw Error("--max-iter must be >= 0");
  if (c.tolerance < 0 || c.time_limit < 0) throw Error("--tol and --time-limit must be >= 0");
  if (c.block < 0) throw Error("--block must be positive");
  const bool known_init = c.init == "random" || c.init == "eye" || c.init == "nndsvd" ||
                          c.init == "nndsvda" || c.init == "nndsvdar" || c.init.rfind("file:", 0) == 0;
  if (!known_init)
    throw Error("unknown --init '" + c.init +
                "' (choose random, eye, nndsvd, nndsvda, nndsvdar or file:RUN.h5)");
  if (c.metrics_every < 0) throw Error("--metrics-every must be >= 0");
  if (!c.early_stop.empty() && c.early_stop != "plateau")
    throw Error("unknown --early-stop '" + c.early_stop + "' (supported: plateau)");
  if (!c.early_stop.empty() && c.metrics_every == 0)
    throw Error("--early-stop plateau needs metrics (--metrics-every > 0)");
  if (c.plateau_window < 1 || !(c.plateau_tolerance >= 0))
    throw Error("--plateau-window must be >= 1 and --plateau-tol >= 0");
  nmf::check_rule(c.algorithm, c.rule_w);
  nmf::check_rule(c.algorithm, c.rule_h);
  std::error_code ec;
  if (std::filesystem::equivalent(c.data_path, c.output_path, ec))
    throw Error("the output '" + c.output_path + "' is the input file; choose another name");
}

/// Everything measured beside the factors.
struct Measurements {
  std::vector<double> sigma_x;  // empty when the reference was skipped
  double svd_rel_error = -1;
  std::vector<metrics::Evaluation> evaluations;
  std::vector<long> plateaus;
};

void write_spectra(io::File& out, const std::string& group,
                   const std::vector<metrics::Evaluation>& evaluations,
                   const metrics::Spectrum metrics::Evaluation::*which, int k) {
  const hsize_t n = evaluations.size();
  std::vector<double> er, nr, s1, s2, spectrum(std::size_t(n) * k, 0.0);
  for (std::size_t e = 0; e < n; ++e) {
    const metrics::Spectrum& s = evaluations[e].*which;
    er.push_back(s.effective_rank);
    nr.push_back(s.nuclear_ratio);
    s1.push_back(s.sigma1);
    s2.push_back(s.sigma2);
    std::copy(s.sigma.begin(), s.sigma.end(), spectrum.begin() + long(e) * k);
  }
  out.write_replicated(group + "effective_rank", {n}, er.data());
  out.write_replicated(group + "nuclear_ratio", {n}, nr.data());
  out.write_replicated(group + "sigma1", {n}, s1.data());
  out.write_replicated(group + "sigma2", {n}, s2.data());
  out.write_replicated(group + "spectrum", {n, hsize_t(k)}, spectrum.data());
}

void write_measurements(io::File& out, const FitConfig& config, const Measurements& m) {
  if (!m.sigma_x.empty()) {
    out.write_replicated("/reference/sigma_X", {m.sigma_x.size()}, m.sigma_x.data());
    out.write_replicated("/reference/svd_rel_error", {}, &m.svd_rel_error);
  }
  if (config.metrics_every == 0) return;
  const auto& ev = m.evaluations;
  const hsize_t n = ev.size();
  std::vector<long> iteration, dead;
  std::vector<double> cosine, hoyer_w, hoyer_h;
  for (const auto& e : ev) {
    iteration.push_back(e.iteration);
    dead.push_back(e.dead_components);
    cosine.push_back(e.cosine_separation);
    hoyer_w.push_back(e.hoyer_w);
    hoyer_h.push_back(e.hoyer_h);
  }
  out.write_replicated("/metrics/iteration", {n}, iteration.data());
  write_spectra(out, "/metrics/", ev, &metrics::Evaluation::model, config.rank);
  write_spectra(out, "/metrics/W/", ev, &metrics::Evaluation::w, config.rank);
  write_spectra(out, "/metrics/H/", ev, &metrics::Evaluation::h, config.rank);
  out.write_replicated("/metrics/cosine_separation", {n}, cosine.data());
  out.write_replicated("/metrics/hoyer_W", {n}, hoyer_w.data());
  out.write_replicated("/metrics/hoyer_H", {n}, hoyer_h.data());
  out.write_replicated("/metrics/dead_components", {n}, dead.data());
  out.write_replicated("/metrics/plateaus", {m.plateaus.size()}, m.plateaus.data());
  out.write_attribute("every", config.metrics_every, "/metrics");
  out.write_attribute("plateau_window", long(config.plateau_window), "/metrics");
  out.write_attribute("plateau_tol", config.plateau_tolerance, "/metrics");
}

/// Writes a run file; `more` adds to it (a checkpoint's optimizer state).
void write_run(const std::string& path, const ProcessGrid& grid, const FitConfig& config,
               const dist::Factor& w, const dist::Factor& h, const nmf::SolveResult& result,
               const Measurements& measured,
               const std::function<void(io::File&)>& more = {}) {
  io::File out = io::File::create(grid.comm(), path);
  if (more) more(out);
  io::write_factor(out, "/W", w, grid.my_col() == 0, io::FactorLayout::index_major);
  io::write_factor(out, "/H", h, grid.my_row() == 0, io::FactorLayout::component_major);
  const hsize_t n = result.history.size();
  std::vector<long> iteration;
  std::vector<double> seconds, rel_error, rel_residual;
  for (const auto& r : result.history) {
    iteration.push_back(r.iteration);
    seconds.push_back(r.seconds);
    rel_error.push_back(r.rel_error);
    rel_residual.push_back(std::sqrt(r.rel_error));
  }
  out.write_replicated("/history/iteration", {n}, iteration.data());
  out.write_replicated("/history/seconds", {n}, seconds.data());
  out.write_replicated("/history/rel_error", {n}, rel_error.data());
  out.write_replicated("/history/rel_residual", {n}, rel_residual.data());
  if (measured.svd_rel_error > 1e-14) {  // below: X is (numerically) of rank <= k
    std::vector<double> ratio;
    for (double e : rel_error) ratio.push_back(e / measured.svd_rel_error);
    out.write_replicated("/history/rel_error_over_bound", {n}, ratio.data());
  }
  write_measurements(out, config, measured);
  out.write_attribute("algorithm", config.algorithm);
  out.write_attribute("rank", long(config.rank));
  out.write_attribute("seed", long(config.seed));
  out.write_attribute("grid", grid.shape().str());
  out.write_attribute("block", long(w.map.block()));
  out.write_attribute("iterations", result.iterations);
  out.write_attribute("stop_reason", result.stop_reason);
  out.write_attribute("max_iter", config.max_iterations);
  out.write_attribute("tol", config.tolerance);
  out.write_attribute("time_limit", config.time_limit);
  out.write_attribute("data", config.data_path);
  out.write_attribute("dataset", config.dataset);
  out.write_attribute("init", config.init);
  out.write_attribute("l1_w", config.rule_w.l1);
  out.write_attribute("l2_w", config.rule_w.l2);
  out.write_attribute("l1_h", config.rule_h.l1);
  out.write_attribute("l2_h", config.rule_h.l2);
  out.write_attribute("sparsity_w", config.rule_w.sparsity);
  out.write_attribute("sparsity_h", config.rule_h.sparsity);
  out.write_attribute("early_stop", config.early_stop.empty() ? std::string("none") : config.early_stop);
  out.write_attribute("command_line", config.command_line);
  out.write_attribute("version", std::string(NMFX_VERSION));
  out.close();
}

/// The optimizer states of the two rules as checkpoint datasets
/// /state/{W,H}/<i> (laid out like the factor) and attributes "steps".
void write_rule_states(io::File& out, const ProcessGrid& grid, const dist::Factor& w,
                       const dist::Factor& h, nmf::UpdateRule& rule_w, nmf::UpdateRule& rule_h) {
  const struct {
    const char* name;
    const dist::Factor& f;
    nmf::UpdateRule& rule;
    bool writer;
  } sides[] = {{"W", w, rule_w, grid.my_col() == 0}, {"H", h, rule_h, grid.my_row() == 0}};
  for (const auto& side : sides) {
    const nmf::RuleState* state = side.rule.state();
    if (!state) continue;
    const std::string group = std::string("/state/") + side.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i) {
      dist::Factor array(side.f.k, side.f.map);
      if (state->arrays[i].size() == array.local.size()) array.local = state->arrays[i];
      io::write_factor(out, group + "/" + std::to_string(i), array, side.writer,
                       io::FactorLayout::index_major);
    }
    out.write_attribute("steps", state->steps, group);
  }
}

void read_rule_states(const io::File& in, const dist::Factor& w, const dist::Factor& h,
                      nmf::UpdateRule& rule_w, nmf::UpdateRule& rule_h) {
  const struct {
    const char* name;
    const dist::Factor& f;
    nmf::UpdateRule& rule;
  } sides[] = {{"W", w, rule_w}, {"H", h, rule_h}};
  for (const auto& side : sides) {
    nmf::RuleState* state = side.rule.state();
    if (!state) continue;
    const std::string group = std::string("/state/") + side.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i)
      state->arrays[i] = io::read_factor(in, group + "/" + std::to_string(i), side.f.k, side.f.map,
                                         io::FactorLayout::index_major)
                             .local;
    state->steps = long(in.read_number_attribute("steps", group));
  }
}

/// The evaluations a run file records, read back (summaries recomputed from
/// the spectra, so they are bit-identical to the ones written).
std::vector<metrics::Evaluation> read_evaluations(const io::File& in, int k) {
  std::vector<metrics::Evaluation> out;
  if (!in.exists("/metrics/iteration")) return out;
  const auto iteration = in.read_replicated("/metrics/iteration");
  const auto model = in.read_replicated("/metrics/spectrum");
  const auto w = in.read_replicated("/metrics/W/spectrum");
  const auto h = in.read_replicated("/metrics/H/spectrum");
  const auto cosine = in.read_replicated("/metrics/cosine_separation");
  const auto hoyer_w = in.read_replicated("/metrics/hoyer_W");
  const auto hoyer_h = in.read_replicated("/metrics/hoyer_H");
  const auto dead = in.read_replicated("/metrics/dead_components");
  auto row = [k](const std::vector<double>& a, std::size_t e) {
    return std::vector<double>(a.begin() + long(e) * k, a.begin() + long(e + 1) * k);
  };
  for (std::size_t e = 0; e < iteration.size(); ++e) {
    metrics::Evaluation v;
    v.iteration = long(iteration[e]);
    v.model = metrics::summarize(row(model, e));
    v.w = metrics::summarize(row(w, e));
    v.h = metrics::summarize(row(h, e));
    v.cosine_separation = cosine[e];
    v.hoyer_w = hoyer_w[e];
    v.hoyer_h = hoyer_h[e];
    v.dead_components = long(dead[e]);
    out.push_back(v);
  }
  return out;
}

/// Restores W, H, the history, the evaluations and the rules' state from the
/// checkpoint; Error when it is missing or was made with other settings.
std::vector<nmf::Record> resume(const FitConfig& config, const ProcessGrid& grid,
                                dist::Factor& w, dist::Factor& h, nmf::UpdateRule& rule_w,
                                nmf::UpdateRule& rule_h, Measurements& measured) {
  const std::string path = checkpoint_path(config);
  io::File in = io::File::open_read(grid.comm(), path);
  collectively(grid.comm(), [&] {
    // Everything that changes the iterates (or the recorded metrics) must match.
    const std::string made =
        in.read_string_attribute("algorithm") + ", k=" +
        std::to_string(long(in.read_number_attribute("rank"))) + ", grid " +
        in.read_string_attribute("grid") + ", block " +
        std::to_string(long(in.read_number_attribute("block"))) + ", data " +
        in.read_string_attribute("data") + in.read_string_attribute("dataset") +
        ", metrics every " +
        std::to_string(in.exists("/metrics") ? long(in.read_number_attribute("every", "/metrics")) : 0L);
    const std::string now = config.algorithm + ", k=" + std::to_string(config.rank) + ", grid " +
                            grid.shape().str() + ", block " + std::to_string(w.map.block()) +
                            ", data " + config.data_path + config.dataset + ", metrics every " +
                            std::to_string(config.metrics_every);
    if (made != now)
      throw Error("the checkpoint '" + path + "' was made with " + made + "; this run has " + now +
                  " (resume with the same settings and number of ranks)");
  });
  w = io::read_factor(in, "/W", config.rank, w.map, io::FactorLayout::index_major);
  h = io::read_factor(in, "/H", config.rank, h.map, io::FactorLayout::component_major);
  read_rule_states(in, w, h, rule_w, rule_h);
  measured.evaluations = read_evaluations(in, config.rank);
  const auto iteration = in.read_replicated("/history/iteration");
  const auto seconds = in.read_replicated("/history/seconds");
  const auto rel_error = in.read_replicated("/history/rel_error");
  std::vector<nmf::Record> history;
  for (std::size_t i = 0; i < iteration.size(); ++i)
    history.push_back({long(iteration[i]), seconds[i], rel_error[i]});
  agree(grid.comm(), history.empty() ? "the checkpoint '" + path + "' has no history" : "");
  return history;
}

/// Set by SIGTERM / SIGUSR1: finish the iteration, checkpoint, stop.
volatile std::sig_atomic_t interrupt_signal = 0;
extern "C" void on_interrupt(int signal) { interrupt_signal = signal; }

/// Fills W and H as --init says. Collective.
void initialize(const FitConfig& config, const ProcessGrid& grid, const dist::DistMatrix& x,
                double x_mean, dist::Factor& w, dist::Factor& h) {
  const std::string& init = config.init;
  if (init == "random") {
    nmf::random_init(config.seed, x_mean, w, h);
  } else if (init == "eye") {
    nmf::eye_init(w, h);
  } else if (init == "nndsvd" || init == "nndsvda" || init == "nndsvdar") {
    nmf::nndsvd_init(grid, la::svd(grid, x, config.rank), init, x_mean, config.seed, w, h);
  } else if (init.rfind("file:", 0) == 0) {
    const std::string path = init.substr(5);
    io::File run = io::File::open_read(grid.comm(), path);
    w = io::read_factor(run, "/W", config.rank, w.map, io::FactorLayout::index_major);
    h = io::read_factor(run, "/H", config.rank, h.map, io::FactorLayout::component_major);
    collectively(grid.comm(), [&] {
      for (const dist::Factor* f : {&w, &h})
        for (double v : f->local)
          if (!(v >= 0) || !std::isfinite(v))
            throw Error("the factors in '" + path + "' are not finite and non-negative");
    });
  } else {
    throw Error("unknown --init '" + init + "'", true);  // checked before: unreachable
  }
}

}  // namespace

std::string checkpoint_path(const FitConfig& config) { return config.output_path + ".checkpoint"; }

FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose) {
  collectively(comm, [&] { check_config(config); });
  io::AtomicOutput output(comm, config.output_path);
  io::File data = io::File::open_read(comm, config.data_path);

  io::Dims dims;
  int size = 1;
  MPI_Comm_size(comm, &size);
  GridShape shape;
  collectively(comm, [&] {
    dims = io::matrix_shape(data, config.dataset);
    const long m = long(dims[0]), n = long(dims[1]);
    if (config.rank > std::min(m, n))
      throw Error("--rank " + std::to_string(config.rank) + " is impossible for a " +
                  std::to_string(m) + "x" + std::to_string(n) + " matrix (at most " +
                  std::to_string(std::min(m, n)) + ")");
    shape = config.grid.empty() ? choose_grid(size, m, n) : parse_grid(config.grid);
    if (long(shape.rows) * shape.cols != size)
      throw Error("--grid " + shape.str() + " needs " + std::to_string(long(shape.rows) * shape.cols) +
                  " ranks but mpirun started " + std::to_string(size));
  });
  const ProcessGrid grid(comm, shape);
  const int block = config.block > 0 ? config.block : dist::default_block;
  const std::string what = config.dataset + " in '" + config.data_path + "'";

  const double read_start = MPI_Wtime();
  dist::DistMatrix x = io::read_matrix(data, config.dataset, grid, block, block);
  data.close();
  dist::require_nonnegative_finite(grid.comm(), x, what);
  double sums[2] = {0, 0};  // sum and sum of squares
  for (double v : x.local) {
    sums[0] += v;
    sums[1] += v * v;
  }
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, grid.comm());
  const long m = x.rows.global_size(), n = x.cols.global_size();
  if (!(sums[1] > 0)) throw Error(what + " is all zeros; there is nothing to factorize", true);
  if (verbose)
    std::printf("nmfx fit: %s (%ld x %ld) read in %.2f s; %s, k=%d, grid %s, block %d, %d rank%s\n",
                what.c_str(), m, n, MPI_Wtime() - read_start, config.algorithm.c_str(), config.rank,
                shape.str().c_str(), block, size, size > 1 ? "s" : "");

  Measurements measured;
  if (config.reference) {
    const double start = MPI_Wtime();
    measured.sigma_x = la::svd(grid, x, 0).sigma;
    double tail = 0;  // sum of sigma_i^2 beyond k: the best any rank-k model leaves
    for (std::size_t i = std::size_t(config.rank); i < measured.sigma_x.size(); ++i)
      tail += measured.sigma_x[i] * measured.sigma_x[i];
    measured.svd_rel_error = tail / sums[1];
    if (verbose)
      std::printf("nmfx fit: singular values of X in %.2f s; best rank-%d rel_error "
                  "(Eckart-Young) %.6e, rel_residual %.6f\n",
                  MPI_Wtime() - start, config.rank, measured.svd_rel_error,
                  std::sqrt(measured.svd_rel_error));
  }

  dist::Factor w(config.rank, x.rows), h(config.rank, x.cols);
  auto rule_w = nmf::make_rule(config.algorithm, config.rule_w, &grid.col_comm());
  auto rule_h = nmf::make_rule(config.algorithm, config.rule_h, &grid.row_comm());
  metrics::PlateauDetector detector(config.plateau_window, config.plateau_tolerance);
  std::vector<nmf::Record> resumed;
  if (config.resume) {
    resumed = resume(config, grid, w, h, *rule_w, *rule_h, measured);
    for (const auto& e : measured.evaluations)  // the detector sees them again
      detector.add(e.iteration, e.model.effective_rank);
    if (verbose)
      std::printf("nmfx fit: resuming at iteration %ld from %s\n", resumed.back().iteration,
                  checkpoint_path(config).c_str());
  } else {
    initialize(config, grid, x, sums[0] / (double(m) * double(n)), w, h);
  }
  nmf::StopCriteria stop{config.max_iterations, config.tolerance, config.time_limit};
  interrupt_signal = 0;
  // The caller's handlers come back afterwards (a sweep keeps its own between fits).
  const auto caller_sigterm = std::signal(SIGTERM, on_interrupt);
  const auto caller_sigusr1 = std::signal(SIGUSR1, on_interrupt);
  auto checkpoint = [&](const nmf::IterationView& v) {
    io::AtomicOutput out(grid.comm(), checkpoint_path(config));
    const nmf::SolveResult partial{v.history, "checkpoint", v.record.iteration};
    write_run(out.temporary_path(), grid, config, v.w, v.h, partial, measured, [&](io::File& f) {
      write_rule_states(f, grid, v.w, v.h, *rule_w, *rule_h);
    });
    out.commit();
  };
  auto observer = [&](const nmf::IterationView& v) -> std::string {
    const nmf::Record& r = v.record;
    const bool evaluate = config.metrics_every > 0 && r.iteration % config.metrics_every == 0;
    bool flat = false;
    if (evaluate) {
      measured.evaluations.push_back(metrics::evaluate(grid, v.w, v.h, r.iteration));
      flat = detector.add(r.iteration, measured.evaluations.back().model.effective_rank);
    }
    if (verbose && config.progress_every > 0 && r.iteration % config.progress_every == 0) {
      std::printf("  iter %6ld  rel_error %.6e  rel_residual %.6f  %8.2f s", r.iteration,
                  r.rel_error, std::sqrt(r.rel_error), r.seconds);
      if (evaluate)
        std::printf("  eff_rank %.3f%s", measured.evaluations.back().model.effective_rank,
                    flat ? " (plateau)" : "");
      std::printf("\n");
      std::fflush(stdout);
    }
    // A signal on any rank stops every rank at this iteration boundary.
    int signalled = interrupt_signal != 0 ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &signalled, 1, MPI_INT, MPI_MAX, grid.comm());
    const bool periodic = config.checkpoint_every > 0 && r.iteration > 0 &&
                          r.iteration % config.checkpoint_every == 0;
    if (signalled || periodic) checkpoint(v);
    if (signalled) return "interrupted";
    return flat && config.early_stop == "plateau" ? "plateau" : "";
  };
  const nmf::SolveResult result = nmf::solve(grid, x, sums[1], w, h, *rule_w, *rule_h, stop,
                                                   observer, resumed);
  std::signal(SIGTERM, caller_sigterm);
  std::signal(SIGUSR1, caller_sigusr1);
  if (result.stop_reason == "interrupted") {
    if (verbose)
      std::printf("nmfx fit: interrupted at iteration %ld; checkpoint %s (add --resume to continue)\n",
                  result.iterations, checkpoint_path(config).c_str());
    FitSummary s;
    s.iterations = result.iterations;
    s.stop_reason = result.stop_reason;
    return s;
  }
  // The final state is always measured (not fed to the plateau detector,
  // whose windows assume evenly spaced evaluations).
  if (config.metrics_every > 0 &&
      (measured.evaluations.empty() || measured.evaluations.back().iteration != result.iterations))
    measured.evaluations.push_back(metrics::evaluate(grid, w, h, result.iterations));
  measured.plateaus = detector.onsets();

  write_run(output.temporary_path(), grid, config, w, h, result, measured);
  output.commit();
  if (grid.is_root()) std::remove(checkpoint_path(config).c_str());  // finished: not needed

  FitSummary s;
  s.iterations = result.iterations;
  s.rel_error = result.history.back().rel_error;
  s.seconds = result.history.back().seconds;
  // Per iteration of the loop: the initial point's products are excluded.
  s.seconds_per_iteration =
      result.iterations > 0 ? (s.seconds - result.history.front().seconds) / result.iterations : 0;
  s.stop_reason = result.stop_reason;
  s.grid = shape.str();
  s.svd_rel_error = measured.svd_rel_error;
  s.plateaus = measured.plateaus;
  if (!measured.evaluations.empty())
    s.final_effective_rank = measured.evaluations.back().model.effective_rank;
  if (verbose && s.final_effective_rank >= 0) {
    std::printf("nmfx fit: effective rank of W H %.3f; plateaus at iteration", s.final_effective_rank);
    if (s.plateaus.empty()) std::printf("s: none");
    for (long p : s.plateaus) std::printf(" %ld", p);
    std::printf("\n");
  }
  if (verbose)
    std::printf("nmfx fit: %ld iterations (%s), rel_error %.6e, rel_residual %.6f, "
                "%.4f s/iteration; wrote %s\n",
                s.iterations, s.stop_reason.c_str(), s.rel_error, std::sqrt(s.rel_error),
                s.seconds_per_iteration, config.output_path.c_str());
  return s;
}

}  // namespace nmfx::runner
