#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"
#include "nmfx/core/memory.hpp"
#include "nmfx/io/csv.hpp"
#include "nmfx/io/idx.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/npy.hpp"
#include "nmfx/io/output.hpp"

using namespace nmfx;

TEST_CASE("a matrix written on one grid reads back on every other grid", "[io]") {
  const int size = test::world_size();
  const auto shapes = test::all_shapes(size);
  const std::string path = test::temp_path("roundtrip.h5");
  // The default buffer moves these small matrices in one batch; 64 bytes
  // forces one row block per batch, with ranks making unequal numbers.
  for (const long buffer : {io::transfer_buffer_bytes, 64L})
    for (const GridShape write_shape : shapes) {
      {
        ProcessGrid grid(MPI_COMM_WORLD, write_shape);
        dist::DistMatrix x(grid, 41, 17, 5, 3);
        test::fill(x, 3);
        io::File f = io::File::create(MPI_COMM_WORLD, path);
        io::write_matrix(f, "/group/X", x, grid, Precision::double_precision, buffer);
        f.close();
      }
      for (const GridShape read_shape : shapes)
        for (int block : {1, 4, 64}) {
          ProcessGrid grid(MPI_COMM_WORLD, read_shape);
          io::File f = io::File::open_read(MPI_COMM_WORLD, path);
          const dist::DistMatrix x = io::read_matrix(f, "/group/X", grid, block, block + 1, buffer);
          bool ok = x.rows.global_size() == 41 && x.cols.global_size() == 17;
          for (long j = 0; j < x.local_cols(); ++j)
            for (long i = 0; i < x.local_rows(); ++i)
              ok = ok && x.at(i, j) == test::entry(x.rows.to_global(i), x.cols.to_global(j), 3);
          INFO("written on " << write_shape.str() << ", read on " << read_shape.str() << " block " << block
                             << " buffer " << buffer);
          CHECK(test::all_ranks(ok));
        }
    }
}

TEST_CASE("float32 files and single-precision matrices convert both ways", "[io]") {
  const std::string path = test::temp_path("single.h5");
  ProcessGrid grid(MPI_COMM_WORLD, choose_grid(test::world_size(), 23, 9));
  dist::DistMatrix x(grid, 23, 9, 4, 4);
  test::fill(x, 5);
  {
    io::File f = io::File::create(MPI_COMM_WORLD, path);
    io::write_matrix(f, "/X32", x, grid, Precision::single, 64);
    io::write_matrix(f, "/X64", x, grid);
    f.close();
  }
  io::File f = io::File::open_read(MPI_COMM_WORLD, path);
  // float32 on disk, read as double and as float; float64 read as float.
  const dist::DistMatrix from32 = io::read_matrix(f, "/X32", grid, 4, 4);
  const dist::SingleDistMatrix single32 = io::read_matrix<float>(f, "/X32", grid, 3, 5, 64);
  const dist::SingleDistMatrix single64 = io::read_matrix<float>(f, "/X64", grid, 4, 4);
  bool ok = true;
  for (long j = 0; j < from32.local_cols(); ++j)
    for (long i = 0; i < from32.local_rows(); ++i) {
      const float want = float(test::entry(from32.rows.to_global(i), from32.cols.to_global(j), 5));
      ok = ok && from32.at(i, j) == double(want) && single64.at(i, j) == want;
    }
  for (long j = 0; j < single32.local_cols(); ++j)
    for (long i = 0; i < single32.local_rows(); ++i)
      ok = ok && single32.at(i, j) == float(test::entry(single32.rows.to_global(i), single32.cols.to_global(j), 5));
  CHECK(test::all_ranks(ok));
  CHECK(f.shape("/X32") == io::Dims{23, 9});
}

TEST_CASE("factors round-trip in both file layouts", "[io]") {
  const std::string path = test::temp_path("factors.h5");
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    const dist::FactorDistribution along_rows(grid, dist::Along::rows), along_cols(grid, dist::Along::cols);
    dist::Factor w(3, along_rows.map(23, 4), along_rows), h(3, along_cols.map(9, 2), along_cols);
    for (long c = 0; c < w.local_count(); ++c)
      for (int j = 0; j < 3; ++j) w.vector(c)[j] = 100.0 * w.map.to_global(c) + j;
    for (long c = 0; c < h.local_count(); ++c)
      for (int j = 0; j < 3; ++j) h.vector(c)[j] = 100.0 * j + h.map.to_global(c);
    io::File f = io::File::create(MPI_COMM_WORLD, path);
    io::write_factor(f, "/W", w, io::FactorLayout::index_major);
    io::write_factor(f, "/H", h, io::FactorLayout::component_major);
    f.close();
    io::File r = io::File::open_read(MPI_COMM_WORLD, path);
    CHECK(r.shape("/W") == io::Dims{23, 3});
    CHECK(r.shape("/H") == io::Dims{3, 9});
    const auto whole_h = r.read_replicated("/H");  // [k][n]: H(j, c) = 100 j + c
    bool ok = true;
    for (int j = 0; j < 3; ++j)
      for (int c = 0; c < 9; ++c) ok = ok && whole_h[std::size_t(j * 9 + c)] == 100.0 * j + c;
    const dist::Factor w2 = io::read_factor(r, "/W", w, io::FactorLayout::index_major);
    const dist::Factor h2 = io::read_factor(r, "/H", h, io::FactorLayout::component_major);
    ok = ok && w2.local == w.local && h2.local == h.local;
    CHECK(test::all_ranks(ok));
    CHECK_THROWS_AS(io::read_factor(r, "/W", dist::Factor::like(w, 4), io::FactorLayout::index_major), Error);
  }
}

TEST_CASE("attributes and small datasets", "[io]") {
  const std::string path = test::temp_path("attrs.h5");
  io::File f = io::File::create(MPI_COMM_WORLD, path);
  f.write_attribute("name", std::string("hals"));
  f.write_attribute("rank", 50L);
  f.write_attribute("tol", 1e-4);
  const std::vector<long> it{0, 1, 2};
  f.write_replicated("/history/iteration", {3}, it.data());
  f.close();
  io::File r = io::File::open_read(MPI_COMM_WORLD, path);
  CHECK(r.read_string_attribute("name") == "hals");
  CHECK(r.read_number_attribute("rank") == 50);
  CHECK(r.read_number_attribute("tol") == 1e-4);
  CHECK(r.read_replicated("/history/iteration") == std::vector<double>{0, 1, 2});
  CHECK_FALSE(r.exists("/nothing/here"));
  CHECK_THROWS_AS(r.shape("/history/missing"), Error);
  CHECK_THROWS_AS(r.read_string_attribute("missing"), Error);
}

TEST_CASE("opening bad files fails on every rank with a reason", "[io]") {
  const std::string missing = test::temp_path("missing.h5");
  const std::string garbage = test::temp_path("garbage.h5");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) std::ofstream(garbage) << "this is not HDF5";
  MPI_Barrier(MPI_COMM_WORLD);
  std::string why;
  try {
    io::File::open_read(MPI_COMM_WORLD, missing);
  } catch (const Error& e) {
    why = e.what();
  }
  CHECK(why.find("does not exist") != std::string::npos);
  try {
    io::File::open_read(MPI_COMM_WORLD, garbage);
  } catch (const Error& e) {
    why = e.what();
  }
  CHECK(why.find("not an HDF5 file") != std::string::npos);
}

TEST_CASE("AtomicOutput keeps the old file until commit", "[io]") {
  const std::string path = test::temp_path("atomic.h5");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) std::ofstream(path) << "good old result";
  MPI_Barrier(MPI_COMM_WORLD);
  std::string tmp;
  {
    io::AtomicOutput out(MPI_COMM_WORLD, path);
    tmp = out.temporary_path();
    io::File f = io::File::create(MPI_COMM_WORLD, tmp);
    f.close();
    // abandoned: no commit
  }
  MPI_Barrier(MPI_COMM_WORLD);
  std::string content;
  std::getline(std::ifstream(path), content);
  CHECK(content == "good old result");
  CHECK_FALSE(std::filesystem::exists(tmp));
  {
    io::AtomicOutput out(MPI_COMM_WORLD, path);
    io::File f = io::File::create(MPI_COMM_WORLD, out.temporary_path());
    f.write_attribute("fresh", 1L);
    f.close();
    out.commit();
  }
  io::File r = io::File::open_read(MPI_COMM_WORLD, path);
  CHECK(r.read_number_attribute("fresh") == 1);
  CHECK_THROWS_AS(io::AtomicOutput(MPI_COMM_WORLD, "/nonexistent-folder/x.h5"), Error);
}

TEST_CASE("AtomicOutput refuses an output that is one of the inputs, by any name", "[io]") {
  namespace fs = std::filesystem;
  const std::string input = test::temp_path("input.h5"), link = test::temp_path("input-link.h5");
  const std::string other = test::temp_path("other.h5");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    std::ofstream(input) << "the data";
    fs::remove(link);
    fs::create_symlink(input, link);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const std::string dotted = (fs::path(input).parent_path() / "." / fs::path(input).filename()).string();
  for (const std::string& output : {input, link, dotted}) {
    std::string why;
    try {
      io::AtomicOutput out(MPI_COMM_WORLD, output, {other, input});
    } catch (const Error& e) {
      why = e.what();
      CHECK(e.collective());
    }
    CHECK(why == "the output '" + output + "' is the input file '" + input + "'; choose another name");
  }
  // Inputs that do not exist (yet), or none at all, are no obstacle.
  CHECK_NOTHROW(io::AtomicOutput(MPI_COMM_WORLD, other, {input, test::temp_path("missing.h5"), ""}));
  CHECK_NOTHROW(io::AtomicOutput(MPI_COMM_WORLD, input));
  std::string content;
  std::getline(std::ifstream(input), content);
  CHECK(content == "the data");
}

TEST_CASE("IDX: reads unsigned bytes, rejects other files", "[io]") {
  const std::string path = test::temp_path("tiny.idx");
  const std::string bad = test::temp_path("bad.idx");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    std::ofstream f(path, std::ios::binary);
    const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    f.write(reinterpret_cast<const char*>(header), sizeof header);
    for (unsigned char v = 0; v < 12; ++v) f.put(char(v * 20));
    std::ofstream(bad, std::ios::binary) << "not idx";
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const io::IdxArray a = io::read_idx(path);
  CHECK(a.dims == std::vector<long>{2, 2, 3});
  CHECK(a.bytes.size() == 12);
  CHECK(a.bytes[11] == 220);
  CHECK_THROWS_AS(io::read_idx(bad), Error);
  CHECK_THROWS_AS(io::read_idx(path + ".missing"), Error);
  CHECK(io::read_idx_dims(path) == std::vector<long>{2, 2, 3});
}

TEST_CASE("IDX: a header declaring more than the data holds is refused before allocating", "[io]") {
  const std::string raw = test::temp_path("liar.idx"), gz = test::temp_path("liar.idx.gz");
  const std::string empty = test::temp_path("none.idx");
  // 1000000 x 1000 x 1000 = 10^12 values declared, 100 present.
  const unsigned char header[] = {0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8};
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    std::string bytes(reinterpret_cast<const char*>(header), sizeof header);
    bytes += std::string(100, '\x07');
    std::ofstream(raw, std::ios::binary) << bytes;
    // The same bytes, gzip-compressed.
    const unsigned char compressed[] = {
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60,
        0xe0, 0x60, 0x66, 0xe0, 0x77, 0x72, 0x60, 0x60, 0x60, 0x7e, 0x01, 0xc2,
        0xec, 0x74, 0x00, 0x00, 0x28, 0x64, 0x29, 0x2d, 0x74, 0x00, 0x00, 0x00};
    std::ofstream(gz, std::ios::binary).write(reinterpret_cast<const char*>(compressed), sizeof compressed);
    const unsigned char none[] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
    std::ofstream(empty, std::ios::binary).write(reinterpret_cast<const char*>(none), sizeof none);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  // Raw: the file's length bounds the data, known from the header.
  CHECK_THROWS_WITH(io::read_idx_dims(raw),
                    Catch::Contains("its IDX header declares 1000000 x 1000 x 1000 = 1000000000000 "
                                    "values but the file holds 100"));
  // Compressed: read in pieces, so the lie is found having allocated what is there.
  CHECK(io::read_idx_dims(gz) == std::vector<long>{1000000, 1000, 1000});
  CHECK_THROWS_WITH(io::read_idx(gz), Catch::Contains("but its data ends after 100"));
  // No images: a shape, for the caller to call empty.
  const io::IdxArray a = io::read_idx(empty);
  CHECK(a.dims == std::vector<long>{0, 28, 28});
  CHECK(a.bytes.empty());
}

namespace {

/// Rank 0 (re)writes `bytes` to `path` once every rank is done with the old
/// content; every rank waits for the new one.
void write_file(const std::string& path, const std::string& bytes) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) std::ofstream(path, std::ios::binary) << bytes;
  MPI_Barrier(MPI_COMM_WORLD);
}

/// A version-1 .npy file: header dictionary padded to 64 bytes, then `data`.
std::string npy_bytes(const std::string& descr, bool fortran, const std::string& shape,
                      const std::string& data) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': (" + shape + "), }";
  header += std::string(63 - (10 + header.size()) % 64, ' ') + "\n";
  const std::size_t n = header.size();
  return std::string("\x93NUMPY\x01\x00", 8) + char(n & 255) + char(n >> 8) + header + data;
}

template <class T>
std::string raw(std::initializer_list<T> values, bool big_endian = false) {
  std::string out;
  for (T v : values) {
    std::string b(reinterpret_cast<const char*>(&v), sizeof v);
    if (big_endian) std::reverse(b.begin(), b.end());
    out += b;
  }
  return out;
}

}  // namespace

TEST_CASE("string datasets, contents and attributes as text", "[io]") {
  const std::string path = test::temp_path("strings.h5");
  const std::vector<std::string> names{"000001.jpg", "", "caf\xc3\xa9 long name.png"};
  io::File f = io::File::create(MPI_COMM_WORLD, path);
  f.write_strings("/filenames", names);
  f.write_strings("/group/none", {});
  const std::vector<long> two{1, 2};
  f.write_replicated("/group/values", {2}, two.data());
  f.write_attribute("rank", 50L);
  f.write_attribute("tol", 1e-4);
  f.write_attribute("name", std::string("hals"), "/group");
  f.close();
  io::File r = io::File::open_read(MPI_COMM_WORLD, path);
  CHECK(r.read_strings("/filenames") == names);
  CHECK(r.read_strings("/group/none").empty());
  CHECK_THROWS_AS(r.read_strings("/group/values"), Error);
  const std::vector<io::Entry> entries = r.contents();
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].path == "/filenames");
  CHECK(entries[0].type == "string");
  CHECK(entries[0].dims == io::Dims{3});
  CHECK(entries[1].path == "/group");
  CHECK(entries[1].is_group);
  CHECK(entries[3].path == "/group/values");
  CHECK(entries[3].type == "int64");
  CHECK(r.attribute_names() == std::vector<std::string>{"rank", "tol"});
  CHECK(r.attribute_text("rank") == "50");
  CHECK(r.attribute_text("tol") == "0.0001");
  CHECK(r.attribute_text("name", "/group") == "hals");
}

TEST_CASE("NPY: dtypes, byte orders, C and Fortran order, bad files", "[io]") {
  const std::string c_order = test::temp_path("c.npy"), fortran = test::temp_path("f.npy");
  const std::string stack = test::temp_path("stack.npy"), bad = test::temp_path("bad.npy");
  // 3 x 2 matrices [[0, 1], [2, 3], [4, 5]] stored both ways.
  write_file(c_order, npy_bytes("<f8", false, "3, 2", raw<double>({0, 1, 2, 3, 4, 5})));
  write_file(fortran, npy_bytes(">i4", true, "3, 2", raw<std::int32_t>({0, 2, 4, 1, 3, 5}, true)));
  // 2 images of 2 x 3 pixels, Fortran order: element (i, y, x) at i + 2 (y + 2 x).
  std::string pixels(12, '\0');
  for (int i = 0; i < 2; ++i)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) pixels[std::size_t(i + 2 * (y + 2 * x))] = char(100 * i + 10 * y + x);
  write_file(stack, npy_bytes("|u1", true, "2, 2, 3", pixels));
  for (const std::string& path : {c_order, fortran}) {
    io::NpyFile npy(path);
    CHECK(npy.shape() == std::vector<long>{3, 2});
    std::vector<double> rows(4);
    npy.read_rows(1, 2, rows.data());
    CHECK(rows == std::vector<double>{2, 3, 4, 5});
  }
  io::NpyFile images(stack);
  CHECK(images.cols() == 6);
  std::vector<double> second(6);
  images.read_rows(1, 1, second.data());
  CHECK(second == std::vector<double>{100, 101, 102, 110, 111, 112});

  write_file(bad, npy_bytes("<c16", false, "1, 1", std::string(16, '\0')));
  CHECK(test::failure_of([&] { io::NpyFile x(bad); }).find("holds dtype '<c16'") != std::string::npos);
  write_file(bad, npy_bytes("<f8", false, "3, 2", raw<double>({1, 2})));
  CHECK(test::failure_of([&] { io::NpyFile x(bad); }).find("is truncated") != std::string::npos);
  write_file(bad, "not numpy");
  CHECK(test::failure_of([&] { io::NpyFile x(bad); }).find("not a .npy file") != std::string::npos);
}

TEST_CASE("CSV: optional header, clear errors; labels in every form", "[io]") {
  const std::string path = test::temp_path("t.csv");
  std::vector<std::vector<double>> rows;
  auto keep = [&](long row, const std::vector<double>& values) {
    CHECK(row == long(rows.size()));
    rows.push_back(values);
  };
  write_file(path, "x, y,\"z\"\n1, 2.5, 3e2\n\n4,5,6\n");
  io::CsvShape shape = io::read_csv(path, keep);
  CHECK((shape.rows == 2 && shape.cols == 3 && shape.header));
  CHECK(rows == std::vector<std::vector<double>>{{1, 2.5, 300}, {4, 5, 6}});
  rows.clear();
  write_file(path, "1,2\n3,4\n");
  shape = io::read_csv(path, keep);
  CHECK((shape.rows == 2 && !shape.header));
  const auto csv_failure = [&](const std::string& text) {
    write_file(path, text);
    return test::failure_of([&] { io::read_csv(path, [](long, const std::vector<double>&) {}); });
  };
  CHECK(csv_failure("1,2\n3,four\n").find("line 2 (row 1, column 1): 'four' is not a number") !=
        std::string::npos);
  CHECK(csv_failure("1,2\n3,,4\n").find("line 2 has 3 cells; expected 2") != std::string::npos);
  CHECK(csv_failure("a,b\n").find("holds no rows") != std::string::npos);

  write_file(path, "label\n7\n-1\n3\n");
  io::LabelFile plain = io::read_labels(path);
  CHECK(plain.names.empty());
  CHECK(plain.labels == std::vector<long>{7, -1, 3});
  write_file(path, "000002.jpg 5\n000001.jpg\t9\n");
  io::LabelFile named = io::read_labels(path);
  CHECK(named.names == std::vector<std::string>{"000002.jpg", "000001.jpg"});
  CHECK(named.labels == std::vector<long>{5, 9});
  write_file(path, "a.png,1\n2\n");
  CHECK(test::failure_of([&] { io::read_labels(path); }).find("line 2: mixes") != std::string::npos);
  write_file(path, "1\ncat\n");
  CHECK(test::failure_of([&] { io::read_labels(path); }).find("line 2: 'cat' is not an integer") !=
        std::string::npos);
  const std::string npy = test::temp_path("labels.npy");
  write_file(npy, npy_bytes("<i8", false, "3,", raw<std::int64_t>({4, 0, 2})));
  CHECK(io::read_labels(npy).labels == std::vector<long>{4, 0, 2});
}

namespace {

/// Rank 0 writes a [rows][cols] float64 dataset /X with the serial HDF5
/// driver, leaving its storage unallocated unless `values` are given.
void write_serial(const std::string& path, hsize_t rows, hsize_t cols, const double* values) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {rows, cols};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t set = H5Dcreate2(file, "/X", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (values) H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(set);
    H5Sclose(space);
    H5Fclose(file);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace

TEST_CASE("datasets: declared sizes against the file and the memory, empty ones", "[io]") {
  const std::string declared = test::temp_path("declared.h5"), huge = test::temp_path("huge.h5");
  const std::string empty = test::temp_path("empty.h5");
  const double values[6] = {1, 2, 3, 4, 5, 6};
  write_serial(declared, 3, 2, values);
  // The dataspace of /X says 10^6 x 10^6; its data is still the 6 values.
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    std::fstream f(declared, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    const std::uint64_t was[2] = {3, 2}, now[2] = {1000000, 1000000};
    const auto at = bytes.find(std::string(reinterpret_cast<const char*>(was), sizeof was));
    REQUIRE(at != std::string::npos);
    f.seekp(std::streamoff(at));
    f.write(reinterpret_cast<const char*>(now), sizeof now);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  write_serial(huge, 100000000, 100000000, nullptr);
  write_serial(empty, 0, 3, nullptr);

  const io::File d = io::File::open_read(MPI_COMM_WORLD, declared);
  CHECK_THROWS_WITH(d.shape("/X"), "/X in '" + declared +
                                       "' declares 1000000 x 1000000 float64 values (7.3 TiB) but the "
                                       "file holds " + format_bytes(double(std::filesystem::file_size(declared))) +
                                       "; it is truncated or corrupt");
  const io::File e = io::File::open_read(MPI_COMM_WORLD, empty);
  CHECK_THROWS_WITH(io::matrix_shape(e, "/X"), "/X in '" + empty + "' is empty (0 x 3)");
  // Never written: fill values, so only the memory bounds it.
  const io::File h = io::File::open_read(MPI_COMM_WORLD, huge);
  CHECK(h.shape("/X") == io::Dims{100000000, 100000000});
  const ProcessGrid grid(MPI_COMM_WORLD, {test::world_size(), 1});
  std::string why;
  try {
    io::read_matrix(h, "/X", grid, 64, 64);
  } catch (const Error& x) {
    why = x.what();
    CHECK(x.collective());
  }
  CHECK(why.rfind("/X in '" + huge + "' (100000000 x 100000000 doubles) needs ", 0) == 0);
}
