#pragma once
// `nmfx fit`: config -> grid -> read -> init -> solve -> write.
#include <cstdint>
#include <string>

#include <mpi.h>

namespace nmfx::runner {

struct FitConfig {
  std::string data_path;
  std::string dataset = "/X";
  std::string output_path;
  int rank = 0;  // k
  std::string algorithm = "hals";
  long max_iterations = 100;
  double tolerance = 0;
  double time_limit = 0;
  std::uint64_t seed = 0;
  std::string grid;  // "PRxPC", empty: chosen from the matrix shape
  int block = 0;     // 0: the default block size
  long progress_every = 10;  // print a progress line every N iterations (0: never)
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
};

/// Runs a fit on `comm`, printing progress on rank 0 when `verbose`. Errors
/// are thrown identically on every rank; the output file is then untouched.
FitSummary run_fit(MPI_Comm comm, const FitConfig& config, bool verbose);

}  // namespace nmfx::runner
