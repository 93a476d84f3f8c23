#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/io/idx.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"

using namespace nmfx;

TEST_CASE("a matrix written on one grid reads back on every other grid", "[io]") {
  const int size = test::world_size();
  const auto shapes = test::all_shapes(size);
  const std::string path = test::temp_path("roundtrip.h5");
  for (const GridShape write_shape : shapes) {
    {
      ProcessGrid grid(MPI_COMM_WORLD, write_shape);
      dist::DistMatrix x(grid, 41, 17, 5, 3);
      test::fill(x, 3);
      io::File f = io::File::create(MPI_COMM_WORLD, path);
      io::write_matrix(f, "/group/X", x);
      f.close();
    }
    for (const GridShape read_shape : shapes)
      for (int block : {1, 4, 64}) {
        ProcessGrid grid(MPI_COMM_WORLD, read_shape);
        io::File f = io::File::open_read(MPI_COMM_WORLD, path);
        const dist::DistMatrix x = io::read_matrix(f, "/group/X", grid, block, block + 1);
        bool ok = x.rows.global_size() == 41 && x.cols.global_size() == 17;
        for (long j = 0; j < x.local_cols(); ++j)
          for (long i = 0; i < x.local_rows(); ++i)
            ok = ok && x.at(i, j) == test::entry(x.rows.to_global(i), x.cols.to_global(j), 3);
        INFO("written on " << write_shape.str() << ", read on " << read_shape.str() << " block " << block);
        CHECK(test::all_ranks(ok));
      }
  }
}

TEST_CASE("factors round-trip in both file layouts", "[io]") {
  const std::string path = test::temp_path("factors.h5");
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    dist::BlockCyclic1D rows(23, 4, shape.rows, grid.my_row()), cols(9, 2, shape.cols, grid.my_col());
    dist::Factor w(3, rows), h(3, cols);
    for (long c = 0; c < w.local_count(); ++c)
      for (int j = 0; j < 3; ++j) w.vector(c)[j] = 100.0 * w.map.to_global(c) + j;
    for (long c = 0; c < h.local_count(); ++c)
      for (int j = 0; j < 3; ++j) h.vector(c)[j] = 100.0 * j + h.map.to_global(c);
    io::File f = io::File::create(MPI_COMM_WORLD, path);
    io::write_factor(f, "/W", w, grid.my_col() == 0, io::FactorLayout::index_major);
    io::write_factor(f, "/H", h, grid.my_row() == 0, io::FactorLayout::component_major);
    f.close();
    io::File r = io::File::open_read(MPI_COMM_WORLD, path);
    CHECK(r.shape("/W") == io::Dims{23, 3});
    CHECK(r.shape("/H") == io::Dims{3, 9});
    const auto whole_h = r.read_replicated("/H");  // [k][n]: H(j, c) = 100 j + c
    bool ok = true;
    for (int j = 0; j < 3; ++j)
      for (int c = 0; c < 9; ++c) ok = ok && whole_h[std::size_t(j * 9 + c)] == 100.0 * j + c;
    const dist::Factor w2 = io::read_factor(r, "/W", 3, rows, io::FactorLayout::index_major);
    const dist::Factor h2 = io::read_factor(r, "/H", 3, cols, io::FactorLayout::component_major);
    ok = ok && w2.local == w.local && h2.local == h.local;
    CHECK(test::all_ranks(ok));
    CHECK_THROWS_AS(io::read_factor(r, "/W", 4, rows, io::FactorLayout::index_major), Error);
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
}
