#pragma once
// Results are written under a temporary name beside their final path and
// renamed into place only when complete, so a failed or killed run never
// leaves a truncated file where a good one was.
#include <mpi.h>

#include <optional>
#include <string>
#include <vector>

#include "nmfx/io/output_lock.hpp"

namespace nmfx::io {

/// Owns an output while it is written: the output's lock (see OutputLock),
/// and its temporary file.
class AtomicOutput {
 public:
  /// Collective. Error (on every rank) when `path` is a folder, its folder is
  /// missing or not writable, another process holds its lock, or it is one
  /// of `inputs` (the files the command reads): "the output 'OUT' is the
  /// input file 'IN'; choose another name". Inputs are compared by identity
  /// (device and inode, checked on rank 0), so another spelling of the name
  /// or a link to an input counts; those that do not exist (or are "") are
  /// skipped. Nothing is created on error. Removes the temporaries of killed
  /// earlier writers.
  AtomicOutput(MPI_Comm comm, std::string path, const std::vector<std::string>& inputs = {});
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
