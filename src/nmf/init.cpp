#include "nmfx/nmf/init.hpp"

#include <cmath>

#include "nmfx/core/random.hpp"

namespace nmfx::nmf {
namespace {

void fill_uniform(std::uint64_t seed, std::uint64_t stream, double scale, dist::Factor& f) {
  const long k = f.k, count = f.local_count();
#pragma omp parallel for schedule(static)
  for (long c = 0; c < count; ++c) {
    const std::uint64_t global = std::uint64_t(f.map.to_global(c));
    for (long j = 0; j < k; ++j) f.vector(c)[j] = scale * uniform01(seed, stream, global * k + j);
  }
}

/// Per component j of `f`: the norms of its positive and negative parts
/// (entries [0, k) and [k, 2k)) over all its indices, the same on every rank.
std::vector<double> signed_norms(const dist::Factor& f) {
  const int k = f.k;
  std::vector<double> norms(std::size_t(2 * k), 0.0);
  for (long c = 0; c < f.local_count(); ++c)
    for (int j = 0; j < k; ++j) {
      const double v = f.vector(c)[j];
      norms[std::size_t(v > 0 ? j : k + j)] += v * v;
    }
  f.reduce_comm().sum(norms);
  for (double& v : norms) v = std::sqrt(v);
  return norms;
}

}  // namespace

void random_init(std::uint64_t seed, double x_mean, dist::Factor& w, dist::Factor& h) {
  const double scale = 2.0 * std::sqrt(std::max(x_mean, 0.0) / w.k);
  fill_uniform(seed, stream_w, scale, w);
  fill_uniform(seed, stream_h, scale, h);
}

void eye_init(dist::Factor& w, dist::Factor& h) {
  for (dist::Factor* f : {&w, &h})
    for (long c = 0; c < f->local_count(); ++c)
      for (int j = 0; j < f->k; ++j) f->vector(c)[j] = f->map.to_global(c) == j ? 1.0 : 0.0;
}

void nndsvd_init(const la::Svd& svd, NndsvdFill fill, double x_mean, std::uint64_t seed,
                 dist::Factor& w, dist::Factor& h) {
  const int k = w.k, triplets = svd.u.k;
  const auto nu = signed_norms(svd.u);
  const auto nv = signed_norms(svd.v);
  // For each component: which sign part wins and the scale sqrt(s * mp)
  // applied to the unit-normalized parts. A sign flip of (u_j, v_j) swaps
  // the parts and gives the same result, so any SVD solver agrees.
  // Components beyond X's rank (no triplet, or vectors the SVD left zero)
  // start at small random values instead: zeros there would stay dead.
  std::vector<int> positive(static_cast<std::size_t>(k));
  std::vector<char> beyond(std::size_t(k), 1);
  std::vector<double> scale_u(std::size_t(k), 0.0), scale_v(std::size_t(k), 0.0);
  for (int j = 0; j < triplets; ++j) {
    const double up = nu[std::size_t(j)], un = nu[std::size_t(triplets + j)];
    const double vp = nv[std::size_t(j)], vn = nv[std::size_t(triplets + j)];
    beyond[std::size_t(j)] = !(up + un > 0) || !(vp + vn > 0);
    const double mp = up * vp, mn = un * vn;
    positive[std::size_t(j)] = j == 0 ? (up >= un ? 1 : 0) : (mp >= mn ? 1 : 0);
    const double nuj = positive[std::size_t(j)] ? up : un, nvj = positive[std::size_t(j)] ? vp : vn;
    const double lambda = std::sqrt(svd.sigma[std::size_t(j)] * nuj * nvj);
    if (nuj > 0 && nvj > 0) {
      scale_u[std::size_t(j)] = lambda / nuj;
      scale_v[std::size_t(j)] = lambda / nvj;
    }
  }
  auto set_part = [&](const dist::Factor& source, const std::vector<double>& scale, dist::Factor& f,
                  std::uint64_t stream) {
    for (long c = 0; c < f.local_count(); ++c)
      for (int j = 0; j < k; ++j) {
        const double small = x_mean / 100 * uniform01(seed, stream, std::uint64_t(f.map.to_global(c)) * k + j);
        if (beyond[std::size_t(j)]) {
          f.vector(c)[j] = small;
          continue;
        }
        const double s = source.vector(c)[j];
        double v = (positive[std::size_t(j)] ? std::max(s, 0.0) : std::max(-s, 0.0)) * scale[std::size_t(j)];
        if (v == 0 && fill == NndsvdFill::mean) v = x_mean;
        if (v == 0 && fill == NndsvdFill::random) v = small;
        f.vector(c)[j] = v;
      }
  };
  set_part(svd.u, scale_u, w, stream_w);
  set_part(svd.v, scale_v, h, stream_h);
}

}  // namespace nmfx::nmf
