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
    // The gradient residual R = C - G F for all indices at once (one GEMM);
    // then each index's k-vector is an independent problem, swept component
    // by component while it and G stay in cache. A change d of F_j costs one
    // axpy R -= d G_j, and none when the component stays at 0 (common: NMF
    // factors are sparse).
    residual_ = cross.local;
    la::gemm(la::Op::none, la::Op::none, k, count, k, -1.0, gram, k, f.local.data(), k, 1.0,
             residual_.data(), k);
#pragma omp parallel for schedule(static)
    for (long c = 0; c < count; ++c) {
      double* x = f.vector(c);
      double* r = residual_.data() + c * k;
      for (long j = 0; j < k; ++j) {
        const double* g = gram + j * k;  // column j (= row j: G is symmetric)
        if (!(g[j] > 0)) continue;
        const double updated = std::max(0.0, x[j] + r[j] / g[j]);
        const double delta = updated - x[j];
        if (delta == 0) continue;
        x[j] = updated;
#pragma omp simd
        for (long l = 0; l < k; ++l) r[l] -= delta * g[l];
      }
    }
  }

 private:
  std::vector<double> residual_;
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
