#pragma once
// `nmfx fit`: config -> grid -> read -> init -> solve -> write.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <mpi.h>

#include "nmfx/core/timing.hpp"
#include "nmfx/nmf/solver.hpp"
#include "nmfx/settings/registry.hpp"

namespace nmfx::runner {

using settings::FitConfig;

/// What a finished fit reports (identical on every rank).
struct FitSummary {
  long iterations = 0;
  double rel_error = 0;             // over the entries the objective counts
  double heldout_rel_error = std::numeric_limits<double>::quiet_NaN();  // --holdout: over the hidden ones
  double seconds = 0;
  double seconds_per_iteration = 0;
  nmf::StopReason stop_reason = nmf::StopReason::none;
  std::string grid;
  double svd_rel_error = -1;         // the Eckart-Young bound (-1: not computed)
  double final_effective_rank = -1;  // of W H at the last evaluation (-1: none)
  double test_rel_error = -1;        // --test: of the final state (-1: no test set)
  double test_seconds = 0;           // --test: wall time of its encodings (the slowest rank's)
  std::vector<long> plateaus;        // onset iterations
  TimingReport timing;               // where the time went (run file /timing)
};

/// Runs a fit on `comm`, printing progress on rank 0 when `verbose`. Errors
/// are thrown identically on every rank; the output file is then untouched.
/// On SIGTERM or SIGUSR1 (on any rank) every rank stops at the end of the
/// iteration, writes the checkpoint and returns with stop_reason
/// interrupted; the same config with `resume` continues exactly.
FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose);

/// Where a fit keeps its checkpoint: beside the output.
std::string checkpoint_path(const FitConfig& config);

/// The exit status of an interrupted (checkpointed) fit, for schedulers.
constexpr int interrupted_exit_code = 75;

}  // namespace nmfx::runner
