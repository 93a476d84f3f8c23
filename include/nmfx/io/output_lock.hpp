#pragma once
// Runs own their outputs: an exclusive lock beside an output path, so that a
// second nmfx writing the same file refuses at once instead of mixing its
// results (and checkpoints) with the first one's.
#include <string>

namespace nmfx::io {

/// An exclusive claim on `path` while it lives: the lock file .NAME.lock in
/// the same folder, held with flock(2) and naming its holder (pid, host,
/// start time). The kernel releases it when the process dies, so a killed
/// run never blocks the next one. Local: take it on one rank.
class OutputLock {
 public:
  /// Error naming the holder when another process holds the lock, or when
  /// the lock file cannot be made.
  explicit OutputLock(const std::string& path);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string lock_path_;
  int fd_ = -1;
};

/// The temporary name under which `path` is written by process `id`
/// (.NAME.tmpID beside it).
std::string temporary_name(const std::string& path, long id);

/// Local: removes the temporaries of `path` that killed writers left behind
/// (call it while holding the path's lock).
void remove_stale_temporaries(const std::string& path);

}  // namespace nmfx::io
