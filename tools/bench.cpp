// Measures this machine's DGEMM rate (GFLOP/s) with the BLAS nmfx links, on
// square matrices large enough to reach the kernel's peak; the thread count
// comes from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS. Prints one number.
#include <chrono>
#include <cstdio>
#include <vector>

#include "nmfx/la/blas.hpp"

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 3000;
  std::vector<double> a(std::size_t(n * n), 1.0), b(a.size(), 0.5), c(a.size());
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    nmfx::la::gemm(nmfx::la::Op::none, nmfx::la::Op::none, n, n, n, 1.0, a.data(), n, b.data(), n,
                   0.0, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = 2.0 * n * n * n / s / 1e9;
    if (rate > best) best = rate;
  }
  std::printf("%.1f\n", best);
  return 0;
}
