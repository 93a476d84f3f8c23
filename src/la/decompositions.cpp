#include "nmfx/la/decompositions.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <string>

#include "nmfx/core/error.hpp"
#include "nmfx/core/memory.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/products.hpp"
#include "prototypes.hpp"

namespace nmfx::la {
namespace {

/// ScaLAPACK reports only argument errors here, which are the same wherever
/// the same shapes are factorized, so agreeing over `comm` is enough.
void require_info(MPI_Comm comm, int info, const char* routine) {
  agree(comm, info != 0 ? std::string(routine) + " failed with info " + std::to_string(info) : "");
}

/// Collective over `comm`: a workspace of the size a ScaLAPACK workspace
/// query returned on this rank. ScaLAPACK computes that size in int, which
/// overflows silently for blocks far larger than the matrix or very large
/// problems: Error on every rank when `bound` (the size by the routine's
/// documented formula, in double) or the query is beyond int, naming
/// `problem`, and when the workspace does not fit in memory.
template <class Scalar = double>
std::vector<Scalar> workspace(MPI_Comm comm, double query, double bound, const char* routine,
                              const std::string& problem) {
  agree(comm, query >= 0 && std::max(query, bound) < double(INT_MAX)
                  ? ""
                  : std::string(routine) + " needs a workspace beyond the " + std::to_string(INT_MAX) +
                        " values ScaLAPACK can index, for " + problem + "; use smaller blocks");
  require_memory(comm, std::string("the workspace of ") + routine, (query + 1) * sizeof(Scalar));
  return std::vector<Scalar>(std::size_t(query) + 1);
}

/// "a 12 x 8 matrix in blocks of 64" for messages.
std::string problem_text(long m, long n, int block) {
  return "a " + std::to_string(m) + " x " + std::to_string(n) + " matrix in blocks of " + std::to_string(block);
}

int descriptor_for(int* desc, long m, long n, int mb, int nb, int context, long local_rows) {
  const int mi = int(m), ni = int(n), zero = 0, lld = int(std::max(1L, local_rows));
  int info = 0;
  descinit_(desc, &mi, &ni, &mb, &nb, &zero, &zero, &context, &lld, &info);
  return info;
}

/// Runs a ScaLAPACK QR-type factorization (p?geqrf or p?gelqf) in place on
/// an m x n matrix of Scalar whose local part is local_rows x local_cols.
template <class Scalar, class Routine>
void factorize(MPI_Comm comm, Routine routine, const char* name, long m, long n, Scalar* a,
               const int* desc, long local_rows, long local_cols) {
  const int mi = int(m), ni = int(n), one = 1;
  int info = 0, lwork = -1;
  std::vector<Scalar> tau(std::size_t(std::min(m, n)) + 1);  // generous: local <= global
  Scalar query = 0;
  routine(&mi, &ni, a, &one, &one, desc, tau.data(), &query, &lwork, &info);
  // LWORK >= NB * (Mp0 + Nq0 + NB), NB the column (pdgeqrf) or row (pdgelqf) block.
  const double block = std::max(desc[4], desc[5]);
  std::vector<Scalar> work = workspace<Scalar>(
      comm, double(query), block * (double(local_rows) + double(local_cols) + block), name,
      problem_text(m, n, int(block)));
  lwork = int(work.size());
  routine(&mi, &ni, a, &one, &one, desc, tau.data(), work.data(), &lwork, &info);
  require_info(comm, info, name);
}

}  // namespace

std::vector<double> qr_r(const dist::Factor& f) {
  const Communicator& comm = f.reduce_comm();
  const int context = f.blacs_context();
  if (context < 0) throw Error("a replicated factor has no ScaLAPACK QR");
  const long k = f.k, count = f.local_count(), global = f.map.global_size();
  // ScaLAPACK wants the local rows column-major (count x k): transpose.
  std::vector<double> a(std::size_t(std::max(1L, count) * k));
  for (long c = 0; c < count; ++c)
    for (long j = 0; j < k; ++j) a[std::size_t(j * count + c)] = f.vector(c)[j];
  int desc[9];
  // Column blocks of 16: pdgeqrf then updates the trailing columns with
  // BLAS-3; one k-wide panel would be factorized entirely with BLAS-2.
  require_info(comm.get(), descriptor_for(desc, global, k, f.map.block(), 16, context, count),
               "descinit");
  factorize(comm.get(), pdgeqrf_, "pdgeqrf", global, k, a.data(), desc, count, k);
  std::vector<double> r(std::size_t(k * k), 0.0);
  for (long c = 0; c < count; ++c) {
    const long row = f.map.to_global(c);
    if (row >= k) break;  // local rows grow with global ones
    for (long j = row; j < k; ++j) r[std::size_t(j * k + row)] = a[std::size_t(j * count + c)];
  }
  comm.sum(r.data(), int(r.size()));
  return r;
}

std::vector<double> singular_values(long m, long n, std::vector<double> a) {
  const int mi = int(m), ni = int(n), lda = int(std::max(1L, m)), one = 1;
  std::vector<double> s(std::size_t(std::min(m, n)));
  if (s.empty()) return s;
  std::vector<int> iwork(std::size_t(8 * std::min(m, n)));
  int info = 0, lwork = -1;
  double query = 0, dummy = 0;
  dgesdd_("N", &mi, &ni, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, &query, &lwork,
          iwork.data(), &info, 1);
  std::vector<double> work(std::size_t(query) + 1);
  lwork = int(work.size());
  dgesdd_("N", &mi, &ni, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, work.data(), &lwork,
          iwork.data(), &info, 1);
  if (info != 0) throw Error("dgesdd failed with info " + std::to_string(info));
  return s;
}

namespace {

/// QR (tall) or LQ (wide) of `a` in place, in a's precision.
void factorize_matrix(const ProcessGrid& grid, dist::DistMatrix& a, bool tall) {
  const auto desc = descriptor(a, grid);
  const long m = a.rows.global_size(), n = a.cols.global_size();
  if (tall)
    factorize(grid.comm(), pdgeqrf_, "pdgeqrf", m, n, a.local.data(), desc.data(), a.local_rows(), a.local_cols());
  else
    factorize(grid.comm(), pdgelqf_, "pdgelqf", m, n, a.local.data(), desc.data(), a.local_rows(), a.local_cols());
}

void factorize_matrix(const ProcessGrid& grid, dist::SingleDistMatrix& a, bool tall) {
  const auto desc = descriptor(a, grid);
  const long m = a.rows.global_size(), n = a.cols.global_size();
  if (tall)
    factorize(grid.comm(), psgeqrf_, "psgeqrf", m, n, a.local.data(), desc.data(), a.local_rows(), a.local_cols());
  else
    factorize(grid.comm(), psgelqf_, "psgelqf", m, n, a.local.data(), desc.data(), a.local_rows(), a.local_cols());
}

}  // namespace

template <class Scalar>
Svd svd(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, int k) {
  const long m = x.rows.global_size(), n = x.cols.global_size(), p = std::min(m, n);
  const bool tall = m >= n;
  const int block = x.rows.block();
  if (x.cols.block() != block) throw Error("singular values of X need square blocks");
  if (k < 0 || k > p) throw Error("cannot take " + std::to_string(k) + " singular vectors");
  dist::BasicDistMatrix<Scalar> a = x;  // QR overwrites its input
  factorize_matrix(grid, a, tall);
  // The p x p triangle (R upper, or L lower) has the same block-cyclic map as
  // the leading p x p part of A, so it is a prefix of A's local rows/columns;
  // its SVD runs in double whatever X's precision.
  dist::DistMatrix t(grid, p, p, block, block);
  for (long j = 0; j < t.local_cols(); ++j)
    for (long i = 0; i < t.local_rows(); ++i) {
      const long gi = t.rows.to_global(i), gj = t.cols.to_global(j);
      t.at(i, j) = (tall ? gi <= gj : gi >= gj) ? double(a.at(i, j)) : 0.0;
    }
  a.local = {};
  // Vectors of the triangle: V^T (R = U_R S V^T, tall) or U (L = U S V_L^T, wide).
  dist::DistMatrix vectors(grid, k > 0 ? p : 0, k > 0 ? p : 0, block, block);
  const auto desc_t = descriptor(t, grid);
  const auto desc_vec = k > 0 ? descriptor(vectors, grid) : desc_t;
  Svd out{std::vector<double>(static_cast<std::size_t>(p)), dist::Factor::rows_of(grid, k, x),
          dist::Factor::cols_of(grid, k, x)};
  const int pi = int(p), one = 1;
  const char* jobu = k > 0 && !tall ? "V" : "N";
  const char* jobvt = k > 0 && tall ? "V" : "N";
  double* vec = k > 0 ? vectors.local.data() : nullptr;
  int info = 0;
  double dummy = 0;
  auto run = [&](double* work, int lwork) {
    pdgesvd_(jobu, jobvt, &pi, &pi, t.local.data(), &one, &one, desc_t.data(), out.sigma.data(),
             vec ? vec : &dummy, &one, &one, desc_vec.data(), vec ? vec : &dummy, &one, &one,
             desc_vec.data(), work, &lwork, &info, 1, 1);
  };
  double query = 0;
  run(&query, -1);
  // LWORK >= 2 + 6 p + max(NB (Mp + Nq + 1) + Nq, p (Mp + Nq) with vectors).
  const double mp = double(t.local_rows()), nq = double(t.local_cols());
  const double bound = 2 + 6.0 * double(p) + double(block) * (mp + nq + 1) + nq +
                       (k > 0 ? double(p) * (mp + nq) : 0.0);
  std::vector<double> work = workspace(grid.comm(), query, bound, "pdgesvd", problem_text(p, p, block));
  run(work.data(), int(work.size()));
  require_info(grid.comm(), info, "pdgesvd");
  if (k == 0) return out;

  // Gather the k leading vectors (index-major, replicated), lay them out as a
  // factor, then get the other side from one product with X.
  std::vector<double> leading(std::size_t(p) * k, 0.0);
  for (long j = 0; j < vectors.local_cols(); ++j)
    for (long i = 0; i < vectors.local_rows(); ++i) {
      const long gi = vectors.rows.to_global(i), gj = vectors.cols.to_global(j);
      const long component = tall ? gi : gj, index = tall ? gj : gi;
      if (component < k) leading[std::size_t(index * k + component)] = vectors.at(i, j);
    }
  grid.full_comm().sum(leading);
  dist::Factor& known = tall ? out.v : out.u;
  dist::Factor& derived = tall ? out.u : out.v;
  for (long c = 0; c < known.local_count(); ++c)
    for (int j = 0; j < k; ++j) known.vector(c)[j] = leading[std::size_t(known.map.to_global(c) * k + j)];
  if (tall)
    xht(x, known, derived);
  else
    wtx(x, known, derived);
  // Singular values at rounding level carry no direction: their vectors
  // would be noise, so they are left zero.
  const double rounding = 5 * double(std::numeric_limits<Scalar>::epsilon());
  const double floor = rounding * double(std::max(m, n)) * (p > 0 ? out.sigma[0] : 0.0);
  for (long c = 0; c < derived.local_count(); ++c)
    for (int j = 0; j < k; ++j) {
      const double s = out.sigma[std::size_t(j)];
      derived.vector(c)[j] = s > floor ? derived.vector(c)[j] / s : 0.0;
    }
  return out;
}

template Svd svd(const ProcessGrid&, const dist::DistMatrix&, int);
template Svd svd(const ProcessGrid&, const dist::SingleDistMatrix&, int);

Svd svd(const dist::Factor& f, int k) {
  const long r = f.k;
  std::vector<double> g(std::size_t(r * r)), vectors;
  la::gram(f, g.data());
  const std::vector<double> values = symmetric_eigenvectors(r, g.data(), vectors);  // ascending
  Svd out{{}, dist::Factor::replicated(f.distribution.grid(), k, r), dist::Factor::like(f, k)};
  for (long j = r - 1; j >= 0; --j) out.sigma.push_back(std::sqrt(std::max(values[std::size_t(j)], 0.0)));
  // As above: directions below rounding level (of sigma^2 here) are left zero.
  const double floor = (out.sigma.empty() ? 0.0 : out.sigma[0]) * 1e-7;
  for (int j = 0; j < k; ++j) {
    const double* u = vectors.data() + (r - 1 - j) * r;  // the j-th largest
    const double s = out.sigma[std::size_t(j)];
    for (long a = 0; a < r; ++a) out.u.vector(a)[j] = u[a];
    for (long c = 0; c < f.local_count(); ++c) {
      double v = 0;
      for (long a = 0; a < r; ++a) v += f.vector(c)[a] * u[a];
      out.v.vector(c)[j] = s > floor ? v / s : 0.0;
    }
  }
  return out;
}

}  // namespace nmfx::la
