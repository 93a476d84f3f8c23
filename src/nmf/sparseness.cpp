#include "nmfx/nmf/sparseness.hpp"

#include <algorithm>
#include <cmath>

namespace nmfx::nmf {

void project_sparseness(dist::Factor& f, double target) {
  const Communicator& across = f.reduce_comm();
  const int k = f.k;
  const long count = f.local_count();
  const double n = double(f.map.global_size()), root = std::sqrt(n);
  auto at = [&](long c, int j) -> double& { return f.vector(c)[j]; };

  // Per component: sum and squared norm, then the L1 norm the target needs.
  std::vector<double> sums(std::size_t(2 * k), 0.0);
  for (long c = 0; c < count; ++c)
    for (int j = 0; j < k; ++j) {
      sums[std::size_t(j)] += at(c, j);
      sums[std::size_t(k + j)] += at(c, j) * at(c, j);
    }
  across.sum(sums.data(), 2 * k);
  const std::size_t components = std::size_t(k);
  std::vector<double> l1(components), l2(components), zeros(components, 0.0);
  std::vector<char> active(components);
  for (int j = 0; j < k; ++j) {
    l2[std::size_t(j)] = std::sqrt(sums[std::size_t(k + j)]);
    l1[std::size_t(j)] = l2[std::size_t(j)] * (root - target * (root - 1));
    active[std::size_t(j)] = l2[std::size_t(j)] > 0 && n > 1;
  }
  // Start on the hyperplane sum(s) = L1.
  for (long c = 0; c < count; ++c)
    for (int j = 0; j < k; ++j)
      if (active[std::size_t(j)]) at(c, j) += (l1[std::size_t(j)] - sums[std::size_t(j)]) / n;

  std::vector<char> zero(std::size_t(count) * k, 0);  // entries fixed at 0
  std::vector<double> stats(std::size_t(3 * k));
  for (long round = 0; round <= long(n); ++round) {
    // Move from the midpoint m (L1 spread over the free entries) along s - m
    // until ||s||_2 = L2: a = ||s - m||^2, b = <m, s - m>.
    std::fill(stats.begin(), stats.end(), 0.0);
    for (long c = 0; c < count; ++c)
      for (int j = 0; j < k; ++j) {
        if (!active[std::size_t(j)] || zero[std::size_t(c) * k + j]) continue;
        const double m = l1[std::size_t(j)] / (n - zeros[std::size_t(j)]);
        const double d = at(c, j) - m;
        stats[std::size_t(j)] += d * d;
        stats[std::size_t(k + j)] += m * d;
      }
    across.sum(stats.data(), 2 * k);
    for (long c = 0; c < count; ++c)
      for (int j = 0; j < k; ++j) {
        if (!active[std::size_t(j)] || zero[std::size_t(c) * k + j]) continue;
        const double free = n - zeros[std::size_t(j)], m = l1[std::size_t(j)] / free;
        const double a = stats[std::size_t(j)], b = 2 * stats[std::size_t(k + j)];
        const double cc = l1[std::size_t(j)] * l1[std::size_t(j)] / free - l2[std::size_t(j)] * l2[std::size_t(j)];
        const double alpha = a > 0 ? (-b + std::sqrt(std::max(0.0, b * b - 4 * a * cc))) / (2 * a) : 0.0;
        at(c, j) = m + alpha * (at(c, j) - m);
      }
    // Negative entries join the zero set; the rest shift back onto sum = L1.
    std::fill(stats.begin(), stats.end(), 0.0);
    for (long c = 0; c < count; ++c)
      for (int j = 0; j < k; ++j) {
        if (!active[std::size_t(j)]) continue;
        double& v = at(c, j);
        if (!zero[std::size_t(c) * k + j] && v < 0) {
          zero[std::size_t(c) * k + j] = 1;
          v = 0;
          stats[std::size_t(j)] += 1;  // newly zeroed
        }
        stats[std::size_t(k + j)] += v;
      }
    across.sum(stats.data(), 2 * k);
    bool any = false;
    for (int j = 0; j < k; ++j) {
      if (!active[std::size_t(j)]) continue;
      if (stats[std::size_t(j)] == 0) {
        active[std::size_t(j)] = 0;  // all non-negative: projected
        continue;
      }
      zeros[std::size_t(j)] += stats[std::size_t(j)];
      stats[std::size_t(2 * k + j)] = (stats[std::size_t(k + j)] - l1[std::size_t(j)]) / (n - zeros[std::size_t(j)]);
      any = true;
    }
    if (!any) break;
    for (long c = 0; c < count; ++c)
      for (int j = 0; j < k; ++j)
        if (active[std::size_t(j)] && !zero[std::size_t(c) * k + j]) at(c, j) -= stats[std::size_t(2 * k + j)];
  }
}

}  // namespace nmfx::nmf
