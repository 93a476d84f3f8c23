#include "nmfx/settings/fit_plan.hpp"

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

}  // namespace

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
    if (c.ranks.empty()) throw Error("--model deep needs --ranks r1,r2,... (strictly decreasing)");
    for (std::size_t i = 0; i < c.ranks.size(); ++i)
      if (c.ranks[i] < 1 || (i > 0 && c.ranks[i] >= c.ranks[i - 1]))
        throw Error("--ranks " + join(c.ranks) + ": ranks must be >= 1 and strictly decreasing");
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
  nmf::check_rule(p.algorithm, c.rule_w);
  nmf::check_rule(p.algorithm, c.rule_h);
  p.stages = make_stages(p);
  return p;
}

}  // namespace nmfx::settings
