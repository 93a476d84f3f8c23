#include "nmfx/la/products.hpp"

#include <vector>

#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// out (k x count) = scratch^T, where scratch is count x k column-major: the
/// GEMMs below produce the index-major product, which OpenBLAS computes
/// ~1.5x faster for these skinny shapes than the k-major one (measured).
void transpose_into(const std::vector<double>& scratch, dist::Factor& out) {
  const long k = out.k, count = out.local_count();
#pragma omp parallel for schedule(static)
  for (long c = 0; c < count; ++c)
    for (long j = 0; j < k; ++j) out.local[std::size_t(c) * k + j] = scratch[std::size_t(j) * count + c];
}

thread_local std::vector<double> scratch;

}  // namespace

void xht(const dist::DistMatrix& x, const dist::Factor& h, dist::Factor& out) {
  const long k = h.k, rows = x.local_rows(), cols = x.local_cols();
  scratch.assign(out.local.size(), 0.0);
  // X H^T : (rows x cols) * (cols x k), H stored k x cols
  if (cols > 0)
    gemm(Op::none, Op::transpose, rows, k, cols, 1.0, x.local.data(), x.leading_dim(),
         h.local.data(), k, 0.0, scratch.data(), rows);
  transpose_into(scratch, out);
  h.reduce_comm().sum(out.local);
}

void wtx(const dist::DistMatrix& x, const dist::Factor& w, dist::Factor& out) {
  const long k = w.k, rows = x.local_rows(), cols = x.local_cols();
  scratch.assign(out.local.size(), 0.0);
  // X^T W : (cols x rows) * (rows x k), W stored k x rows
  if (rows > 0)
    gemm(Op::transpose, Op::transpose, cols, k, rows, 1.0, x.local.data(), x.leading_dim(),
         w.local.data(), k, 0.0, scratch.data(), cols);
  transpose_into(scratch, out);
  w.reduce_comm().sum(out.local);
}

void gram(const dist::Factor& f, double* g) {
  la::gram(f.k, f.local_count(), f.local.data(), f.k, g);
  f.reduce_comm().sum(g, long(f.k) * f.k);
}

double dot(const dist::Factor& a, const dist::Factor& b) {
  double s = 0.0;
  const std::size_t n = a.local.size();
#pragma omp parallel for reduction(+ : s) schedule(static)
  for (std::size_t i = 0; i < n; ++i) s += a.local[i] * b.local[i];
  return a.reduce_comm().sum(s);
}

}  // namespace nmfx::la
