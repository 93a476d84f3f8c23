#include "nmfx/nmf/rules.hpp"

#include <algorithm>

#include "nmfx/core/error.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::nmf {
namespace {

class Multiplicative final : public UpdateRule {
 public:
  void update(dist::Factor& f, const dist::Factor& cross, const double* gram) override {
    const long k = f.k, count = f.local_count();
    denominator_.resize(f.local.size());
    la::gemm(la::Op::none, la::Op::none, k, count, k, 1.0, gram, k, f.local.data(), k, 0.0,
             denominator_.data(), k);
    const std::size_t n = f.local.size();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i)
      if (denominator_[i] > 0) f.local[i] *= cross.local[i] / denominator_[i];
  }

 private:
  std::vector<double> denominator_;
};

class Hals final : public UpdateRule {
 public:
  void update(dist::Factor& f, const dist::Factor& cross, const double* gram) override {
    const long k = f.k, count = f.local_count();
    // Each index's k coefficients form an independent problem: sweep the
    // components of one index while its k-vector and G stay in cache.
#pragma omp parallel for schedule(static)
    for (long c = 0; c < count; ++c) {
      double* x = f.vector(c);
      const double* b = cross.vector(c);
      for (long j = 0; j < k; ++j) {
        const double* g = gram + j * k;  // column j (= row j: G is symmetric)
        if (!(g[j] > 0)) continue;
        double gx = 0;
#pragma omp simd reduction(+ : gx)
        for (long l = 0; l < k; ++l) gx += g[l] * x[l];
        x[j] = std::max(0.0, x[j] + (b[j] - gx) / g[j]);
      }
    }
  }
};

}  // namespace

std::unique_ptr<UpdateRule> make_multiplicative() { return std::make_unique<Multiplicative>(); }
std::unique_ptr<UpdateRule> make_hals() { return std::make_unique<Hals>(); }

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names{"mu", "hals"};
  return names;
}

std::unique_ptr<UpdateRule> make_rule(const std::string& name) {
  if (name == "mu") return make_multiplicative();
  if (name == "hals") return make_hals();
  throw Error("unknown --algo '" + name + "' (choose mu or hals)");
}

}  // namespace nmfx::nmf
