#include "nmfx/core/timing.hpp"

#include <algorithm>
#include <chrono>

#include "nmfx/core/memory.hpp"

namespace nmfx {
namespace {

struct Clock {
  ActivitySeconds spent{};
  int current = -1;  // the innermost open activity, -1 when none
  std::chrono::steady_clock::time_point since;
  /// Adds the time since `since` to the current activity; restarts `since`.
  void settle() {
    const auto now = std::chrono::steady_clock::now();
    if (current >= 0) spent[std::size_t(current)] += std::chrono::duration<double>(now - since).count();
    since = now;
  }
};

Clock& clock() {
  static Clock c;
  return c;
}

}  // namespace

const char* activity_name(Activity activity) {
  static const char* names[activity_count] = {"read",    "reference",     "products", "grams",
                                              "updates", "communication", "metrics",  "checkpoints"};
  return names[std::size_t(activity)];
}

const ActivitySeconds& time_spent() {
  clock().settle();
  return clock().spent;
}

void reset_timing() {
  clock().settle();
  clock().spent = {};
}

TimingReport report_timing(const Communicator& comm, double total) {
  TimingReport r;
  r.seconds = time_spent();
  comm.sum(r.seconds.data(), long(r.seconds.size()));
  double sum = 0;
  for (double& s : r.seconds) sum += (s /= comm.size());
  r.total = comm.max(total);
  r.other = std::max(0.0, r.total - sum);
  r.peak_resident_bytes = comm.max(peak_resident_bytes());
  return r;
}

Timed::Timed(Activity activity) : outer_(clock().current) {
  clock().settle();
  clock().current = int(activity);
}

Timed::~Timed() {
  clock().settle();
  clock().current = outer_;
}

}  // namespace nmfx
