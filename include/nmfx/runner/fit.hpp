#pragma once
// `nmfx fit`: config -> grid -> read -> init -> solve -> write.
#include <cstdint>
#include <string>
#include <vector>

#include <mpi.h>

#include "nmfx/nmf/rules.hpp"

namespace nmfx::runner {

struct FitConfig {
  std::string data_path;
  std::string dataset = "/X";
  std::string output_path;
  int rank = 0;  // k (model "nmf")
  std::string model = "nmf";         // nmf | deep
  std::vector<int> ranks;            // deep: r1 > r2 > ... > rL (L = 1: ordinary NMF)
  std::string deep_loss = "global";  // deep: global | layer-sum | layer-seq
  long pretrain_iterations = 0;      // deep global: layer-seq iterations per layer first (0: none)
  std::string algorithm = "hals";
  nmf::RuleOptions rule_w, rule_h;  // penalties, steps, Adam settings per factor
  std::string init = "random";      // random | eye | nndsvd | nndsvda | nndsvdar | file:RUN.h5
  long max_iterations = 100;
  double tolerance = 0;
  double time_limit = 0;
  std::uint64_t seed = 0;
  std::string grid;  // "PRxPC", empty: chosen from the matrix shape
  int block = 0;     // 0: the default block size
  long progress_every = 10;  // print a progress line every N iterations (0: never)
  long metrics_every = 10;   // low-rank-bias metrics every N iterations (0: never)
  std::string early_stop;    // "" or "plateau"
  int plateau_window = 5;    // evaluations
  double plateau_tolerance = 0.01;
  bool reference = true;     // sigma(X) and the Eckart-Young bound, once per run
  long checkpoint_every = 0; // write OUTPUT.checkpoint every N iterations (0: only on a signal)
  bool resume = false;       // continue from OUTPUT.checkpoint
  std::string command_line;
};

/// What a finished fit reports (identical on every rank).
struct FitSummary {
  long iterations = 0;
  double rel_error = 0;
  double seconds = 0;
  double seconds_per_iteration = 0;
  std::string stop_reason;
  std::string grid;
  double svd_rel_error = -1;         // the Eckart-Young bound (-1: not computed)
  double final_effective_rank = -1;  // of W H at the last evaluation (-1: none)
  std::vector<long> plateaus;        // onset iterations
};

/// Runs a fit on `comm`, printing progress on rank 0 when `verbose`. Errors
/// are thrown identically on every rank; the output file is then untouched.
/// On SIGTERM or SIGUSR1 (on any rank) every rank stops at the end of the
/// iteration, writes the checkpoint and returns with stop_reason
/// "interrupted"; the same config with `resume` continues exactly.
FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose);

/// Where a fit keeps its checkpoint: beside the output.
std::string checkpoint_path(const FitConfig& config);

/// The exit status of an interrupted (checkpointed) fit, for schedulers.
constexpr int interrupted_exit_code = 75;

}  // namespace nmfx::runner
