#pragma once
// The dynamic work queue of a sweep: one counter in an MPI window on rank 0
// of a communicator; whoever asks next gets the next number (an atomic
// MPI_Fetch_and_op), so fast groups take more points than slow ones and no
// rank sits waiting for a dispatcher.
#include <mpi.h>

namespace nmfx::sweep {

class WorkQueue {
 public:
  /// Collective over `comm`: the counter starts at 0.
  explicit WorkQueue(MPI_Comm comm);
  /// Collective over `comm` (frees the window): every rank must get here.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  /// Local (one-sided): returns the counter and adds 1 to it. Each number
  /// goes to exactly one caller.
  long next();

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  long* counter_ = nullptr;  // on rank 0 only
};

}  // namespace nmfx::sweep
