#include "nmfx/io/matrix_io.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace {

/// One regular run of blocks along a dimension: `count` blocks of `block`
/// indices, `stride` apart, from `start`.
struct Piece {
  hsize_t start, stride, count, block;
};

/// The file indices of this rank's local indices [first, first + count) of
/// `map` (first a multiple of the block; the range ends on a block boundary
/// or at the end): at most one regular run of full blocks and the trailing
/// partial block.
std::vector<Piece> pieces(const dist::BlockCyclic1D& map, long first, long count) {
  std::vector<Piece> out;
  const long size = map.global_size(), b = map.block(), p = map.procs(), me = map.mine();
  const long full_blocks = size / b;
  const long my_full = full_blocks > me ? (full_blocks - me - 1) / p + 1 : 0;  // full local blocks
  const long begin = first / b, end = (first + count + b - 1) / b;           // local blocks
  if (std::min(end, my_full) > begin)
    out.push_back({hsize_t((begin * p + me) * b), hsize_t(p * b), hsize_t(std::min(end, my_full) - begin),
                   hsize_t(b)});
  if (end > my_full && count > 0) out.push_back({hsize_t(full_blocks * b), 1, 1, hsize_t(size % b)});
  return out;
}

std::vector<Piece> pieces(const dist::BlockCyclic1D& map) { return pieces(map, 0, map.local_size()); }

std::vector<Piece> whole(long size) {
  if (size == 0) return {};
  return {{0, 1, 1, hsize_t(size)}};
}

/// Selects rows x cols in a 2-D file space, or in slice `slice` of a 3-D
/// one [slices][rows][cols] when slice >= 0 (none when either is empty).
void select(hid_t space, const std::vector<Piece>& rows, const std::vector<Piece>& cols, long slice = -1) {
  H5Sselect_none(space);
  const int d = slice >= 0 ? 1 : 0;
  for (const Piece& r : rows)
    for (const Piece& c : cols) {
      std::array<hsize_t, 3> start{hsize_t(slice), r.start, c.start}, stride{1, r.stride, c.stride},
          count{1, r.count, c.count}, block{1, r.block, c.block};
      checked(H5Sselect_hyperslab(space, H5S_SELECT_OR, start.data() + 1 - d, stride.data() + 1 - d,
                                  count.data() + 1 - d, block.data() + 1 - d),
              "cannot select a block-cyclic hyperslab");
    }
}

template <class Scalar>
hid_t native_type() {
  return std::is_same_v<Scalar, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
}

/// Collective transfer of a row-major local_rows x local_cols buffer to or
/// from the selected part of a 2-D dataset (HDF5 converts between the
/// buffer's and the file's number types).
template <class Scalar>
void transfer(hid_t set, bool reading, const std::vector<Piece>& rows,
              const std::vector<Piece>& cols, hsize_t local_rows, hsize_t local_cols,
              Scalar* buffer, const std::string& what, long slice = -1) {
  Handle fspace(H5Dget_space(set), H5Sclose);
  select(fspace.get(), rows, cols, slice);
  const std::array<hsize_t, 2> mdims{local_rows > 0 ? local_rows : 1,
                                     local_cols > 0 ? local_cols : 1};
  Handle mspace(H5Screate_simple(2, mdims.data(), nullptr), H5Sclose);
  if (local_rows == 0 || local_cols == 0) H5Sselect_none(mspace.get());
  Handle xfer = collective_transfer();
  Scalar dummy = 0;
  Scalar* data = buffer ? buffer : &dummy;
  const hid_t type = native_type<Scalar>();
  const herr_t status = reading ? H5Dread(set, type, mspace.get(), fspace.get(), xfer.get(), data)
                                : H5Dwrite(set, type, mspace.get(), fspace.get(), xfer.get(), data);
  checked(status, (reading ? "cannot read " : "cannot write ") + what);
}

/// A [rows][cols] dataset, or [slices][rows][cols] when slices > 0.
Handle create_dataset(File& file, const std::string& dataset, hsize_t rows, hsize_t cols,
                      Precision precision = Precision::double_precision, hsize_t slices = 0) {
  file.make_parents(dataset);
  const std::array<hsize_t, 3> dims{slices, rows, cols};
  const int d = slices > 0 ? 1 : 0;
  Handle space(H5Screate_simple(2 + d, dims.data() + 1 - d, nullptr), H5Sclose);
  const hid_t type = precision == Precision::single ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  return Handle(checked(H5Dcreate2(file.id(), dataset.c_str(), type, space.get(),
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

namespace {

/// Local rows moved per collective transfer: the row-major buffer between
/// HDF5 and the column-major local part holds about `buffer_bytes` (whole
/// blocks, at least one).
template <class Scalar>
long rows_per_batch(const dist::BasicDistMatrix<Scalar>& x, long buffer_bytes) {
  const long block = x.rows.block();
  const long rows = buffer_bytes / long(sizeof(Scalar)) / std::max(1L, x.local_cols());
  return std::max(1L, rows / block) * block;
}

/// Moves x's local part to (writing) or from (reading) the selected 2-D
/// dataset in batches of whole row blocks, through one small row-major
/// buffer. Collective: every rank makes as many transfers as the rank with
/// the most batches, the extra ones empty.
template <class Scalar>
void transfer_matrix(const ProcessGrid& grid, hid_t set, bool reading, dist::BasicDistMatrix<Scalar>& x,
                     long buffer_bytes, const std::string& what) {
  const long lr = x.local_rows(), lc = x.local_cols(), batch = rows_per_batch(x, buffer_bytes);
  const std::vector<Piece> cols = pieces(x.cols);
  const long batches = grid.full_comm().max((lr + batch - 1) / batch);
  std::vector<Scalar> row_major(std::size_t(std::min(batch, lr) * lc));
  for (long b = 0; b < batches; ++b) {
    const long first = std::min(b * batch, lr), count = std::min(batch, lr - first);
    if (!reading)
#pragma omp parallel for schedule(static)
      for (long i = 0; i < count; ++i)
        for (long j = 0; j < lc; ++j) row_major[std::size_t(i * lc + j)] = x.at(first + i, j);
    transfer(set, reading, pieces(x.rows, first, count), cols, hsize_t(count), hsize_t(lc), row_major.data(),
             what);
    // HDF5 delivers the selection in row-major order; ScaLAPACK wants columns.
    if (reading)
#pragma omp parallel for schedule(static)
      for (long j = 0; j < lc; ++j)
        for (long i = 0; i < count; ++i) x.at(first + i, j) = row_major[std::size_t(i * lc + j)];
  }
}

}  // namespace

template <class Scalar>
dist::BasicDistMatrix<Scalar> read_matrix(const File& file, const std::string& dataset, const ProcessGrid& grid,
                                          int row_block, int col_block, long buffer_bytes) {
  hsize_t rows = 0, cols = 0;
  Handle set;
  collectively(grid.comm(), [&] { set = open_2d(file, dataset, rows, cols); });
  // X and the buffer it is read through.
  dist::require_matrix_memory(grid, dataset + " in '" + file.path() + "'", long(rows), long(cols), row_block,
                              col_block, 1, double(buffer_bytes), sizeof(Scalar));
  dist::BasicDistMatrix<Scalar> x(grid, long(rows), long(cols), row_block, col_block);
  transfer_matrix(grid, set.get(), true, x, buffer_bytes, dataset + " from '" + file.path() + "'");
  return x;
}

template <class Scalar>
void write_matrix(File& file, const std::string& dataset, const dist::BasicDistMatrix<Scalar>& x,
                  const ProcessGrid& grid, Precision precision, long buffer_bytes) {
  Handle set = create_dataset(file, dataset, x.rows.global_size(), x.cols.global_size(), precision);
  transfer_matrix(grid, set.get(), false, const_cast<dist::BasicDistMatrix<Scalar>&>(x), buffer_bytes,
                  dataset + " to '" + file.path() + "'");
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

template dist::DistMatrix read_matrix(const File&, const std::string&, const ProcessGrid&, int, int, long);
template dist::SingleDistMatrix read_matrix(const File&, const std::string&, const ProcessGrid&, int, int, long);
template void write_matrix(File&, const std::string&, const dist::DistMatrix&, const ProcessGrid&, Precision,
                           long);
template void write_matrix(File&, const std::string&, const dist::SingleDistMatrix&, const ProcessGrid&,
                           Precision, long);

namespace {

/// Writes factor `f` to the 2-D `set`, or to its slice `slice` (3-D).
void put_factor(hid_t set, const std::string& what, const dist::Factor& f, FactorLayout layout, long slice) {
  const bool is_writer = f.is_writer();
  const long count = f.local_count(), k = f.k;
  const auto mine = is_writer ? pieces(f.map) : std::vector<Piece>{};
  if (layout == FactorLayout::index_major) {
    // Local storage (k x count, column-major) is already count x k row-major.
    transfer(set, false, mine, whole(k), is_writer ? count : 0, k, const_cast<double*>(f.local.data()), what,
             slice);
  } else {
    std::vector<double> transposed(f.local.size());
    for (long c = 0; c < count; ++c)
      for (long j = 0; j < k; ++j) transposed[std::size_t(j) * count + c] = f.local[std::size_t(c) * k + j];
    transfer(set, false, whole(k), mine, k, is_writer ? count : 0, transposed.data(), what, slice);
  }
}

/// Reads factor `f` (shaped already) from the 2-D `set`, or its slice.
void get_factor(hid_t set, const std::string& what, dist::Factor& f, FactorLayout layout, long slice) {
  const long count = f.local_count(), k = f.k;
  if (layout == FactorLayout::index_major) {
    transfer(set, true, pieces(f.map), whole(k), count, k, f.local.data(), what, slice);
  } else {
    std::vector<double> transposed(f.local.size());
    transfer(set, true, whole(k), pieces(f.map), k, count, transposed.data(), what, slice);
    for (long c = 0; c < count; ++c)
      for (long j = 0; j < k; ++j) f.local[std::size_t(c) * k + j] = transposed[std::size_t(j) * count + c];
  }
}

/// The file shape {rows, cols} of `like` laid out as `layout`.
std::array<hsize_t, 2> factor_shape(const dist::Factor& like, FactorLayout layout) {
  const hsize_t global = hsize_t(like.map.global_size()), k = hsize_t(like.k);
  return layout == FactorLayout::index_major ? std::array<hsize_t, 2>{global, k} : std::array<hsize_t, 2>{k, global};
}

/// Collective: opens `dataset` and checks its shape is `want`.
Handle open_shaped(const File& file, const std::string& dataset, const std::vector<hsize_t>& want) {
  Handle set;
  collectively(file.comm(), [&] {
    const Dims dims = file.shape(dataset);
    if (dims != want) {
      auto text = [](const std::vector<hsize_t>& d) {
        std::string t;
        for (hsize_t v : d) t += (t.empty() ? "" : "x") + std::to_string(v);
        return t;
      };
      throw Error(dataset + " in '" + file.path() + "' is " + text(dims) + ", expected " + text(want));
    }
    set = Handle(checked(H5Dopen2(file.id(), dataset.c_str(), H5P_DEFAULT), "cannot open " + dataset), H5Dclose);
  });
  return set;
}

}  // namespace

void write_factor(File& file, const std::string& dataset, const dist::Factor& f, FactorLayout layout) {
  const auto shape = factor_shape(f, layout);
  Handle set = create_dataset(file, dataset, shape[0], shape[1]);
  put_factor(set.get(), dataset + " to '" + file.path() + "'", f, layout, -1);
}

dist::Factor read_factor(const File& file, const std::string& dataset, const dist::Factor& like,
                         FactorLayout layout) {
  const auto shape = factor_shape(like, layout);
  hsize_t rows = 0, cols = 0;
  Handle set;
  collectively(file.comm(), [&] {
    set = open_2d(file, dataset, rows, cols);
    if (rows != shape[0] || cols != shape[1])
      throw Error(dataset + " in '" + file.path() + "' is " + std::to_string(rows) + "x" + std::to_string(cols) +
                  ", expected " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]));
  });
  dist::Factor f = dist::Factor::like(like, like.k);
  get_factor(set.get(), dataset + " from '" + file.path() + "'", f, layout, -1);
  return f;
}

void write_factors(File& file, const std::string& dataset, const std::vector<dist::Factor>& stack,
                   FactorLayout layout) {
  if (stack.empty()) return;
  const auto shape = factor_shape(stack.front(), layout);
  Handle set = create_dataset(file, dataset, shape[0], shape[1], Precision::double_precision, stack.size());
  for (std::size_t s = 0; s < stack.size(); ++s)
    put_factor(set.get(), dataset + " to '" + file.path() + "'", stack[s], layout, long(s));
}

std::vector<dist::Factor> read_factors(const File& file, const std::string& dataset, const dist::Factor& like,
                                       long count, FactorLayout layout) {
  const auto shape = factor_shape(like, layout);
  Handle set = open_shaped(file, dataset, {hsize_t(count), shape[0], shape[1]});
  std::vector<dist::Factor> stack(std::size_t(count), dist::Factor::like(like, like.k));
  for (long s = 0; s < count; ++s)
    get_factor(set.get(), dataset + " from '" + file.path() + "'", stack[std::size_t(s)], layout, s);
  return stack;
}

}  // namespace nmfx::io
