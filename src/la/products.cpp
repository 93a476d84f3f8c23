#include "nmfx/la/products.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// Single precision multiplies by panels of at most `float_panel` inner
/// indices in float and adds each panel's product up in double, so no float
/// sum has more than float_panel terms; the float scratch covers at most
/// `panel` result indices.
constexpr long panel = 16384;
constexpr long float_panel = 4096;

/// Working memory of the single-precision products, reused from call to call.
struct FloatScratch {
  std::vector<float> factor;  // one inner panel of the factor
  std::vector<float> part;    // its product, k x (at most panel)
};

FloatScratch& float_scratch() {
  thread_local FloatScratch s;
  return s;
}

/// out = F op(X)^T, op(X) = X (F over X's columns, out over its rows) or X^T
/// (`transposed`: F over the rows, out over the columns), k x count, then a
/// sum over F's reduce_comm(). The GEMM writes the factor layout (k-major)
/// directly: on these skinny shapes it runs as fast as the index-major
/// orientation with one thread per rank (measured: 2-4% faster at k = 50,
/// equal at k = 2048), and needs neither a transpose nor scratch.
template <class Scalar>
void product_with_x(const dist::BasicDistMatrix<Scalar>& x, bool transposed, const dist::Factor& f,
                    dist::Factor& out) {
  {
    const Timed timed(Activity::products);
    const long k = f.k, ld = x.leading_dim();
    const long count = transposed ? x.local_cols() : x.local_rows();
    const long inner = transposed ? x.local_rows() : x.local_cols();
    const Op op_x = transposed ? Op::none : Op::transpose;
    // X's block of result indices [first, ..) and inner indices [from, ..)
    auto block = [&](long first, long from) {
      return transposed ? x.local.data() + from + first * ld : x.local.data() + first + from * ld;
    };
    if constexpr (std::is_same_v<Scalar, double>) {
      if (inner == 0) std::fill(out.local.begin(), out.local.end(), 0.0);
      else gemm(Op::none, op_x, k, count, inner, 1.0, f.local.data(), k, block(0, 0), ld, 0.0, out.local.data(), k);
    } else {
      FloatScratch& s = float_scratch();
      std::fill(out.local.begin(), out.local.end(), 0.0);
      for (long first = 0; first < count; first += panel) {
        const long size = std::min(panel, count - first);
        double* sum = out.local.data() + first * k;
        s.part.resize(std::size_t(k * size));
        for (long from = 0; from < inner; from += float_panel) {
          const long width = std::min(float_panel, inner - from);
          s.factor.assign(f.local.data() + from * k, f.local.data() + (from + width) * k);
          gemm(Op::none, op_x, k, size, width, 1.0f, s.factor.data(), k, block(first, from), ld, 0.0f,
               s.part.data(), k);
#pragma omp parallel for schedule(static)
          for (long e = 0; e < k * size; ++e) sum[e] += double(s.part[std::size_t(e)]);
        }
      }
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
