#include "nmfx/runner/fit.hpp"

#include <algorithm>
#include <csignal>
#include <functional>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>

#include "nmfx/core/error.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/metrics/plateau.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/nmf/solver.hpp"

namespace nmfx::runner {
namespace {

bool is_deep(const FitConfig& c) { return c.model == "deep"; }

/// The layer ranks r1 > ... > rL (ordinary NMF: {k}).
std::vector<int> layer_ranks(const FitConfig& c) {
  return is_deep(c) ? c.ranks : std::vector<int>{c.rank};
}

std::string join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

void check_config(const FitConfig& c) {
  if (c.model != "nmf" && c.model != "deep")
    throw Error("unknown --model '" + c.model + "' (choose nmf or deep)");
  if (!is_deep(c) && !c.ranks.empty()) throw Error("--ranks needs --model deep");
  if (!is_deep(c) && c.rank < 1)
    throw Error("--rank must be at least 1 (got " + std::to_string(c.rank) + ")");
  if (is_deep(c)) {
    if (c.rank != 0) throw Error("--model deep takes its ranks from --ranks r1,r2,... (not --rank)");
    if (c.ranks.empty()) throw Error("--model deep needs --ranks r1,r2,... (strictly decreasing)");
    for (std::size_t i = 0; i < c.ranks.size(); ++i)
      if (c.ranks[i] < 1 || (i > 0 && c.ranks[i] >= c.ranks[i - 1]))
        throw Error("--ranks " + join(c.ranks) + ": ranks must be >= 1 and strictly decreasing");
    if (c.deep_loss != "global" && c.deep_loss != "layer-sum" && c.deep_loss != "layer-seq")
      throw Error("unknown --deep-loss '" + c.deep_loss + "' (choose global, layer-sum or layer-seq)");
    if (c.pretrain_iterations < 0) throw Error("--pretrain must be >= 0");
    if (c.pretrain_iterations > 0 && c.deep_loss == "layer-seq")
      throw Error("--pretrain trains layer by layer before a global or layer-sum loss; "
                  "--deep-loss layer-seq is that already");
    if (c.deep_loss == "global" && c.ranks.size() > 1 &&
        (c.algorithm == "anls" || c.algorithm == "als"))
      throw Error("--deep-loss global updates the inner layers through a two-sided problem that "
                  "only mu, hals, pgd and adam solve; use one of them, or --deep-loss layer-sum "
                  "or layer-seq with " + c.algorithm);
    if (c.deep_loss == "layer-seq" && !c.early_stop.empty())
      throw Error("--early-stop needs one training phase; use --deep-loss global or layer-sum");
    if (c.init.rfind("file:", 0) == 0) throw Error("--init file: is for --model nmf");
  } else if (c.pretrain_iterations != 0) {
    throw Error("--pretrain needs --model deep");
  }
  if (c.max_iterations < 0) throw Error("--max-iter must be >= 0");
  if (c.tolerance < 0 || c.time_limit < 0) throw Error("--tol and --time-limit must be >= 0");
  if (c.block < 0) throw Error("--block must be positive");
  const bool known_init = c.init == "random" || c.init == "eye" || c.init == "nndsvd" ||
                          c.init == "nndsvda" || c.init == "nndsvdar" || c.init == "ssvd" ||
                          c.init.rfind("file:", 0) == 0;
  if (!known_init)
    throw Error("unknown --init '" + c.init +
                "' (choose random, eye, nndsvd, nndsvda, nndsvdar, ssvd or file:RUN.h5)");
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

/// One training phase and its iteration budget.
struct Stage {
  nmf::Phase phase;
  long iterations;
};

/// The phases of a fit, in order: ordinary NMF and the global or layer-sum
/// loss have one; layer-seq has one per layer; --pretrain adds one per layer
/// in front.
std::vector<Stage> stages(const FitConfig& c) {
  const int depth = int(layer_ranks(c).size());
  std::vector<Stage> out;
  auto layer_by_layer = [&](long iterations) {
    for (int i = 1; i <= depth; ++i) out.push_back({{false, i, i}, iterations});
  };
  if (c.pretrain_iterations > 0) layer_by_layer(c.pretrain_iterations);
  if (!is_deep(c) || c.deep_loss == "global") out.push_back({{true, 1, depth}, c.max_iterations});
  else if (c.deep_loss == "layer-sum") out.push_back({{false, 1, depth}, c.max_iterations});
  else layer_by_layer(c.max_iterations);
  return out;
}

/// The model's factors with every entry 0: W1 and the codes over X's rows
/// and columns, the inner W_i replicated.
nmf::Model empty_model(const ProcessGrid& grid, const std::vector<int>& ranks,
                       const dist::DistMatrix& x) {
  nmf::Model model;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    model.w.push_back(i == 0 ? dist::Factor::rows_of(grid, ranks[i], x)
                             : dist::Factor::replicated(grid, ranks[i], ranks[i - 1]));
    model.h.push_back(dist::Factor::cols_of(grid, ranks[i], x));
  }
  return model;
}

/// A_d = W1 ... Wd over X's rows (A_1 = W1).
dist::Factor partial_product(const nmf::Model& model, int d) {
  dist::Factor a = model.w[0];
  for (int i = 1; i < d; ++i) {
    const dist::Factor& w = model.w[std::size_t(i)];
    dist::Factor next = dist::Factor::like(a, w.k);
    if (a.local_count() > 0)
      la::gemm(la::Op::none, la::Op::none, w.k, a.local_count(), w.local_count(), 1.0,
               w.local.data(), w.k, a.local.data(), a.k, 0.0, next.local.data(), w.k);
    a = std::move(next);
  }
  return a;
}

/// Each training block: its name in files, factor and rule.
struct Block {
  std::string name;
  dist::Factor& factor;
  nmf::UpdateRule& rule;
};

/// Everything measured beside the factors.
struct Measurements {
  std::vector<double> sigma_x;  // empty when the reference was skipped
  double svd_rel_error = -1;
  std::vector<metrics::Evaluation> evaluations;  // the model (W1 ... Wd H_d)
  /// Deep models: layers[i][e] evaluates W1 ... W_{i+1} and the code
  /// H_{i+1} (i < L - 1; layer L is the model itself).
  std::vector<std::vector<metrics::Evaluation>> layers;
  std::vector<long> plateaus;
};

/// The spectra of a series of evaluations, one row each; rows are as wide as
/// the widest spectrum (at least `k`) and padded with zeros (a layer-seq
/// model's rank shrinks as layers are added).
void write_spectra(io::File& out, const std::string& group,
                   const std::vector<metrics::Evaluation>& evaluations,
                   const metrics::Spectrum metrics::Evaluation::*which, int k) {
  const hsize_t n = evaluations.size();
  std::size_t width = std::size_t(k);
  for (const auto& e : evaluations) width = std::max(width, (e.*which).sigma.size());
  std::vector<double> er, nr, s1, s2, spectrum(n * width, 0.0);
  for (std::size_t e = 0; e < n; ++e) {
    const metrics::Spectrum& s = evaluations[e].*which;
    er.push_back(s.effective_rank);
    nr.push_back(s.nuclear_ratio);
    s1.push_back(s.sigma1);
    s2.push_back(s.sigma2);
    std::copy(s.sigma.begin(), s.sigma.end(), spectrum.begin() + long(e * width));
  }
  out.write_replicated(group + "effective_rank", {n}, er.data());
  out.write_replicated(group + "nuclear_ratio", {n}, nr.data());
  out.write_replicated(group + "sigma1", {n}, s1.data());
  out.write_replicated(group + "sigma2", {n}, s2.data());
  out.write_replicated(group + "spectrum", {n, hsize_t(width)}, spectrum.data());
}

/// One series of evaluations under `group` ("/metrics/" or "/metrics/layer<i>/").
void write_evaluations(io::File& out, const std::string& group,
                       const std::vector<metrics::Evaluation>& ev, int k) {
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
  out.write_replicated(group + "iteration", {n}, iteration.data());
  write_spectra(out, group, ev, &metrics::Evaluation::model, k);
  write_spectra(out, group + "W/", ev, &metrics::Evaluation::w, k);
  write_spectra(out, group + "H/", ev, &metrics::Evaluation::h, k);
  out.write_replicated(group + "cosine_separation", {n}, cosine.data());
  out.write_replicated(group + "hoyer_W", {n}, hoyer_w.data());
  out.write_replicated(group + "hoyer_H", {n}, hoyer_h.data());
  out.write_replicated(group + "dead_components", {n}, dead.data());
}

void write_measurements(io::File& out, const FitConfig& config, const Measurements& m) {
  if (!m.sigma_x.empty()) {
    out.write_replicated("/reference/sigma_X", {m.sigma_x.size()}, m.sigma_x.data());
    out.write_replicated("/reference/svd_rel_error", {}, &m.svd_rel_error);
  }
  if (config.metrics_every == 0) return;
  const std::vector<int> ranks = layer_ranks(config);
  write_evaluations(out, "/metrics/", m.evaluations, ranks.back());
  for (std::size_t i = 0; i < m.layers.size(); ++i)
    write_evaluations(out, "/metrics/layer" + std::to_string(i + 1) + "/", m.layers[i], ranks[i]);
  out.write_replicated("/metrics/plateaus", {m.plateaus.size()}, m.plateaus.data());
  out.write_attribute("every", config.metrics_every, "/metrics");
  out.write_attribute("plateau_window", long(config.plateau_window), "/metrics");
  out.write_attribute("plateau_tol", config.plateau_tolerance, "/metrics");
}

/// The training blocks of `model` in a fixed order (W's, then codes).
std::vector<Block> blocks(const FitConfig& config, nmf::Model& model, const nmf::Rules& rules) {
  const bool deep = is_deep(config);
  std::vector<Block> out;
  for (int i = 0; i < model.depth(); ++i)
    out.push_back({deep ? "W" + std::to_string(i + 1) : "W", model.w[std::size_t(i)],
                   *rules.w[std::size_t(i)]});
  for (int i = 0; i < model.depth(); ++i)
    out.push_back({deep ? "H" + std::to_string(i + 1) : "H", model.h[std::size_t(i)],
                   *rules.h[std::size_t(i)]});
  return out;
}

/// Where a block lies in a run file: /W and /H for ordinary NMF; Deep NMF
/// keeps /layers/W1 ... /layers/WL and the codes /layers/H1 ... /layers/HL.
std::string block_dataset(const FitConfig& config, const Block& b) {
  return is_deep(config) ? "/layers/" + b.name : "/" + b.name;
}

io::FactorLayout layout_of(const Block& b) {
  return b.name[0] == 'W' ? io::FactorLayout::index_major : io::FactorLayout::component_major;
}

/// Writes a run file; `more` adds to it (a checkpoint's optimizer state).
/// Deep NMF's model as /W = W1 ... Wd and /H = H_d are those of the `trained`
/// depth d (less than L when a layer-seq run stopped early).
void write_run(const std::string& path, const ProcessGrid& grid, const FitConfig& config,
               const std::vector<Block>& model_blocks, const nmf::Model& model, int trained,
               const nmf::SolveResult& result, const Measurements& measured,
               const std::function<void(io::File&)>& more = {}) {
  io::File out = io::File::create(grid.comm(), path);
  if (more) more(out);
  const int depth = model.depth();
  for (const Block& b : model_blocks)
    io::write_factor(out, block_dataset(config, b), b.factor, layout_of(b));
  if (is_deep(config)) {  // the model itself, for every tool that reads /W and /H
    io::write_factor(out, "/W", partial_product(model, trained), io::FactorLayout::index_major);
    io::write_factor(out, "/H", model.h[std::size_t(trained - 1)],
                     io::FactorLayout::component_major);
    out.write_attribute("trained_depth", long(trained));
  }
  const hsize_t n = result.history.size();
  std::vector<long> iteration;
  std::vector<double> seconds, rel_error, rel_residual, layer_errors;
  for (const auto& r : result.history) {
    iteration.push_back(r.iteration);
    seconds.push_back(r.seconds);
    rel_error.push_back(r.rel_error);
    rel_residual.push_back(std::sqrt(r.rel_error));
    layer_errors.insert(layer_errors.end(), r.layer_rel_error.begin(), r.layer_rel_error.end());
  }
  out.write_replicated("/history/iteration", {n}, iteration.data());
  out.write_replicated("/history/seconds", {n}, seconds.data());
  out.write_replicated("/history/rel_error", {n}, rel_error.data());
  out.write_replicated("/history/rel_residual", {n}, rel_residual.data());
  if (depth > 1)
    out.write_replicated("/history/layer_rel_error", {n, hsize_t(depth)}, layer_errors.data());
  if (measured.svd_rel_error > 1e-14) {  // below: X is (numerically) of rank <= k
    std::vector<double> ratio;
    for (double e : rel_error) ratio.push_back(e / measured.svd_rel_error);
    out.write_replicated("/history/rel_error_over_bound", {n}, ratio.data());
  }
  write_measurements(out, config, measured);
  out.write_attribute("model", config.model);
  out.write_attribute("algorithm", config.algorithm);
  out.write_attribute("rank", long(layer_ranks(config)[std::size_t(trained - 1)]));
  if (is_deep(config)) {
    out.write_attribute("ranks", join(config.ranks));
    out.write_attribute("deep_loss", config.deep_loss);
    out.write_attribute("pretrain", config.pretrain_iterations);
  }
  out.write_attribute("seed", long(config.seed));
  out.write_attribute("grid", grid.shape().str());
  out.write_attribute("block", long(model.w[0].map.block()));
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

/// The rules' optimizer states as checkpoint datasets /state/<block>/<i>
/// (laid out like the factor) with an attribute "steps".
void write_rule_states(io::File& out, const std::vector<Block>& model_blocks) {
  for (const Block& b : model_blocks) {
    const nmf::RuleState* state = b.rule.state();
    if (!state) continue;
    const std::string group = "/state/" + b.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i) {
      dist::Factor array = dist::Factor::like(b.factor, b.factor.k);
      if (state->arrays[i].size() == array.local.size()) array.local = state->arrays[i];
      io::write_factor(out, group + "/" + std::to_string(i), array, io::FactorLayout::index_major);
    }
    out.write_attribute("steps", state->steps, group);
  }
}

void read_rule_states(const io::File& in, const std::vector<Block>& model_blocks) {
  for (const Block& b : model_blocks) {
    nmf::RuleState* state = b.rule.state();
    if (!state || !in.exists("/state/" + b.name)) continue;  // a block not trained yet
    const std::string group = "/state/" + b.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i)
      state->arrays[i] = io::read_factor(in, group + "/" + std::to_string(i), b.factor,
                                         io::FactorLayout::index_major)
                             .local;
    state->steps = long(in.read_number_attribute("steps", group));
  }
}

/// The evaluations a run file records under `group`, read back (summaries
/// recomputed from the spectra, so they are bit-identical to the ones written).
std::vector<metrics::Evaluation> read_evaluations(const io::File& in, const std::string& group) {
  std::vector<metrics::Evaluation> out;
  if (!in.exists(group + "iteration")) return out;
  const auto iteration = in.read_replicated(group + "iteration");
  const auto model = in.read_replicated(group + "spectrum");
  const auto w = in.read_replicated(group + "W/spectrum");
  const auto h = in.read_replicated(group + "H/spectrum");
  const auto cosine = in.read_replicated(group + "cosine_separation");
  const auto hoyer_w = in.read_replicated(group + "hoyer_W");
  const auto hoyer_h = in.read_replicated(group + "hoyer_H");
  const auto dead = in.read_replicated(group + "dead_components");
  // Each spectrum row as written (see write_spectra).
  auto row = [&](const std::vector<double>& a, std::size_t e) {
    const std::size_t k = a.size() / iteration.size();
    return std::vector<double>(a.begin() + long(e * k), a.begin() + long((e + 1) * k));
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

/// The settings that change the iterates (or the recorded metrics); a
/// checkpoint only continues a run with the same ones.
std::string resume_key(const FitConfig& config, const ProcessGrid& grid, int block) {
  std::string model = config.model + " " + config.algorithm + ", k=" + join(layer_ranks(config));
  if (is_deep(config))
    model += " " + config.deep_loss + " pretrain " + std::to_string(config.pretrain_iterations);
  return model + ", grid " + grid.shape().str() + ", block " + std::to_string(block) + ", data " +
         config.data_path + config.dataset + ", metrics every " + std::to_string(config.metrics_every);
}

/// Where a checkpointed run stands: the stage it was in, the iteration that
/// stage began at (its layers are those of the stages up to it).
struct Progress {
  std::size_t stage = 0;
  long stage_start = 0;
};

/// Restores the model, the history, the evaluations and the rules' state
/// from the checkpoint; Error when it is missing or was made with other settings.
std::vector<nmf::Record> resume(const FitConfig& config, const ProcessGrid& grid,
                                nmf::Model& model, const std::vector<Block>& model_blocks,
                                Measurements& measured, Progress& progress) {
  const std::string path = checkpoint_path(config);
  io::File in = io::File::open_read(grid.comm(), path);
  collectively(grid.comm(), [&] {
    const std::string made = in.read_string_attribute("resume_key");
    const std::string now = resume_key(config, grid, model.w[0].map.block());
    if (made != now)
      throw Error("the checkpoint '" + path + "' was made with " + made + "; this run has " + now +
                  " (resume with the same settings and number of ranks)");
    progress.stage = std::size_t(in.read_number_attribute("stage"));
    progress.stage_start = long(in.read_number_attribute("stage_start"));
  });
  for (const Block& b : model_blocks)
    b.factor = io::read_factor(in, block_dataset(config, b), b.factor, layout_of(b));
  read_rule_states(in, model_blocks);
  const std::vector<int> ranks = layer_ranks(config);
  measured.evaluations = read_evaluations(in, "/metrics/");
  for (std::size_t i = 0; i < measured.layers.size(); ++i)
    measured.layers[i] = read_evaluations(in, "/metrics/layer" + std::to_string(i + 1) + "/");
  const auto iteration = in.read_replicated("/history/iteration");
  const auto seconds = in.read_replicated("/history/seconds");
  const auto rel_error = in.read_replicated("/history/rel_error");
  const std::size_t depth = ranks.size();
  const auto layer_errors =
      depth > 1 ? in.read_replicated("/history/layer_rel_error") : std::vector<double>{};
  std::vector<nmf::Record> history;
  for (std::size_t i = 0; i < iteration.size(); ++i) {
    history.push_back({long(iteration[i]), seconds[i], rel_error[i], {}});
    if (depth > 1)
      history.back().layer_rel_error.assign(layer_errors.begin() + long(i * depth),
                                            layer_errors.begin() + long((i + 1) * depth));
  }
  agree(grid.comm(), history.empty() ? "the checkpoint '" + path + "' has no history" : "");
  return history;
}

/// Set by SIGTERM / SIGUSR1: finish the iteration, checkpoint, stop.
volatile std::sig_atomic_t interrupt_signal = 0;
extern "C" void on_interrupt(int signal) { interrupt_signal = signal; }

/// Fills layer `layer` (1-based) of the model as --init says, to factorize
/// what it sees: X for layer 1, the code H_{layer-1} after. Layer 1 with the
/// fit's seed, so depth 1 is ordinary NMF. Collective.
void initialize_layer(const FitConfig& config, const ProcessGrid& grid, const dist::DistMatrix& x,
                      double x_mean, nmf::Model& model, int layer) {
  dist::Factor& w = model.w[std::size_t(layer - 1)];
  dist::Factor& h = model.h[std::size_t(layer - 1)];
  const std::uint64_t seed = layer == 1 ? config.seed : mix64(config.seed + std::uint64_t(layer));
  double mean = x_mean;
  if (layer > 1) {  // the mean of the code this layer factorizes
    const dist::Factor& code = model.h[std::size_t(layer - 2)];
    double sum = 0;
    for (double v : code.local) sum += v;
    code.reduce_comm().sum(&sum, 1);
    mean = sum / (double(code.k) * double(code.map.global_size()));
  }
  const std::string& init = config.init;
  if (init == "random") {
    nmf::random_init(seed, mean, w, h);
  } else if (init == "eye") {
    nmf::eye_init(w, h);
  } else if (init == "nndsvd" || init == "nndsvda" || init == "nndsvdar" || init == "ssvd") {
    const std::string variant = init == "ssvd" ? "nndsvdar" : init;
    if (layer == 1)
      nmf::nndsvd_init(la::svd(grid, x, w.k), variant, mean, seed, w, h);
    else
      nmf::nndsvd_init(la::svd(model.h[std::size_t(layer - 2)], w.k), variant, mean, seed, w, h);
  } else if (init.rfind("file:", 0) == 0) {
    const std::string path = init.substr(5);
    io::File run = io::File::open_read(grid.comm(), path);
    w = io::read_factor(run, "/W", w, io::FactorLayout::index_major);
    h = io::read_factor(run, "/H", h, io::FactorLayout::component_major);
    collectively(grid.comm(), [&] {
      for (const dist::Factor* f : {&w, &h})
        for (double v : f->local)
          if (!(v >= 0) || !std::isfinite(v))
            throw Error("the factors in '" + path + "' are not finite and non-negative");
    });
  } else {
    throw Error("unknown --init '" + init + "'", true);  // checked before: unreachable
  }
  // Every copy of the code reduced an inner layer's statistics on its own;
  // the first copy's result is everyone's, so the replicas start (and stay)
  // identical.
  if (layer > 1)
    for (dist::Factor* f : {&w, &h})
      h.replica_comm().broadcast(f->local.data(), long(f->local.size()));
}

/// The metrics of the model as a stage sees it (depth d): the model
/// W1 ... Wd H_d and, for deep models, every partial product W1 ... Wi with
/// its code H_i (layers beyond d are not trained yet: zeros).
void evaluate(const ProcessGrid& grid, const nmf::Model& model, int d, long iteration,
              Measurements& measured) {
  for (std::size_t i = 0; i < measured.layers.size(); ++i) {
    metrics::Evaluation e;
    e.iteration = iteration;
    if (int(i) < d)
      e = metrics::evaluate(grid, partial_product(model, int(i) + 1), model.h[i], iteration);
    measured.layers[i].push_back(e);
  }
  measured.evaluations.push_back(
      metrics::evaluate(grid, partial_product(model, d), model.h[std::size_t(d - 1)], iteration));
}

}  // namespace

std::string checkpoint_path(const FitConfig& config) { return config.output_path + ".checkpoint"; }

FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose) {
  collectively(comm, [&] { check_config(config); });
  const std::vector<int> ranks = layer_ranks(config);
  io::AtomicOutput output(comm, config.output_path);
  io::File data = io::File::open_read(comm, config.data_path);

  io::Dims dims;
  const int size = Communicator(comm).size();
  GridShape shape;
  collectively(comm, [&] {
    dims = io::matrix_shape(data, config.dataset);
    const long m = long(dims[0]), n = long(dims[1]);
    if (ranks[0] > std::min(m, n))
      throw Error("--rank " + std::to_string(ranks[0]) + " is impossible for a " +
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
  const std::string model_name =
      is_deep(config) ? "deep " + join(ranks) + " (" + config.deep_loss + ")"
                      : "k=" + std::to_string(config.rank);

  const double read_start = wall_time();
  dist::DistMatrix x = io::read_matrix(data, config.dataset, grid, block, block);
  data.close();
  dist::require_nonnegative_finite(grid.comm(), x, what);
  double sums[2] = {0, 0};  // sum and sum of squares
  for (double v : x.local) {
    sums[0] += v;
    sums[1] += v * v;
  }
  grid.full_comm().sum(sums, 2);
  const long m = x.rows.global_size(), n = x.cols.global_size();
  if (!(sums[1] > 0)) throw Error(what + " is all zeros; there is nothing to factorize", true);
  if (verbose)
    std::printf("nmfx fit: %s (%ld x %ld) read in %.2f s; %s, %s, grid %s, block %d, %d rank%s\n",
                what.c_str(), m, n, wall_time() - read_start, config.algorithm.c_str(),
                model_name.c_str(), shape.str().c_str(), block, size, size > 1 ? "s" : "");

  Measurements measured;
  if (is_deep(config)) measured.layers.resize(ranks.size() - 1);
  if (config.reference) {
    const double start = wall_time();
    measured.sigma_x = la::svd(grid, x, 0).sigma;
    double tail = 0;  // sum of sigma_i^2 beyond k: the best any rank-k model leaves
    for (std::size_t i = std::size_t(ranks.back()); i < measured.sigma_x.size(); ++i)
      tail += measured.sigma_x[i] * measured.sigma_x[i];
    measured.svd_rel_error = tail / sums[1];
    if (verbose)
      std::printf("nmfx fit: singular values of X in %.2f s; best rank-%d rel_error "
                  "(Eckart-Young) %.6e, rel_residual %.6f\n",
                  wall_time() - start, ranks.back(), measured.svd_rel_error,
                  std::sqrt(measured.svd_rel_error));
  }

  nmf::Model model = empty_model(grid, ranks, x);
  std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
  nmf::Rules rules;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    owned.push_back(nmf::make_rule(config.algorithm, config.rule_w));
    rules.w.push_back(owned.back().get());
    owned.push_back(nmf::make_rule(config.algorithm, config.rule_h));
    rules.h.push_back(owned.back().get());
  }
  const std::vector<Block> model_blocks = blocks(config, model, rules);
  const std::vector<Stage> plan = stages(config);
  metrics::PlateauDetector detector(config.plateau_window, config.plateau_tolerance);
  Progress progress;
  std::vector<nmf::Record> history;
  bool plateau_at_checkpoint = false;
  if (config.resume) {
    history = resume(config, grid, model, model_blocks, measured, progress);
    // The detector sees the last stage's evaluations again (the first
    // stage's initial point included); a plateau found at the checkpoint's
    // own iteration stops there, as it did in the run that wrote it.
    if (progress.stage + 1 == plan.size())
      for (const auto& e : measured.evaluations)
        if (progress.stage == 0 || e.iteration > progress.stage_start)
          plateau_at_checkpoint = detector.add(e.iteration, e.model.effective_rank) &&
                                  config.early_stop == "plateau" &&
                                  e.iteration == history.back().iteration;
    if (verbose)
      std::printf("nmfx fit: resuming at iteration %ld from %s\n", history.back().iteration,
                  checkpoint_path(config).c_str());
  }
  const double x_mean = sums[0] / (double(m) * double(n));

  interrupt_signal = 0;
  // The caller's handlers come back afterwards (a sweep keeps its own between fits).
  const auto caller_sigterm = std::signal(SIGTERM, on_interrupt);
  const auto caller_sigusr1 = std::signal(SIGUSR1, on_interrupt);
  auto checkpoint = [&](const nmf::IterationView& v) {
    io::AtomicOutput out(grid.comm(), checkpoint_path(config));
    const nmf::SolveResult partial{v.history, "checkpoint", v.record.iteration};
    write_run(out.temporary_path(), grid, config, model_blocks, v.model,
              plan[progress.stage].phase.depth(), partial, measured,
              [&](io::File& f) {
                write_rule_states(f, model_blocks);
                f.write_attribute("resume_key", resume_key(config, grid, block));
                f.write_attribute("stage", long(progress.stage));
                f.write_attribute("stage_start", progress.stage_start);
              });
    out.commit();
  };
  nmf::SolveResult result;
  for (bool resuming = config.resume; progress.stage < plan.size(); ++progress.stage, resuming = false) {
    const nmf::Phase& phase = plan[progress.stage].phase;
    const bool last_stage = progress.stage + 1 == plan.size();
    if (!resuming) {  // entering the stage; a layer starts with the first stage that trains it
      progress.stage_start = history.empty() ? 0 : history.back().iteration;
      const int before = progress.stage > 0 ? plan[progress.stage - 1].phase.depth() : 0;
      for (int layer = before + 1; layer <= phase.depth(); ++layer)
        initialize_layer(config, grid, x, x_mean, model, layer);
    }
    auto observer = [&](const nmf::IterationView& v) -> std::string {
      const nmf::Record& r = v.record;
      const bool evaluate_now = config.metrics_every > 0 && r.iteration % config.metrics_every == 0;
      bool flat = false;
      if (evaluate_now) {
        evaluate(grid, v.model, phase.depth(), r.iteration, measured);
        if (last_stage) flat = detector.add(r.iteration, measured.evaluations.back().model.effective_rank);
      }
      if (verbose && config.progress_every > 0 && r.iteration % config.progress_every == 0) {
        std::printf("  iter %6ld  rel_error %.6e  rel_residual %.6f  %8.2f s", r.iteration,
                    r.rel_error, std::sqrt(r.rel_error), r.seconds);
        if (evaluate_now)
          std::printf("  eff_rank %.3f%s", measured.evaluations.back().model.effective_rank,
                      flat ? " (plateau)" : "");
        if (!r.layer_rel_error.empty()) {
          std::printf("  layers");
          for (double e : r.layer_rel_error) std::printf(" %.4g", e);
        }
        std::printf("\n");
        std::fflush(stdout);
      }
      // A signal on any rank stops every rank at this iteration boundary.
      const int signalled = grid.full_comm().max(interrupt_signal != 0 ? 1 : 0);
      const bool periodic = config.checkpoint_every > 0 && r.iteration > 0 &&
                            r.iteration % config.checkpoint_every == 0;
      if (signalled || periodic) checkpoint(v);
      if (signalled) return "interrupted";
      return flat && config.early_stop == "plateau" ? "plateau" : "";
    };
    if (verbose && plan.size() > 1)
      std::printf("nmfx fit: stage %zu of %zu: %s, layers %d..%d, %ld iterations\n",
                  progress.stage + 1, plan.size(), phase.global ? "global loss" : "layer loss",
                  phase.global ? 1 : phase.first, phase.last, plan[progress.stage].iterations);
    // The tolerance compares iterations of this stage only.
    const nmf::StopCriteria stop{progress.stage_start + plan[progress.stage].iterations,
                                 config.tolerance, config.time_limit,
                                 progress.stage_start + (progress.stage > 0 ? 1 : 0)};
    if (resuming && plateau_at_checkpoint) {
      result = {history, "plateau", history.back().iteration};
      break;
    }
    result = nmf::solve(grid, x, sums[1], model, rules, phase, stop, observer, history);
    history = result.history;
    // A stage ends early by tolerance and goes on; anything else ends the run.
    const bool stage_done = result.stop_reason == "max_iter" || result.stop_reason == "tol";
    if (!stage_done || last_stage) break;
  }
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
  const int final_depth = plan[std::min(progress.stage, plan.size() - 1)].phase.depth();
  if (config.metrics_every > 0 &&
      (measured.evaluations.empty() || measured.evaluations.back().iteration != result.iterations))
    evaluate(grid, model, final_depth, result.iterations, measured);
  measured.plateaus = detector.onsets();

  write_run(output.temporary_path(), grid, config, model_blocks, model, final_depth, result,
            measured);
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
    std::printf("nmfx fit: effective rank of the model %.3f; plateaus at iteration", s.final_effective_rank);
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
