#pragma once
// Plateaus of a training curve (the effective rank of W H): the low-rank
// bias makes it rise in steps; each flat stretch is a natural stopping point.
#include <vector>

namespace nmfx::metrics {

/// A plateau holds at evaluation t when the last `window` + 1 values (t -
/// window .. t) lie within `tolerance` * |value_t| of each other: the value
/// changed by less than `tolerance` (relative) over the last `window`
/// evaluations. Its onset is the iteration of the window's first value; a new
/// plateau starts each time the condition turns from false to true.
class PlateauDetector {
 public:
  PlateauDetector(int window, double tolerance) : window_(window), tolerance_(tolerance) {}
  /// Adds the value at `iteration`; true when a plateau holds now.
  bool add(long iteration, double value);
  /// The onset iteration of every plateau found so far.
  const std::vector<long>& onsets() const { return onsets_; }

 private:
  int window_;
  double tolerance_;
  std::vector<long> iterations_;
  std::vector<double> values_;
  bool inside_ = false;
  std::vector<long> onsets_;
};

}  // namespace nmfx::metrics
