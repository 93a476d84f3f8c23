#pragma once
// Distributed matrices and factors in HDF5 files. Every rank reads or writes
// only its own block-cyclic pieces, collectively: a rank's indices along one
// dimension are one regular hyperslab plus the trailing partial block, so a
// rank's selection is at most four hyperslabs whatever the matrix size.
#include <string>

#include "nmfx/dist/block_cyclic.hpp"
#include "nmfx/io/hdf5.hpp"

namespace nmfx::io {

/// The shape {rows, cols} of a 2-D numeric dataset; Error on this rank when
/// it is missing, not numeric, not 2-D, empty (see empty_message) or larger
/// than the file (wrap in collectively() to agree).
Dims matrix_shape(const File& file, const std::string& dataset);

/// Collective: matrix_shape, agreed on every rank of the file's communicator.
Dims agreed_matrix_shape(const File& file, const std::string& dataset);

/// The one message for a matrix without rows or columns, from every
/// command: "WHAT is empty (0 x 784)".
std::string empty_message(const std::string& what, long global_rows, long global_cols);

/// Reads the 2-D numeric dataset `dataset` (stored [rows][cols], any numeric
/// type, converted to double) into a block-cyclic matrix on `grid`. Error on
/// every rank, before allocating, when this rank's part and the buffer it is
/// read through do not fit in memory (see dist::require_matrix_memory).
dist::DistMatrix read_matrix(const File& file, const std::string& dataset, const ProcessGrid& grid,
                             int row_block, int col_block);

/// The rows (samples) of a 2-D dataset spread over the ranks of a pr x 1
/// grid in blocks of `row_block`, each sample contiguous.
struct Samples {
  dist::BlockCyclic1D rows;   // which global rows this rank holds
  long features = 0;          // the dataset's columns
  std::vector<double> values; // local rows x features, row-major (samples as columns of a features x rows matrix)
  long local_count() const { return rows.local_size(); }
  const double* sample(long local_index) const { return values.data() + local_index * features; }
};

/// Reads `dataset` as Samples on `grid` (which must have one column); Error
/// on every rank as read_matrix gives it.
Samples read_samples(const File& file, const std::string& dataset, const ProcessGrid& grid, int row_block);

/// Writes a block-cyclic matrix as a [rows][cols] float64 dataset.
void write_matrix(File& file, const std::string& dataset, const dist::DistMatrix& x);

/// How a factor lies in a file: W as [m][k] (one row per sample), H as [k][n]
/// (one row per atom).
enum class FactorLayout { index_major, component_major };

/// Writes a factor (any distribution). Its copies are identical, so only
/// the ranks where f.is_writer() (one copy of each index) select data.
void write_factor(File& file, const std::string& dataset, const dist::Factor& f,
                  FactorLayout layout);

/// Reads a factor shaped and distributed like `like` (its k and indices; its
/// entries are ignored). Every copy reads its own indices.
dist::Factor read_factor(const File& file, const std::string& dataset, const dist::Factor& like,
                         FactorLayout layout);

}  // namespace nmfx::io
