#pragma once
// `nmfx sweep`: run the points of a sweep file, either all under one mpirun
// (the ranks split into groups of --group-size ranks that take points from
// a shared work queue) or one point per call (--task N, e.g. one SLURM
// array task); list, count, or collect the results.
#include <mpi.h>

#include <string>

#include "nmfx/sweep/plan.hpp"

namespace nmfx::sweep {

struct SweepOptions {
  enum class Action { run, count, list, collect };
  std::string plan_path;  // the sweep file (TOML)
  Overrides overrides;    // --data, --output
  Action action = Action::run;
  int group_size = 0;  // ranks per point (0: all ranks, one point at a time)
  long task = -1;      // >= 0: run only this point, on all ranks
  bool quiet = false;  // print nothing (otherwise rank 0 and group leaders print progress)
};

/// $SLURM_ARRAY_TASK_ID as a point index; -1 when it is not set. Error when
/// it is not a non-negative integer.
long task_from_environment();

/// Collective over `comm`. Points already finished (their run file exists)
/// are skipped, interrupted ones resume from their checkpoint, a failing
/// point is recorded (NAME.error) and the others go on. On SIGTERM / SIGUSR1
/// running points checkpoint and no new point starts. Returns the exit
/// status: 0, or runner::interrupted_exit_code when points were interrupted
/// or left unstarted by a signal. Error, on every rank, on bad input, and
/// after the run when points failed.
int run_sweep(MPI_Comm comm, const SweepOptions& options);

}  // namespace nmfx::sweep
