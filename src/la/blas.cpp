#include "nmfx/la/blas.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include "nmfx/core/error.hpp"
#include "prototypes.hpp"

namespace nmfx::la {
namespace {

int narrow(long value, const char* what) {
  if (value < 0 || value > INT_MAX)
    throw Error(std::string(what) + " = " + std::to_string(value) + " does not fit a BLAS integer");
  return static_cast<int>(value);
}

const char* letter(Op op) { return op == Op::none ? "N" : "T"; }

}  // namespace

namespace {

/// C = alpha op(A) op(B) + beta C through `routine` (dgemm_ or sgemm_).
template <class Scalar, class Routine>
void gemm_with(Routine routine, Op op_a, Op op_b, long m, long n, long k, Scalar alpha, const Scalar* a, long lda,
               const Scalar* b, long ldb, Scalar beta, Scalar* c, long ldc) {
  if (m == 0 || n == 0) return;
  const int mi = narrow(m, "m"), ni = narrow(n, "n"), ki = narrow(k, "k");
  const int la = narrow(lda < 1 ? 1 : lda, "lda"), lb = narrow(ldb < 1 ? 1 : ldb, "ldb");
  const int lc = narrow(ldc < 1 ? 1 : ldc, "ldc");
  routine(letter(op_a), letter(op_b), &mi, &ni, &ki, &alpha, a, &la, b, &lb, &beta, c, &lc, 1, 1);
}

}  // namespace

void gemm(Op op_a, Op op_b, long m, long n, long k, double alpha, const double* a, long lda,
          const double* b, long ldb, double beta, double* c, long ldc) {
  gemm_with(dgemm_, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(Op op_a, Op op_b, long m, long n, long k, float alpha, const float* a, long lda,
          const float* b, long ldb, float beta, float* c, long ldc) {
  gemm_with(sgemm_, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gram(long n, long k, const double* a, long lda, double* c) {
  const int ni = narrow(n, "n"), ki = narrow(k, "k"), la = narrow(lda < 1 ? 1 : lda, "lda");
  const double one = 1.0, zero = 0.0;
  if (ki == 0) {
    for (long i = 0; i < n * n; ++i) c[i] = 0.0;
    return;
  }
  dsyrk_("U", "N", &ni, &ki, &one, a, &la, &zero, c, &ni, 1, 1);
  for (long j = 0; j < n; ++j)
    for (long i = j + 1; i < n; ++i) c[j * n + i] = c[i * n + j];
}

void gram(long n, long k, const float* a, long lda, double* c) {
  constexpr long panel = 4096;
  const int ni = narrow(n, "n"), la = narrow(lda < 1 ? 1 : lda, "lda");
  const float one = 1.0f, zero = 0.0f;
  std::vector<float> part(std::size_t(n * n));
  for (long i = 0; i < n * n; ++i) c[i] = 0.0;
  for (long first = 0; first < k; first += panel) {
    const int ki = narrow(std::min(panel, k - first), "k");
    ssyrk_("U", "N", &ni, &ki, &one, a + first * lda, &la, &zero, part.data(), &ni, 1, 1);
    for (long j = 0; j < n; ++j)
      for (long i = 0; i <= j; ++i) c[j * n + i] += double(part[std::size_t(j * n + i)]);
  }
  for (long j = 0; j < n; ++j)
    for (long i = j + 1; i < n; ++i) c[j * n + i] = c[i * n + j];
}

bool cholesky_solve(long n, const double* g, long nrhs, double* b) {
  const int ni = narrow(n, "n"), ri = narrow(nrhs, "nrhs"), ld = ni > 0 ? ni : 1;
  std::vector<double> factor(g, g + n * n);
  int info = 0;
  dpotrf_("L", &ni, factor.data(), &ld, &info, 1);
  if (info != 0) return false;
  if (ri > 0) dpotrs_("L", &ni, &ri, factor.data(), &ld, b, &ld, &info, 1);
  return info == 0;
}

namespace {
/// dsyev on a copy of g; vectors (column-major, ascending order) when asked.
std::vector<double> symmetric_eigen(long n, const double* g, std::vector<double>* vectors) {
  const int ni = narrow(n, "n"), ld = ni > 0 ? ni : 1;
  std::vector<double> a(g, g + n * n), w(static_cast<std::size_t>(n));
  const char* job = vectors ? "V" : "N";
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_(job, "L", &ni, a.data(), &ld, w.data(), &query, &lwork, &info, 1, 1);
  std::vector<double> work(std::size_t(query) + 1);
  lwork = int(work.size());
  dsyev_(job, "L", &ni, a.data(), &ld, w.data(), work.data(), &lwork, &info, 1, 1);
  if (info != 0) throw Error("dsyev failed with info " + std::to_string(info));
  if (vectors) *vectors = std::move(a);
  return w;
}
}  // namespace

std::vector<double> symmetric_eigenvalues(long n, const double* g) {
  return symmetric_eigen(n, g, nullptr);
}

std::vector<double> symmetric_eigenvectors(long n, const double* g, std::vector<double>& vectors) {
  return symmetric_eigen(n, g, &vectors);
}

long numroc(long global_size, int block, int proc, int procs) {
  const int n = narrow(global_size, "global size"), zero = 0;
  return numroc_(&n, &block, &proc, &zero, &procs);
}

template <class Scalar>
std::array<int, 9> descriptor(const dist::BasicDistMatrix<Scalar>& matrix, const ProcessGrid& grid) {
  std::array<int, 9> desc{};
  const int m = narrow(matrix.rows.global_size(), "global rows");
  const int n = narrow(matrix.cols.global_size(), "global columns");
  const int mb = matrix.rows.block(), nb = matrix.cols.block(), zero = 0;
  const int ctxt = grid.blacs_context(), lld = matrix.leading_dim();
  int info = 0;
  descinit_(desc.data(), &m, &n, &mb, &nb, &zero, &zero, &ctxt, &lld, &info);
  if (info != 0) throw Error("descinit failed with info " + std::to_string(info));
  return desc;
}

template std::array<int, 9> descriptor(const dist::DistMatrix&, const ProcessGrid&);
template std::array<int, 9> descriptor(const dist::SingleDistMatrix&, const ProcessGrid&);

}  // namespace nmfx::la
