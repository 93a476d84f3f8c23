#include "nmfx/core/mpi.hpp"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "nmfx/core/timing.hpp"

extern "C" void Cblacs_exit(int keep_mpi_alive);

namespace nmfx {

namespace {

constexpr long chunk = 1L << 28;  // MPI counts are int

}  // namespace

double wall_time() { return MPI_Wtime(); }

MpiEnvironment::MpiEnvironment(int& argc, char**& argv) : world_(MPI_COMM_WORLD) {
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

Communicator Communicator::split_by_machine(MPI_Comm parent) {
  Communicator c;
  MPI_Comm_split_type(parent, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &c.comm_);
  c.owned_ = true;
  return c;
}

const Communicator& Communicator::self() {
  static const Communicator alone(MPI_COMM_SELF);
  return alone;
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

void Communicator::reduce(void* data, long count, MPI_Datatype type, Operation op) const {
  if (size() < 2) return;
  const Timed timed(Activity::communication);
  const MPI_Op mpi_op = op == Operation::sum ? MPI_SUM : op == Operation::max ? MPI_MAX : MPI_MIN;
  int bytes = 0;
  MPI_Type_size(type, &bytes);
  char* first = static_cast<char*>(data);
  for (long done = 0; done < count; done += chunk)
    MPI_Allreduce(MPI_IN_PLACE, first + done * bytes, int(std::min(chunk, count - done)), type,
                  mpi_op, comm_);
}

void Communicator::gather(void* data, const std::vector<long>& counts, MPI_Datatype type) const {
  if (size() < 2) return;
  std::vector<int> sizes, offsets;  // MPI's int counts and displacements
  for (long c : counts) {
    offsets.push_back(sizes.empty() ? 0 : offsets.back() + sizes.back());
    sizes.push_back(int(c));
  }
  const Timed timed(Activity::communication);
  MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, sizes.data(), offsets.data(), type,
                 comm_);
}

void Communicator::bcast(void* data, long count, MPI_Datatype type, int root) const {
  if (size() < 2) return;
  const Timed timed(Activity::communication);
  int bytes = 0;
  MPI_Type_size(type, &bytes);
  char* first = static_cast<char*>(data);
  for (long done = 0; done < count; done += chunk)
    MPI_Bcast(first + done * bytes, int(std::min(chunk, count - done)), type, root, comm_);
}

void Communicator::broadcast(std::string& text, int root) const {
  long length = long(text.size());
  broadcast(&length, 1, root);
  text.resize(std::size_t(length));
  broadcast(text.data(), length, root);
}

void Communicator::barrier() const { MPI_Barrier(comm_); }

void Communicator::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace nmfx
