#include "nmfx/sweep/run.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "nmfx/core/counter.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/mpi.hpp"
#include "nmfx/core/signals.hpp"
#include "nmfx/runner/fit.hpp"
#include "nmfx/sweep/collect.hpp"
#include "nmfx/sweep/state.hpp"

namespace nmfx::sweep {
namespace {

namespace fs = std::filesystem;

int rank_of(MPI_Comm comm) { return Communicator(comm).rank(); }

/// Collective: creates the output folder (rank 0) and checks it is writable.
void prepare_output(MPI_Comm comm, const Plan& plan) {
  std::string failure;
  if (rank_of(comm) == 0) {
    const std::string& folder = plan.output_dir;
    std::error_code ec;
    if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
      failure = "the output '" + folder + "' is not a folder";
    else if (fs::create_directories(folder, ec); ec)
      failure = "cannot create the output folder '" + folder + "': " + ec.message();
    else if (access(folder.c_str(), W_OK | X_OK) != 0)
      failure = "the output folder '" + folder + "' is not writable";
  }
  agree(comm, failure);
}

enum class Outcome { done, failed, interrupted };

struct Attempt {
  Outcome outcome = Outcome::done;
  std::string message;  // failed: the error
  runner::FitSummary summary;
  double seconds = 0;
  bool resumed = false;  // continued from a checkpoint
};

/// Runs one point on `group` (collective over it). A failure is recorded in
/// NAME.error and returned, not thrown, so the other groups go on.
Attempt attempt(MPI_Comm group, const Point& point, bool resume, bool verbose) {
  const bool leader = rank_of(group) == 0;
  if (leader) clear_failure(point);
  runner::FitConfig config = point.config;
  config.resume = resume;
  Attempt a;
  a.resumed = resume;
  const double start = wall_time();
  try {
    a.summary = runner::run_fit(group, config, verbose);
    a.outcome = a.summary.stop_reason == nmf::StopReason::interrupted ? Outcome::interrupted : Outcome::done;
  } catch (const Error& e) {
    if (!e.collective()) throw;  // only some ranks know: main aborts the job
    a.outcome = Outcome::failed;
    a.message = e.what();
    if (leader && !record_failure(point, a.message))
      a.message += " (and '" + failure_path(point) + "' could not be written)";
  }
  a.seconds = wall_time() - start;
  return a;
}

/// The one line a group leader prints about a point it ran.
void report(const Point& point, long total, const Attempt& a, const std::string& who) {
  std::printf("nmfx sweep: point %ld/%ld %s%s: ", point.index, total, point.name.c_str(), who.c_str());
  switch (a.outcome) {
    case Outcome::done:
      std::printf("done%s, %ld iterations (%s), rel_error %.6e, %.2f s\n", a.resumed ? " (resumed)" : "",
                  a.summary.iterations, nmf::stop_reason_name(a.summary.stop_reason), a.summary.rel_error, a.seconds);
      break;
    case Outcome::interrupted:
      std::printf("interrupted at iteration %ld; checkpoint written\n", a.summary.iterations);
      break;
    case Outcome::failed:
      std::printf("failed: %s\n", a.message.c_str());
      break;
  }
  std::fflush(stdout);
}

/// Collective: Error (on every rank) when --task names no point or
/// --group-size does not divide the ranks.
void check_layout(MPI_Comm comm, const Plan& plan, const std::vector<Point>& points, const SweepOptions& options) {
  const long total = long(points.size());
  const int size = Communicator(comm).size();
  if (options.task >= total)
    throw Error("--task " + std::to_string(options.task) + " is out of range: '" + plan.source + "' has " +
                    std::to_string(total) + " point" + (total > 1 ? "s" : "") + " (0 to " + std::to_string(total - 1) +
                    ")",
                true);
  if (options.task < 0 && options.group_size > 0 && size % options.group_size != 0)
    throw Error("--group-size " + std::to_string(options.group_size) + " does not divide the " +
                    std::to_string(size) + " ranks into equal groups",
                true);
}

/// All points under one mpirun: groups of `group_size` ranks take points
/// from a shared queue until none is left (or a signal came).
int run_groups(MPI_Comm comm, const Plan& plan, const std::vector<Point>& points, int group_size, bool quiet,
               const StopSignals& signals) {
  const Communicator all(comm);
  const int size = all.size();
  const int rank = all.rank();
  if (group_size <= 0) group_size = size;
  const long total = long(points.size());

  // Rank 0 reads the folder once; every rank then shares its decisions.
  std::vector<long> todo, resume;  // point indices, and whether each resumes
  long done_before = 0, refused = 0;
  collectively(comm, [&] {
    if (rank != 0) return;
    for (const Point& p : points) {
      const PointState s = inspect(p, false);
      if (s.status == Status::done) {
        ++done_before;
      } else if (s.has_run_file) {  // made with other settings, or unreadable: leave it alone
        ++refused;
        if (!quiet) std::printf("nmfx sweep: point %ld/%ld %s: failed: %s\n", p.index, total, p.name.c_str(), s.message.c_str());
      } else {
        todo.push_back(p.index);
        resume.push_back(s.has_checkpoint ? 1 : 0);
      }
    }
  });
  all.broadcast(todo);
  all.broadcast(resume);
  long tally[2] = {done_before, refused};
  all.broadcast(tally, 2);
  done_before = tally[0];
  refused = tally[1];
  const int groups = size / group_size;
  if (rank == 0 && !quiet) {
    std::printf("nmfx sweep: %ld points in '%s': %ld done before, %zu to run, in %d group%s of %d rank%s; "
                "run files in %s\n",
                total, plan.source.c_str(), done_before, todo.size(), groups, groups > 1 ? "s" : "", group_size,
                group_size > 1 ? "s" : "", plan.output_dir.c_str());
    std::fflush(stdout);
  }

  const Communicator group = Communicator::split(comm, rank / group_size, rank);
  const bool leader = group.rank() == 0;
  const std::string who = groups > 1 ? " [group " + std::to_string(rank / group_size) + "]" : "";
  long counts[3] = {0, 0, 0};  // done, failed, interrupted (counted by group leaders)
  const double start = wall_time();
  {
    SharedCounter queue(all);
    for (;;) {
      // The group agrees before it takes a point.
      const int stop = group.max(signals.received() ? 1 : 0);
      long slot = -1;
      if (!stop && leader) slot = queue.next();
      group.broadcast(&slot, 1);
      if (stop || slot >= long(todo.size())) break;
      const Point& point = points[std::size_t(todo[std::size_t(slot)])];
      const Attempt a = attempt(group.get(), point, resume[std::size_t(slot)] != 0, false);
      if (leader) {
        ++counts[int(a.outcome)];
        if (!quiet) report(point, total, a, who);
      }
      if (a.outcome == Outcome::interrupted) break;
    }
  }  // the queue's window is freed here, by every rank together
  const double seconds = wall_time() - start;
  all.sum(counts, 3);
  const long done = counts[0], failed = counts[1] + refused, interrupted = counts[2];
  const long not_started = long(todo.size()) - counts[0] - counts[1] - counts[2];
  if (rank == 0 && !quiet) {
    std::printf("nmfx sweep: %ld done now, %ld done before, %ld failed, %ld interrupted, %ld not started; "
                "%.2f s, %.2f points/minute\n",
                done, done_before, failed, interrupted, not_started, seconds,
                seconds > 0 ? 60.0 * double(done) / seconds : 0.0);
    std::fflush(stdout);
  }
  if (interrupted > 0 || not_started > 0) {
    if (rank == 0 && !quiet)
      std::printf("nmfx sweep: stopped by a signal; the same command continues (finished points are skipped, "
                  "interrupted ones resume)\n");
    return runner::interrupted_exit_code;
  }
  if (failed > 0) {
    // The first failure in point order, read back from the folder.
    std::string first_failure;
    collectively(comm, [&] {
      if (rank != 0) return;
      for (const Point& p : points) {
        const PointState s = inspect(p, false);
        if (s.status != Status::failed) continue;
        first_failure = "point " + std::to_string(p.index) + " (" + p.name + "): " + s.message;
        break;
      }
    });
    all.broadcast(first_failure);
    throw Error(std::to_string(failed) + " of " + std::to_string(total) + " points failed; first " + first_failure,
                true);
  }
  return 0;
}

/// Exactly one point, on every rank of `comm` (one SLURM array task).
int run_task(MPI_Comm comm, const std::vector<Point>& points, long task, bool quiet,
             const StopSignals& signals) {
  const long total = long(points.size());
  const Point& point = points[std::size_t(task)];
  const bool root = rank_of(comm) == 0;
  PointState state;
  long facts[3] = {0, 0, 0};  // status, has run file, has checkpoint
  collectively(comm, [&] {
    if (!root) return;
    state = inspect(point, false);
    facts[0] = long(state.status);
    facts[1] = state.has_run_file;
    facts[2] = state.has_checkpoint;
  });
  const Communicator all(comm);
  all.broadcast(facts, 3);
  all.broadcast(state.message);
  const std::string label = "point " + std::to_string(task) + "/" + std::to_string(total) + " " + point.name;
  if (Status(facts[0]) == Status::done) {
    if (root && !quiet) std::printf("nmfx sweep: %s is done already (%s)\n", label.c_str(), point.config.output_path.c_str());
    return 0;
  }
  if (facts[1]) throw Error(label + ": " + state.message, true);
  const int stop = all.max(signals.received() ? 1 : 0);  // signalled while the files were read
  if (stop) {
    if (root && !quiet) std::printf("nmfx sweep: %s: stopped by a signal before it started\n", label.c_str());
    return runner::interrupted_exit_code;
  }
  if (root && !quiet) {
    std::printf("nmfx sweep: %s%s\n", label.c_str(), facts[2] ? " (resuming from its checkpoint)" : "");
    std::fflush(stdout);
  }
  const Attempt a = attempt(comm, point, facts[2] != 0, root && !quiet);
  if (a.outcome == Outcome::failed) throw Error(label + " failed: " + a.message, true);
  if (a.outcome == Outcome::interrupted) return runner::interrupted_exit_code;
  return 0;
}

}  // namespace

long task_from_environment() {
  const char* text = std::getenv("SLURM_ARRAY_TASK_ID");
  if (!text || !*text) return -1;
  char* end = nullptr;
  const long task = std::strtol(text, &end, 10);
  if (*end != '\0' || task < 0)
    throw Error("SLURM_ARRAY_TASK_ID='" + std::string(text) + "' is not a point index", true);
  return task;
}

int run_sweep(MPI_Comm comm, const SweepOptions& options) {
  const bool root = rank_of(comm) == 0;
  // From the start: a signal while the folder is read must not kill a rank.
  std::optional<StopSignals> signals;
  if (options.action == SweepOptions::Action::run) signals.emplace();
  Plan plan;
  std::vector<Point> points;
  collectively(comm, [&] {
    plan = read_plan(options.plan_path, options.overrides);
    points = expand(plan);
  });
  switch (options.action) {
    case SweepOptions::Action::count:
      if (root) std::printf("%zu\n", points.size());
      return 0;
    case SweepOptions::Action::list:
      if (root)
        for (const Point& p : points) {
          const PointState s = inspect(p, false);
          std::printf("%6ld  %-11s  %s%s%s\n", p.index, status_name(s.status), p.name.c_str(),
                      s.message.empty() ? "" : "  ", s.message.c_str());
        }
      return 0;
    case SweepOptions::Action::collect: {
      prepare_output(comm, plan);
      const Tally t = collect(comm, plan, points);
      if (root && !options.quiet)
        std::printf("nmfx sweep: %zu points: %ld done, %ld interrupted, %ld failed, %ld missing; wrote %s and %s\n",
                    points.size(), t.done, t.interrupted, t.failed, t.missing,
                    (fs::path(plan.output_dir) / "summary.csv").c_str(),
                    (fs::path(plan.output_dir) / "summary.h5").c_str());
      return 0;
    }
    case SweepOptions::Action::run:
      break;
  }
  check_layout(comm, plan, points, options);  // before the output folder is made
  prepare_output(comm, plan);
  if (options.task >= 0) return run_task(comm, points, options.task, options.quiet, *signals);
  return run_groups(comm, plan, points, options.group_size, options.quiet, *signals);
}

}  // namespace nmfx::sweep
