#include "nmfx/settings/fit_plan.hpp"

#include <algorithm>
#include <cmath>

#include "nmfx/core/error.hpp"

namespace nmfx::settings {
namespace {

std::string join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

Init parse_init(const std::string& name) {
  if (name.rfind("file:", 0) == 0) return Init::file;
  const std::pair<const char*, Init> known[] = {
      {"random", Init::random},   {"eye", Init::eye},           {"nndsvd", Init::nndsvd},
      {"nndsvda", Init::nndsvda}, {"nndsvdar", Init::nndsvdar}, {"ssvd", Init::ssvd}};
  for (const auto& [n, init] : known)
    if (name == n) return init;
  throw Error("unknown --init '" + name + "'");
}

/// The phases of a fit, in order (see FitPlan::stages).
std::vector<Stage> make_stages(const FitPlan& p) {
  const int depth = p.depth();
  std::vector<Stage> out;
  auto layer_by_layer = [&](long iterations) {
    for (int i = 1; i <= depth; ++i) out.push_back({{false, i, i}, iterations});
  };
  if (p.config.pretrain_iterations > 0) layer_by_layer(p.config.pretrain_iterations);
  if (!p.deep() || p.deep_loss == DeepLoss::global) out.push_back({{true, 1, depth}, p.config.max_iterations});
  else if (p.deep_loss == DeepLoss::layer_sum) out.push_back({{false, 1, depth}, p.config.max_iterations});
  else layer_by_layer(p.config.max_iterations);
  return out;
}

/// The iterations of --snapshots `text` for a fit ending at `last`: a
/// comma list, log:N (0, then N - 1 distinct iterations spaced
/// logarithmically up to `last`), or every:N (left to `every`). Error on a
/// bad list.
std::vector<long> parse_snapshots(const std::string& text, long last, long& every) {
  const std::string flag = "--snapshots " + text + ": ";
  auto count_after = [&](std::size_t prefix) {
    const std::string digits = text.substr(prefix);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 12)
      throw Error(flag + "expected a positive integer after '" + text.substr(0, prefix) + "'");
    const long n = std::stol(digits);
    if (n < 1) throw Error(flag + "the count must be at least 1");
    return n;
  };
  std::vector<long> out;
  if (text.rfind("every:", 0) == 0) {
    every = count_after(6);
    return out;
  }
  if (text.rfind("log:", 0) == 0) {
    const long n = count_after(4);
    if (n > last + 1)
      throw Error(flag + "asks for " + std::to_string(n) + " distinct iterations but the fit has only " +
                  std::to_string(last + 1) + " (0.." + std::to_string(last) + ")");
    out.push_back(0);
    // n - 1 points on a log scale in [1, last], rounded, then pushed apart
    // so that all are distinct (from the end down, so `last` stays last).
    for (long i = 1; i < n; ++i)
      out.push_back(n == 2 ? last : std::lround(std::pow(double(last), double(i - 1) / double(n - 2))));
    for (long i = n - 2; i >= 1; --i) out[std::size_t(i)] = std::min(out[std::size_t(i)], out[std::size_t(i + 1)] - 1);
    for (long i = 1; i < n; ++i) out[std::size_t(i)] = std::max(out[std::size_t(i)], out[std::size_t(i - 1)] + 1);
    return out;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 12)
      throw Error(flag + "expected iterations like 0,10,50, log:N or every:N (got '" + item + "')");
    const long it = std::stol(item);
    if (it > last)
      throw Error(flag + "iteration " + item + " is beyond the fit's last (" + std::to_string(last) + ")");
    out.push_back(it);
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

long FitPlan::last_iteration() const {
  long last = 0;
  for (const Stage& s : stages) last += s.iterations;
  return last;
}

bool FitPlan::snapshot_at(long iteration) const {
  if (snapshot_every > 0) return iteration % snapshot_every == 0;
  return std::binary_search(snapshots.begin(), snapshots.end(), iteration);
}

long FitPlan::snapshot_count() const {
  return snapshot_every > 0 ? last_iteration() / snapshot_every + 1 : long(snapshots.size());
}

FitPlan make_plan(const FitConfig& c) {
  FitPlan p;
  p.config = c;
  p.model = c.model == "deep" ? Model::deep : Model::nmf;
  p.deep_loss = c.deep_loss == "layer-sum"   ? DeepLoss::layer_sum
                : c.deep_loss == "layer-seq" ? DeepLoss::layer_seq
                                             : DeepLoss::global;
  p.algorithm = nmf::parse_algorithm(c.algorithm);
  p.precision = parse_precision(c.precision, "--precision");
  p.init = parse_init(c.init);
  if (p.init == Init::file) p.init_file = c.init.substr(5);
  p.early_stop = c.early_stop == "plateau" ? EarlyStop::plateau : EarlyStop::none;

  if (!p.deep()) {
    if (!c.ranks.empty()) throw Error("--ranks needs --model deep");
    if (c.rank < 1) throw Error("--rank must be at least 1 (got " + std::to_string(c.rank) + ")");
    if (c.pretrain_iterations != 0) throw Error("--pretrain needs --model deep");
    p.ranks = {c.rank};
  } else {
    if (c.rank != 0) throw Error("--model deep takes its ranks from --ranks r1,r2,... (not --rank)");
    if (c.ranks.empty()) throw Error("--model deep needs --ranks r1,r2,... (non-increasing)");
    for (std::size_t i = 0; i < c.ranks.size(); ++i)
      if (c.ranks[i] < 1 || (i > 0 && c.ranks[i] > c.ranks[i - 1]))
        throw Error("--ranks " + join(c.ranks) + ": ranks must be >= 1 and non-increasing");
    p.ranks = c.ranks;
    if (c.pretrain_iterations > 0 && p.deep_loss == DeepLoss::layer_seq)
      throw Error("--pretrain trains layer by layer before a global or layer-sum loss; "
                  "--deep-loss layer-seq is that already");
    const bool two_sided = p.algorithm == nmf::Algorithm::anls || p.algorithm == nmf::Algorithm::als;
    if (p.deep_loss == DeepLoss::global && p.depth() > 1 && two_sided)
      throw Error("--deep-loss global updates the inner layers through a two-sided problem that "
                  "only mu, hals, pgd and adam solve; use one of them, or --deep-loss layer-sum "
                  "or layer-seq with " + c.algorithm);
    if (p.deep_loss == DeepLoss::layer_seq && p.early_stop != EarlyStop::none)
      throw Error("--early-stop needs one training phase; use --deep-loss global or layer-sum");
    if (p.init == Init::file) throw Error("--init file: is for --model nmf");
  }
  if (p.early_stop != EarlyStop::none && c.metrics_every == 0)
    throw Error("--early-stop plateau needs metrics (--metrics-every > 0)");
  if (c.init_scale != 1 && p.init != Init::random && p.init != Init::eye)
    throw Error("--init-scale scales the random and eye initializations, not --init " + c.init);
  if (p.masked()) {
    const nmf::Algorithm a = p.algorithm;
    if (a != nmf::Algorithm::mu && a != nmf::Algorithm::hals && a != nmf::Algorithm::anls &&
        a != nmf::Algorithm::pgd && a != nmf::Algorithm::adam)
      throw Error("--algo " + c.algorithm + " does not fit masked data (--missing nan, --holdout); use mu, hals, "
                  "anls, pgd or adam");
    if (p.deep() && (p.deep_loss != DeepLoss::global || c.pretrain_iterations > 0))
      throw Error("masked data (--missing nan, --holdout) fits Deep NMF's global loss only, without --pretrain");
  }
  nmf::check_rule(p.algorithm, c.rule_w);
  nmf::check_rule(p.algorithm, c.rule_h);
  p.stages = make_stages(p);
  if (!c.snapshots.empty()) p.snapshots = parse_snapshots(c.snapshots, p.last_iteration(), p.snapshot_every);
  if (c.snapshot_w && c.snapshots.empty()) throw Error("--snapshot-w needs --snapshots");
  const FitConfig defaults;
  if (c.test_path.empty() &&
      (c.test_algorithm != defaults.test_algorithm || c.test_max_iterations != defaults.test_max_iterations ||
       c.test_tolerance != defaults.test_tolerance || c.test_l1 != defaults.test_l1))
    throw Error("--test-algo, --test-max-iter, --test-tol and --test-l1 need --test");
  nmf::EncodeOptions& t = p.test_encoding;
  t.algorithm = c.test_algorithm == "auto" ? nmf::default_encode_algorithm(p.ranks.front())
                                           : nmf::parse_algorithm(c.test_algorithm);
  t.l1 = c.test_l1;
  t.max_iterations = c.test_max_iterations;
  t.tolerance = c.test_tolerance;
  return p;
}

}  // namespace nmfx::settings
