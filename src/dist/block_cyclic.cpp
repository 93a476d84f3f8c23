#include "nmfx/dist/block_cyclic.hpp"

#include "nmfx/core/error.hpp"

namespace nmfx::dist {

BlockCyclic1D::BlockCyclic1D(long global_size, int block, int procs, int mine)
    : global_size_(global_size), block_(block), procs_(procs), mine_(mine) {
  if (block < 1) throw Error("block size must be at least 1");
  const long full_blocks = global_size / block;
  const long remainder = global_size % block;
  local_size_ = (full_blocks / procs) * block;
  const long extra = full_blocks % procs;
  if (mine < extra)
    local_size_ += block;
  else if (mine == extra)
    local_size_ += remainder;
}

DistMatrix::DistMatrix(const ProcessGrid& grid, long global_rows, long global_cols, int row_block,
                       int col_block)
    : rows(global_rows, row_block, grid.shape().rows, grid.my_row()),
      cols(global_cols, col_block, grid.shape().cols, grid.my_col()),
      local(std::size_t(rows.local_size()) * cols.local_size(), 0.0) {}

}  // namespace nmfx::dist
