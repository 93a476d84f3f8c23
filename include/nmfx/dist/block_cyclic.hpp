#pragma once
// ScaLAPACK's 2D block-cyclic layout: the index maps of one dimension, the
// distributed matrix X, and the factors whose rows or columns follow X.
#include <vector>

#include "nmfx/core/grid.hpp"

namespace nmfx::dist {

/// One dimension of a block-cyclic layout: `global_size` indices in blocks of
/// `block`, dealt round-robin to `procs` processes, seen from process `mine`.
/// Local indices grow with global ones.
class BlockCyclic1D {
 public:
  BlockCyclic1D(long global_size, int block, int procs, int mine);
  long global_size() const { return global_size_; }
  int block() const { return block_; }
  int procs() const { return procs_; }
  int mine() const { return mine_; }
  /// How many indices this process owns (ScaLAPACK's numroc).
  long local_size() const { return local_size_; }
  /// Global index of local index `local_index` on this process.
  long to_global(long local_index) const {
    const long b = local_index / block_;
    return (b * procs_ + mine_) * block_ + local_index % block_;
  }
  /// The process owning global index `global_index`.
  int owner(long global_index) const { return int((global_index / block_) % procs_); }

 private:
  long global_size_;
  int block_, procs_, mine_;
  long local_size_;
};

/// The map of a small dimension every rank holds whole (Deep NMF's inner
/// factors): one block on one process.
inline BlockCyclic1D replicated(long count) {
  return BlockCyclic1D(count, int(count > 1 ? count : 1), 1, 0);
}

/// A global_rows x global_cols matrix in 2D block-cyclic layout on a grid:
/// the local part is column-major, local_rows x local_cols, leading dimension
/// max(1, local_rows), as ScaLAPACK expects.
struct DistMatrix {
  DistMatrix(const ProcessGrid& grid, long global_rows, long global_cols, int row_block,
             int col_block);
  BlockCyclic1D rows, cols;
  std::vector<double> local;

  long local_rows() const { return rows.local_size(); }
  long local_cols() const { return cols.local_size(); }
  int leading_dim() const { return int(local_rows() > 1 ? local_rows() : 1); }
  double& at(long local_row, long local_col) { return local[local_col * local_rows() + local_row]; }
  double at(long local_row, long local_col) const { return local[local_col * local_rows() + local_row]; }
};

/// A factor in nmfx's replicated layout: for every index of one dimension of
/// X that this rank's grid row (for W) or grid column (for H) owns, its k
/// coefficients, contiguous. Stored column-major k x local_count, i.e. W^T's
/// local columns for W and H's local columns for H. Ranks along the other
/// grid dimension hold identical copies.
struct Factor {
  Factor(int rank_k, BlockCyclic1D index_map)
      : k(rank_k), map(index_map), local(std::size_t(rank_k) * index_map.local_size(), 0.0) {}
  int k;
  BlockCyclic1D map;
  std::vector<double> local;
  long local_count() const { return map.local_size(); }
  double* vector(long local_index) { return local.data() + local_index * k; }
  const double* vector(long local_index) const { return local.data() + local_index * k; }
};

/// The default block size: large enough for efficient I/O, small enough to
/// balance load on grids of up to a few thousand ranks per dimension.
constexpr int default_block = 64;

}  // namespace nmfx::dist
