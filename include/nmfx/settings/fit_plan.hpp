#pragma once
// A fit's settings checked together once and turned into a typed plan: what
// is trained (model, layer ranks, stages), by which rule, from which start,
// and when it stops. Nothing downstream reads setting strings.
#include <string>
#include <vector>

#include "nmfx/core/precision.hpp"
#include "nmfx/nmf/encode.hpp"
#include "nmfx/nmf/solver.hpp"
#include "nmfx/settings/registry.hpp"

namespace nmfx::settings {

enum class Model { nmf, deep };
enum class DeepLoss { global, layer_sum, layer_seq };
enum class Init { random, eye, nndsvd, nndsvda, nndsvdar, ssvd, file };
enum class EarlyStop { none, plateau };

/// One training phase and its iteration budget.
struct Stage {
  nmf::Phase phase;
  long iterations;
};

struct FitPlan {
  FitConfig config;  // the settings as given (what the run file records)
  Model model = Model::nmf;
  DeepLoss deep_loss = DeepLoss::global;
  std::vector<int> ranks;  // the layer ranks r1 > ... > rL ({k} for nmf)
  nmf::Algorithm algorithm = nmf::Algorithm::hals;
  Precision precision = Precision::double_precision;
  Init init = Init::random;
  std::string init_file;  // Init::file: the run file to start from
  EarlyStop early_stop = EarlyStop::none;
  /// The phases in order: ordinary NMF and the global or layer-sum loss have
  /// one; layer-seq one per layer; --pretrain adds one per layer in front.
  std::vector<Stage> stages;
  /// --snapshots: the iterations whose factors are kept, ascending (a list
  /// or log:N), or every `snapshot_every` iterations.
  std::vector<long> snapshots;
  long snapshot_every = 0;
  /// --test: how the test samples are encoded at every evaluation.
  nmf::EncodeOptions test_encoding;

  bool deep() const { return model == Model::deep; }
  /// Whether the objective leaves entries of X out (--missing nan, --holdout).
  bool masked() const { return config.missing == "nan" || config.holdout > 0; }
  /// The fit's last iteration (the stages' iterations added up).
  long last_iteration() const;
  /// Whether iteration `iteration` is a snapshot.
  bool snapshot_at(long iteration) const;
  /// How many snapshots the fit takes at most.
  long snapshot_count() const;
  int depth() const { return int(ranks.size()); }
};

/// Checks the settings together (each was checked alone when set) and makes
/// the plan. Error, one line naming the settings, when they do not fit
/// together. Local (no MPI, no files).
FitPlan make_plan(const FitConfig& config);

}  // namespace nmfx::settings
