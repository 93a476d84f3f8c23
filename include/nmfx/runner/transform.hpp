#pragma once
// Commands that apply or compare against a fitted model: `nmfx encode`,
// `nmfx decode` and the PCA baseline `nmfx pca`.
#include <mpi.h>

#include <string>

#include "nmfx/core/precision.hpp"

namespace nmfx::runner {

/// Non-negative codes W >= 0 minimizing 1/2 ||X - W H||^2 + l1 ||W||_1 for
/// new data X against a run's dictionary H, distributed like a fit: one
/// exact NNLS per sample (anls), or iterations of hals, mu or pgd, the
/// default beyond nmf::exact_encode_atoms atoms.
struct EncodeConfig {
  std::string run_path, data_path, dataset = "/X", output_path;
  std::string algorithm;  // anls | hals | mu | pgd; empty: anls up to exact_encode_atoms, hals beyond
  double l1 = 0;
  long max_iterations = 300;
  double tolerance = 1e-4;
  Precision precision = Precision::double_precision;  // of X and its product with H
};
void run_encode(MPI_Comm comm, const EncodeConfig& config, bool verbose);

/// Reconstructions X_hat = W H from codes (/W of an encode or fit output)
/// and a run's dictionary.
struct DecodeConfig {
  std::string codes_path, run_path, output_path;
  Precision precision = Precision::double_precision;  // of the product and /X_hat
};
void run_decode(MPI_Comm comm, const DecodeConfig& config, bool verbose);

/// The PCA baseline: mean-centred truncated SVD of X with ScaLAPACK.
struct PcaConfig {
  std::string data_path, dataset = "/X", output_path;
  int rank = 0;
  Precision precision = Precision::double_precision;  // of X and its QR
};
void run_pca(MPI_Comm comm, const PcaConfig& config, bool verbose);

}  // namespace nmfx::runner
