#include "nmfx/metrics/plateau.hpp"

#include <algorithm>
#include <cmath>

namespace nmfx::metrics {

bool PlateauDetector::add(long iteration, double value) {
  iterations_.push_back(iteration);
  values_.push_back(value);
  const std::size_t n = values_.size(), w = std::size_t(std::max(window_, 1));
  bool flat = false;
  if (n > w) {
    const auto first = values_.end() - long(w) - 1;
    const auto [low, high] = std::minmax_element(first, values_.end());
    flat = *high - *low <= tolerance_ * std::abs(value);
  }
  if (flat && !inside_) onsets_.push_back(iterations_[n - w - 1]);
  inside_ = flat;
  return flat;
}

}  // namespace nmfx::metrics
