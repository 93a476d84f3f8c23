#include "nmfx/io/matrix_io.hpp"

#include <array>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace {

/// One regular run of blocks along a dimension: `count` blocks of `block`
/// indices, `stride` apart, from `start`.
struct Piece {
  hsize_t start, stride, count, block;
};

std::vector<Piece> pieces(const dist::BlockCyclic1D& map) {
  std::vector<Piece> out;
  const long size = map.global_size(), b = map.block(), p = map.procs(), me = map.mine();
  const long full_blocks = size / b;
  if (full_blocks > me)
    out.push_back({hsize_t(me * b), hsize_t(p * b), hsize_t((full_blocks - me - 1) / p + 1),
                   hsize_t(b)});
  if (size % b != 0 && map.owner(full_blocks * b) == me)
    out.push_back({hsize_t(full_blocks * b), 1, 1, hsize_t(size % b)});
  return out;
}

std::vector<Piece> whole(long size) {
  if (size == 0) return {};
  return {{0, 1, 1, hsize_t(size)}};
}

/// Selects rows x cols in a 2-D file space (none when either is empty).
void select(hid_t space, const std::vector<Piece>& rows, const std::vector<Piece>& cols) {
  H5Sselect_none(space);
  for (const Piece& r : rows)
    for (const Piece& c : cols) {
      const std::array<hsize_t, 2> start{r.start, c.start}, stride{r.stride, c.stride},
          count{r.count, c.count}, block{r.block, c.block};
      checked(H5Sselect_hyperslab(space, H5S_SELECT_OR, start.data(), stride.data(), count.data(),
                                  block.data()),
              "cannot select a block-cyclic hyperslab");
    }
}

/// Collective transfer of a row-major local_rows x local_cols buffer to or
/// from the selected part of a 2-D dataset.
void transfer(hid_t set, bool reading, const std::vector<Piece>& rows,
              const std::vector<Piece>& cols, hsize_t local_rows, hsize_t local_cols,
              double* buffer, const std::string& what) {
  Handle fspace(H5Dget_space(set), H5Sclose);
  select(fspace.get(), rows, cols);
  const std::array<hsize_t, 2> mdims{local_rows > 0 ? local_rows : 1,
                                     local_cols > 0 ? local_cols : 1};
  Handle mspace(H5Screate_simple(2, mdims.data(), nullptr), H5Sclose);
  if (local_rows == 0 || local_cols == 0) H5Sselect_none(mspace.get());
  Handle xfer = collective_transfer();
  double dummy = 0;
  double* data = buffer ? buffer : &dummy;
  const herr_t status =
      reading ? H5Dread(set, H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), xfer.get(), data)
              : H5Dwrite(set, H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), xfer.get(), data);
  checked(status, (reading ? "cannot read " : "cannot write ") + what);
}

Handle create_dataset(File& file, const std::string& dataset, hsize_t rows, hsize_t cols) {
  file.make_parents(dataset);
  const std::array<hsize_t, 2> dims{rows, cols};
  Handle space(H5Screate_simple(2, dims.data(), nullptr), H5Sclose);
  return Handle(checked(H5Dcreate2(file.id(), dataset.c_str(), H5T_IEEE_F64LE, space.get(),
                                   H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "cannot create " + dataset + " in '" + file.path() + "'"),
                H5Dclose);
}

Handle open_2d(const File& file, const std::string& dataset, hsize_t& rows, hsize_t& cols) {
  const Dims dims = matrix_shape(file, dataset);
  rows = dims[0];
  cols = dims[1];
  return Handle(checked(H5Dopen2(file.id(), dataset.c_str(), H5P_DEFAULT), "cannot open " + dataset),
                H5Dclose);
}

}  // namespace

Dims matrix_shape(const File& file, const std::string& dataset) {
  const Dims dims = file.shape(dataset);
  if (dims.size() != 2)
    throw Error(dataset + " in '" + file.path() + "' is " + std::to_string(dims.size()) +
                "-D; nmfx needs a 2-D matrix (samples x features)");
  if (dims[0] == 0 || dims[1] == 0)
    throw Error(empty_message(dataset + " in '" + file.path() + "'", long(dims[0]), long(dims[1])));
  return dims;
}

Dims agreed_matrix_shape(const File& file, const std::string& dataset) {
  Dims dims;
  collectively(file.comm(), [&] { dims = matrix_shape(file, dataset); });
  return dims;
}

std::string empty_message(const std::string& what, long global_rows, long global_cols) {
  return what + " is empty (" + std::to_string(global_rows) + " x " + std::to_string(global_cols) + ")";
}

dist::DistMatrix read_matrix(const File& file, const std::string& dataset, const ProcessGrid& grid,
                             int row_block, int col_block) {
  hsize_t rows = 0, cols = 0;
  Handle set;
  collectively(grid.comm(), [&] { set = open_2d(file, dataset, rows, cols); });
  // X and the row-major buffer it is read through.
  dist::require_matrix_memory(grid, dataset + " in '" + file.path() + "'", long(rows), long(cols),
                              row_block, col_block, 2);
  dist::DistMatrix x(grid, long(rows), long(cols), row_block, col_block);
  const long lr = x.local_rows(), lc = x.local_cols();
  std::vector<double> row_major(std::size_t(lr) * lc);
  transfer(set.get(), true, pieces(x.rows), pieces(x.cols), lr, lc, row_major.data(),
           dataset + " from '" + file.path() + "'");
  // HDF5 delivers the selection in row-major order; ScaLAPACK wants columns.
#pragma omp parallel for schedule(static)
  for (long j = 0; j < lc; ++j)
    for (long i = 0; i < lr; ++i) x.local[std::size_t(j) * lr + i] = row_major[std::size_t(i) * lc + j];
  return x;
}

Samples read_samples(const File& file, const std::string& dataset, const ProcessGrid& grid, int row_block) {
  if (grid.shape().cols != 1) throw Error("read_samples needs a grid of one column, not " + grid.shape().str());
  hsize_t rows = 0, cols = 0;
  Handle set;
  collectively(grid.comm(), [&] { set = open_2d(file, dataset, rows, cols); });
  dist::require_matrix_memory(grid, dataset + " in '" + file.path() + "'", long(rows), long(cols),
                              row_block, int(cols > 0 ? cols : 1), 1);
  Samples s{dist::BlockCyclic1D(long(rows), row_block, grid.shape().rows, grid.my_row()), long(cols), {}};
  s.values.resize(std::size_t(s.local_count()) * cols);
  transfer(set.get(), true, pieces(s.rows), whole(long(cols)), hsize_t(s.local_count()), cols,
           s.values.data(), dataset + " from '" + file.path() + "'");
  return s;
}

void write_matrix(File& file, const std::string& dataset, const dist::DistMatrix& x) {
  Handle set = create_dataset(file, dataset, x.rows.global_size(), x.cols.global_size());
  const long lr = x.local_rows(), lc = x.local_cols();
  std::vector<double> row_major(std::size_t(lr) * lc);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < lr; ++i)
    for (long j = 0; j < lc; ++j) row_major[std::size_t(i) * lc + j] = x.local[std::size_t(j) * lr + i];
  transfer(set.get(), false, pieces(x.rows), pieces(x.cols), lr, lc, row_major.data(),
           dataset + " to '" + file.path() + "'");
}

void write_factor(File& file, const std::string& dataset, const dist::Factor& f,
                  FactorLayout layout) {
  const bool is_writer = f.is_writer();
  const long count = f.local_count(), k = f.k, global = f.map.global_size();
  const auto mine = is_writer ? pieces(f.map) : std::vector<Piece>{};
  const std::string what = dataset + " to '" + file.path() + "'";
  if (layout == FactorLayout::index_major) {
    Handle set = create_dataset(file, dataset, global, k);
    // Local storage (k x count, column-major) is already count x k row-major.
    transfer(set.get(), false, mine, whole(k), is_writer ? count : 0, k,
             const_cast<double*>(f.local.data()), what);
  } else {
    Handle set = create_dataset(file, dataset, k, global);
    std::vector<double> transposed(f.local.size());
    for (long c = 0; c < count; ++c)
      for (long j = 0; j < k; ++j) transposed[std::size_t(j) * count + c] = f.local[std::size_t(c) * k + j];
    transfer(set.get(), false, whole(k), mine, k, is_writer ? count : 0, transposed.data(), what);
  }
}

dist::Factor read_factor(const File& file, const std::string& dataset, const dist::Factor& like,
                         FactorLayout layout) {
  const int k = like.k;
  const dist::BlockCyclic1D& map = like.map;
  hsize_t rows = 0, cols = 0;
  Handle set;
  const bool by_index = layout == FactorLayout::index_major;
  const hsize_t want_rows = by_index ? map.global_size() : k, want_cols = by_index ? k : map.global_size();
  collectively(file.comm(), [&] {
    set = open_2d(file, dataset, rows, cols);
    if (rows != want_rows || cols != want_cols)
      throw Error(dataset + " in '" + file.path() + "' is " + std::to_string(rows) + "x" +
                  std::to_string(cols) + ", expected " + std::to_string(want_rows) + "x" +
                  std::to_string(want_cols));
  });
  dist::Factor f = dist::Factor::like(like, k);
  const long count = f.local_count();
  const std::string what = dataset + " from '" + file.path() + "'";
  if (by_index) {
    transfer(set.get(), true, pieces(map), whole(k), count, k, f.local.data(), what);
  } else {
    std::vector<double> transposed(f.local.size());
    transfer(set.get(), true, whole(k), pieces(map), k, count, transposed.data(), what);
    for (long c = 0; c < count; ++c)
      for (long j = 0; j < k; ++j) f.local[std::size_t(c) * k + j] = transposed[std::size_t(j) * count + c];
  }
  return f;
}

}  // namespace nmfx::io
