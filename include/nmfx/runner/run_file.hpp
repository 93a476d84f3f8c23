#pragma once
// The schema of nmfx's result files, in one place: run files and checkpoints
// (`nmfx fit`, sweep points), and the header every other output of nmfx
// carries (codes, reconstructions, PCA). README's "Run files" section
// documents it for users' h5py / MATLAB scripts and tools/nmfx-plot.
//
//   /                 attributes: schema_version, version, kind, command_line;
//                     every recorded setting (settings::fit_settings());
//                     the facts rank, grid, block, iterations, stop_reason
//                     (and trained_depth for Deep NMF)
//   /W, /H            the model (m x k and k x n)
//   /layers/W1.., H1.. Deep NMF's factors
//   /history/...      per iteration: iteration, seconds, rel_error,
//                     rel_residual, rel_error_over_bound, layer_rel_error
//   /metrics/...      per evaluation: spectra and their summaries, and with
//                     --test the test samples' test_rel_error, test_rel_residual
//   /reference/...    sigma(X) and the Eckart-Young bound
//   /snapshots/...    --snapshots: iteration, and per kept block a 3-D stack
//   /state/...        checkpoints only: the rules' optimizer state
//   /timing           run files only: attributes, seconds per activity
//   /encoder/W, /encoder/b, /decoder/b
//                     `nmfx autoencoder` (model "autoencoder"; /H its decoder's
//                     atoms, /W the training codes, /history per epoch;
//                     written by autoencoder/training.cpp)
//   /evaluation/...   `nmfx evaluate`'s results on held-out data
//
// This lives with the runner, not in io: the schema is made of the nmf and
// metrics types (histories, evaluations, rule states) that io sits below.
#include <limits>
#include <string>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/nmf/solver.hpp"
#include "nmfx/settings/fit_plan.hpp"

namespace nmfx::runner::run_file {

/// Version 2: settings recorded from the registry (every recorded setting,
/// always), the layer ranks as "ranks" for every model, "kind".
constexpr long schema_version = 2;

/// The factors kept at the --snapshots iterations: for each snapshot block
/// (see is_snapshot_block), a copy per iteration.
struct Snapshots {
  std::vector<long> iterations;
  std::vector<std::vector<dist::Factor>> blocks;  // blocks[b][s]: snapshot block b at iterations[s]
};

/// Everything measured beside the factors.
struct Measurements {
  Snapshots snapshots;
  std::vector<double> sigma_x;  // empty when the reference was skipped
  double svd_rel_error = -1;
  std::vector<metrics::Evaluation> evaluations;  // the model (W1 ... Wd H_d)
  /// Deep models: layers[i][e] evaluates W1 ... W_{i+1} and the code
  /// H_{i+1} (i < L - 1; layer L is the model itself).
  std::vector<std::vector<metrics::Evaluation>> layers;
  std::vector<long> plateaus;
};

/// A training block as files see it: its name ("W", "H"; Deep NMF "W1" ..
/// "HL"), where its factor lies in a model, and its rule.
struct Block {
  std::string name;
  bool code;  // the code H_i (else W_i)
  int layer;  // i - 1
  nmf::UpdateRule& rule;
  /// The block's factor in `model` (a Model or a SingleModel, const or not).
  template <class AnyModel>
  auto& factor(AnyModel& model) const {
    return code ? model.h[std::size_t(layer)] : model.w[std::size_t(layer)];
  }
};

/// Where a checkpointed run stands: its stage, the iteration that stage
/// began at, and the run's identity (made when it starts, kept across
/// resumes; recorded as the attribute run_id).
struct Progress {
  std::size_t stage = 0;
  long stage_start = 0;
  std::string run_id;
};

/// Whether --snapshots keeps this block: every code (H, H1..HL), and with
/// --snapshot-w every W.
bool is_snapshot_block(const settings::FitPlan& plan, const Block& block);

/// Collective: a new run identity (host, process and start time of rank 0).
std::string new_run_id(const Communicator& comm);

/// What a run file records.
struct Contents {
  const settings::FitPlan& plan;
  const ProcessGrid& grid;
  int block;  // the block-cyclic block size used
  const std::vector<Block>& blocks;
  const nmf::Model& model;
  int trained_depth;  // the depth of /W and /H (layer-seq may stop early)
  const std::vector<nmf::Record>& history;
  long iterations;
  nmf::StopReason stop_reason;
  const Measurements& measured;
  const std::string& run_id;
};

/// Collective: writes a run file (created anew at `path`) with the run's
/// `timing` (attributes of /timing: seconds per activity, mean over ranks;
/// total, other, peak_resident_bytes).
void write_run(const std::string& path, const Contents& contents, const TimingReport& timing);

/// Collective: a run file plus what continues it exactly (the rules' state,
/// the stage).
void write_checkpoint(const std::string& path, const Contents& contents, const Progress& progress);

/// Collective: restores the blocks of `model`, the rules' state, the
/// measurements and the stage from the checkpoint at `path`, and returns
/// its history. Error naming the file and the setting when the checkpoint
/// was made with other settings that change the iterates, another grid or
/// block, or is not a checkpoint.
std::vector<nmf::Record> read_checkpoint(const std::string& path, const settings::FitPlan& plan,
                                         const ProcessGrid& grid, int block,
                                         const std::vector<Block>& blocks, nmf::Model& model,
                                         Measurements& measured, Progress& progress);

/// Which recorded settings a comparison covers.
enum class Compare {
  iterates,         // what a checkpoint must share with its resumed run
  iterates_outcome  // also where it stops: what makes a finished run count
};

/// "" when the file records the same values as `config` for the settings
/// `what` covers; else each difference as "--seed 1 (not 2)", comma-joined.
/// Files are compared by identity (device and inode), not path text. Only
/// settings the file records are compared (older files record fewer).
std::string settings_mismatch(const io::File& run, const settings::FitConfig& config, Compare what);

/// The summary numbers of a run file or checkpoint (for sweeps).
struct Record {
  static constexpr double none = std::numeric_limits<double>::quiet_NaN();
  long iterations = -1;
  std::string stop_reason;
  double rel_error = none, rel_residual = none;
  double heldout_rel_error = none;  // --holdout: the error on the hidden entries (NaN: none)
  double svd_rel_error = none;   // the Eckart-Young bound (NaN: not computed)
  double effective_rank = none;  // of W H at the last evaluation (NaN: no metrics)
  double test_rel_error = none, test_rel_residual = none;  // --test, at the end (NaN: no test set)
  long first_plateau = -1;       // onset iteration (-1: none)
  double seconds = none, seconds_per_iteration = none;
};
/// Local (every rank reads the same): the summary of a run file.
Record read_record(const io::File& run);

/// The attributes every nmfx result file starts with: schema_version,
/// version, kind ("run", "checkpoint", "codes", "reconstruction", "pca").
void write_header(io::File& out, const std::string& kind);

/// Collective: the codes /W (m x k) or the dictionary /H (k x n) of a file,
/// laid out `like` the given factor; Error naming the file unless they are
/// finite and non-negative.
dist::Factor read_model_factor(const io::File& file, const std::string& dataset, const dist::Factor& like);

}  // namespace nmfx::runner::run_file
