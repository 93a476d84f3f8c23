#include "nmfx/core/error.hpp"

#include "nmfx/core/mpi.hpp"

namespace nmfx {

void agree(MPI_Comm comm, const std::string& local_failure) {
  const Communicator all(comm);
  const int size = all.size();
  const int first = all.min(local_failure.empty() ? size : all.rank());
  if (first == size) return;
  std::string text = local_failure;
  all.broadcast(text, first);
  throw Error(text, true);
}

}  // namespace nmfx
