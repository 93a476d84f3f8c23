#include "nmfx/la/products.hpp"

#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::la {

namespace {

/// The GEMMs go in panels of at most `panel` result indices: a panel of the
/// result stays in cache while the GEMM runs through the inner dimension
/// (measured on X H^T at k = 50, one thread: 44 GFLOP/s against 41 for one
/// GEMM over 30000 indices). Single precision multiplies by panels of at
/// most `float_panel` inner indices in float and adds the panels' products
/// up in double, so no float sum has more than float_panel terms.
constexpr long panel = 4096;
constexpr long float_panel = 4096;

/// Working memory of the single-precision products, reused from call to call.
struct FloatScratch {
  std::vector<float> factor;  // one inner panel of a double factor, rounded
  std::vector<float> part;    // one inner panel's product, k x (at most panel)
  std::vector<double> sum;    // the panels' sum for a float result
};

FloatScratch& float_scratch() {
  thread_local FloatScratch s;
  return s;
}

/// How many fixed parts a sum over `count` indices splits into when its
/// result has `result_size` entries: at least 4096 indices per part, at
/// most 8 parts and 8 MiB of partial results. Never depends on threads.
long fixed_parts(long count, long result_size) {
  return std::max(1L, std::min({8L, count / 4096, (1L << 20) / std::max(1L, result_size)}));
}

/// result (`size` entries) = the sum over `parts` fixed parts of `count`
/// indices, part(begin, end, out) writing part [begin, end)'s term to out.
/// The threads share the parts and the terms are added in order, so the
/// bits do not depend on the number of threads. The parts are cut as
/// dist::share_start cuts shares.
template <class Part>
void sum_of_parts(long count, long parts, long size, double* result, Part part) {
  thread_local std::vector<double> partial;
  partial.resize(std::size_t((parts - 1) * size));
  double* const partials = partial.data();  // the calling thread's buffer, for every thread
  auto start = [&](long p) { return dist::share_start(count, int(parts), int(p)); };
#pragma omp parallel for schedule(static)
  for (long p = 0; p < parts; ++p)
    part(start(p), start(p + 1), p == 0 ? result : partials + (p - 1) * size);
  for (long p = 1; p < parts; ++p)
    for (long e = 0; e < size; ++e) result[e] += partials[(p - 1) * size + e];
}

/// out = F op(X)^T, op(X) = X (F over X's columns, out over its rows) or X^T
/// (`transposed`: F over the rows, out over the columns), k x count, then a
/// sum over F's reduce_comm().
///  - Every thread multiplies its own share of out's indices with a
///    single-threaded GEMM (OpenBLAS's OpenMP build runs serially inside a
///    parallel region), as ranks would: on these skinny shapes two such
///    GEMMs beat one GEMM on two threads.
///  - When out is small and the inner dimension long (W^T X on tall data),
///    the threads share fixed parts of the inner dimension instead
///    (sum_of_parts, as gram() does), so that a thread packs only its part
///    of F, not all of it (1 rank x 2 threads, HALS on Fashion-MNIST, 20
///    iterations: products 2.80-2.89 s with the inner dimension halved
///    between the threads, 3.04-3.10 split by result columns, 2.68-2.75 on
///    2 ranks x 1 thread, one run).
///  - The GEMMs write the factor layout (k-major) directly: with one thread
///    it runs as fast as the index-major orientation (measured 2-4% faster
///    at k = 50, equal at k = 2048) and needs neither transpose nor scratch.
///  - Each index's result is the same to the last bit whatever the number
///    of threads (tested).
template <class Scalar, class F>
void product_with_x(const dist::BasicDistMatrix<Scalar>& x, bool transposed, const dist::BasicFactor<F>& f,
                    dist::BasicFactor<F>& out) {
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
    // The k x width result for out's indices [p, p + width) over inner
    // indices [begin, end) into `result` (leading dimension k; double, or
    // the factor's type).
    auto panel_product = [&](long p, long width, long begin, long end, auto* result) {
      using Result = std::remove_pointer_t<decltype(result)>;
      if (end == begin) {
        std::fill(result, result + k * width, Result(0));
      } else if constexpr (std::is_same_v<Scalar, double>) {
        gemm(Op::none, op_x, k, width, end - begin, 1.0, f.local.data() + begin * k, k, block(p, begin), ld, 0.0,
             result, k);
      } else {
        FloatScratch& s = float_scratch();
        auto factor = [&](long from, long depth) -> const float* {
          if constexpr (std::is_same_v<F, float>) {
            return f.local.data() + from * k;
          } else {
            s.factor.assign(f.local.data() + from * k, f.local.data() + (from + depth) * k);
            return s.factor.data();
          }
        };
        if constexpr (std::is_same_v<Result, float>) {
          if (end - begin <= float_panel) {  // one panel: straight into the result
            gemm(Op::none, op_x, k, width, end - begin, 1.0f, factor(begin, end - begin), k, block(p, begin), ld,
                 0.0f, result, k);
            return;
          }
        }
        s.part.resize(std::size_t(k * width));
        double* sum = nullptr;
        if constexpr (std::is_same_v<Result, double>) {
          sum = result;
        } else {
          s.sum.resize(std::size_t(k * width));
          sum = s.sum.data();
        }
        for (long from = begin; from < end; from += float_panel) {
          const long depth = std::min(float_panel, end - from);
          gemm(Op::none, op_x, k, width, depth, 1.0f, factor(from, depth), k, block(p, from), ld, 0.0f,
               s.part.data(), k);
          for (long e = 0; e < k * width; ++e)  // the first panel sets the sum
            sum[e] = double(s.part[std::size_t(e)]) + (from == begin ? 0.0 : sum[e]);
        }
        if constexpr (std::is_same_v<Result, float>) std::copy(sum, sum + k * width, result);
      }
    };
    // The same for out's indices [first, first + size), panel by panel.
    auto multiply = [&](long first, long size, long begin, long end, auto* result) {
      for (long p = first; p < first + size; p += panel)
        panel_product(p, std::min(panel, first + size - p), begin, end, result + (p - first) * k);
    };
    if (const long parts = fixed_parts(inner, k * count); parts > 1) {
      thread_local std::vector<double> sum;  // the parts' sum for a float result
      double* result = nullptr;
      if constexpr (std::is_same_v<F, double>) {
        result = out.local.data();
      } else {
        sum.resize(std::size_t(k * count));
        result = sum.data();
      }
      sum_of_parts(inner, parts, k * count, result,
                   [&](long begin, long end, double* term) { multiply(0, count, begin, end, term); });
      if constexpr (std::is_same_v<F, float>) std::copy(result, result + k * count, out.local.begin());
    } else {
#pragma omp parallel
      {
        const long threads = omp_get_num_threads(), t = omp_get_thread_num();
        // Shares start at multiples of 64 indices, so that an index meets the
        // same GEMM kernel path whatever the number of threads (unaligned
        // shares changed the last bit of X H^T).
        auto start = [&](long s) { return s == threads ? count : std::min(count, (count * s / threads + 63) / 64 * 64); };
        const long first = start(t), last = start(t + 1);
        if (last > first) multiply(first, last - first, 0, inner, out.local.data() + first * k);
      }
    }
  }
  f.reduce_comm().sum(out.local);
}

}  // namespace

template <class Scalar, class F>
void xht(const dist::BasicDistMatrix<Scalar>& x, const dist::BasicFactor<F>& h, dist::BasicFactor<F>& out) {
  product_with_x(x, false, h, out);  // X H^T, H stored k x cols
}

template <class Scalar, class F>
void wtx(const dist::BasicDistMatrix<Scalar>& x, const dist::BasicFactor<F>& w, dist::BasicFactor<F>& out) {
  product_with_x(x, true, w, out);  // X^T W, W stored k x rows
}

#define NMFX_PRODUCTS_FOR(Scalar, F)                                                                     \
  template void xht(const dist::BasicDistMatrix<Scalar>&, const dist::BasicFactor<F>&, dist::BasicFactor<F>&); \
  template void wtx(const dist::BasicDistMatrix<Scalar>&, const dist::BasicFactor<F>&, dist::BasicFactor<F>&);
NMFX_PRODUCTS_FOR(double, double)
NMFX_PRODUCTS_FOR(float, double)
NMFX_PRODUCTS_FOR(float, float)
#undef NMFX_PRODUCTS_FOR

/// F F^T. The copies of F split its local indices (dist::share_start) and
/// the sum runs over the whole grid, so no copy repeats another's work.
/// A share's Gram matrix is a sum over fixed parts of its indices
/// (sum_of_parts), which the threads share: OpenBLAS does not thread a SYRK
/// with k = 50 rows. With one part (large k), OpenBLAS's threads.
template <class F>
void gram(const dist::BasicFactor<F>& f, double* g) {
  const bool shared = dist::has_copies(f);
  {
    const Timed timed(Activity::grams);
    const int copies = f.replica_comm().size(), copy = f.replica_comm().rank();
    const long k = f.k;
    const long first = shared ? dist::share_start(f.local_count(), copies, copy) : 0;
    const long count = shared ? dist::share_start(f.local_count(), copies, copy + 1) - first : f.local_count();
    const F* const indices = f.local.data() + first * k;
    if (const long parts = fixed_parts(count, k * k); parts > 1)
      sum_of_parts(count, parts, k * k, g, [&](long begin, long end, double* term) {
        la::gram(k, end - begin, indices + begin * k, k, term);
      });
    else
      la::gram(k, count, indices, k, g);
  }
  (shared ? f.distribution.grid().full_comm() : f.reduce_comm()).sum(g, long(f.k) * f.k);
}

template <class F>
double dot(const dist::BasicFactor<F>& a, const dist::BasicFactor<F>& b) {
  double s = 0.0;
  const std::size_t n = a.local.size();
#pragma omp parallel for reduction(+ : s) schedule(static)
  for (std::size_t i = 0; i < n; ++i) s += double(a.local[i]) * double(b.local[i]);
  return a.reduce_comm().sum(s);
}

template void gram(const dist::Factor&, double*);
template void gram(const dist::SingleFactor&, double*);
template double dot(const dist::Factor&, const dist::Factor&);
template double dot(const dist::SingleFactor&, const dist::SingleFactor&);

}  // namespace nmfx::la
