#include "nmfx/metrics/spectrum.hpp"

#include <cmath>

#include "nmfx/la/blas.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/la/products.hpp"

namespace nmfx::metrics {

double effective_rank(const std::vector<double>& sigma) {
  double l1 = 0;
  for (double s : sigma) l1 += std::abs(s);
  if (!(l1 > 0)) return 0;
  double entropy = 0;
  for (double s : sigma) {
    const double p = std::abs(s) / l1;
    if (p > 0) entropy -= p * std::log(p);
  }
  return std::exp(entropy);
}

double nuclear_ratio(const std::vector<double>& sigma) {
  double l1 = 0, top = 0;
  for (double s : sigma) {
    l1 += std::abs(s);
    top = std::max(top, std::abs(s));
  }
  return top > 0 ? l1 / top : 0;
}

double hoyer_sparseness(double l1, double l2, long n) {
  if (n < 2 || !(l2 > 0)) return 0;
  const double root = std::sqrt(double(n));
  return (root - l1 / l2) / (root - 1);
}

Spectrum summarize(std::vector<double> sigma) {
  Spectrum s;
  s.effective_rank = effective_rank(sigma);
  s.nuclear_ratio = nuclear_ratio(sigma);
  s.sigma1 = sigma.size() > 0 ? sigma[0] : 0;
  s.sigma2 = sigma.size() > 1 ? sigma[1] : 0;
  s.sigma = std::move(sigma);
  return s;
}

namespace {

/// Per component j: its L1 norm and squared L2 norm over all global indices
/// (entries [0, k) and [k, 2k)), the same on every rank.
std::vector<double> component_norms(const dist::Factor& f) {
  const int k = f.k;
  std::vector<double> norms(std::size_t(2 * k), 0.0);
  for (long c = 0; c < f.local_count(); ++c)
    for (int j = 0; j < k; ++j) {
      const double v = f.vector(c)[j];
      norms[std::size_t(j)] += std::abs(v);
      norms[std::size_t(k + j)] += v * v;
    }
  f.reduce_comm().sum(norms);
  return norms;
}

}  // namespace

Evaluation evaluate(const ProcessGrid& grid, const dist::Factor& w, const dist::Factor& h,
                    long iteration) {
  const int k = w.k;
  Evaluation e;
  e.iteration = iteration;
  const std::vector<double> r_w = la::qr_r(w);
  const std::vector<double> r_h = la::qr_r(h);
  std::vector<double> product(std::size_t(k) * k);
  la::gemm(la::Op::none, la::Op::transpose, k, k, k, 1.0, r_w.data(), k, r_h.data(), k, 0.0,
           product.data(), k);
  e.model = summarize(la::singular_values(k, k, product));
  e.w = summarize(la::singular_values(k, k, r_w));
  e.h = summarize(la::singular_values(k, k, r_h));

  const auto norms_w = component_norms(w);
  const auto norms_h = component_norms(h);
  std::vector<double> gram_h(std::size_t(k) * k);
  la::gram(h, gram_h.data());
  std::vector<int> live;
  double hoyer_w = 0, hoyer_h = 0;
  for (int j = 0; j < k; ++j) {
    const double l2_w = std::sqrt(norms_w[std::size_t(k + j)]);
    const double l2_h = std::sqrt(norms_h[std::size_t(k + j)]);
    if (!(l2_w > 0) || !(l2_h > 0)) {
      ++e.dead_components;
      continue;
    }
    live.push_back(j);
    hoyer_w += hoyer_sparseness(norms_w[std::size_t(j)], l2_w, w.map.global_size());
    hoyer_h += hoyer_sparseness(norms_h[std::size_t(j)], l2_h, h.map.global_size());
  }
  const double r = double(live.size());
  if (r > 0) {
    e.hoyer_w = hoyer_w / r;
    e.hoyer_h = hoyer_h / r;
  }
  if (r > 1) {
    double sum = 0;
    for (int a : live)
      for (int b : live)
        if (a != b) {
          const double g = gram_h[std::size_t(a * k + b)];
          sum += g * g / (gram_h[std::size_t(a * k + a)] * gram_h[std::size_t(b * k + b)]);
        }
    e.cosine_separation = sum / (r * (r - 1));
  }
  // Every rank computed the same values from the same all-reduced inputs;
  // take rank 0's bit for bit, so decisions made from them (plateaus, early
  // stopping) and the collective writes of them can never differ by rank.
  std::vector<double> packed;
  for (const Spectrum* s : {&e.model, &e.w, &e.h}) packed.insert(packed.end(), s->sigma.begin(), s->sigma.end());
  packed.insert(packed.end(), {e.cosine_separation, e.hoyer_w, e.hoyer_h, double(e.dead_components)});
  grid.full_comm().broadcast(packed.data(), long(packed.size()));
  auto next = packed.begin();
  for (Spectrum* s : {&e.model, &e.w, &e.h}) {
    *s = summarize(std::vector<double>(next, next + k));
    next += k;
  }
  e.cosine_separation = next[0];
  e.hoyer_w = next[1];
  e.hoyer_h = next[2];
  e.dead_components = long(next[3]);
  return e;
}

CodeSparsity code_sparsity(const dist::Factor& w) {
  double sums[2] = {0, 0};  // active atoms, Hoyer sparseness
  for (long c = 0; c < w.local_count(); ++c) {
    double l1 = 0, l2 = 0;
    for (int j = 0; j < w.k; ++j) {
      const double v = w.vector(c)[j];
      sums[0] += v > 0 ? 1 : 0;
      l1 += std::abs(v);
      l2 += v * v;
    }
    sums[1] += hoyer_sparseness(l1, std::sqrt(l2), w.k);
  }
  w.reduce_comm().sum(sums, 2);
  const double count = double(w.map.global_size());
  return {sums[0] / count, sums[1] / count};
}

}  // namespace nmfx::metrics
