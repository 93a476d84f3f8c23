// One Catch2 main for every MPI test: each rank runs the same tests; the
// results are combined so every rank exits alike; only rank 0 reports
// (other ranks speak only when they failed).
#define CATCH_CONFIG_RUNNER
#include <mpi.h>

#include <catch2/catch.hpp>
#include <cstdio>

extern "C" void Cblacs_exit(int keep_mpi_alive);

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  Catch::Session session;
  if (rank != 0) {
    // Keep quiet unless something fails on this rank.
    session.configData().reporterName = "compact";
    session.configData().showSuccessfulTests = false;
  }
  int failed = session.run(argc, argv) != 0 ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0 && any && !failed) std::fprintf(stderr, "a test failed on another rank\n");
  Cblacs_exit(1);
  MPI_Finalize();
  return any;
}
