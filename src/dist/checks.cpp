#include "nmfx/dist/checks.hpp"

#include <cmath>
#include <limits>

#include "nmfx/core/error.hpp"

namespace nmfx::dist {

namespace {

template <class Scalar>
void require_entries(MPI_Comm comm, const BasicDistMatrix<Scalar>& x, const std::string& what,
                     bool nonnegative, bool missing_nan = false) {
  const long lr = x.local_rows(), lc = x.local_cols(), n = x.cols.global_size();
  // counts of NaN, infinite and negative entries, and the first one's index
  double counts[3] = {0, 0, 0};
  long first[3] = {-1, -1, -1};
  for (long j = 0; j < lc; ++j)
    for (long i = 0; i < lr; ++i) {
      const double v = x.at(i, j);
      const int kind = std::isnan(v) ? (missing_nan ? -1 : 0) : std::isinf(v) ? 1 : nonnegative && v < 0 ? 2 : -1;
      if (kind < 0) continue;
      counts[kind] += 1;
      const long global = x.rows.to_global(i) * n + x.cols.to_global(j);
      if (first[kind] < 0 || global < first[kind]) first[kind] = global;
    }
  const Communicator all(comm);
  all.sum(counts, 3);
  for (long& f : first)
    if (f < 0) f = std::numeric_limits<long>::max();
  all.min(first, 3);
  static const char* names[3] = {"NaN", "infinite", "negative"};
  for (int kind = 0; kind < 3; ++kind)
    if (counts[kind] > 0)
      throw Error(what + " has " + std::to_string(long(counts[kind])) + " " + names[kind] +
                      " entr" + (counts[kind] > 1 ? "ies" : "y") + " (first at row " +
                      std::to_string(first[kind] / n) + ", column " +
                      std::to_string(first[kind] % n) + ")" +
                      (nonnegative ? "; NMF needs finite, non-negative data" : "") +
                      (nonnegative && kind == 0 ? " (fit's --missing nan leaves NaN entries out)" : ""),
                  true);  // from all-reduced counts: every rank throws it
}

}  // namespace

template <class Scalar>
void require_nonnegative_finite(MPI_Comm comm, const BasicDistMatrix<Scalar>& x, const std::string& what,
                                bool missing_nan) {
  require_entries(comm, x, what, true, missing_nan);
}

template <class Scalar>
void require_finite(MPI_Comm comm, const BasicDistMatrix<Scalar>& x, const std::string& what) {
  require_entries(comm, x, what, false);
}

template void require_nonnegative_finite(MPI_Comm, const DistMatrix&, const std::string&, bool);
template void require_nonnegative_finite(MPI_Comm, const SingleDistMatrix&, const std::string&, bool);
template void require_finite(MPI_Comm, const DistMatrix&, const std::string&);
template void require_finite(MPI_Comm, const SingleDistMatrix&, const std::string&);

}  // namespace nmfx::dist
