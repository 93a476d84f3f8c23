#pragma once
// Results are written under a temporary name beside their final path and
// renamed into place only when complete, so a failed or killed run never
// leaves a truncated file where a good one was.
#include <mpi.h>

#include <optional>
#include <string>

#include "nmfx/io/output_lock.hpp"

namespace nmfx::io {

/// Owns an output while it is written: the output's lock (see OutputLock),
/// and its temporary file.
class AtomicOutput {
 public:
  /// Collective. Error (on every rank) when `path` is a folder, its folder
  /// is missing or not writable, or another process holds its lock; nothing
  /// is created then. Removes the temporaries of killed earlier writers.
  AtomicOutput(MPI_Comm comm, std::string path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  /// Where to write until commit().
  const std::string& temporary_path() const { return temporary_; }
  const std::string& path() const { return path_; }
  /// Collective: moves the finished temporary file over `path`.
  void commit();

 private:
  MPI_Comm comm_;
  std::string path_, temporary_;
  bool root_;  // rank 0 of comm_: the rank that checks, locks, renames and cleans up
  std::optional<OutputLock> lock_;  // on the root
  bool committed_ = false;
};

/// Local: writes `text` to `path` through an AtomicOutput on this rank
/// alone; Error when it cannot be written.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace nmfx::io
