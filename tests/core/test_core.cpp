#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"

using namespace nmfx;

TEST_CASE("parse_grid accepts PRxPC and rejects the rest", "[core]") {
  CHECK(parse_grid("2x3").rows == 2);
  CHECK(parse_grid("2x3").cols == 3);
  for (const char* bad : {"", "2", "x2", "2x", "0x1", "2x-1", "2x2x", "axb", "2*2"})
    CHECK_THROWS_AS(parse_grid(bad), Error);
}

TEST_CASE("choose_grid splits the long dimension", "[core]") {
  CHECK(choose_grid(2, 60000, 784).str() == "2x1");
  CHECK(choose_grid(4, 60000, 784).str() == "4x1");
  CHECK(choose_grid(4, 784, 60000).str() == "1x4");
  CHECK(choose_grid(4, 1000, 1000).str() == "2x2");
  CHECK(choose_grid(1, 5, 5).str() == "1x1");
  CHECK(choose_grid(6, 10, 10).rows * choose_grid(6, 10, 10).cols == 6);
}

TEST_CASE("agree makes one rank's failure every rank's, with its message", "[core]") {
  const int size = test::world_size();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int failing = size - 1;
  std::string seen;
  bool collective = false;
  try {
    agree(MPI_COMM_WORLD, rank == failing ? "rank " + std::to_string(rank) + " broke" : "");
  } catch (const Error& e) {
    seen = e.what();
    collective = e.collective();
  }
  CHECK(seen == "rank " + std::to_string(failing) + " broke");
  CHECK(collective);
  CHECK_NOTHROW(agree(MPI_COMM_WORLD, ""));
  CHECK_THROWS_AS(collectively(MPI_COMM_WORLD,
                               [&] {
                                 if (rank == 0) throw Error("only rank 0");
                               }),
                  Error);
}

TEST_CASE("ProcessGrid: coordinates, communicators, and a wrong shape", "[core]") {
  const int size = test::world_size();
  for (const GridShape shape : test::all_shapes(size)) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    CHECK(grid.my_row() == grid.rank() / shape.cols);
    CHECK(grid.my_col() == grid.rank() % shape.cols);
    CHECK(grid.row_comm().size() == shape.cols);
    CHECK(grid.col_comm().size() == shape.rows);
    CHECK(grid.row_comm().rank() == grid.my_col());
  }
  CHECK_THROWS_AS(ProcessGrid(MPI_COMM_WORLD, GridShape{size + 1, 1}), Error);
}
