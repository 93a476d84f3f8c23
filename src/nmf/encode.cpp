#include "nmfx/nmf/encode.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nmfx/core/error.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/products.hpp"

namespace nmfx::nmf {
namespace {

/// Uniform random codes in [0, 2 s), s = mean(X) / (k mean(H)), so that W H
/// starts at X's mean. A function of the global index: the same on any grid.
template <class Scalar>
void random_codes(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, const dist::Factor& h,
                  dist::Factor& w) {
  double sums[2] = {0, 0};  // X's sum over all ranks, H's over its reduce_comm
  for (const Scalar v : x.local) sums[0] += double(v);
  for (double v : h.local) sums[1] += v;
  sums[0] = grid.full_comm().sum(sums[0]);
  sums[1] = h.reduce_comm().sum(sums[1]);
  const double x_mean = sums[0] / (double(x.rows.global_size()) * double(x.cols.global_size()));
  const double h_mean = sums[1] / (double(h.k) * double(h.map.global_size()));
  const double scale = h_mean > 0 ? 2 * x_mean / (double(w.k) * h_mean) : 0.0;
  const long k = w.k;
  for (long c = 0; c < w.local_count(); ++c) {
    const std::uint64_t global = std::uint64_t(w.map.to_global(c));
    for (long j = 0; j < k; ++j) w.vector(c)[j] = scale * uniform01(0, stream_w, global * std::uint64_t(k) + j);
  }
}

}  // namespace

const std::vector<std::string>& encode_rule_names() {
  static const std::vector<std::string> names = {"anls", "hals", "mu", "pgd"};
  return names;
}

Algorithm default_encode_algorithm(int atoms) {
  return atoms <= exact_encode_atoms ? Algorithm::anls : Algorithm::hals;
}

dist::Factor dictionary(const Model& model, int d) {
  dist::Factor atoms = model.h[std::size_t(d - 1)];
  for (int i = d - 1; i >= 1; --i) {  // W_{i+1} times the atoms so far
    const dist::Factor& w = model.w[std::size_t(i)];
    dist::Factor next = dist::Factor::like(atoms, int(w.local_count()));
    if (atoms.local_count() > 0)
      la::gemm(la::Op::transpose, la::Op::none, next.k, atoms.local_count(), w.k, 1.0, w.local.data(), w.k,
               atoms.local.data(), atoms.k, 0.0, next.local.data(), next.k);
    atoms = std::move(next);
  }
  return atoms;
}

template <class Scalar>
EncodeResult encode(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                    const dist::Factor& h, dist::Factor& w, const EncodeOptions& options,
                    const EncodeProgress& progress) {
  if (options.algorithm == Algorithm::als || options.algorithm == Algorithm::adam)
    throw Error(std::string("encode solves with anls, hals, mu or pgd, not ") + algorithm_name(options.algorithm));
  RuleOptions rule_options;
  rule_options.l1 = options.l1;
  const auto rule = make_rule(options.algorithm, rule_options);
  const int k = h.k;
  std::vector<double> gram(std::size_t(k) * k), gram_w(gram.size());
  la::gram(h, gram.data());
  dist::Factor cross = dist::Factor::like(w, k);
  la::xht(x, h, cross);
  const double start = wall_time();
  const double norm2 = x_norm2 > 0 ? x_norm2 : 1.0;
  // ||X - W H||^2 = ||X||^2 - 2 <X H^T, W> + <H H^T, W^T W>, agreed by all.
  auto measure = [&](long iteration) {
    la::gram(w, gram_w.data());
    double model2 = 0;
    for (std::size_t i = 0; i < gram.size(); ++i) model2 += gram[i] * gram_w[i];
    const double e = x_norm2 - 2 * la::dot(cross, w) + model2;
    double shared[2] = {wall_time() - start,
                        (std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(e, 0.0)) / norm2};
    grid.full_comm().max(shared, 2);
    return Record{iteration, shared[0], shared[1], {}};
  };

  EncodeResult result;
  const bool exact = options.algorithm == Algorithm::anls;
  if (!options.warm_start) {
    if (exact) std::fill(w.local.begin(), w.local.end(), 0.0);
    else random_codes(grid, x, h, w);
  }
  Record before = measure(0);
  if (progress) progress(before);
  const long last = exact ? 1 : options.max_iterations;
  result.stop_reason = StopReason::max_iter;
  result.rel_error = before.rel_error;
  for (long it = 1; it <= last; ++it) {
    update_factor(*rule, w, cross.local.data(), gram.data(), nullptr);
    const Record now = measure(it);
    if (progress) progress(now);
    result.iterations = it;
    result.rel_error = now.rel_error;
    // The same records on every rank (measure agrees), so the same stop.
    if (!exact && options.tolerance > 0 && before.rel_error > 0 &&
        (before.rel_error - now.rel_error) / before.rel_error < options.tolerance) {
      result.stop_reason = StopReason::tol;
      break;
    }
    before = now;
  }
  return result;
}

template EncodeResult encode(const ProcessGrid&, const dist::BasicDistMatrix<double>&, double, const dist::Factor&,
                             dist::Factor&, const EncodeOptions&, const EncodeProgress&);
template EncodeResult encode(const ProcessGrid&, const dist::BasicDistMatrix<float>&, double, const dist::Factor&,
                             dist::Factor&, const EncodeOptions&, const EncodeProgress&);

}  // namespace nmfx::nmf
