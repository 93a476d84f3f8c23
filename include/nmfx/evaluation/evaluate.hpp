#pragma once
// `nmfx evaluate`: one judgement for every dictionary (NMF, Deep NMF, the
// autoencoder) on held-out data, as seed 004 defines it. The codes of the
// test samples are the exact NNLS codes against /H for NMF runs and the
// encoder's output for the autoencoder; then
//   - mse = sum ||x - x_hat||^2 / (m n) and rel_error = sum ||x - x_hat||^2 / sum ||x||^2;
//   - code_sparsity: the mean over test samples of Hoyer's sparseness of the code;
//   - svm_accuracy: a linear SVM (liblinear) trained on the training codes
//     (the run's /W) with the training labels, tested on the test codes;
//   - dilation_error: sum ||x_hat_d - d(x)||^2 / (m n), x_hat_d the
//     reconstruction from the same codes with every atom dilated by the disk
//     of radius 1 (the decoder's bias not dilated), d(x) the dilated image;
//     dilation_error_reconstruction the same against d(x_hat).
// The results go to /evaluation in the run file (rewritten atomically) and
// are printed.
#include <mpi.h>

#include <limits>
#include <string>

namespace nmfx::evaluation {

struct EvaluateConfig {
  std::string run_path, test_path, train_path, dataset = "/X";
  long samples = 10;  // test samples whose codes and reconstructions are kept
};

struct Evaluation {
  static constexpr double none = std::numeric_limits<double>::quiet_NaN();
  long test_samples = 0;
  double mse = none, rel_error = none, code_sparsity = none, svm_accuracy = none;
  double dilation_error = none, dilation_error_reconstruction = none;
};

/// Collective: evaluates the run and adds /evaluation to its file.
Evaluation run_evaluate(MPI_Comm comm, const EvaluateConfig& config, bool verbose);

}  // namespace nmfx::evaluation
