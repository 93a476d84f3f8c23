#include "nmfx/evaluation/classify.hpp"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "nmfx/core/error.hpp"

namespace nmfx::evaluation {
namespace {

/// liblinear's sparse rows: the nonzero features (1-based), the bias
/// feature (features + 1, value 1), then index -1.
struct Rows {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;
};

Rows to_rows(const std::vector<double>& x, long samples, long features, const std::vector<double>& scale) {
  Rows r;
  std::vector<std::size_t> starts;
  for (long i = 0; i < samples; ++i) {
    starts.push_back(r.nodes.size());
    for (long j = 0; j < features; ++j) {
      const double v = x[std::size_t(i * features + j)] * scale[std::size_t(j)];
      if (v != 0) r.nodes.push_back({int(j + 1), v});
    }
    r.nodes.push_back({int(features + 1), 1.0});
    r.nodes.push_back({-1, 0});
  }
  for (std::size_t s : starts) r.rows.push_back(r.nodes.data() + s);
  return r;
}

void quiet(const char*) {}

}  // namespace

double linear_svm_accuracy(const std::vector<double>& train, const std::vector<double>& train_labels,
                           const std::vector<double>& test, const std::vector<double>& test_labels,
                           long features) {
  const long m_train = long(train_labels.size()), m_test = long(test_labels.size());
  if (m_train == 0 || m_test == 0 || features < 1) throw Error("no samples to train or test the SVM on");
  std::vector<double> scale(std::size_t(features), 0.0);
  for (long i = 0; i < m_train; ++i)
    for (long j = 0; j < features; ++j)
      scale[std::size_t(j)] = std::max(scale[std::size_t(j)], std::abs(train[std::size_t(i * features + j)]));
  for (double& s : scale) s = s > 0 ? 1 / s : 0;
  Rows train_rows = to_rows(train, m_train, features, scale);
  std::vector<double> labels = train_labels;
  problem prob{};
  prob.l = int(m_train);
  prob.n = int(features) + 1;  // the bias feature
  prob.y = labels.data();
  prob.x = train_rows.rows.data();
  prob.bias = 1;
  parameter param{};
  param.solver_type = L2R_L2LOSS_SVC;
  param.eps = 0.01;
  param.C = 1;
  if (const char* problem_text = check_parameter(&prob, &param)) throw Error(std::string("liblinear: ") + problem_text);
  set_print_string_function(quiet);
  std::unique_ptr<model, void (*)(model*)> svm(::train(&prob, &param),
                                               [](model* m) { free_and_destroy_model(&m); });
  Rows test_rows = to_rows(test, m_test, features, scale);
  long right = 0;
  for (long i = 0; i < m_test; ++i) {
    if (predict(svm.get(), test_rows.rows[std::size_t(i)]) == test_labels[std::size_t(i)]) ++right;
  }
  return double(right) / double(m_test);
}

}  // namespace nmfx::evaluation
