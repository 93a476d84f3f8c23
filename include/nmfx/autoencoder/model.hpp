#pragma once
// The shallow autoencoder of seed 004: h = sigmoid(W_e^T x + b_e),
// x_hat = sigma_d(W_d^T h + b_d), with sigma_d the identity or the sigmoid.
// Its loss is the mean squared reconstruction error, a sparsity penalty on
// each hidden unit's mean activation t_j (target p, weight beta) and, when
// asked, the asymmetric weight decay of the decoder. Everything here is
// local (one rank's samples); training adds the all-reduce (training.hpp).
//
// Layouts: samples are columns (x: n x m column-major, one sample
// contiguous); both weight matrices are n x k column-major, so column j is
// hidden unit j's filter (encoder) or atom (decoder), and the buffer read
// as row-major [k][n] is the dictionary "one atom per row" of NMF's /H.
#include <cstdint>
#include <string>
#include <vector>

namespace nmfx::autoencoder {

enum class Penalty { none, kl, epsl1, log };
enum class DecoderActivation { identity, sigmoid };

/// The penalty on one unit's mean activation t: kl p log(p/t) + (1-p)
/// log((1-p)/(1-t)); epsl1 sqrt((p-t)^2 + eps); log log(1 + (p-t)^2).
double penalty(Penalty kind, double p, double eps, double t);
/// Its derivative with respect to t.
double penalty_derivative(Penalty kind, double p, double eps, double t);

/// What the loss is made of (the model's shape aside).
struct LossTerms {
  DecoderActivation decoder = DecoderActivation::sigmoid;
  Penalty penalty = Penalty::none;
  double target = 0.05;   // p
  double beta = 0;        // weight of the sparsity penalty
  double epsilon = 1e-8;  // epsl1's eps
  double decay = 0;       // lambda of the asymmetric weight decay (0: none)
  double alpha = 0;       // decay of the non-negative weights relative to the negative ones
};

/// The parameters, one flat vector (one all-reduce, one optimizer step):
/// W_e (n x k), b_e (k), W_d (n x k), b_d (n).
struct Parameters {
  Parameters(long n_features, int k);
  long n;
  int k;
  std::vector<double> values;
  double* encoder() { return values.data(); }
  const double* encoder() const { return values.data(); }
  double* encoder_bias() { return encoder() + n * k; }
  const double* encoder_bias() const { return encoder() + n * k; }
  double* decoder() { return encoder_bias() + k; }
  const double* decoder() const { return encoder_bias() + k; }
  double* decoder_bias() { return decoder() + n * k; }
  const double* decoder_bias() const { return decoder() + n * k; }
};

/// Glorot-uniform weights (a function of seed and index only), zero biases;
/// the decoder's absolute values when it is to be non-negative.
void initialize(Parameters& p, std::uint64_t seed, bool nonnegative_decoder);

/// codes (k x m) = sigmoid(W_e^T x + b_e) for x (n x m).
void encode(const Parameters& p, const double* x, long m, double* codes);

/// out (n x m) = sigma(atoms codes + bias) for atoms n x k (one per column),
/// codes k x m; `bias` may be null (none).
void decode(const double* atoms, const double* bias, DecoderActivation activation, long n, int k,
            const double* codes, long m, double* out);

/// Sums over one rank's samples that the loss needs: the reconstruction's
/// squared error and the squared norm of x.
struct BatchSums {
  double squared_error = 0, squared_norm = 0;
};

/// One rank's part of a batch on its way through the model: the codes (k x
/// m), the output (n x m) and the backward pass's deltas. Reused across
/// batches (resized as needed).
struct Pass {
  long m = 0;
  std::vector<double> codes, output, output_delta, code_delta;
};

/// The forward pass of `m` samples x (n x m): pass.codes and pass.output.
void forward(const Parameters& p, DecoderActivation activation, const double* x, long m, Pass& pass);

/// After forward(): adds to `gradient` (sized like p.values) the gradient
/// of the reconstruction error and the sparsity penalty over a batch of
/// `batch_size` samples (all ranks together) from this rank's part of it.
/// `mean_activation` (k) is t over the whole batch (read only with a
/// penalty). The decay is not included (see add_decay: it is added once,
/// after the all-reduce). Returns this rank's sums.
BatchSums backward(const Parameters& p, const LossTerms& terms, const double* x, long batch_size,
                   const std::vector<double>& mean_activation, Pass& pass, std::vector<double>& gradient);

/// The sparsity penalty beta sum_j S(p, t_j).
double sparsity_loss(const LossTerms& terms, const std::vector<double>& mean_activation);

/// Adds the asymmetric decay's gradient to `gradient` and returns its value
/// lambda sum f(w) (f = alpha w^2 for w >= 0, w^2 for w < 0).
double add_decay(const Parameters& p, const LossTerms& terms, std::vector<double>& gradient);

/// The whole loss over `m` samples on this rank alone (for tests): mean
/// squared error + penalty + decay.
double loss(const Parameters& p, const LossTerms& terms, const double* x, long m);

/// Projects the decoder's weights onto W_d >= 0.
void project_decoder(Parameters& p);

}  // namespace nmfx::autoencoder
