#include "nmfx/la/products.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// Single-precision products sum at most this many terms in float; longer
/// sums add float panels in double.
constexpr long float_panel = 4096;

/// Working memory of the products, reused from call to call.
template <class Scalar>
struct Scratch {
  std::vector<double> sum;      // the index-major product, count x k
  std::vector<Scalar> factor;   // the factor in X's precision (float only)
  std::vector<Scalar> panel;    // one panel's product (float only)
};

template <class Scalar>
Scratch<Scalar>& scratch() {
  thread_local Scratch<Scalar> s;
  return s;
}

/// sum (count x k, column-major) = op(X) F^T, where op(X) is count x inner
/// and F (k x inner) is the factor over the inner indices: product(first,
/// size, f, out) computes the panel of inner indices [first, first + size)
/// into `out` (count x k) with factor entries `f` (k x size). Double runs it
/// once; float runs it in panels of float_panel indices, summed in double.
template <class Scalar, class PanelProduct>
void index_major_product(const dist::Factor& f, long count, long inner, PanelProduct product) {
  Scratch<Scalar>& s = scratch<Scalar>();
  const long k = f.k;
  s.sum.assign(std::size_t(count * k), 0.0);
  if (inner == 0 || count == 0) return;
  if constexpr (std::is_same_v<Scalar, double>) {
    product(0, inner, f.local.data(), s.sum.data());
  } else {
    s.factor.assign(f.local.begin(), f.local.end());
    s.panel.resize(std::size_t(count * k));
    for (long first = 0; first < inner; first += float_panel) {
      product(first, std::min(float_panel, inner - first), s.factor.data() + first * k, s.panel.data());
      for (std::size_t i = 0; i < s.sum.size(); ++i) s.sum[i] += double(s.panel[i]);
    }
  }
}

/// out (k x count) = sum^T: the GEMMs produce the index-major product,
/// which OpenBLAS computes ~1.5x faster for these skinny shapes than the
/// k-major one (measured).
void transpose_into(const std::vector<double>& sum, dist::Factor& out) {
  const long k = out.k, count = out.local_count();
#pragma omp parallel for schedule(static)
  for (long c = 0; c < count; ++c)
    for (long j = 0; j < k; ++j) out.local[std::size_t(c) * k + j] = sum[std::size_t(j) * count + c];
}

}  // namespace

template <class Scalar>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& h, dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = h.k, rows = x.local_rows(), ld = x.leading_dim();
    // X H^T : (rows x cols) * (cols x k), H stored k x cols
    index_major_product<Scalar>(h, rows, x.local_cols(), [&](long first, long size, const Scalar* f, auto* c) {
      gemm(Op::none, Op::transpose, rows, k, size, Scalar(1), x.local.data() + first * ld, ld, f, k, Scalar(0),
           c, rows);
    });
    transpose_into(scratch<Scalar>().sum, out);
  }
  h.reduce_comm().sum(out.local);
}

template <class Scalar>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& w, dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = w.k, cols = x.local_cols(), ld = x.leading_dim();
    // X^T W : (cols x rows) * (rows x k), W stored k x rows
    index_major_product<Scalar>(w, cols, x.local_rows(), [&](long first, long size, const Scalar* f, auto* c) {
      gemm(Op::transpose, Op::transpose, cols, k, size, Scalar(1), x.local.data() + first, ld, f, k, Scalar(0),
           c, cols);
    });
    transpose_into(scratch<Scalar>().sum, out);
  }
  w.reduce_comm().sum(out.local);
}

template void xht(const dist::DistMatrix&, const dist::Factor&, dist::Factor&);
template void xht(const dist::SingleDistMatrix&, const dist::Factor&, dist::Factor&);
template void wtx(const dist::DistMatrix&, const dist::Factor&, dist::Factor&);
template void wtx(const dist::SingleDistMatrix&, const dist::Factor&, dist::Factor&);

void gram(const dist::Factor& f, double* g) {
  {
    const Timed timed(Activity::grams);
    la::gram(f.k, f.local_count(), f.local.data(), f.k, g);
  }
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
