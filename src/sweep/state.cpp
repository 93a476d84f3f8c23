#include "nmfx/sweep/state.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nmfx/core/error.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/runner/run_file.hpp"

namespace nmfx::sweep {
namespace {

namespace fs = std::filesystem;
namespace run_file = runner::run_file;

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line.empty() ? "failed (no message)" : line;
}

}  // namespace

const char* status_name(Status status) {
  switch (status) {
    case Status::done: return "done";
    case Status::interrupted: return "interrupted";
    case Status::failed: return "failed";
    case Status::missing: return "missing";
  }
  return "";
}

std::string failure_path(const Point& point) {
  const fs::path run(point.config.output_path);
  return (run.parent_path() / (run.stem().string() + ".error")).string();
}

PointState inspect(const Point& point, bool with_record) {
  PointState s;
  std::error_code ec;
  const std::string run_path = point.config.output_path;
  const std::string checkpoint = runner::checkpoint_path(point.config);
  s.has_run_file = fs::exists(run_path, ec);
  s.has_checkpoint = fs::exists(checkpoint, ec);
  if (s.has_run_file) {
    try {
      const io::File run = io::File::open_read(MPI_COMM_SELF, run_path);
      const std::string mismatch = run_file::settings_mismatch(run, point.config, run_file::Compare::iterates_outcome);
      if (!mismatch.empty()) {
        s.status = Status::failed;
        s.message = "the existing '" + run_path + "' was made with other settings: " + mismatch +
                    "; move it away to run this point";
        return s;
      }
      if (with_record) s.record = run_file::read_record(run);
      s.status = Status::done;
    } catch (const Error& e) {
      s.status = Status::failed;
      s.message = "cannot use the existing run file: " + std::string(e.what());
    }
    return s;
  }
  if (fs::exists(failure_path(point), ec)) {
    s.status = Status::failed;
    s.message = first_line(failure_path(point));
  } else if (s.has_checkpoint) {
    s.status = Status::interrupted;
  }
  if (s.has_checkpoint && with_record) {
    try {
      s.record = run_file::read_record(io::File::open_read(MPI_COMM_SELF, checkpoint));
    } catch (const Error&) {  // a checkpoint is replaced atomically; unreadable means foreign
    }
  }
  return s;
}

bool record_failure(const Point& point, const std::string& message) {
  try {
    io::write_text_atomically(failure_path(point), message + "\n");
    return true;
  } catch (const Error&) {
    return false;
  }
}

void clear_failure(const Point& point) { std::remove(failure_path(point).c_str()); }

}  // namespace nmfx::sweep
