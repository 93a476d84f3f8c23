#pragma once
// `nmfx info`: what a dataset or run file holds, in words.
#include <mpi.h>

#include <string>

namespace nmfx::runner {

/// Collective over `comm`: a human-readable description of the HDF5 file at
/// `path` (identical on every rank): its attributes, every group and dataset
/// with shape and type, and a summary (for a dataset: samples, features,
/// image shape, labels, file names; for a run: factors, history, metrics,
/// the Eckart-Young reference). Error when the file cannot be read.
std::string describe_file(MPI_Comm comm, const std::string& path);

/// Prints describe_file on stdout when `verbose` (rank 0).
void run_info(MPI_Comm comm, const std::string& path, bool verbose);

}  // namespace nmfx::runner
