#pragma once
// Errors: one exception type carrying a user-facing message, and the helper
// that makes a failure collective so that no rank is left waiting in a
// collective call that another rank has abandoned.
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace nmfx {

/// A failure the user can act on; what() is the one line nmfx prints.
/// `collective()` says every rank of the communicator threw it (see agree);
/// a failure on only some ranks must abort the job instead of returning.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, bool collective = false)
      : std::runtime_error(message), collective_(collective) {}
  bool collective() const { return collective_; }

 private:
  bool collective_;
};

/// Collective over `comm`: every rank passes the message of its local
/// failure ("" when it has none). If any rank failed, every rank throws the
/// same Error carrying the message of the lowest failing rank.
void agree(MPI_Comm comm, const std::string& local_failure);

/// Runs `body` on this rank, turning an exception into a local failure, then
/// agrees across `comm` (see agree). Use it around work that only some ranks
/// may fail (parsing, local checks) before the next collective.
template <class Body>
void collectively(MPI_Comm comm, Body&& body) {
  std::string failure;
  try {
    body();
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "unknown error";
  }
  agree(comm, failure);
}

}  // namespace nmfx
