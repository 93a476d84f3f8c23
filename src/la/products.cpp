#include "nmfx/la/products.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// The products run in panels of at most this many indices along each
/// dimension of X: a panel of the result (at most panel x k) is all the
/// scratch they need, and single precision sums at most this many float
/// terms before adding them up in double.
constexpr long panel = 4096;

/// Working memory of the products, reused from call to call.
template <class Scalar>
struct Scratch {
  std::vector<double> sum;     // one panel of the index-major product, count x k
  std::vector<Scalar> factor;  // one panel of the factor in float (single only)
  std::vector<Scalar> part;    // one inner panel's product in float (single only)
};

template <class Scalar>
Scratch<Scalar>& scratch() {
  thread_local Scratch<Scalar> s;
  return s;
}

/// s.sum (count x k, column-major) = op(X_p) F^T over all `inner` indices,
/// where F (k x inner, `factor`) is the factor over the inner indices and
/// product(first, size, f, c) computes the inner panel [first, first +
/// size) into c (count x k) from f, those indices' factor entries in X's
/// precision. Double takes one GEMM; float one per panel of inner indices,
/// summed in double.
template <class Scalar, class Product>
void index_major_product(long count, long k, long inner, const double* factor, Product product) {
  Scratch<Scalar>& s = scratch<Scalar>();
  s.sum.assign(std::size_t(count * k), 0.0);
  if (inner == 0 || count == 0) return;
  if constexpr (std::is_same_v<Scalar, double>) {
    product(0, inner, factor, s.sum.data());
  } else {
    s.part.resize(std::size_t(count * k));
    for (long first = 0; first < inner; first += panel) {
      const long size = std::min(panel, inner - first);
      s.factor.assign(factor + first * k, factor + (first + size) * k);
      product(first, size, s.factor.data(), s.part.data());
      for (std::size_t i = 0; i < s.sum.size(); ++i) s.sum[i] += double(s.part[i]);
    }
  }
}

/// out's indices [first, first + count) (k x count) = s.sum^T: the GEMMs
/// produce the index-major product, which OpenBLAS computes ~1.5x faster
/// for these skinny shapes than the k-major one (measured).
void transpose_into(const std::vector<double>& sum, long first, long count, dist::Factor& out) {
  const long k = out.k;
#pragma omp parallel for schedule(static)
  for (long c = 0; c < count; ++c)
    for (long j = 0; j < k; ++j) out.local[std::size_t((first + c) * k + j)] = sum[std::size_t(j * count + c)];
}

}  // namespace

template <class Scalar>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& h, dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = h.k, rows = x.local_rows(), cols = x.local_cols(), ld = x.leading_dim();
    // X H^T : (rows x cols) * (cols x k), H stored k x cols; by panels of rows
    for (long first = 0; first < rows; first += panel) {
      const long count = std::min(panel, rows - first);
      index_major_product<Scalar>(count, k, cols, h.local.data(), [&](long inner, long size, const Scalar* f, auto* c) {
        gemm(Op::none, Op::transpose, count, k, size, Scalar(1), x.local.data() + first + inner * ld, ld, f, k,
             Scalar(0), c, count);
      });
      transpose_into(scratch<Scalar>().sum, first, count, out);
    }
  }
  h.reduce_comm().sum(out.local);
}

template <class Scalar>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& w, dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = w.k, rows = x.local_rows(), cols = x.local_cols(), ld = x.leading_dim();
    // X^T W : (cols x rows) * (rows x k), W stored k x rows; by panels of columns
    for (long first = 0; first < cols; first += panel) {
      const long count = std::min(panel, cols - first);
      index_major_product<Scalar>(count, k, rows, w.local.data(), [&](long inner, long size, const Scalar* f, auto* c) {
        gemm(Op::transpose, Op::transpose, count, k, size, Scalar(1), x.local.data() + inner + first * ld, ld, f,
             k, Scalar(0), c, count);
      });
      transpose_into(scratch<Scalar>().sum, first, count, out);
    }
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
