#pragma once
// Random numbers as pure functions of (seed, stream, global index): a value
// never depends on which rank draws it, so results are the same on every
// process grid. Streams keep different quantities (W, H, noise) independent.
#include <cmath>
#include <cstdint>

namespace nmfx {

/// A 64-bit mixer (the splitmix64 finalizer): consecutive inputs give
/// statistically independent outputs.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Uniform on [0, 1) with 53 random bits.
inline double uniform01(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const std::uint64_t bits = mix64(mix64(mix64(seed) ^ stream) + index);
  return double(bits >> 11) * 0x1.0p-53;
}

/// Standard normal (Box-Muller on two uniforms of the same stream).
inline double gaussian(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const double u1 = 1.0 - uniform01(seed, stream, 2 * index);  // (0, 1]
  const double u2 = uniform01(seed, stream, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// Named streams, so that no two quantities share random numbers.
enum Stream : std::uint64_t { stream_w = 1, stream_h = 2, stream_noise = 3 };

}  // namespace nmfx
