#pragma once
// RAII for the MPI runtime and for communicators.
#include <mpi.h>

#include <string>

namespace nmfx {

/// Collective over `comm`: every rank receives `root`'s `text`.
void broadcast(MPI_Comm comm, std::string& text, int root = 0);

/// Owns MPI initialization (threads: FUNNELED) and finalization; construct it
/// first in main. Also releases BLACS before MPI_Finalize.
class MpiEnvironment {
 public:
  MpiEnvironment(int& argc, char**& argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
};

/// A move-only communicator handle. It frees the communicator only when it
/// owns it (one it split or duplicated) and only while MPI is alive.
class Communicator {
 public:
  /// Borrows `comm` (never freed by this object).
  explicit Communicator(MPI_Comm comm = MPI_COMM_NULL) : comm_(comm), owned_(false) {}
  /// Collective: splits `parent` by color, ordered by key; owns the result.
  static Communicator split(MPI_Comm parent, int color, int key);
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  MPI_Comm get() const { return comm_; }
  int rank() const;
  int size() const;
  /// In-place sum of `count` doubles over all ranks (no-op on one rank).
  void sum(double* data, long count) const;
  void barrier() const { MPI_Barrier(comm_); }

 private:
  void release();
  MPI_Comm comm_;
  bool owned_;
};

}  // namespace nmfx
