#pragma once
// Distributed matrices and factors in HDF5 files. Every rank reads or writes
// only its own block-cyclic pieces, collectively: a rank's indices along one
// dimension are one regular hyperslab plus the trailing partial block, so a
// rank's selection is at most four hyperslabs whatever the matrix size.
#include <string>
#include <vector>

#include "nmfx/core/precision.hpp"
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

/// The size of the buffer matrices move through between HDF5's row-major
/// files and the column-major local parts.
constexpr long transfer_buffer_bytes = 16L << 20;

/// Reads the 2-D numeric dataset `dataset` (stored [rows][cols], any numeric
/// type, converted to Scalar) into a block-cyclic matrix on `grid`, in
/// batches of row blocks through a buffer of about `buffer_bytes` (at least
/// one block of rows). Error on every rank, before allocating, when this
/// rank's part and that buffer do not fit in memory (see
/// dist::require_matrix_memory).
template <class Scalar = double>
dist::BasicDistMatrix<Scalar> read_matrix(const File& file, const std::string& dataset, const ProcessGrid& grid,
                                          int row_block, int col_block, long buffer_bytes = transfer_buffer_bytes);

/// Writes a block-cyclic matrix on `grid` as a [rows][cols] dataset of
/// float64, or float32 for Precision::single (HDF5 converts), in batches as
/// read_matrix reads.
template <class Scalar>
void write_matrix(File& file, const std::string& dataset, const dist::BasicDistMatrix<Scalar>& x,
                  const ProcessGrid& grid, Precision precision = Precision::double_precision,
                  long buffer_bytes = transfer_buffer_bytes);

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

/// Writes factors distributed alike (e.g. one factor at several iterations)
/// as one 3-D dataset, [count][m][k] or [count][k][n]; nothing when empty.
void write_factors(File& file, const std::string& dataset, const std::vector<dist::Factor>& stack,
                   FactorLayout layout);

/// Reads `count` factors shaped like `like` from a dataset write_factors
/// wrote; Error naming it when its shape differs.
std::vector<dist::Factor> read_factors(const File& file, const std::string& dataset, const dist::Factor& like,
                                       long count, FactorLayout layout);

}  // namespace nmfx::io
