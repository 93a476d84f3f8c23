#pragma once
// Where a sweep point stands, read from its files in the output folder, so a
// re-run and the summary work across jobs: NAME.h5 (finished run, written
// atomically by run_fit), NAME.h5.checkpoint (interrupted), NAME.error (the
// last attempt failed). Everything here is local: call it on one rank.
#include <string>

#include "nmfx/runner/run_file.hpp"
#include "nmfx/sweep/plan.hpp"

namespace nmfx::sweep {

enum class Status { done, interrupted, failed, missing };

/// "done", "interrupted", "failed", "missing".
const char* status_name(Status status);

/// What a run file (or a checkpoint) records, for the summary.
using RunRecord = runner::run_file::Record;

struct PointState {
  Status status = Status::missing;
  std::string message;          // failed: why
  bool has_run_file = false;    // never run again: a run file is never overwritten
  bool has_checkpoint = false;  // a new attempt resumes from it
  RunRecord record;             // done: the run file's; interrupted: the checkpoint's
};

/// The status of `point` from its files. A run file counts as done only when
/// it is readable and was made with the point's settings; otherwise the point
/// is failed (and the run file is left alone). `with_record` also reads the
/// numbers of the summary.
PointState inspect(const Point& point, bool with_record);

/// NAME.error beside the run file: the message of the last failed attempt.
std::string failure_path(const Point& point);
/// Writes the failure message (atomically; best effort: returns false if it cannot).
bool record_failure(const Point& point, const std::string& message);
/// Removes the failure record of an earlier attempt.
void clear_failure(const Point& point);

}  // namespace nmfx::sweep
