#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/la/blas.hpp"

using namespace nmfx;

TEST_CASE("BlockCyclic1D matches ScaLAPACK's numroc and covers every index once", "[dist]") {
  for (long global : {0L, 1L, 3L, 7L, 64L, 65L, 100L, 1000L})
    for (int block : {1, 2, 5, 64})
      for (int procs : {1, 2, 3, 4}) {
        std::vector<int> seen(std::size_t(global), 0);
        for (int p = 0; p < procs; ++p) {
          dist::BlockCyclic1D map(global, block, procs, p);
          CHECK(map.local_size() == la::numroc(global, block, p, procs));
          long previous = -1;
          for (long l = 0; l < map.local_size(); ++l) {
            const long g = map.to_global(l);
            REQUIRE(g < global);
            CHECK(g > previous);  // local order follows global order
            CHECK(map.owner(g) == p);
            previous = g;
            seen[std::size_t(g)] += 1;
          }
        }
        for (int s : seen) CHECK(s == 1);
      }
}

TEST_CASE("DistMatrix descriptor is ScaLAPACK-valid on every grid", "[dist]") {
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    dist::DistMatrix x(grid, 13, 7, 4, 3);
    const auto desc = la::descriptor(x, grid);
    CHECK(desc[2] == 13);
    CHECK(desc[3] == 7);
    CHECK(desc[4] == 4);
    CHECK(desc[5] == 3);
    CHECK(desc[8] == x.leading_dim());
    CHECK(x.local.size() == std::size_t(x.local_rows() * x.local_cols()));
  }
}

TEST_CASE("a factor's distribution names its communicators, context and writers", "[dist]") {
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    dist::DistMatrix x(grid, 13, 11, 2, 3);
    const dist::Factor w = dist::Factor::rows_of(grid, 4, x), h = dist::Factor::cols_of(grid, 4, x);
    const dist::Factor inner = dist::Factor::replicated(grid, 3, 4);
    INFO("grid " << shape.str());
    // The parts of one copy lie along reduce_comm(), the copies along replica_comm().
    CHECK(w.reduce_comm().size() == shape.rows);
    CHECK(w.replica_comm().size() == shape.cols);
    CHECK(h.reduce_comm().size() == shape.cols);
    CHECK(h.replica_comm().size() == shape.rows);
    CHECK(inner.reduce_comm().size() == 1);
    CHECK(inner.replica_comm().size() == grid.size());
    CHECK(w.blacs_context() == grid.column_context());
    CHECK(h.blacs_context() == grid.row_context());
    CHECK(inner.blacs_context() < 0);
    // Exactly one copy of every index writes it.
    const Communicator world(MPI_COMM_WORLD);
    CHECK(world.sum(w.is_writer() ? w.local_count() : 0L) == 13);
    CHECK(world.sum(h.is_writer() ? h.local_count() : 0L) == 11);
    CHECK(world.sum(inner.is_writer() ? inner.local_count() : 0L) == 4);
    CHECK(dist::Factor::like(h, 2).local.size() == std::size_t(2 * h.local_count()));
    CHECK(dist::Factor::like(h, 2).reduce_comm().get() == h.reduce_comm().get());
    // A map of the other dimension does not fit the distribution.
    if (shape.rows != shape.cols) CHECK_THROWS_AS(dist::Factor(4, x.cols, w.distribution), Error);
  }
}

TEST_CASE("local_shape is the DistMatrix's; an impossible size is refused before allocating", "[dist]") {
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    const dist::DistMatrix x(grid, 130, 7, 64, 3);
    const dist::LocalShape mine = dist::local_shape(grid, 130, 7, 64, 3);
    CHECK(mine.rows == x.local_rows());
    CHECK(mine.cols == x.local_cols());
    CHECK(mine.entries() == double(x.local.size()));
    // 2^40 x 2^40 doubles: an overflowing size_t product without the check.
    std::string why;
    try {
      dist::DistMatrix huge(grid, 1L << 40, 1L << 40, 64, 64);
    } catch (const Error& e) {
      why = e.what();
    }
    CHECK(why.rfind("a matrix (1099511627776 x 1099511627776 doubles) needs ", 0) == 0);
    CHECK_THROWS_WITH(dist::require_matrix_memory(grid, "X", 1000000, 1000000, 64, 64, 2, 0),
                      Catch::Contains("X (1000000 x 1000000 doubles) needs "));
    CHECK_NOTHROW(dist::require_matrix_memory(grid, "X", 100, 100, 64, 64, 2, 1e6));
  }
}
