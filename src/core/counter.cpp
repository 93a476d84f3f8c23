#include "nmfx/core/counter.hpp"

namespace nmfx {

SharedCounter::SharedCounter(const Communicator& comm) {
  const int rank = comm.rank();
  const MPI_Aint bytes = rank == 0 ? MPI_Aint(sizeof(long)) : 0;
  MPI_Win_allocate(bytes, sizeof(long), MPI_INFO_NULL, comm.get(), &counter_, &window_);
  if (rank == 0) {
    const long zero = 0;
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_);
    MPI_Put(&zero, 1, MPI_LONG, 0, 0, 1, MPI_LONG, window_);
    MPI_Win_unlock(0, window_);
  }
  comm.barrier();  // nobody takes a number before the counter is set
}

SharedCounter::~SharedCounter() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (window_ != MPI_WIN_NULL && !finalized) MPI_Win_free(&window_);
}

long SharedCounter::next() {
  const long one = 1;
  long taken = -1;
  MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_);
  MPI_Fetch_and_op(&one, &taken, MPI_LONG, 0, 0, MPI_SUM, window_);
  MPI_Win_unlock(0, window_);
  return taken;
}

}  // namespace nmfx
