#pragma once
// Commands that make dataset files: `nmfx synth` and `nmfx import`.
#include <cstdint>
#include <string>

#include <mpi.h>

namespace nmfx::runner {

/// The seeds' synthetic data: W (m x r) and H (r x n) with |N(0,1)| entries,
/// X = W H + noise * N(0,1), clipped at zero. Each entry is a function of
/// (seed, global index), so any number of ranks makes the same file.
struct SynthConfig {
  long rows = 0, cols = 0;
  int rank = 0;
  double noise = 0;
  std::uint64_t seed = 0;
  std::string output_path;
};
void run_synth(MPI_Comm comm, const SynthConfig& config, bool verbose);

/// IDX images (+ optional labels) into a dataset file: /X (one image per row,
/// scaled to [0, 1]), /labels, and the image-shape attributes.
struct ImportConfig {
  std::string format = "idx";
  std::string images_path;
  std::string labels_path;
  std::string output_path;
};
void run_import(MPI_Comm comm, const ImportConfig& config, bool verbose);

}  // namespace nmfx::runner
