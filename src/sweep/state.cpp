#include "nmfx/sweep/state.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nmfx/core/error.hpp"
#include "nmfx/io/hdf5.hpp"

namespace nmfx::sweep {
namespace {

namespace fs = std::filesystem;

/// "" when the run file was made with the point's settings, else what differs.
/// Only attributes the file has are compared, so older and newer run-file
/// layouts both work.
std::string settings_mismatch(const io::File& run, const runner::FitConfig& c) {
  std::string differences;
  auto text = [&](const char* name, const std::string& want) {
    if (!run.has_attribute(name)) return;
    const std::string got = run.read_string_attribute(name);
    if (got != want) differences += std::string(differences.empty() ? "" : ", ") + name + " " + got + " (not " + want + ")";
  };
  auto number = [&](const char* name, double want) {
    if (!run.has_attribute(name)) return;
    const double got = run.read_number_attribute(name);
    if (got != want)
      differences += std::string(differences.empty() ? "" : ", ") + name + " " + to_text(got) + " (not " +
                     to_text(want) + ")";
  };
  text("data", c.data_path);
  text("dataset", c.dataset);
  text("algorithm", c.algorithm);
  text("init", c.init);
  if (c.ranks.empty()) number("rank", c.rank);
  number("seed", double(c.seed));
  number("max_iter", double(c.max_iterations));
  number("tol", c.tolerance);
  number("l1_w", c.rule_w.l1);
  number("l2_w", c.rule_w.l2);
  number("l1_h", c.rule_h.l1);
  number("l2_h", c.rule_h.l2);
  text("early_stop", c.early_stop.empty() ? "none" : c.early_stop);
  return differences;
}

double last(const std::vector<double>& v) { return v.empty() ? RunRecord::none : v.back(); }

RunRecord read_record(const io::File& run) {
  RunRecord r;
  r.iterations = long(run.read_number_attribute("iterations"));
  r.stop_reason = run.read_string_attribute("stop_reason");
  const auto seconds = run.read_replicated("/history/seconds");
  r.rel_error = last(run.read_replicated("/history/rel_error"));
  r.rel_residual = last(run.read_replicated("/history/rel_residual"));
  r.seconds = last(seconds);
  // As run_fit reports it: per iteration of the loop, the initial products excluded.
  if (r.iterations > 0 && seconds.size() > 1) r.seconds_per_iteration = (seconds.back() - seconds.front()) / double(r.iterations);
  if (run.exists("/reference/svd_rel_error")) r.svd_rel_error = last(run.read_replicated("/reference/svd_rel_error"));
  if (run.exists("/metrics/effective_rank")) r.effective_rank = last(run.read_replicated("/metrics/effective_rank"));
  if (run.exists("/metrics/plateaus")) {
    const auto plateaus = run.read_replicated("/metrics/plateaus");
    if (!plateaus.empty()) r.first_plateau = long(plateaus.front());
  }
  return r;
}

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
      const std::string mismatch = settings_mismatch(run, point.config);
      if (!mismatch.empty()) {
        s.status = Status::failed;
        s.message = "the existing '" + run_path + "' was made with other settings: " + mismatch +
                    "; move it away to run this point";
        return s;
      }
      if (with_record) s.record = read_record(run);
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
      s.record = read_record(io::File::open_read(MPI_COMM_SELF, checkpoint));
    } catch (const Error&) {  // a checkpoint is replaced atomically; unreadable means foreign
    }
  }
  return s;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const fs::path p(path);
  const std::string temporary =
      (p.parent_path() / ("." + p.filename().string() + ".tmp" + std::to_string(getpid()))).string();
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw Error("cannot write '" + path + "'");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw Error("cannot write '" + path + "'");
  }
}

bool record_failure(const Point& point, const std::string& message) {
  try {
    write_text_atomically(failure_path(point), message + "\n");
    return true;
  } catch (const Error&) {
    return false;
  }
}

void clear_failure(const Point& point) { std::remove(failure_path(point).c_str()); }

}  // namespace nmfx::sweep
