#include <algorithm>
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nmfx/core/counter.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"
#include "nmfx/core/memory.hpp"

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

TEST_CASE("memory: sizes in words, and a refusal on every rank before allocating", "[core]") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(23.4 * (1L << 30)) == "23 GiB");
  CHECK(format_bytes(3.7 * double(1L << 40)) == "3.7 TiB");
  CHECK(machine_memory() > 0);
  CHECK_NOTHROW(require_memory(MPI_COMM_WORLD, "X", 1024));
  std::string why;
  bool collective = false;
  try {
    require_memory(MPI_COMM_WORLD, "X (1000000 x 1000000 doubles)", 8e12);
  } catch (const Error& e) {
    why = e.what();
    collective = e.collective();
  }
  CHECK(collective);
  CHECK(why.rfind("X (1000000 x 1000000 doubles) needs 7.3 TiB", 0) == 0);
  CHECK(why.find(format_bytes(machine_memory())) != std::string::npos);
  const int size = test::world_size();
  if (size > 1) CHECK(why.find("on each of " + std::to_string(size) + " ranks") != std::string::npos);
  // One rank's need is every rank's refusal.
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  CHECK_THROWS_AS(require_memory(MPI_COMM_WORLD, "X", rank == size - 1 ? 1e30 : 0), Error);
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

TEST_CASE("the shared counter hands out every number exactly once", "[core]") {
  const int ranks = test::world_size();
  const long total = 200;
  std::vector<long> mine;
  const Communicator world(MPI_COMM_WORLD);
  {
    SharedCounter counter(world);
    for (long n = counter.next(); n < total; n = counter.next()) mine.push_back(n);
  }
  // Count, over all ranks, how often each number was taken.
  std::vector<long> taken(total, 0);
  for (long n : mine) ++taken[std::size_t(n)];
  world.sum(taken);
  bool once = true;
  for (long t : taken) once = once && t == 1;
  CHECK(once);
  // Each rank took numbers in increasing order.
  CHECK(std::is_sorted(mine.begin(), mine.end()));
  CHECK(ranks >= 1);
}

TEST_CASE("typed collectives: sums, extremes and broadcasts of every element type", "[core]") {
  const Communicator world(MPI_COMM_WORLD);
  const int size = world.size(), rank = world.rank();
  CHECK(world.sum(1) == size);
  CHECK(world.sum(long(rank)) == long(size) * (size - 1) / 2);
  CHECK(world.sum(0.5) == 0.5 * size);
  CHECK(world.max(rank) == size - 1);
  CHECK(world.min(double(rank) + 1.5) == 1.5);
  std::vector<long> values{long(rank), -long(rank), 7};
  world.max(values);
  CHECK(values == std::vector<long>{size - 1, 0, 7});
  int pair[2] = {rank, 2 * rank};
  world.min(pair, 2);
  CHECK(pair[0] == 0);
  CHECK(pair[1] == 0);
  std::vector<double> grown(std::size_t(rank == 0 ? 5 : 1), double(rank));
  if (rank == 0) grown.back() = 3.25;
  world.broadcast(grown);
  CHECK(grown == std::vector<double>{0, 0, 0, 0, 3.25});
  std::string text = rank == size - 1 ? "from the last rank" : "";
  world.broadcast(text, size - 1);
  CHECK(text == "from the last rank");
  long slot = rank == 0 ? 42 : -1;
  world.broadcast(&slot, 1);
  CHECK(slot == 42);
  CHECK(Communicator::self().size() == 1);
  CHECK(Communicator::self().sum(rank + 1) == rank + 1);
  // Blocks of uneven sizes (rank r's has r + 1 entries, the last none)
  // gathered on every rank.
  std::vector<long> counts;
  for (int r = 0; r < size; ++r) counts.push_back(r + 1 < size || size == 1 ? r + 1 : 0);
  const long mine = counts[std::size_t(rank)];
  long offset = 0;
  for (int r = 0; r < rank; ++r) offset += counts[std::size_t(r)];
  std::vector<double> gathered(std::size_t(size * (size + 1) / 2), -1.0), expected;
  for (long e = 0; e < mine; ++e) gathered[std::size_t(offset + e)] = 100.0 * rank + double(e);
  world.gather_all(gathered.data(), counts);
  for (int r = 0; r < size; ++r)
    for (long e = 0; e < counts[std::size_t(r)]; ++e) expected.push_back(100.0 * r + double(e));
  expected.resize(gathered.size(), -1.0);  // past the blocks: untouched
  CHECK(gathered == expected);
  const double before = wall_time();
  world.barrier();
  CHECK(wall_time() >= before);
}
