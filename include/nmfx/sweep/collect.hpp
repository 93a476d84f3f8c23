#pragma once
// The summary of a sweep, read from its run files (the points may have run
// in different jobs): OUTPUT/summary.csv and OUTPUT/summary.h5, one row per
// point with its parameters, status and final numbers.
#include <mpi.h>

#include <vector>

#include "nmfx/sweep/plan.hpp"

namespace nmfx::sweep {

/// How many points are in each status.
struct Tally {
  long done = 0, interrupted = 0, failed = 0, missing = 0;
};

/// Collective over `comm` (rank 0 reads and writes; errors are agreed):
/// writes summary.csv and summary.h5 in the plan's output folder,
/// atomically, and returns the tally (on every rank).
Tally collect(MPI_Comm comm, const Plan& plan, const std::vector<Point>& points);

}  // namespace nmfx::sweep
