#include "nmfx/nmf/init.hpp"

#include <cmath>

#include "nmfx/core/random.hpp"

namespace nmfx::nmf {
namespace {

void fill_uniform(std::uint64_t seed, std::uint64_t stream, double scale, dist::Factor& f) {
  const long k = f.k, count = f.local_count();
#pragma omp parallel for schedule(static)
  for (long c = 0; c < count; ++c) {
    const std::uint64_t global = std::uint64_t(f.map.to_global(c));
    for (long j = 0; j < k; ++j) f.vector(c)[j] = scale * uniform01(seed, stream, global * k + j);
  }
}

}  // namespace

void random_init(std::uint64_t seed, double x_mean, dist::Factor& w, dist::Factor& h) {
  const double scale = 2.0 * std::sqrt(std::max(x_mean, 0.0) / w.k);
  fill_uniform(seed, stream_w, scale, w);
  fill_uniform(seed, stream_h, scale, h);
}

}  // namespace nmfx::nmf
