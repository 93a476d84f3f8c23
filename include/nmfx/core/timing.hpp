#pragma once
// Where a run's time goes: every rank adds the wall time of its main thread
// to one activity at a time. Timed scopes nest; an inner scope's time counts
// for the inner activity only, so the activities add up to the time spent
// inside any of them. The run file's /timing and fit's summary report them.
#include <array>
#include <cstddef>

#include "nmfx/core/mpi.hpp"

namespace nmfx {

enum class Activity {
  read,           // reading X
  reference,      // the singular values of X and the initialization
  products,       // the products with X (X H^T, W^T X)
  grams,          // Gram matrices and the other products of small factors
  updates,        // the update rules
  communication,  // every collective (all-reduces, broadcasts), waiting included
  metrics,        // the low-rank-bias metrics
  checkpoints,    // checkpoint and snapshot writes
};
inline constexpr std::size_t activity_count = 8;

/// "products", "grams", ... (run-file attribute names).
const char* activity_name(Activity activity);

/// Seconds per activity (indexed by Activity).
using ActivitySeconds = std::array<double, activity_count>;

/// This process's seconds per activity since the last reset_timing().
const ActivitySeconds& time_spent();
void reset_timing();

/// A run's timing as its files and summary report it.
struct TimingReport {
  ActivitySeconds seconds{};  // per activity, the mean over the ranks
  double total = 0;           // the run's wall time (the slowest rank's)
  double other = 0;           // total minus the activities' sum
  double peak_resident_bytes = 0;  // of the rank that used the most memory
};

/// Collective over `comm`: the report of a run that has taken `total`
/// seconds on this rank since reset_timing().
TimingReport report_timing(const Communicator& comm, double total);

/// Counts the wall time of its scope for `activity`, pausing the enclosing
/// Timed scope meanwhile. For the main thread only (not inside OpenMP
/// regions).
class Timed {
 public:
  explicit Timed(Activity activity);
  ~Timed();
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  int outer_;
};

}  // namespace nmfx
