#pragma once
// Shared test fixtures: grids of every shape for the current rank count,
// deterministic matrices, and gathering distributed data for comparison with
// serial references.
#include <mpi.h>

#include <vector>

#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::test {

inline int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

/// Every grid shape pr x pc with pr * pc == ranks.
inline std::vector<GridShape> all_shapes(int ranks) {
  std::vector<GridShape> out;
  for (int pr = 1; pr <= ranks; ++pr)
    if (ranks % pr == 0) out.push_back({pr, ranks / pr});
  return out;
}

/// A non-negative test value for global entry (i, j).
inline double entry(long i, long j, std::uint64_t seed = 7) {
  return uniform01(seed, 11, std::uint64_t(i) * 100003 + std::uint64_t(j));
}

/// Fills a distributed matrix with entry(i, j) (rounded to its precision).
template <class Scalar>
void fill(dist::BasicDistMatrix<Scalar>& x, std::uint64_t seed = 7) {
  for (long j = 0; j < x.local_cols(); ++j)
    for (long i = 0; i < x.local_rows(); ++i)
      x.at(i, j) = Scalar(entry(x.rows.to_global(i), x.cols.to_global(j), seed));
}

/// The whole matrix, row-major, on every rank.
inline std::vector<double> gather(MPI_Comm comm, const dist::DistMatrix& x) {
  const long n = x.cols.global_size();
  std::vector<double> all(std::size_t(x.rows.global_size() * n), 0.0);
  for (long j = 0; j < x.local_cols(); ++j)
    for (long i = 0; i < x.local_rows(); ++i)
      all[std::size_t(x.rows.to_global(i) * n + x.cols.to_global(j))] = x.at(i, j);
  MPI_Allreduce(MPI_IN_PLACE, all.data(), int(all.size()), MPI_DOUBLE, MPI_SUM, comm);
  return all;
}

/// The whole factor as [global index][k], assembled from this rank's copy
/// (the parts along f.reduce_comm()), so each copy is checked on its own.
inline std::vector<double> gather(const dist::Factor& f) {
  std::vector<double> all(std::size_t(f.map.global_size() * f.k), 0.0);
  for (long c = 0; c < f.local_count(); ++c)
    for (int j = 0; j < f.k; ++j) all[std::size_t(f.map.to_global(c) * f.k + j)] = f.vector(c)[j];
  f.reduce_comm().sum(all);
  return all;
}

/// Largest |a - b| / max(1, max|b|).
inline double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, scale = 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

/// True on every rank iff `ok` holds on every rank (assert after this, never
/// between collectives).
inline bool all_ranks(bool ok, MPI_Comm comm = MPI_COMM_WORLD) {
  int mine = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, comm);
  return all == 1;
}

}  // namespace nmfx::test

#include <unistd.h>

#include <filesystem>
#include <string>

namespace nmfx::test {

/// A fresh path in a folder shared by all ranks of this test run.
inline std::string temp_path(const std::string& name) {
  long id = long(getpid());
  MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const auto folder = std::filesystem::temp_directory_path() / ("nmfx_test_" + std::to_string(id));
  std::filesystem::create_directories(folder);
  MPI_Barrier(MPI_COMM_WORLD);
  return (folder / name).string();
}

/// The message of the Error `body` throws ("" when it throws none).
template <class Body>
std::string failure_of(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace nmfx::test
