// `nmfx import`: each format fills the rows of /X that this rank owns on a
// P x 1 grid (block-cyclic rows), then /X is written in one collective call.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "nmfx/core/error.hpp"
#include "nmfx/core/progress.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/csv.hpp"
#include "nmfx/io/idx.hpp"
#include "nmfx/io/images.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/npy.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/runner/data.hpp"

namespace nmfx::runner {
namespace {

/// What a format reader produces: X on the P x 1 grid and what goes beside it.
struct Imported {
  Imported(dist::DistMatrix matrix, long available_samples)
      : x(std::move(matrix)), available(available_samples) {}
  dist::DistMatrix x;
  long available = 0;                        // samples in the input before --limit
  std::vector<long> labels;                  // from the input itself (IDX labels)
  std::vector<std::string> filenames;        // images, one per row
  long height = 0, width = 0, channels = 0;  // image shape (0: not images)
};

/// The row block for m samples on `procs` ranks: at most the default, small
/// enough that every rank gets rows to read when there are enough of them.
int row_block(long m, int procs) {
  return int(std::clamp((m + procs - 1) / procs, 1L, long(dist::default_block)));
}

/// X (m x n) on the P x 1 grid, once this rank's part fits in memory twice
/// (X and the buffer /X is written through) beside `extra_bytes`.
dist::DistMatrix make_x(const ProcessGrid& grid, const std::string& what, long m, long n,
                        int block, double extra_bytes = 0) {
  dist::require_matrix_memory(grid, what, m, n, block, dist::default_block, 2, extra_bytes);
  return dist::DistMatrix(grid, m, n, block, dist::default_block);
}

long limited(const ImportConfig& c, long available) {
  return c.limit > 0 ? std::min(c.limit, available) : available;
}

/// Fills the rows of x this rank owns: `read(first_row, count, out)` writes
/// `count` consecutive global rows, row-major, to `out` (one call per block).
template <class Read>
void fill_owned_rows(dist::DistMatrix& x, Read&& read) {
  const long local_rows = x.local_rows(), n = x.cols.global_size(), block = x.rows.block();
  std::vector<double> rows;
  for (long first = 0; first < local_rows; first += block) {
    const long count = std::min(block, local_rows - first);
    rows.resize(std::size_t(count * n));
    read(x.rows.to_global(first), count, rows.data());
    for (long r = 0; r < count; ++r)
      for (long j = 0; j < n; ++j) x.at(first + r, j) = rows[std::size_t(r * n + j)];
  }
}

/// The side of an image nmfx decodes: the image library counts pixel values
/// (height x width x 3) in an int.
constexpr long largest_side = 16384;

void parse_resize(const std::string& text, long& height, long& width) {
  const auto x = text.find('x');
  const bool digits = x != std::string::npos && x > 0 && x + 1 < text.size() &&
                      text.find_first_not_of("0123456789x") == std::string::npos &&
                      text.find('x', x + 1) == std::string::npos;
  if (!digits) throw Error("--resize '" + text + "' is not HxW (e.g. 64x64)");
  // At most 6 digits each: anything longer is out of range anyway.
  height = x > 6 ? largest_side + 1 : std::stol(text.substr(0, x));
  width = text.size() - x - 1 > 6 ? largest_side + 1 : std::stol(text.substr(x + 1));
  if (height < 1 || width < 1 || height > largest_side || width > largest_side)
    throw Error("--resize '" + text + "': height and width must lie in [1, " +
                std::to_string(largest_side) + "]");
}

void check_config(const ImportConfig& c) {
  const std::vector<std::string> formats{"idx", "images", "npy", "csv", "hdf5"};
  if (std::find(formats.begin(), formats.end(), c.format) == formats.end())
    throw Error("unknown --format '" + c.format + "' (supported: idx, images, npy, csv, hdf5)");
  if (c.format != "images" && (!c.resize.empty() || c.grayscale))
    throw Error("--resize and --grayscale apply to --format images");
  if (c.format != "hdf5" && !c.dataset.empty()) throw Error("--dataset applies to --format hdf5");
  if (c.limit < 0) throw Error("--limit: must be >= 0 (got " + std::to_string(c.limit) + ")");
  long height = 0, width = 0;
  if (!c.resize.empty()) parse_resize(c.resize, height, width);
}

Imported import_idx(const ProcessGrid& grid, const ImportConfig& c) {
  std::vector<long> dims;
  collectively(grid.comm(), [&] {
    dims = io::read_idx_dims(c.input_path);
    if (dims.size() < 2)
      throw Error("'" + c.input_path + "' holds " + std::to_string(dims.size()) +
                  "-D data; expected images (count x height x width)");
  });
  const long available = dims[0], m = limited(c, available);
  const long n = std::accumulate(dims.begin() + 1, dims.end(), 1L, std::multiplies<long>());
  const int block = row_block(m, grid.size());
  if (m == 0 || n == 0) throw Error(io::empty_message("'" + c.input_path + "'", m, n), true);
  // Every rank decodes the whole (compressed, sequential) file and keeps its
  // rows: its bytes beside this rank's part of X.
  dist::DistMatrix x = make_x(grid, "'" + c.input_path + "'", m, n, block,
                              double(available) * double(n));
  io::IdxArray images, labels;
  collectively(grid.comm(), [&] {
    images = io::read_idx(c.input_path);
    if (!c.labels_path.empty()) {
      labels = io::read_idx(c.labels_path);
      if (labels.dims.size() != 1 || labels.dims[0] != available)
        throw Error("'" + c.labels_path + "' does not hold one label per image (" +
                    std::to_string(available) + " images)");
    }
  });
  Imported out(std::move(x), available);
  fill_owned_rows(out.x, [&](long first, long count, double* rows) {
    for (long k = 0; k < count * n; ++k) rows[k] = images.bytes[std::size_t(first * n + k)] / 255.0;
  });
  if (!labels.bytes.empty()) out.labels.assign(labels.bytes.begin(), labels.bytes.begin() + m);
  out.height = images.dims[1];
  out.width = images.dims.size() > 2 ? images.dims[2] : 1;
  out.channels = images.dims.size() > 3 ? images.dims[3] : 1;
  return out;
}

/// The image size and channels of the import (identical on every rank):
/// --resize or the one size all images share; 3 channels when any image
/// has colour and --grayscale is off, else 1.
void choose_image_shape(const ImportConfig& c, const std::vector<std::string>& names,
                        const std::vector<long>& shapes, Imported& out) {
  long any_colour = 0;
  for (std::size_t i = 0; i < names.size(); ++i) any_colour |= shapes[3 * i + 2] >= 3;
  out.channels = any_colour && !c.grayscale ? 3 : 1;
  if (!c.resize.empty()) return parse_resize(c.resize, out.height, out.width);
  out.height = shapes[0];
  out.width = shapes[1];
  for (std::size_t i = 1; i < names.size(); ++i)
    if (shapes[3 * i] != out.height || shapes[3 * i + 1] != out.width)
      throw Error("images differ in size: '" + names[0] + "' is " + std::to_string(out.height) +
                  "x" + std::to_string(out.width) + " but '" + names[i] + "' is " +
                  std::to_string(shapes[3 * i]) + "x" + std::to_string(shapes[3 * i + 1]) +
                  " (height x width); use --resize HxW");
}

Imported import_images(const ProcessGrid& grid, const ImportConfig& c, bool verbose) {
  const MPI_Comm comm = grid.comm();
  // Rank 0 lists the folder, so that every rank sees the same files.
  std::string listing;
  collectively(comm, [&] {
    if (grid.rank() == 0)
      for (const std::string& name : io::list_images(c.input_path)) listing += name + '\0';
  });
  grid.full_comm().broadcast(listing);
  std::vector<std::string> names;
  for (std::size_t at = 0, end; (end = listing.find('\0', at)) != std::string::npos; at = end + 1)
    names.push_back(listing.substr(at, end - at));
  const long available = long(names.size()), m = limited(c, available);
  names.resize(std::size_t(m));
  auto path = [&](long row) {
    return (std::filesystem::path(c.input_path) / names[std::size_t(row)]).string();
  };

  // Each rank reads the headers of the images it owns; every rank gets all.
  const dist::BlockCyclic1D rows(m, row_block(m, grid.size()), grid.size(), grid.rank());
  std::vector<long> shapes(std::size_t(3 * m), 0);  // height, width, channels per image
  collectively(comm, [&] {
    for (long i = 0; i < rows.local_size(); ++i) {
      const long row = rows.to_global(i);
      const io::ImageShape s = io::read_image_shape(path(row));
      shapes[std::size_t(3 * row)] = s.height;
      shapes[std::size_t(3 * row + 1)] = s.width;
      shapes[std::size_t(3 * row + 2)] = s.channels;
    }
  });
  grid.full_comm().sum(shapes);
  Imported out(dist::DistMatrix(grid, m, 0, rows.block(), dist::default_block), available);
  collectively(comm, [&] { choose_image_shape(c, names, shapes, out); });
  const long n = out.height * out.width * out.channels;
  if (verbose)
    std::printf(
        "nmfx import: decoding %ld images from '%s' as %ldx%ld, %ld channel%s, on %d rank%s\n", m,
        c.input_path.c_str(), out.height, out.width, out.channels, out.channels > 1 ? "s" : "",
        grid.size(), grid.size() > 1 ? "s" : "");

  // Each rank decodes its own images, with its threads.
  out.x = make_x(grid, "the images in '" + c.input_path + "'", m, n, rows.block());
  const long local_rows = out.x.local_rows();
  std::vector<std::string> failures(static_cast<std::size_t>(local_rows));
  // On a terminal, rank 0's share of the images as a live bar.
  ProgressBar bar(verbose, "nmfx import", local_rows);
  std::atomic<long> decoded{0};
  const double start = wall_time();
#pragma omp parallel
  {
    std::vector<double> pixels(static_cast<std::size_t>(n));
#pragma omp for schedule(dynamic)
    for (long i = 0; i < local_rows; ++i) {
      try {
        io::read_image(path(rows.to_global(i)), int(out.channels), int(out.height), int(out.width),
                       pixels.data());
        for (long j = 0; j < n; ++j) out.x.at(i, j) = pixels[std::size_t(j)];
      } catch (const std::exception& e) {
        failures[std::size_t(i)] = e.what();
      }
      const long done = ++decoded;
      if (bar.live() && omp_get_thread_num() == 0) bar.show(done, "images decoded here", wall_time() - start);
    }
  }
  bar.show(local_rows, "images decoded here", wall_time() - start);
  bar.finish();
  collectively(comm, [&] {
    for (const std::string& f : failures)
      if (!f.empty()) throw Error(f);
  });
  out.filenames = std::move(names);
  return out;
}

Imported import_npy(const ProcessGrid& grid, const ImportConfig& c) {
  std::unique_ptr<io::NpyFile> npy;
  collectively(grid.comm(), [&] {
    npy = std::make_unique<io::NpyFile>(c.input_path);
    if (npy->shape().size() < 2)
      throw Error("'" + c.input_path + "' holds a " + std::to_string(npy->shape().size()) +
                  "-D array; nmfx needs samples x features (or N x H x W [x C] images)");
  });
  const long available = npy->rows(), m = limited(c, available), n = npy->cols();
  Imported out(make_x(grid, "'" + c.input_path + "'", m, n, row_block(m, grid.size())), available);
  collectively(grid.comm(), [&] {
    fill_owned_rows(
        out.x, [&](long first, long count, double* rows) { npy->read_rows(first, count, rows); });
  });
  const std::vector<long>& shape = npy->shape();
  if (shape.size() >= 3 && n > 0) {
    out.height = shape[1];
    out.width = shape[2];
    out.channels = shape.size() > 3 ? n / (shape[1] * shape[2]) : 1;
  }
  return out;
}

Imported import_csv(const ProcessGrid& grid, const ImportConfig& c) {
  // Every rank parses the whole text and keeps the rows it owns (block-cyclic
  // with the default block, which needs no row count in advance).
  std::vector<double> mine;  // row-major, in global row order
  io::CsvShape shape;
  const long block = dist::default_block;
  collectively(grid.comm(), [&] {
    shape = io::read_csv(c.input_path, [&](long row, const std::vector<double>& values) {
      if ((c.limit == 0 || row < c.limit) && (row / block) % grid.size() == grid.rank())
        mine.insert(mine.end(), values.begin(), values.end());
    });
  });
  const long m = limited(c, shape.rows), n = shape.cols;
  Imported out(make_x(grid, "'" + c.input_path + "'", m, n, int(block)), shape.rows);
  fill_owned_rows(out.x, [&, next = 0L](long, long count, double* rows) mutable {
    std::copy_n(mine.begin() + next, count * n, rows);
    next += count * n;
  });
  return out;
}

Imported import_hdf5(const ProcessGrid& grid, const ImportConfig& c) {
  const std::string& dataset = c.dataset;
  io::File in = io::File::open_read(grid.comm(), c.input_path);
  dist::DistMatrix all =
      io::read_matrix(in, dataset, grid, dist::default_block, dist::default_block);
  const long available = all.rows.global_size(), m = limited(c, available);
  const long n = all.cols.global_size();
  Imported out(dist::DistMatrix(grid, m, n, dist::default_block, dist::default_block), available);
  // Local row i is the same global row in both layouts (same block and grid).
  for (long j = 0; j < n; ++j)
    for (long i = 0; i < out.x.local_rows(); ++i) out.x.at(i, j) = all.at(i, j);
  // The image shape, when the source records one that fits.
  for (const std::string& object : {dataset, std::string("/")})
    if (in.has_attribute("image_height", object) && in.has_attribute("image_width", object)) {
      const long height = long(in.read_number_attribute("image_height", object));
      const long width = long(in.read_number_attribute("image_width", object));
      const long channels = in.has_attribute("channels", object)
                                ? long(in.read_number_attribute("channels", object))
                                : 1;
      if (height * width * channels == n) {
        out.height = height;
        out.width = width;
        out.channels = channels;
      }
      break;
    }
  return out;
}

/// /labels from --labels for the formats other than IDX: by file name when the
/// file names its samples (images only), else one per sample in order.
void attach_labels(const ImportConfig& c, Imported& data) {
  const io::LabelFile file = io::read_labels(c.labels_path);
  const long m = data.x.rows.global_size();
  const std::string source = "labels '" + c.labels_path + "'";
  if (!file.names.empty()) {
    if (data.filenames.empty())
      throw Error(source + " name their samples; that needs --format images");
    std::unordered_map<std::string, long> by_name;
    for (std::size_t i = 0; i < file.names.size(); ++i) by_name[file.names[i]] = file.labels[i];
    for (const std::string& name : data.filenames) {
      const auto it = by_name.find(name);
      if (it == by_name.end()) throw Error(source + " have no label for '" + name + "'");
      data.labels.push_back(it->second);
    }
    return;
  }
  if (long(file.labels.size()) != data.available)
    throw Error(source + " hold " + std::to_string(file.labels.size()) + " labels for " +
                std::to_string(data.available) + " samples");
  data.labels.assign(file.labels.begin(), file.labels.begin() + m);
}

}  // namespace

void run_import(MPI_Comm comm, const ImportConfig& config, bool verbose) {
  collectively(comm, [&] { check_config(config); });
  ImportConfig c = config;
  if (c.format == "hdf5" && c.dataset.empty()) c.dataset = "/X";
  io::AtomicOutput output(comm, c.output_path, {c.input_path, c.labels_path});
  const ProcessGrid grid(comm, {Communicator(comm).size(), 1});
  const double start = wall_time();
  Imported data = c.format == "idx"      ? import_idx(grid, c)
                  : c.format == "images" ? import_images(grid, c, verbose)
                  : c.format == "npy"    ? import_npy(grid, c)
                  : c.format == "csv"    ? import_csv(grid, c)
                                         : import_hdf5(grid, c);
  const long m = data.x.rows.global_size(), n = data.x.cols.global_size();
  const std::string what =
      (c.format == "hdf5" ? c.dataset + " in " : std::string()) + "'" + c.input_path + "'";
  if (m == 0 || n == 0) throw Error(io::empty_message(what, m, n), true);  // known to every rank
  dist::require_nonnegative_finite(comm, data.x, what);
  if (!c.labels_path.empty() && c.format != "idx")
    collectively(comm, [&] { attach_labels(c, data); });

  if (c.dtype == Precision::single) {
    double largest = 0;
    for (double v : data.x.local) largest = std::max(largest, v);
    largest = grid.full_comm().max(largest);
    if (!(largest <= double(std::numeric_limits<float>::max())))
      throw Error(what + " has entries beyond float32's range (the largest is " + std::to_string(largest) +
                      "); use --dtype float64",
                  true);
  }

  io::File out = io::File::create(comm, output.temporary_path());
  io::write_matrix(out, "/X", data.x, grid, c.dtype);
  if (!data.labels.empty()) out.write_replicated("/labels", {hsize_t(m)}, data.labels.data());
  if (!data.filenames.empty()) out.write_strings("/filenames", data.filenames);
  if (data.height > 0) {
    out.write_attribute("image_height", data.height);
    out.write_attribute("image_width", data.width);
    out.write_attribute("channels", data.channels);
  }
  out.write_attribute("source", c.input_path);
  if (c.format == "hdf5") out.write_attribute("source_dataset", c.dataset);
  if (!c.labels_path.empty()) out.write_attribute("labels_source", c.labels_path);
  out.write_attribute("format", c.format);
  out.close();
  output.commit();
  if (verbose) {
    std::printf("nmfx import: wrote %s (/X %ld x %ld %s", c.output_path.c_str(), m, n,
                c.dtype == Precision::single ? "float32" : "float64");
    if (data.height > 0)
      std::printf(", %ldx%ld images, %ld channel%s", data.height, data.width, data.channels,
                  data.channels > 1 ? "s" : "");
    if (!data.labels.empty()) std::printf(", /labels");
    if (!data.filenames.empty()) std::printf(", /filenames");
    std::printf(") in %.2f s\n", wall_time() - start);
  }
}

}  // namespace nmfx::runner
