#include "nmfx/autoencoder/model.hpp"

#include <algorithm>
#include <cmath>

#include "nmfx/core/random.hpp"
#include "nmfx/la/blas.hpp"

namespace nmfx::autoencoder {
namespace {

constexpr std::uint64_t stream_encoder = 41, stream_decoder = 42;

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// Adds the row sums of a rows x cols column-major matrix to `sums`.
void add_row_sums(const double* a, long rows, long cols, double* sums) {
  for (long c = 0; c < cols; ++c)
    for (long r = 0; r < rows; ++r) sums[r] += a[c * rows + r];
}

}  // namespace

double penalty(Penalty kind, double p, double eps, double t) {
  const double d = p - t;
  switch (kind) {
    case Penalty::none: return 0;
    case Penalty::kl: return p * std::log(p / t) + (1 - p) * std::log((1 - p) / (1 - t));
    case Penalty::epsl1: return std::sqrt(d * d + eps);
    case Penalty::log: return std::log1p(d * d);
  }
  return 0;
}

double penalty_derivative(Penalty kind, double p, double eps, double t) {
  const double d = t - p;
  switch (kind) {
    case Penalty::none: return 0;
    case Penalty::kl: return -p / t + (1 - p) / (1 - t);
    case Penalty::epsl1: return d / std::sqrt(d * d + eps);
    case Penalty::log: return 2 * d / (1 + d * d);
  }
  return 0;
}

Parameters::Parameters(long n_features, int k_units)
    : n(n_features), k(k_units), values(std::size_t(2 * n_features * k_units + k_units + n_features), 0.0) {}

void initialize(Parameters& p, std::uint64_t seed, bool nonnegative_decoder) {
  const double a = std::sqrt(6.0 / double(p.n + p.k));
  const long weights = p.n * p.k;
  std::fill(p.values.begin(), p.values.end(), 0.0);
  for (long i = 0; i < weights; ++i) {
    p.encoder()[i] = a * (2 * uniform01(seed, stream_encoder, std::uint64_t(i)) - 1);
    const double d = a * (2 * uniform01(seed, stream_decoder, std::uint64_t(i)) - 1);
    p.decoder()[i] = nonnegative_decoder ? std::max(d, 0.0) : d;
  }
}

void encode(const Parameters& p, const double* x, long m, double* codes) {
  if (m == 0) return;
  const int k = p.k;
  la::gemm(la::Op::transpose, la::Op::none, k, m, p.n, 1.0, p.encoder(), p.n, x, p.n, 0.0, codes, k);
  const double* b = p.encoder_bias();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < m; ++i)
    for (int j = 0; j < k; ++j) codes[i * k + j] = sigmoid(codes[i * k + j] + b[j]);
}

void decode(const double* atoms, const double* bias, DecoderActivation activation, long n, int k,
            const double* codes, long m, double* out) {
  if (m == 0) return;
  la::gemm(la::Op::none, la::Op::none, n, m, k, 1.0, atoms, n, codes, k, 0.0, out, n);
  const bool squash = activation == DecoderActivation::sigmoid;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < m; ++i) {
    double* o = out + i * n;
    for (long l = 0; l < n; ++l) {
      const double z = o[l] + (bias ? bias[l] : 0.0);
      o[l] = squash ? sigmoid(z) : z;
    }
  }
}

void forward(const Parameters& p, DecoderActivation activation, const double* x, long m, Pass& pass) {
  pass.m = m;
  pass.codes.resize(std::size_t(p.k * m));
  pass.output.resize(std::size_t(p.n * m));
  encode(p, x, m, pass.codes.data());
  decode(p.decoder(), p.decoder_bias(), activation, p.n, p.k, pass.codes.data(), m, pass.output.data());
}

BatchSums backward(const Parameters& p, const LossTerms& terms, const double* x, long batch_size,
                   const std::vector<double>& mean_activation, Pass& pass, std::vector<double>& gradient) {
  const long n = p.n, m = pass.m;
  const int k = p.k;
  BatchSums sums;
  if (m == 0) return sums;
  pass.output_delta.resize(std::size_t(n * m));
  pass.code_delta.resize(std::size_t(k * m));
  double* dy = pass.output_delta.data();
  const double* out = pass.output.data();
  const double scale = 2.0 / (double(batch_size) * double(n));  // d/dx_hat of the mean squared error
  const bool squash = terms.decoder == DecoderActivation::sigmoid;
  double error = 0, norm = 0;
#pragma omp parallel for schedule(static) reduction(+ : error, norm)
  for (long e = 0; e < n * m; ++e) {
    const double r = out[e] - x[e];
    error += r * r;
    norm += x[e] * x[e];
    dy[e] = scale * r * (squash ? out[e] * (1 - out[e]) : 1.0);
  }
  sums.squared_error = error;
  sums.squared_norm = norm;

  double* g_decoder = gradient.data() + (p.decoder() - p.values.data());
  double* g_decoder_bias = gradient.data() + (p.decoder_bias() - p.values.data());
  double* g_encoder = gradient.data();
  double* g_encoder_bias = gradient.data() + (p.encoder_bias() - p.values.data());
  const double* h = pass.codes.data();
  // dL/dW_d = dY H^T (n x k), dL/db_d = row sums of dY.
  la::gemm(la::Op::none, la::Op::transpose, n, k, m, 1.0, dy, n, h, k, 1.0, g_decoder, n);
  add_row_sums(dy, n, m, g_decoder_bias);
  // dL/dH = W_d^T dY (k x m), plus the penalty's beta S'(t_j) / B, through the sigmoid.
  double* dh = pass.code_delta.data();
  la::gemm(la::Op::transpose, la::Op::none, k, m, n, 1.0, p.decoder(), n, dy, n, 0.0, dh, k);
  std::vector<double> push(std::size_t(k), 0.0);
  if (terms.penalty != Penalty::none && terms.beta != 0)
    for (int j = 0; j < k; ++j)
      push[std::size_t(j)] = terms.beta *
                             penalty_derivative(terms.penalty, terms.target, terms.epsilon, mean_activation[std::size_t(j)]) /
                             double(batch_size);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < m; ++i)
    for (int j = 0; j < k; ++j) {
      const long e = i * k + j;
      dh[e] = (dh[e] + push[std::size_t(j)]) * h[e] * (1 - h[e]);
    }
  // dL/dW_e = X dZ^T (n x k), dL/db_e = row sums of dZ.
  la::gemm(la::Op::none, la::Op::transpose, n, k, m, 1.0, x, n, dh, k, 1.0, g_encoder, n);
  add_row_sums(dh, k, m, g_encoder_bias);
  return sums;
}

double sparsity_loss(const LossTerms& terms, const std::vector<double>& mean_activation) {
  if (terms.penalty == Penalty::none || terms.beta == 0) return 0;
  double s = 0;
  for (double t : mean_activation) s += penalty(terms.penalty, terms.target, terms.epsilon, t);
  return terms.beta * s;
}

double add_decay(const Parameters& p, const LossTerms& terms, std::vector<double>& gradient) {
  if (terms.decay == 0) return 0;
  const long offset = p.decoder() - p.values.data();
  double value = 0;
  for (long i = 0; i < p.n * p.k; ++i) {
    const double w = p.decoder()[i];
    const double weight = w >= 0 ? terms.alpha : 1.0;
    value += weight * w * w;
    gradient[std::size_t(offset + i)] += 2 * terms.decay * weight * w;
  }
  return terms.decay * value;
}

double loss(const Parameters& p, const LossTerms& terms, const double* x, long m) {
  Pass pass;
  forward(p, terms.decoder, x, m, pass);
  double error = 0;
  for (long e = 0; e < p.n * m; ++e) error += (pass.output[std::size_t(e)] - x[e]) * (pass.output[std::size_t(e)] - x[e]);
  std::vector<double> t(std::size_t(p.k), 0.0);
  add_row_sums(pass.codes.data(), p.k, m, t.data());
  for (double& v : t) v /= double(m);
  std::vector<double> unused(p.values.size(), 0.0);
  return error / (double(m) * double(p.n)) + sparsity_loss(terms, t) + add_decay(p, terms, unused);
}

void project_decoder(Parameters& p) {
  double* w = p.decoder();
  for (long i = 0; i < p.n * p.k; ++i) w[i] = std::max(w[i], 0.0);
}

}  // namespace nmfx::autoencoder
