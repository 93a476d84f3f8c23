#include "nmfx/la/products.hpp"

#include "nmfx/la/blas.hpp"

namespace nmfx::la {

void xht(const ProcessGrid& grid, const dist::DistMatrix& x, const dist::Factor& h,
         dist::Factor& out) {
  const long k = h.k, rows = x.local_rows(), cols = x.local_cols();
  // (X H^T)^T = H X^T : (k x cols) * (cols x rows)
  if (cols == 0)
    std::fill(out.local.begin(), out.local.end(), 0.0);
  else
    gemm(Op::none, Op::transpose, k, rows, cols, 1.0, h.local.data(), k, x.local.data(),
         x.leading_dim(), 0.0, out.local.data(), k);
  grid.row_comm().sum(out.local.data(), int(out.local.size()));
}

void wtx(const ProcessGrid& grid, const dist::DistMatrix& x, const dist::Factor& w,
         dist::Factor& out) {
  const long k = w.k, rows = x.local_rows(), cols = x.local_cols();
  if (rows == 0)
    std::fill(out.local.begin(), out.local.end(), 0.0);
  else
    gemm(Op::none, Op::none, k, cols, rows, 1.0, w.local.data(), k, x.local.data(),
         x.leading_dim(), 0.0, out.local.data(), k);
  grid.col_comm().sum(out.local.data(), int(out.local.size()));
}

void gram(const Communicator& across, const dist::Factor& f, double* g) {
  la::gram(f.k, f.local_count(), f.local.data(), f.k, g);
  across.sum(g, f.k * f.k);
}

double dot(const Communicator& across, const dist::Factor& a, const dist::Factor& b) {
  double s = 0.0;
  const std::size_t n = a.local.size();
#pragma omp parallel for reduction(+ : s) schedule(static)
  for (std::size_t i = 0; i < n; ++i) s += a.local[i] * b.local[i];
  across.sum(&s, 1);
  return s;
}

}  // namespace nmfx::la
