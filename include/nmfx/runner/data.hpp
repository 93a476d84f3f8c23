#pragma once
// Commands that make dataset files: `nmfx synth` and `nmfx import`.
#include <cstdint>
#include <string>
#include <vector>

#include "nmfx/core/precision.hpp"

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
  /// Instead of random factors: X = W diag(spectrum) H with W's columns and
  /// H's rows non-negative, orthonormal and of disjoint supports (row i
  /// belongs to component i mod r, column j to j mod r), so X is non-negative
  /// with exactly these singular values; rank = their count.
  std::vector<double> spectrum;
  /// With a spectrum: "disjoint" (above) or "signs": singular vectors 1/sqrt(m)
  /// and +-1/sqrt(m) sign patterns (bit j-2 of global index mod 2^(r-1) for
  /// the j-th value), X dense and non-negative when s1 >= s2 + ... + sr; rows
  /// and cols must be multiples of 2^(r-1); /W_true, /H_true have 2r - 1
  /// non-negative components (0/1 indicators of the sign patterns' halves).
  std::string basis = "disjoint";
};
void run_synth(MPI_Comm comm, const SynthConfig& config, bool verbose);

/// A dataset into a dataset file: /X (one sample per row, float64), /labels,
/// /filenames (images) and the image-shape attributes. Formats: `idx` (IDX
/// images scaled to [0, 1], IDX labels), `images` (a folder of JPEG/PNG files
/// in sorted name order, decoded in parallel, scaled to [0, 1]), `npy`, `csv`
/// and `hdf5` (values as they are). Data must be finite and non-negative.
struct ImportConfig {
  std::string format = "idx";  // idx | images | npy | csv | hdf5
  std::string input_path;      // file, or folder for images
  std::string labels_path;     // IDX for idx; text, 'name,label' or .npy for the others
  std::string output_path;
  std::string dataset;         // hdf5: the matrix inside the input (default /X)
  std::string resize;          // images: "HxW" (empty: all images must have one size)
  bool grayscale = false;      // images: merge colour channels to one gray channel
  long limit = 0;              // only the first N samples (0: all)
  Precision dtype = Precision::double_precision;  // of the written /X (float32 or float64)
};
void run_import(MPI_Comm comm, const ImportConfig& config, bool verbose);

}  // namespace nmfx::runner
