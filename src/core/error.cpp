#include "nmfx/core/error.hpp"

#include "nmfx/core/mpi.hpp"

namespace nmfx {

void agree(MPI_Comm comm, const std::string& local_failure) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const int mine = local_failure.empty() ? size : rank;
  int first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return;
  std::string text = local_failure;
  broadcast(comm, text, first);
  throw Error(text, true);
}

}  // namespace nmfx
