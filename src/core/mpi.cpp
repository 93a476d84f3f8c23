#include "nmfx/core/mpi.hpp"

#include <algorithm>
#include <utility>

extern "C" void Cblacs_exit(int keep_mpi_alive);

namespace nmfx {

void broadcast(MPI_Comm comm, std::string& text, int root) {
  long length = long(text.size());
  MPI_Bcast(&length, 1, MPI_LONG, root, comm);
  text.resize(std::size_t(length));
  MPI_Bcast(text.data(), int(length), MPI_CHAR, root, comm);
}

MpiEnvironment::MpiEnvironment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
}

MpiEnvironment::~MpiEnvironment() {
  Cblacs_exit(1);  // free BLACS state but keep MPI alive for MPI_Finalize
  MPI_Finalize();
}

Communicator Communicator::split(MPI_Comm parent, int color, int key) {
  Communicator c;
  MPI_Comm_split(parent, color, key, &c.comm_);
  c.owned_ = true;
  return c;
}

Communicator::~Communicator() { release(); }

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), owned_(std::exchange(other.owned_, false)) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

void Communicator::release() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owned_ && comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
  owned_ = false;
}

int Communicator::rank() const {
  int r = 0;
  MPI_Comm_rank(comm_, &r);
  return r;
}

int Communicator::size() const {
  int s = 1;
  MPI_Comm_size(comm_, &s);
  return s;
}

void Communicator::sum(double* data, long count) const {
  if (size() < 2) return;
  constexpr long chunk = 1L << 28;  // MPI counts are int
  for (long done = 0; done < count; done += chunk)
    MPI_Allreduce(MPI_IN_PLACE, data + done, int(std::min(chunk, count - done)), MPI_DOUBLE,
                  MPI_SUM, comm_);
}

}  // namespace nmfx
