#include "nmfx/nmf/mask.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "nmfx/core/error.hpp"
#include "nmfx/core/random.hpp"

namespace nmfx::nmf {
namespace {

constexpr std::uint64_t stream_holdout = 4;  // beside the streams of core/random.hpp

/// The left-out entries are visited in tiles of this many rows, column by
/// column within a tile, so that the tile's rows of W stay in cache while
/// the columns of H stream by.
constexpr long tile_rows = 512;

/// The first index whose count is 0, or -1.
long first_empty(const std::vector<double>& counts, const dist::BlockCyclic1D& map) {
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] == 0) return map.to_global(long(i));
  return -1;
}

}  // namespace

bool is_hidden(std::uint64_t seed, double fraction, long row, long col, long n) {
  return fraction > 0 && uniform01(seed, stream_holdout, std::uint64_t(row) * std::uint64_t(n) + std::uint64_t(col)) < fraction;
}

template <class Scalar>
Mask<Scalar>::Mask(const ProcessGrid& grid, dist::BasicDistMatrix<Scalar>& x, bool missing_nan, double holdout,
                   std::uint64_t seed)
    : x_(x) {
  const long lr = x.local_rows(), lc = x.local_cols(), n = x.cols.global_size();
  if (grid.full_comm().max(int(lr > long(UINT32_MAX) || lc > long(UINT32_MAX))))
    throw Error("masked NMF holds local indices in 32 bits: spread this matrix over more ranks", true);
  std::vector<double> row_counts(std::size_t(lr), 0.0), col_counts(std::size_t(lc), 0.0);
  double sums[6] = {0, 0, 0, 0, 0, 0};  // counts: counted, missing, hidden; counted sum, norm2; hidden norm2
  for (long tile = 0; tile < lr; tile += tile_rows)
    for (long j = 0; j < lc; ++j)
      for (long i = tile; i < std::min(lr, tile + tile_rows); ++i) {
        const double v = x.at(i, j);
        if (missing_nan && std::isnan(v)) {
          rows_.push_back(std::uint32_t(i));
          cols_.push_back(std::uint32_t(j));
          truth_.push_back(std::numeric_limits<double>::quiet_NaN());
          sums[1] += 1;
        } else if (is_hidden(seed, holdout, x.rows.to_global(i), x.cols.to_global(j), n)) {
          rows_.push_back(std::uint32_t(i));
          cols_.push_back(std::uint32_t(j));
          truth_.push_back(v);
          sums[2] += 1;
          sums[5] += v * v;
        } else {
          row_counts[std::size_t(i)] += 1;
          col_counts[std::size_t(j)] += 1;
          sums[0] += 1;
          sums[3] += v;
          sums[4] += v * v;
        }
      }
  const Communicator& all = grid.full_comm();
  all.sum(sums, 6);
  hidden_norm2_ = sums[5];
  counted_ = long(sums[0]);
  missing_ = long(sums[1]);
  hidden_ = long(sums[2]);
  counted_sum_ = sums[3];
  counted_norm2_ = sums[4];
  // Rows and columns without a counted entry: their codes would be free.
  dist::FactorDistribution(grid, dist::Along::rows).replica_comm().sum(row_counts);
  dist::FactorDistribution(grid, dist::Along::cols).replica_comm().sum(col_counts);
  const long empty_row = all.max(first_empty(row_counts, x.rows));
  const long empty_col = all.max(first_empty(col_counts, x.cols));
  if (empty_row >= 0 || empty_col >= 0)
    throw Error(std::string(empty_row >= 0 ? "row " : "column ") + std::to_string(empty_row >= 0 ? empty_row : empty_col) +
                    " of X has no entry left to fit (all are missing or hidden); drop it or lower --holdout",
                true);
  const double mean = counted_ > 0 ? counted_sum_ / double(counted_) : 0.0;
  for (std::size_t e = 0; e < rows_.size(); ++e) x.local[offset(e)] = Scalar(mean);
  stored_.assign(rows_.size(), double(Scalar(mean)));
}

template <class Scalar>
ImputedSums Mask<Scalar>::impute(const dist::BasicFactor<Scalar>& a, const dist::BasicFactor<Scalar>& b) {
  const int k = a.k;
  const long count = long(rows_.size());
  model_.resize(rows_.size());
  stored_.resize(rows_.size());
#pragma omp parallel for schedule(static)
  for (long e = 0; e < count; ++e) {
    const Scalar* ai = a.vector(rows_[std::size_t(e)]);
    const Scalar* bj = b.vector(cols_[std::size_t(e)]);
    double v = 0;
#pragma omp simd reduction(+ : v)
    for (int t = 0; t < k; ++t) v += double(ai[t]) * double(bj[t]);
    model_[std::size_t(e)] = v;
    stored_[std::size_t(e)] = double(Scalar(v));
    x_.local[offset(std::size_t(e))] = Scalar(v);
  }
  ImputedSums sums;  // in one thread: the same sums whatever the threads
  for (std::size_t e = 0; e < rows_.size(); ++e) {
    const double v = model_[e];
    sums.values2 += stored_[e] * stored_[e];
    if (!std::isnan(truth_[e])) sums.heldout2 += (truth_[e] - v) * (truth_[e] - v);
  }
  return sums;
}

template class Mask<double>;
template class Mask<float>;

}  // namespace nmfx::nmf
