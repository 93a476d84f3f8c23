#include <cstdio>

#include "nmfx/core/error.hpp"
#include "nmfx/io/idx.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/runner/data.hpp"

namespace nmfx::runner {

void run_import(MPI_Comm comm, const ImportConfig& c, bool verbose) {
  io::IdxArray images, labels;
  collectively(comm, [&] {
    if (c.format != "idx") throw Error("unknown --format '" + c.format + "' (supported: idx)");
  });
  io::AtomicOutput output(comm, c.output_path);
  // Every rank decodes the (compressed, sequential) files and keeps its own
  // block-cyclic part; the write is then one collective operation.
  collectively(comm, [&] {
    images = io::read_idx(c.images_path);
    if (images.dims.size() < 2)
      throw Error("'" + c.images_path + "' holds " + std::to_string(images.dims.size()) +
                  "-D data; expected images (count x height x width)");
    if (!c.labels_path.empty()) {
      labels = io::read_idx(c.labels_path);
      if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
        throw Error("'" + c.labels_path + "' does not hold one label per image (" +
                    std::to_string(images.dims[0]) + " images)");
    }
  });
  const long m = images.dims[0], n = long(images.bytes.size()) / m;
  const long height = images.dims[1], width = images.dims.size() > 2 ? images.dims[2] : 1;
  const long channels = images.dims.size() > 3 ? images.dims[3] : 1;

  int size = 1;
  MPI_Comm_size(comm, &size);
  const ProcessGrid grid(comm, {size, 1});
  dist::DistMatrix x(grid, m, n, dist::default_block, dist::default_block);
#pragma omp parallel for schedule(static)
  for (long j = 0; j < x.local_cols(); ++j)
    for (long i = 0; i < x.local_rows(); ++i)
      x.at(i, j) = images.bytes[std::size_t(x.rows.to_global(i) * n + x.cols.to_global(j))] / 255.0;

  io::File out = io::File::create(comm, output.temporary_path());
  io::write_matrix(out, "/X", x);
  if (!labels.bytes.empty()) {
    const std::vector<long> values(labels.bytes.begin(), labels.bytes.end());
    out.write_replicated("/labels", {hsize_t(m)}, values.data());
  }
  out.write_attribute("image_height", height);
  out.write_attribute("image_width", width);
  out.write_attribute("channels", channels);
  out.write_attribute("source", c.images_path);
  if (!c.labels_path.empty()) out.write_attribute("labels_source", c.labels_path);
  out.write_attribute("format", c.format);
  out.close();
  output.commit();
  if (verbose)
    std::printf("nmfx import: wrote %s (/X %ld x %ld, %ldx%ld images%s)\n", c.output_path.c_str(),
                m, n, height, width, labels.bytes.empty() ? "" : ", with /labels");
}

}  // namespace nmfx::runner
