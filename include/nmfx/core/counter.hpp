#pragma once
// A counter shared by the ranks of a communicator: one long in an MPI window
// on rank 0 that any rank increments atomically (MPI_Fetch_and_op), without
// the owner taking part. The sweep's work queue: whoever asks next gets the
// next number, so fast groups take more points than slow ones.
#include "nmfx/core/mpi.hpp"

namespace nmfx {

class SharedCounter {
 public:
  /// Collective over `comm`: the counter starts at 0.
  explicit SharedCounter(const Communicator& comm);
  /// Collective over the communicator (frees the window): every rank must get here.
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  /// Local (one-sided): returns the counter and adds 1 to it. Each number
  /// goes to exactly one caller.
  long next();

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  long* counter_ = nullptr;  // on rank 0 only
};

}  // namespace nmfx
