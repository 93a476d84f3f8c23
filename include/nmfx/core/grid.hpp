#pragma once
// The 2D process grid: pr x pc ranks in row-major order, the communicators
// along its rows and columns, and the BLACS context ScaLAPACK calls need.
#include <string>

#include "nmfx/core/mpi.hpp"

namespace nmfx {

/// Grid shape (process rows x process columns).
struct GridShape {
  int rows = 1;
  int cols = 1;
  std::string str() const { return std::to_string(rows) + "x" + std::to_string(cols); }
};

/// Parses "PRxPC"; throws Error on bad syntax.
GridShape parse_grid(const std::string& text);

/// The shape for `ranks` ranks and an m x n matrix that minimizes the local
/// factor sizes m/pr + n/pc (the redundant update work and the all-reduce
/// volume of the replicated-factor layout), ties to the squarer grid.
GridShape choose_grid(int ranks, long global_rows, long global_cols);

/// Owns the grid's row and column communicators and its BLACS context.
/// Move-only. Collective over `comm` at construction.
class ProcessGrid {
 public:
  /// Throws Error (on every rank) when shape.rows*shape.cols != size(comm).
  ProcessGrid(MPI_Comm comm, GridShape shape);
  ~ProcessGrid();
  ProcessGrid(ProcessGrid&&) noexcept;
  ProcessGrid& operator=(ProcessGrid&&) = delete;
  ProcessGrid(const ProcessGrid&) = delete;
  ProcessGrid& operator=(const ProcessGrid&) = delete;

  /// The raw handle of all the grid's ranks, for libraries that take one.
  MPI_Comm comm() const { return full_comm_.get(); }
  /// All the grid's ranks (borrowed from the communicator it was built on).
  const Communicator& full_comm() const { return full_comm_; }
  /// Ranks sharing this rank's grid row (they hold different columns).
  const Communicator& row_comm() const { return row_comm_; }
  /// Ranks sharing this rank's grid column (they hold different rows).
  const Communicator& col_comm() const { return col_comm_; }
  int rank() const { return rank_; }
  int size() const { return shape_.rows * shape_.cols; }
  GridShape shape() const { return shape_; }
  int my_row() const { return my_row_; }
  int my_col() const { return my_col_; }
  int blacs_context() const { return context_; }
  /// BLACS context of this rank's grid column as a pr x 1 grid: where W
  /// (distributed like X's rows) is a ScaLAPACK matrix with one column block.
  int column_context() const { return column_context_; }
  /// BLACS context of this rank's grid row as a pc x 1 grid: where H^T
  /// (distributed like X's columns) is a ScaLAPACK matrix.
  int row_context() const { return row_context_; }
  bool is_root() const { return rank_ == 0; }

 private:
  Communicator full_comm_;
  GridShape shape_;
  int rank_ = 0, my_row_ = 0, my_col_ = 0;
  int context_ = -1, column_context_ = -1, row_context_ = -1;
  Communicator row_comm_, col_comm_;
};

}  // namespace nmfx
