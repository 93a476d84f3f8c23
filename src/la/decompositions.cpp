#include "nmfx/la/decompositions.hpp"

#include <algorithm>
#include <string>

#include "nmfx/core/error.hpp"
#include "nmfx/la/blas.hpp"
#include "prototypes.hpp"

namespace nmfx::la {
namespace {

void require_info(MPI_Comm comm, int info, const char* routine) {
  agree(comm, info != 0 ? std::string(routine) + " failed with info " + std::to_string(info) : "");
}

int descriptor_for(int* desc, long m, long n, int mb, int nb, int context, long local_rows) {
  const int mi = int(m), ni = int(n), zero = 0, lld = int(std::max(1L, local_rows));
  int info = 0;
  descinit_(desc, &mi, &ni, &mb, &nb, &zero, &zero, &context, &lld, &info);
  return info;
}

/// Runs a ScaLAPACK QR-type factorization (pdgeqrf or pdgelqf) in place.
template <class Routine>
void factorize(MPI_Comm comm, Routine routine, const char* name, long m, long n, double* a,
               const int* desc) {
  const int mi = int(m), ni = int(n), one = 1;
  int info = 0, lwork = -1;
  std::vector<double> tau(std::size_t(std::min(m, n)) + 1);  // generous: local <= global
  double query = 0;
  routine(&mi, &ni, a, &one, &one, desc, tau.data(), &query, &lwork, &info);
  std::vector<double> work(std::size_t(query) + 1);
  lwork = int(work.size());
  routine(&mi, &ni, a, &one, &one, desc, tau.data(), work.data(), &lwork, &info);
  require_info(comm, info, name);
}

}  // namespace

std::vector<double> qr_r(const Communicator& comm, int context, const dist::Factor& f) {
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
  factorize(comm.get(), pdgeqrf_, "pdgeqrf", global, k, a.data(), desc);
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

std::vector<double> singular_values(const ProcessGrid& grid, const dist::DistMatrix& x) {
  const long m = x.rows.global_size(), n = x.cols.global_size(), p = std::min(m, n);
  const int block = x.rows.block();
  if (x.cols.block() != block) throw Error("singular values of X need square blocks");
  dist::DistMatrix a = x;  // QR overwrites its input
  const auto desc_a = descriptor(a, grid);
  if (m >= n)
    factorize(grid.comm(), pdgeqrf_, "pdgeqrf", m, n, a.local.data(), desc_a.data());
  else
    factorize(grid.comm(), pdgelqf_, "pdgelqf", m, n, a.local.data(), desc_a.data());
  // The p x p triangle (R upper, or L lower) has the same block-cyclic map as
  // the leading p x p part of A, so it is a prefix of A's local rows/columns.
  dist::DistMatrix t(grid, p, p, block, block);
  for (long j = 0; j < t.local_cols(); ++j)
    for (long i = 0; i < t.local_rows(); ++i) {
      const long gi = t.rows.to_global(i), gj = t.cols.to_global(j);
      const bool inside = m >= n ? gi <= gj : gi >= gj;
      t.at(i, j) = inside ? a.at(i, j) : 0.0;
    }
  a.local = {};
  const auto desc_t = descriptor(t, grid);
  std::vector<double> s(static_cast<std::size_t>(p));
  const int pi = int(p), one = 1;
  int info = 0;
  double dummy = 0;
  auto svd = [&](double* work, int lwork) {
    pdgesvd_("N", "N", &pi, &pi, t.local.data(), &one, &one, desc_t.data(), s.data(), &dummy,
             &one, &one, desc_t.data(), &dummy, &one, &one, desc_t.data(), work, &lwork, &info, 1,
             1);
  };
  double query = 0;
  svd(&query, -1);
  std::vector<double> work(std::size_t(query) + 1);
  svd(work.data(), int(work.size()));
  require_info(grid.comm(), info, "pdgesvd");
  return s;
}

}  // namespace nmfx::la
