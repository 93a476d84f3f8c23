#include "nmfx/la/products.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// The products run in panels of at most `panel` of the result's indices, so
/// a panel of the result (at most panel x k) is all the scratch they need;
/// smaller panels cost multithreaded BLAS its efficiency (4096 made one rank
/// with 2 threads 1.3x slower on Fashion-MNIST). Single precision sums at
/// most `float_panel` float terms before adding them up in double.
constexpr long panel = 65536;
constexpr long float_panel = 4096;

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
    for (long first = 0; first < inner; first += float_panel) {
      const long size = std::min(float_panel, inner - first);
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

/// out = (op(X) F^T)^T, op(X) = X (F over X's columns, out over its rows) or
/// X^T (`transposed`: F over the rows, out over the columns): by panels of
/// out's indices, one GEMM per panel (and per inner panel in single
/// precision), then a sum over F's reduce_comm().
template <class Scalar>
void product_with_x(const dist::BasicDistMatrix<Scalar>& x, bool transposed, const dist::Factor& f,
                    dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = f.k, ld = x.leading_dim();
    const long count_all = transposed ? x.local_cols() : x.local_rows();
    const long inner = transposed ? x.local_rows() : x.local_cols();
    for (long first = 0; first < count_all; first += panel) {
      const long count = std::min(panel, count_all - first);
      index_major_product<Scalar>(count, k, inner, f.local.data(), [&](long from, long size, const Scalar* fp, auto* c) {
        // X's block of this panel (rows first.., columns from.., or the transpose)
        const Scalar* a = transposed ? x.local.data() + from + first * ld : x.local.data() + first + from * ld;
        gemm(transposed ? Op::transpose : Op::none, Op::transpose, count, k, size, Scalar(1), a, ld, fp, k,
             Scalar(0), c, count);
      });
      transpose_into(scratch<Scalar>().sum, first, count, out);
    }
  }
  f.reduce_comm().sum(out.local);
}

}  // namespace

template <class Scalar>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& h, dist::Factor& out) {
  product_with_x(x, false, h, out);  // X H^T, H stored k x cols
}

template <class Scalar>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& w, dist::Factor& out) {
  product_with_x(x, true, w, out);  // X^T W, W stored k x rows
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
