#include "nmfx/runner/run_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

#include "nmfx/core/error.hpp"
#include "nmfx/io/matrix_io.hpp"

namespace nmfx::runner::run_file {
namespace {

namespace fs = std::filesystem;
using settings::Attribute;
using settings::Setting;

/// Where a block lies: /W and /H for ordinary NMF; Deep NMF keeps
/// /layers/W1 ... /layers/WL and the codes /layers/H1 ... /layers/HL.
std::string block_dataset(const settings::FitPlan& plan, const Block& b) {
  return plan.deep() ? "/layers/" + b.name : "/" + b.name;
}

io::FactorLayout layout_of(const Block& b) {
  return b.name[0] == 'W' ? io::FactorLayout::index_major : io::FactorLayout::component_major;
}

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
  if (n > 0 && !std::isnan(ev.front().test_rel_error)) {  // --test
    std::vector<double> test, test_residual;
    for (const auto& e : ev) {
      test.push_back(e.test_rel_error);
      test_residual.push_back(std::sqrt(e.test_rel_error));
    }
    out.write_replicated(group + "test_rel_error", {n}, test.data());
    out.write_replicated(group + "test_rel_residual", {n}, test_residual.data());
  }
}

/// The evaluations recorded under `group`, read back (summaries recomputed
/// from the spectra, so they are bit-identical to the ones written).
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
  const auto test = in.exists(group + "test_rel_error") ? in.read_replicated(group + "test_rel_error")
                                                        : std::vector<double>{};
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
    if (!test.empty()) v.test_rel_error = test[e];
    out.push_back(v);
  }
  return out;
}

void write_measurements(io::File& out, const settings::FitPlan& plan, const Measurements& m) {
  if (!m.sigma_x.empty()) {
    out.write_replicated("/reference/sigma_X", {m.sigma_x.size()}, m.sigma_x.data());
    out.write_replicated("/reference/svd_rel_error", {}, &m.svd_rel_error);
  }
  if (m.evaluations.empty()) return;  // no metrics and no snapshots
  write_evaluations(out, "/metrics/", m.evaluations, plan.ranks.back());
  for (std::size_t i = 0; i < m.layers.size(); ++i)
    write_evaluations(out, "/metrics/layer" + std::to_string(i + 1) + "/", m.layers[i], plan.ranks[i]);
  out.write_replicated("/metrics/plateaus", {m.plateaus.size()}, m.plateaus.data());
}

void write_history(io::File& out, const std::vector<nmf::Record>& history, int depth,
                   double svd_rel_error) {
  const hsize_t n = history.size();
  std::vector<long> iteration;
  std::vector<double> seconds, rel_error, rel_residual, layer_errors, heldout;
  bool masked = false;  // hidden entries: their error is recorded beside
  for (const auto& r : history) {
    heldout.push_back(r.heldout_rel_error);
    masked = masked || !std::isnan(r.heldout_rel_error);
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
  if (masked) out.write_replicated("/history/heldout_rel_error", {n}, heldout.data());
  if (svd_rel_error > 1e-14) {  // below: X is (numerically) of rank <= k
    std::vector<double> ratio;
    for (double e : rel_error) ratio.push_back(e / svd_rel_error);
    out.write_replicated("/history/rel_error_over_bound", {n}, ratio.data());
  }
}

std::vector<nmf::Record> read_history(const io::File& in, int depth) {
  const auto iteration = in.read_replicated("/history/iteration");
  const auto seconds = in.read_replicated("/history/seconds");
  const auto rel_error = in.read_replicated("/history/rel_error");
  const auto layer_errors = depth > 1 ? in.read_replicated("/history/layer_rel_error") : std::vector<double>{};
  const auto heldout = in.exists("/history/heldout_rel_error") ? in.read_replicated("/history/heldout_rel_error")
                                                                : std::vector<double>{};
  std::vector<nmf::Record> history;
  for (std::size_t i = 0; i < iteration.size(); ++i) {
    history.push_back({long(iteration[i]), seconds[i], rel_error[i], {}});
    if (!heldout.empty()) history.back().heldout_rel_error = heldout[i];
    if (depth > 1)
      history.back().layer_rel_error.assign(layer_errors.begin() + long(i * std::size_t(depth)),
                                            layer_errors.begin() + long((i + 1) * std::size_t(depth)));
  }
  return history;
}

/// The rules' optimizer states as /state/<block>/<i> (laid out like the
/// factor) with an attribute "steps".
void write_rule_states(io::File& out, const std::vector<Block>& blocks, const nmf::Model& model) {
  for (const Block& b : blocks) {
    const nmf::RuleState* state = b.rule.state();
    if (!state) continue;
    const std::string group = "/state/" + b.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i) {
      const dist::Factor& factor = b.factor(model);
      dist::Factor array = dist::Factor::like(factor, factor.k);
      if (state->arrays[i].size() == array.local.size()) array.local = state->arrays[i];
      io::write_factor(out, group + "/" + std::to_string(i), array, io::FactorLayout::index_major);
    }
    out.write_attribute("steps", state->steps, group);
  }
}

void read_rule_states(const io::File& in, const std::vector<Block>& blocks, const nmf::Model& model) {
  for (const Block& b : blocks) {
    nmf::RuleState* state = b.rule.state();
    if (!state || !in.exists("/state/" + b.name)) continue;  // a block not trained yet
    const std::string group = "/state/" + b.name;
    for (std::size_t i = 0; i < state->arrays.size(); ++i)
      state->arrays[i] =
          io::read_factor(in, group + "/" + std::to_string(i), b.factor(model), io::FactorLayout::index_major)
              .local;
    state->steps = long(in.read_number_attribute("steps", group));
  }
}

void write_settings(io::File& out, const settings::FitConfig& config) {
  for (const Setting& s : settings::fit_settings()) {
    if (s.attribute.empty()) continue;
    std::visit([&](const auto& v) { out.write_attribute(s.attribute, v); }, settings::to_attribute(s, config));
  }
  out.write_attribute("command_line", config.command_line);
}

/// The value the file records for `s`, as the registry would record it.
Attribute recorded(const io::File& run, const Setting& s, const Attribute& like) {
  if (std::holds_alternative<long>(like)) return run.read_integer_attribute(s.attribute);
  if (std::holds_alternative<double>(like)) return run.read_number_attribute(s.attribute);
  return run.read_string_attribute(s.attribute);
}

bool same_file(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a == b;  // an optional file not given
  std::error_code ec;
  const bool same = fs::equivalent(a, b, ec);
  if (!ec) return same;
  return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
}

/// The blocks --snapshots keeps, in the order of `blocks`.
std::vector<const Block*> snapshot_blocks(const settings::FitPlan& plan, const std::vector<Block>& blocks) {
  std::vector<const Block*> out;
  for (const Block& b : blocks)
    if (is_snapshot_block(plan, b)) out.push_back(&b);
  return out;
}

void write_snapshots(io::File& out, const settings::FitPlan& plan, const std::vector<Block>& blocks,
                     const Snapshots& snapshots) {
  if (snapshots.iterations.empty()) return;
  out.write_replicated("/snapshots/iteration", {snapshots.iterations.size()}, snapshots.iterations.data());
  const std::vector<const Block*> kept = snapshot_blocks(plan, blocks);
  for (std::size_t b = 0; b < kept.size(); ++b)
    io::write_factors(out, "/snapshots/" + kept[b]->name, snapshots.blocks[b], layout_of(*kept[b]));
}

Snapshots read_snapshots(const io::File& in, const settings::FitPlan& plan, const std::vector<Block>& blocks,
                         const nmf::Model& model) {
  Snapshots s;
  const bool taken = in.exists("/snapshots/iteration");  // none yet: the checkpoint precedes the first
  if (taken)
    for (double it : in.read_replicated("/snapshots/iteration")) s.iterations.push_back(long(it));
  for (const Block* b : snapshot_blocks(plan, blocks))
    s.blocks.push_back(taken ? io::read_factors(in, "/snapshots/" + b->name, b->factor(model), long(s.iterations.size()),
                                                layout_of(*b))
                             : std::vector<dist::Factor>{});
  return s;
}

void write_contents(io::File& out, const Contents& c, const std::string& kind) {
  const settings::FitPlan& plan = c.plan;
  write_header(out, kind);
  for (const Block& b : c.blocks) io::write_factor(out, block_dataset(plan, b), b.factor(c.model), layout_of(b));
  if (plan.deep()) {  // the model itself, for every tool that reads /W and /H
    io::write_factor(out, "/W", nmf::partial_product(c.model, c.trained_depth), io::FactorLayout::index_major);
    io::write_factor(out, "/H", c.model.h[std::size_t(c.trained_depth - 1)], io::FactorLayout::component_major);
    out.write_attribute("trained_depth", long(c.trained_depth));
  }
  write_history(out, c.history, c.model.depth(), c.measured.svd_rel_error);
  write_measurements(out, plan, c.measured);
  write_snapshots(out, plan, c.blocks, c.measured.snapshots);
  write_settings(out, plan.config);
  out.write_attribute("rank", long(plan.ranks[std::size_t(c.trained_depth - 1)]));
  out.write_attribute("grid", c.grid.shape().str());
  out.write_attribute("block", long(c.block));
  out.write_attribute("iterations", c.iterations);
  out.write_attribute("stop_reason", std::string(nmf::stop_reason_name(c.stop_reason)));
  out.write_attribute("run_id", c.run_id);
}

}  // namespace

bool is_snapshot_block(const settings::FitPlan& plan, const Block& block) {
  return block.name[0] == 'H' || plan.config.snapshot_w;
}

std::string new_run_id(const Communicator& comm) {
  std::string id;
  if (comm.rank() == 0) {
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    char time[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(time, sizeof time, "%Y%m%dT%H%M%S", std::localtime(&now));
    id = std::string(host) + "-" + std::to_string(getpid()) + "-" + time;
  }
  comm.broadcast(id);
  return id;
}

void write_header(io::File& out, const std::string& kind) {
  out.write_attribute("schema_version", schema_version);
  out.write_attribute("version", std::string(NMFX_VERSION));
  out.write_attribute("kind", kind);
}

void write_run(const std::string& path, const Contents& contents, const TimingReport& timing) {
  io::File out = io::File::create(contents.grid.comm(), path);
  write_contents(out, contents, "run");
  out.make_parents("/timing/seconds");
  for (std::size_t a = 0; a < activity_count; ++a)
    out.write_attribute(activity_name(Activity(a)), timing.seconds[a], "/timing");
  out.write_attribute("other", timing.other, "/timing");
  out.write_attribute("total", timing.total, "/timing");
  out.write_attribute("peak_resident_bytes", timing.peak_resident_bytes, "/timing");
  out.close();
}

void write_checkpoint(const std::string& path, const Contents& contents, const Progress& progress) {
  io::File out = io::File::create(contents.grid.comm(), path);
  write_contents(out, contents, "checkpoint");
  write_rule_states(out, contents.blocks, contents.model);
  out.write_attribute("stage", long(progress.stage));
  out.write_attribute("stage_start", progress.stage_start);
  out.close();
}

std::string settings_mismatch(const io::File& run, const settings::FitConfig& config, Compare what) {
  std::string differences;
  for (const Setting& s : settings::fit_settings()) {
    const bool compared = s.effect == settings::Effect::iterates ||
                          (what == Compare::iterates_outcome && s.effect == settings::Effect::outcome);
    if (!compared || s.attribute.empty() || !run.has_attribute(s.attribute)) continue;
    const Attribute want = settings::to_attribute(s, config);
    const Attribute got = recorded(run, s, want);
    const bool same = s.file ? same_file(std::get<std::string>(got), std::get<std::string>(want)) : got == want;
    if (!same)
      differences += (differences.empty() ? "" : ", ") + settings::flag_name(s) + " " +
                     settings::value_text(s, got) + " (not " + settings::value_text(s, want) + ")";
  }
  return differences;
}

std::vector<nmf::Record> read_checkpoint(const std::string& path, const settings::FitPlan& plan,
                                         const ProcessGrid& grid, int block,
                                         const std::vector<Block>& blocks, nmf::Model& model,
                                         Measurements& measured, Progress& progress) {
  io::File in = io::File::open_read(grid.comm(), path);
  collectively(grid.comm(), [&] {
    if (!in.has_attribute("stage") || !in.has_attribute("run_id"))
      throw Error("'" + path + "' is not a checkpoint of this version of nmfx (no stage or run_id)");
    std::string differences = settings_mismatch(in, plan.config, Compare::iterates);
    const std::string grid_was = in.read_string_attribute("grid");
    const long block_was = in.read_integer_attribute("block");
    if (grid_was != grid.shape().str())
      differences += (differences.empty() ? "" : ", ") + std::string("grid ") + grid_was + " (not " +
                     grid.shape().str() + ")";
    if (block_was != block)
      differences += (differences.empty() ? "" : ", ") + std::string("--block ") + std::to_string(block_was) +
                     " (not " + std::to_string(block) + ")";
    if (!differences.empty())
      throw Error("the checkpoint '" + path + "' was made with " + differences +
                  "; resume with its settings and number of ranks, or remove it to start anew");
    progress.stage = std::size_t(in.read_integer_attribute("stage"));
    progress.stage_start = in.read_integer_attribute("stage_start");
    progress.run_id = in.read_string_attribute("run_id");
  });
  for (const Block& b : blocks)
    b.factor(model) = io::read_factor(in, block_dataset(plan, b), b.factor(model), layout_of(b));
  read_rule_states(in, blocks, model);
  measured.snapshots = read_snapshots(in, plan, blocks, model);
  measured.evaluations = read_evaluations(in, "/metrics/");
  for (std::size_t i = 0; i < measured.layers.size(); ++i)
    measured.layers[i] = read_evaluations(in, "/metrics/layer" + std::to_string(i + 1) + "/");
  std::vector<nmf::Record> history = read_history(in, plan.depth());
  agree(grid.comm(), history.empty() ? "the checkpoint '" + path + "' has no history" : "");
  return history;
}

Record read_record(const io::File& run) {
  auto last = [](const std::vector<double>& v) { return v.empty() ? Record::none : v.back(); };
  Record r;
  r.iterations = long(run.read_number_attribute("iterations"));
  r.stop_reason = run.read_string_attribute("stop_reason");
  const auto seconds = run.read_replicated("/history/seconds");
  r.rel_error = last(run.read_replicated("/history/rel_error"));
  r.rel_residual = last(run.read_replicated("/history/rel_residual"));
  if (run.exists("/history/heldout_rel_error")) r.heldout_rel_error = last(run.read_replicated("/history/heldout_rel_error"));
  r.seconds = last(seconds);
  // As run_fit reports it: per iteration of the loop, the initial products excluded.
  if (r.iterations > 0 && seconds.size() > 1)
    r.seconds_per_iteration = (seconds.back() - seconds.front()) / double(r.iterations);
  if (run.exists("/reference/svd_rel_error")) r.svd_rel_error = last(run.read_replicated("/reference/svd_rel_error"));
  if (run.exists("/metrics/effective_rank")) r.effective_rank = last(run.read_replicated("/metrics/effective_rank"));
  if (run.exists("/metrics/test_rel_error")) {
    r.test_rel_error = last(run.read_replicated("/metrics/test_rel_error"));
    r.test_rel_residual = std::sqrt(r.test_rel_error);
  }
  if (run.exists("/metrics/plateaus")) {
    const auto plateaus = run.read_replicated("/metrics/plateaus");
    if (!plateaus.empty()) r.first_plateau = long(plateaus.front());
  }
  return r;
}

dist::Factor read_model_factor(const io::File& file, const std::string& dataset, const dist::Factor& like) {
  const io::FactorLayout layout = dataset == "/W" ? io::FactorLayout::index_major : io::FactorLayout::component_major;
  dist::Factor f = io::read_factor(file, dataset, like, layout);
  collectively(file.comm(), [&] {
    for (double v : f.local)
      if (!(v >= 0) || !std::isfinite(v))
        throw Error(dataset + " in '" + file.path() + "' is not finite and non-negative");
  });
  return f;
}

}  // namespace nmfx::runner::run_file
