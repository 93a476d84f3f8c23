// Measures this machine's GEMM rates (GFLOP/s) with the BLAS nmfx links, the
// best of four runs each; the thread count comes from OPENBLAS_NUM_THREADS /
// OMP_NUM_THREADS.
//   nmfx_gemm_rate [n]   square n x n matrices (default 3000, large enough
//                        to reach the kernel's peak): prints "DOUBLE SINGLE".
//   nmfx_gemm_rate nmf [m n k]   the two DGEMM shapes of an NMF iteration, one
//                        GEMM each, k-major results as in nmfx: X H^T and
//                        W^T X for an m x n share of X (default 30000 x 784,
//                        k = 50: one rank's share of Fashion-MNIST on 2
//                        ranks). Prints "X H^T RATE W^T X RATE".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nmfx/la/blas.hpp"

using nmfx::la::Op;

/// The best rate of four runs of `multiply`, which does `flops` flops.
template <class Multiply>
double best_rate(double flops, Multiply multiply) {
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    multiply();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (flops / s / 1e9 > best) best = flops / s / 1e9;
  }
  return best;
}

template <class Scalar>
double square_rate(long n) {
  std::vector<Scalar> a(std::size_t(n * n), Scalar(1)), b(a.size(), Scalar(0.5)), c(a.size());
  return best_rate(2.0 * double(n) * double(n) * double(n), [&] {
    nmfx::la::gemm(Op::none, Op::none, n, n, n, Scalar(1), a.data(), n, b.data(), n, Scalar(0), c.data(), n);
  });
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "nmf") == 0) {
    const long m = argc > 2 ? std::atol(argv[2]) : 30000, n = argc > 3 ? std::atol(argv[3]) : 784,
               k = argc > 4 ? std::atol(argv[4]) : 50;
    std::vector<double> x(std::size_t(m * n)), h(std::size_t(k * n), 0.5), w(std::size_t(k * m), 0.25),
        xht(std::size_t(k * m)), wtx(std::size_t(k * n));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = double(i % 255) / 255.0;
    const double flops = 2.0 * double(m) * double(n) * double(k);
    std::printf("X H^T %.1f W^T X %.1f\n", best_rate(flops, [&] {
      nmfx::la::gemm(Op::none, Op::transpose, k, m, n, 1.0, h.data(), k, x.data(), m, 0.0, xht.data(), k);
    }), best_rate(flops, [&] {
      nmfx::la::gemm(Op::none, Op::none, k, n, m, 1.0, w.data(), k, x.data(), m, 0.0, wtx.data(), k);
    }));
    return 0;
  }
  const long n = argc > 1 ? std::atol(argv[1]) : 3000;
  std::printf("%.1f %.1f\n", square_rate<double>(n), square_rate<float>(n));
  return 0;
}
