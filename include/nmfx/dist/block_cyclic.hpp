#pragma once
// ScaLAPACK's 2D block-cyclic layout: the index maps of one dimension, the
// distributed matrix X, and the factors whose rows or columns follow X.
#include <string>
#include <vector>

#include "nmfx/core/grid.hpp"
#include "nmfx/core/memory.hpp"

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
/// max(1, local_rows), as ScaLAPACK expects. `Scalar` is double, or float
/// for single precision (--precision single: half the memory, SGEMM).
template <class Scalar>
struct BasicDistMatrix {
  using value_type = Scalar;
  /// Collective over `grid` (a memory check, see require_matrix_memory).
  BasicDistMatrix(const ProcessGrid& grid, long global_rows, long global_cols, int row_block,
                  int col_block);
  BlockCyclic1D rows, cols;
  std::vector<Scalar, HugePageAllocator<Scalar>> local;

  long local_rows() const { return rows.local_size(); }
  long local_cols() const { return cols.local_size(); }
  int leading_dim() const { return int(local_rows() > 1 ? local_rows() : 1); }
  Scalar& at(long local_row, long local_col) { return local[local_col * local_rows() + local_row]; }
  Scalar at(long local_row, long local_col) const { return local[local_col * local_rows() + local_row]; }
};
using DistMatrix = BasicDistMatrix<double>;
using SingleDistMatrix = BasicDistMatrix<float>;
extern template struct BasicDistMatrix<double>;
extern template struct BasicDistMatrix<float>;

/// The size of this rank's part of a matrix; entries() as a double, so that
/// no product of sizes overflows on the way to a memory check.
struct LocalShape {
  long rows = 0, cols = 0;
  double entries() const { return double(rows) * double(cols); }
};

/// This rank's part of a global_rows x global_cols matrix in row_block x
/// col_block blocks on `grid`, without allocating it.
LocalShape local_shape(const ProcessGrid& grid, long global_rows, long global_cols, int row_block,
                       int col_block);

/// Collective over `grid`: Error on every rank, before anything is
/// allocated, unless `copies` such matrices of `entry_bytes`-byte entries
/// and `extra_bytes` more (on each rank) fit in the memory of each rank's
/// machine (see require_memory). The message starts "WHAT (ROWS x COLS
/// doubles) needs" ("floats" for 4-byte entries).
void require_matrix_memory(const ProcessGrid& grid, const std::string& what, long global_rows,
                           long global_cols, int row_block, int col_block, double copies = 1,
                           double extra_bytes = 0, int entry_bytes = sizeof(double));

/// Which indices of X a factor's k-vectors belong to.
enum class Along {
  rows,        // X's rows, as W's: spread like X's rows, copied along grid rows
  cols,        // X's columns, as H's: spread like X's columns, copied along grid columns
  replicated,  // neither: a small factor every rank holds whole (Deep NMF's inner W_i)
};

/// Where a factor's parts and copies lie on a process grid, so that no call
/// site has to pick communicators or BLACS contexts by hand. Borrows the
/// grid, which must outlive it.
class FactorDistribution {
 public:
  FactorDistribution(const ProcessGrid& grid, Along along) : grid_(&grid), along_(along) {}
  const ProcessGrid& grid() const { return *grid_; }
  Along along() const { return along_; }
  /// The ranks holding the factor's other indices, over which sums over all
  /// indices (Gram matrices, norms, inner products) add their local parts:
  /// the grid column for rows, the grid row for cols, this rank alone for
  /// replicated.
  const Communicator& reduce_comm() const;
  /// The ranks holding identical copies of this rank's part: the grid row
  /// for rows, the grid column for cols, the whole grid for replicated.
  const Communicator& replica_comm() const;
  /// The BLACS context of reduce_comm() as a p x 1 grid, where the factor,
  /// index-major (W, or H^T), is a ScaLAPACK matrix with one column block;
  /// -1 for replicated (never a ScaLAPACK operand).
  int blacs_context() const;
  /// Whether this rank writes its part to files: true on exactly one copy of
  /// each index (grid column 0 for rows, grid row 0 for cols, rank 0 for
  /// replicated).
  bool is_writer() const;
  /// The index map this rank holds for `global_size` indices in blocks of `block`.
  BlockCyclic1D map(long global_size, int block) const;

 private:
  const ProcessGrid* grid_;
  Along along_;
};

/// A factor in nmfx's replicated layout: for every index of one dimension of
/// X that this rank's grid row (for W) or grid column (for H) owns, its k
/// coefficients, contiguous. Stored column-major k x local_count, i.e. W^T's
/// local columns for W and H's local columns for H. Ranks along the other
/// grid dimension hold identical copies (see FactorDistribution). `Scalar`
/// is double, or float when a fit runs in single precision.
template <class Scalar>
struct BasicFactor {
  /// k x the indices of `index_map`, all 0. Error when the map is not the
  /// one `distribution` gives this rank.
  BasicFactor(int rank_k, BlockCyclic1D index_map, FactorDistribution distribution);
  /// k coefficients for each of X's rows (laid out like W), all 0.
  template <class X>
  static BasicFactor rows_of(const ProcessGrid& grid, int k, const BasicDistMatrix<X>& x) {
    return BasicFactor(k, x.rows, {grid, Along::rows});
  }
  /// k coefficients for each of X's columns (laid out like H), all 0.
  template <class X>
  static BasicFactor cols_of(const ProcessGrid& grid, int k, const BasicDistMatrix<X>& x) {
    return BasicFactor(k, x.cols, {grid, Along::cols});
  }
  /// k coefficients for each of `count` indices, whole on every rank, all 0.
  static BasicFactor replicated(const ProcessGrid& grid, int k, long count);
  /// k coefficients for each index of `other` (of either precision),
  /// distributed alike, all 0.
  template <class Other>
  static BasicFactor like(const BasicFactor<Other>& other, int k) {
    return BasicFactor(k, other.map, other.distribution);
  }
  /// `other`'s entries in this precision (rounded when narrowing).
  template <class Other>
  static BasicFactor converted(const BasicFactor<Other>& other) {
    BasicFactor f(other.k, other.map, other.distribution, false);
    f.local.assign(other.local.begin(), other.local.end());
    return f;
  }

  int k;
  BlockCyclic1D map;
  FactorDistribution distribution;
  std::vector<Scalar> local;
  long local_count() const { return map.local_size(); }
  Scalar* vector(long local_index) { return local.data() + local_index * k; }
  const Scalar* vector(long local_index) const { return local.data() + local_index * k; }
  /// See FactorDistribution.
  const Communicator& reduce_comm() const { return distribution.reduce_comm(); }
  const Communicator& replica_comm() const { return distribution.replica_comm(); }
  int blacs_context() const { return distribution.blacs_context(); }
  bool is_writer() const { return distribution.is_writer(); }

 private:
  BasicFactor(int rank_k, BlockCyclic1D index_map, FactorDistribution distribution, bool allocate);
};
using Factor = BasicFactor<double>;
using SingleFactor = BasicFactor<float>;
extern template struct BasicFactor<double>;
extern template struct BasicFactor<float>;

/// Where the copies of a factor (the ranks of its replica_comm(), which
/// hold the same local indices) split work on its `count` local indices:
/// the first index of copy `copy`'s share among `copies` (copy = copies:
/// count). Shares are cut at multiples of 64 indices, in rank order.
inline long share_start(long count, int copies, int copy) {
  return copy == copies ? count : count * copy / copies / 64 * 64;
}

/// Whether work on `f` can be split among copies: f has copies, and is not
/// a replicated factor (whose copies are the whole grid).
template <class Scalar>
bool has_copies(const BasicFactor<Scalar>& f) {
  return f.distribution.along() != Along::replicated && f.replica_comm().size() > 1;
}

/// The default block size: large enough for efficient I/O, small enough to
/// balance load on grids of up to a few thousand ranks per dimension.
constexpr int default_block = 64;

}  // namespace nmfx::dist
