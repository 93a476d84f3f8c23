#pragma once
// Initial factors.
#include <cstdint>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::nmf {

/// Uniform random W and H with entries in [0, 2 sqrt(mean(X)/k)), so that the
/// initial W H matches X's mean. Each entry is a function of (seed, global
/// index) only: the same seed gives the same factors on every grid.
void random_init(std::uint64_t seed, double x_mean, dist::Factor& w, dist::Factor& h);

}  // namespace nmfx::nmf
