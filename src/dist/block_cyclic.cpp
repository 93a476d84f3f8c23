#include "nmfx/dist/block_cyclic.hpp"

#include "nmfx/core/error.hpp"
#include "nmfx/core/memory.hpp"

namespace nmfx::dist {

BlockCyclic1D::BlockCyclic1D(long global_size, int block, int procs, int mine)
    : global_size_(global_size), block_(block), procs_(procs), mine_(mine) {
  if (block < 1) throw Error("block size must be at least 1");
  if (global_size < 0) throw Error("a size cannot be negative (got " + std::to_string(global_size) + ")");
  const long full_blocks = global_size / block;
  const long remainder = global_size % block;
  local_size_ = (full_blocks / procs) * block;
  const long extra = full_blocks % procs;
  if (mine < extra)
    local_size_ += block;
  else if (mine == extra)
    local_size_ += remainder;
}

LocalShape local_shape(const ProcessGrid& grid, long global_rows, long global_cols, int row_block,
                       int col_block) {
  return {BlockCyclic1D(global_rows, row_block, grid.shape().rows, grid.my_row()).local_size(),
          BlockCyclic1D(global_cols, col_block, grid.shape().cols, grid.my_col()).local_size()};
}

void require_matrix_memory(const ProcessGrid& grid, const std::string& what, long global_rows,
                           long global_cols, int row_block, int col_block, double copies,
                           double extra_bytes, int entry_bytes) {
  const double entries = local_shape(grid, global_rows, global_cols, row_block, col_block).entries();
  require_memory(grid.comm(),
                 what + " (" + std::to_string(global_rows) + " x " + std::to_string(global_cols) +
                     (entry_bytes == sizeof(float) ? " floats)" : " doubles)"),
                 copies * entries * double(entry_bytes) + extra_bytes);
}

namespace {

/// The entries of a matrix's local part, once they are known to fit.
std::size_t checked_local_size(const ProcessGrid& grid, const BlockCyclic1D& rows,
                               const BlockCyclic1D& cols, int entry_bytes) {
  require_matrix_memory(grid, "a matrix", rows.global_size(), cols.global_size(), rows.block(),
                        cols.block(), 1, 0, entry_bytes);
  return std::size_t(rows.local_size()) * std::size_t(cols.local_size());
}

}  // namespace

template <class Scalar>
BasicDistMatrix<Scalar>::BasicDistMatrix(const ProcessGrid& grid, long global_rows, long global_cols,
                                         int row_block, int col_block)
    : rows(global_rows, row_block, grid.shape().rows, grid.my_row()),
      cols(global_cols, col_block, grid.shape().cols, grid.my_col()),
      local(checked_local_size(grid, rows, cols, sizeof(Scalar)), Scalar(0)) {}

template struct BasicDistMatrix<double>;
template struct BasicDistMatrix<float>;

const Communicator& FactorDistribution::reduce_comm() const {
  switch (along_) {
    case Along::rows: return grid_->col_comm();
    case Along::cols: return grid_->row_comm();
    case Along::replicated: break;
  }
  return Communicator::self();
}

const Communicator& FactorDistribution::replica_comm() const {
  switch (along_) {
    case Along::rows: return grid_->row_comm();
    case Along::cols: return grid_->col_comm();
    case Along::replicated: break;
  }
  return grid_->full_comm();
}

int FactorDistribution::blacs_context() const {
  switch (along_) {
    case Along::rows: return grid_->column_context();
    case Along::cols: return grid_->row_context();
    case Along::replicated: break;
  }
  return -1;
}

bool FactorDistribution::is_writer() const {
  switch (along_) {
    case Along::rows: return grid_->my_col() == 0;
    case Along::cols: return grid_->my_row() == 0;
    case Along::replicated: break;
  }
  return grid_->is_root();
}

BlockCyclic1D FactorDistribution::map(long global_size, int block) const {
  const GridShape shape = grid_->shape();
  switch (along_) {
    case Along::rows: return BlockCyclic1D(global_size, block, shape.rows, grid_->my_row());
    case Along::cols: return BlockCyclic1D(global_size, block, shape.cols, grid_->my_col());
    case Along::replicated: break;
  }
  return dist::replicated(global_size);
}

template <class Scalar>
BasicFactor<Scalar>::BasicFactor(int rank_k, BlockCyclic1D index_map, FactorDistribution factor_distribution)
    : BasicFactor(rank_k, index_map, factor_distribution, true) {}

template <class Scalar>
BasicFactor<Scalar>::BasicFactor(int rank_k, BlockCyclic1D index_map, FactorDistribution factor_distribution,
                                 bool allocate)
    : k(rank_k), map(index_map), distribution(factor_distribution) {
  const BlockCyclic1D expected = distribution.map(map.global_size(), map.block());
  if (expected.procs() != map.procs() || expected.mine() != map.mine())
    throw Error("a factor's index map does not follow its distribution on the grid");
  if (allocate) local.assign(std::size_t(rank_k) * index_map.local_size(), Scalar(0));
}

template <class Scalar>
BasicFactor<Scalar> BasicFactor<Scalar>::replicated(const ProcessGrid& grid, int k, long count) {
  return BasicFactor(k, dist::replicated(count), {grid, Along::replicated});
}

template struct BasicFactor<double>;
template struct BasicFactor<float>;

}  // namespace nmfx::dist
