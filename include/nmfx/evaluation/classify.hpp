#pragma once
// How well codes separate classes: a linear SVM (liblinear) trained on
// the training codes and tested on the test codes.
#include <vector>

namespace nmfx::evaluation {

/// The fraction of test samples a linear SVM (liblinear's L2-regularized
/// L2-loss SVC, C = 1, one-vs-rest) classifies right, trained on `train`
/// (train_labels.size() samples x `features`, row-major) and tested on
/// `test`. Each feature is scaled by its largest absolute value over the
/// training codes, so codes of any scale (NMF's, the autoencoder's
/// activations in [0, 1]) meet the same C. Local (one rank).
double linear_svm_accuracy(const std::vector<double>& train, const std::vector<double>& train_labels,
                           const std::vector<double>& test, const std::vector<double>& test_labels,
                           long features);

}  // namespace nmfx::evaluation
