// Measures this machine's GEMM rates (GFLOP/s) with the BLAS nmfx links, on
// square matrices large enough to reach the kernel's peak: DGEMM, then
// SGEMM, the best of four runs each. The thread count comes from
// OPENBLAS_NUM_THREADS / OMP_NUM_THREADS. Prints "DOUBLE SINGLE".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "nmfx/la/blas.hpp"

template <class Scalar>
double best_rate(long n) {
  std::vector<Scalar> a(std::size_t(n * n), Scalar(1)), b(a.size(), Scalar(0.5)), c(a.size());
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    nmfx::la::gemm(nmfx::la::Op::none, nmfx::la::Op::none, n, n, n, Scalar(1), a.data(), n, b.data(), n,
                   Scalar(0), c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = 2.0 * double(n) * double(n) * double(n) / s / 1e9;
    if (rate > best) best = rate;
  }
  return best;
}

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 3000;
  std::printf("%.1f %.1f\n", best_rate<double>(n), best_rate<float>(n));
  return 0;
}
