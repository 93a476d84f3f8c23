#include "nmfx/autoencoder/training.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/runner/run_file.hpp"

namespace nmfx::autoencoder {
namespace {

using settings::Type;
using settings::Value;

constexpr std::uint64_t stream_order = 43;

// Setting accessors: a field read as a Value, written after a check.
template <class T>
Value to_value(const T& v) {
  if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::uint64_t>) return long(v);
  else return v;
}

template <class T>
T from_value(const Value& v) {
  if constexpr (std::is_same_v<T, double>) {
    const double d = std::holds_alternative<long>(v) ? double(std::get<long>(v)) : std::get<double>(v);
    if (!std::isfinite(d)) throw Error("must be a finite number (got " + settings::to_text(v) + ")");
    return d;
  } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, long> || std::is_same_v<T, std::uint64_t>) {
    const long i = std::get<long>(v);
    if (i < 0 || (std::is_same_v<T, int> && i > 2147483647L))
      throw Error("value " + std::to_string(i) + " is out of range");
    return T(i);
  } else {
    return std::get<T>(v);
  }
}

template <class T>
Setting field(const char* name, Type type, const char* attribute, const char* help, T Config::*member,
              std::function<void(const T&)> check = {}) {
  Setting s;
  s.name = name;
  s.type = type;
  s.attribute = attribute;
  s.help = help;
  s.get = [member](const Config& c) { return to_value(c.*member); };
  s.set = [member, check](Config& c, const Value& v) {
    T value = from_value<T>(v);
    if (check) check(value);
    c.*member = std::move(value);
  };
  return s;
}


template <class T>
std::function<void(const T&)> in_range(T low, T high, bool open_low = false, bool open_high = false) {
  return [=](const T& v) {
    if ((open_low ? !(v > low) : !(v >= low)) || (open_high ? !(v < high) : !(v <= high)))
      throw Error(std::string("must lie in ") + (open_low ? "(" : "[") + settings::to_text(to_value(low)) + ", " +
                  settings::to_text(to_value(high)) + (open_high ? ")" : "]") + " (got " +
                  settings::to_text(to_value(v)) + ")");
  };
}

std::vector<Setting> declare() {
  using T = Type;
  const double huge = 1e300;
  std::vector<Setting> s;
  s.push_back(field<std::string>("data", T::text, "data", "dataset file (HDF5), the training samples", &Config::data_path));
  s.back().positional = true;
  s.back().file = true;
  s.push_back(field<std::string>("dataset", T::text, "dataset", "matrix inside the data file", &Config::dataset));
  s.push_back(field<int>("rank", T::integer, "rank", "hidden units k (the number of atoms)", &Config::rank,
                         in_range(1, 2147483647)));
  s.back().alias = "-k";
  s.push_back(field<std::string>("decoder", T::text, "decoder", "decoder activation: sigmoid | identity",
                                 &Config::decoder, settings::one_of({"sigmoid", "identity"})));
  s.push_back(field<std::string>("penalty", T::text, "penalty",
                                 "sparsity penalty on each unit's mean activation: none | kl | epsl1 | log",
                                 &Config::penalty, settings::one_of({"none", "kl", "epsl1", "log"})));
  s.push_back(field<double>("target", T::number, "target", "target mean activation p", &Config::target,
                            in_range(0.0, 1.0, true, true)));
  s.push_back(field<double>("beta", T::number, "beta", "weight of the sparsity penalty", &Config::beta,
                            in_range(0.0, huge)));
  s.push_back(field<double>("epsilon", T::number, "epsilon", "epsl1: eps in sqrt((p - t)^2 + eps)",
                            &Config::epsilon, in_range(0.0, huge, true)));
  s.push_back(field<std::string>("nonnegative", T::text, "nonnegative",
                                 "decoder weights >= 0: projection (after every step) | decay (asymmetric "
                                 "weight decay) | none",
                                 &Config::nonnegative, settings::one_of({"projection", "decay", "none"})));
  s.push_back(field<double>("decay", T::number, "decay", "decay: lambda, the weight decay's strength",
                            &Config::decay, in_range(0.0, huge)));
  s.push_back(field<double>("alpha", T::number, "alpha",
                            "decay: the decay of non-negative weights relative to negative ones",
                            &Config::alpha, in_range(0.0, 1.0)));
  s.push_back(field<std::string>("optimizer", T::text, "optimizer", "adam | sgd", &Config::optimizer,
                                 settings::one_of({"adam", "sgd"})));
  s.push_back(field<double>("learning-rate", T::number, "learning_rate", "step size", &Config::learning_rate,
                            in_range(0.0, huge, true)));
  s.push_back(field<long>("batch-size", T::integer, "batch_size", "samples per minibatch (all ranks together)",
                          &Config::batch_size, in_range(1L, 2147483647L)));
  s.push_back(field<long>("epochs", T::integer, "epochs", "passes over the training data",
                          &Config::epochs, in_range(0L, 2147483647L)));
  s.push_back(field<std::string>("test", T::text, "test", "dataset file of held-out samples: a test curve",
                                 &Config::test_path));
  s.back().file = true;
  s.push_back(field<std::uint64_t>("seed", T::integer, "seed", "random seed (weights and minibatches)", &Config::seed));
  return s;
}

std::string absolute(const std::string& path) {
  return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
}

/// The Adam or SGD step on the flat parameter vector.
class Optimizer {
 public:
  Optimizer(const Config& c, std::size_t size)
      : adam_(c.optimizer == "adam"), rate_(c.learning_rate), first_(adam_ ? size : 0), second_(adam_ ? size : 0) {}
  void step(std::vector<double>& p, const std::vector<double>& g) {
    const std::size_t size = p.size();
    if (!adam_) {
#pragma omp parallel for schedule(static)
      for (std::size_t i = 0; i < size; ++i) p[i] -= rate_ * g[i];
      return;
    }
    ++steps_;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1 - std::pow(b1, double(steps_)), c2 = 1 - std::pow(b2, double(steps_));
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < size; ++i) {
      first_[i] = b1 * first_[i] + (1 - b1) * g[i];
      second_[i] = b2 * second_[i] + (1 - b2) * g[i] * g[i];
      p[i] -= rate_ * (first_[i] / c1) / (std::sqrt(second_[i] / c2) + eps);
    }
  }

 private:
  bool adam_;
  double rate_;
  long steps_ = 0;
  std::vector<double> first_, second_;
};

/// Sum of squared errors and of squared norms of the model's output over
/// local samples (n x m), in chunks; summed over `comm`.
std::pair<double, double> reconstruction_sums(const Communicator& comm, const Parameters& p,
                                              DecoderActivation activation, const std::vector<double>& x) {
  const long m = long(x.size()) / p.n, chunk = 1024;
  Pass pass;
  double sums[2] = {0, 0};
  for (long start = 0; start < m; start += chunk) {
    const long count = std::min(chunk, m - start);
    const double* xs = x.data() + start * p.n;
    forward(p, activation, xs, count, pass);
    for (long e = 0; e < count * p.n; ++e) {
      const double r = pass.output[std::size_t(e)] - xs[e];
      sums[0] += r * r;
      sums[1] += xs[e] * xs[e];
    }
  }
  comm.sum(sums, 2);
  return {sums[0], sums[1]};
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = declare();
  return table;
}

LossTerms loss_terms(const Config& c) {
  LossTerms t;
  t.decoder = c.decoder == "identity" ? DecoderActivation::identity : DecoderActivation::sigmoid;
  t.penalty = c.penalty == "kl" ? Penalty::kl : c.penalty == "epsl1" ? Penalty::epsl1
            : c.penalty == "log" ? Penalty::log : Penalty::none;
  t.target = c.target;
  t.beta = c.beta;
  t.epsilon = c.epsilon;
  t.decay = c.nonnegative == "decay" ? c.decay : 0.0;
  t.alpha = c.alpha;
  return t;
}

std::vector<long> epoch_order(std::uint64_t seed, long epoch, long m) {
  std::vector<long> order(static_cast<std::size_t>(m));
  for (long i = 0; i < m; ++i) order[std::size_t(i)] = i;
  // Fisher-Yates, each draw a function of (seed, epoch, position).
  const std::uint64_t stream = stream_order + (std::uint64_t(epoch) << 8);
  for (long i = m - 1; i > 0; --i) {
    const long j = long(uniform01(seed, stream, std::uint64_t(i)) * double(i + 1));
    std::swap(order[std::size_t(i)], order[std::size_t(std::min(j, i))]);
  }
  return order;
}

std::vector<EpochRecord> train(const Communicator& comm, const Config& config, Parameters& p,
                               const std::vector<double>& x, const std::vector<long>& global_index,
                               long m_global, const std::vector<double>& test, long test_global,
                               bool verbose) {
  const LossTerms terms = loss_terms(config);
  const long n = p.n;
  const int k = p.k;
  const bool project = config.nonnegative == "projection";
  const bool penalized = terms.penalty != Penalty::none && terms.beta != 0;
  std::vector<long> local_of(std::size_t(m_global), -1);
  for (std::size_t i = 0; i < global_index.size(); ++i) local_of[std::size_t(global_index[i])] = long(i);

  Optimizer optimizer(config, p.values.size());
  // The gradient, then this rank's squared error and norm, then its activation sums.
  const std::size_t g_size = p.values.size();
  std::vector<double> reduced(g_size + 2 + std::size_t(k));
  std::vector<double> batch_x, activation(static_cast<std::size_t>(k)), mean_activation(activation);
  Pass pass;
  std::vector<EpochRecord> history;
  const double start = wall_time();
  const long batches = (m_global + config.batch_size - 1) / config.batch_size;
  for (long epoch = 1; epoch <= config.epochs; ++epoch) {
    const std::vector<long> order = epoch_order(config.seed, epoch, m_global);
    EpochRecord r;
    r.epoch = epoch;
    double error = 0, norm = 0, activation_total = 0;
    for (long b = 0; b < batches; ++b) {
      const long first = b * config.batch_size, size = std::min(config.batch_size, m_global - first);
      batch_x.clear();
      for (long i = first; i < first + size; ++i) {
        const long local = local_of[std::size_t(order[std::size_t(i)])];
        if (local >= 0) batch_x.insert(batch_x.end(), x.begin() + local * n, x.begin() + (local + 1) * n);
      }
      const long m = long(batch_x.size()) / n;
      forward(p, terms.decoder, batch_x.data(), m, pass);
      std::fill(activation.begin(), activation.end(), 0.0);
      for (long i = 0; i < m; ++i)
        for (int j = 0; j < k; ++j) activation[std::size_t(j)] += pass.codes[std::size_t(i * k + j)];
      // The penalty's gradient needs t over the whole batch first.
      if (penalized) comm.sum(activation);
      for (int j = 0; j < k; ++j) mean_activation[std::size_t(j)] = activation[std::size_t(j)] / double(size);
      std::fill(reduced.begin(), reduced.end(), 0.0);
      const BatchSums sums = backward(p, terms, batch_x.data(), size, mean_activation, pass, reduced);
      reduced[g_size] = sums.squared_error;
      reduced[g_size + 1] = sums.squared_norm;
      if (!penalized) std::copy(activation.begin(), activation.end(), reduced.begin() + long(g_size) + 2);
      comm.sum(reduced);  // the one all-reduce of the gradients
      if (!penalized)
        std::copy(reduced.begin() + long(g_size) + 2, reduced.end(), activation.begin());
      const double batch_mse = reduced[g_size] / (double(size) * double(n));
      const double sparsity = penalized ? sparsity_loss(terms, mean_activation) : 0.0;
      const double decay = add_decay(p, terms, reduced);
      optimizer.step(p.values, reduced);
      if (project) project_decoder(p);
      error += reduced[g_size];
      norm += reduced[g_size + 1];
      for (double a : activation) activation_total += a;
      r.reconstruction += batch_mse;
      r.sparsity += sparsity;
      r.decay += decay;
      r.loss += batch_mse + sparsity + decay;
    }
    if (batches > 0) {
      r.loss /= double(batches);
      r.reconstruction /= double(batches);
      r.sparsity /= double(batches);
      r.decay /= double(batches);
    }
    r.rel_error = norm > 0 ? error / norm : 0;
    r.mean_activation = m_global > 0 ? activation_total / (double(m_global) * k) : 0;
    r.min_decoder = *std::min_element(p.decoder(), p.decoder() + n * k);
    if (test_global > 0) {
      const auto [test_error, test_norm] = reconstruction_sums(comm, p, terms.decoder, test);
      r.test_mse = test_error / (double(test_global) * double(n));
      r.test_rel_error = test_norm > 0 ? test_error / test_norm : 0;
    }
    r.seconds = wall_time() - start;
    history.push_back(r);
    if (verbose && config.progress) {
      std::printf("epoch %4ld  loss %.6e  mse %.6e  sparsity %.3e  decay %.3e  mean h %.4f", epoch, r.loss,
                  r.reconstruction, r.sparsity, r.decay, r.mean_activation);
      if (test_global > 0) std::printf("  test mse %.6e", r.test_mse);
      std::printf("  %.1f s\n", r.seconds);
      std::fflush(stdout);
    }
  }
  return history;
}

void run_autoencoder(MPI_Comm comm_handle, const Config& config, bool verbose) {
  const Communicator comm(comm_handle);
  agree(comm_handle, config.rank > 0 ? "" : "--rank: must be >= 1 (got " + std::to_string(config.rank) + ")");
  io::AtomicOutput output(comm_handle, config.output_path, {config.data_path, config.test_path});
  const ProcessGrid grid(comm_handle, {comm.size(), 1});
  io::File data = io::File::open_read(comm_handle, config.data_path);
  io::Samples train_set = io::read_samples(data, config.dataset, grid, dist::default_block);
  const long n = train_set.features, m = train_set.rows.global_size();
  std::string bad;
  for (double v : train_set.values)
    if (!std::isfinite(v)) {
      bad = config.dataset + " in '" + config.data_path + "' has a non-finite value";
      break;
    }
  agree(comm_handle, bad);
  io::Samples test_set{dist::BlockCyclic1D(0, 1, 1, 0), n, {}};
  if (!config.test_path.empty()) {
    io::File test = io::File::open_read(comm_handle, config.test_path);
    test_set = io::read_samples(test, config.dataset, grid, dist::default_block);
    agree(comm_handle, test_set.features != n
                           ? config.dataset + " in '" + config.test_path + "' has " + std::to_string(test_set.features) +
                                 " features but the training data has " + std::to_string(n)
                           : "");
  }
  std::vector<long> global_index(std::size_t(train_set.local_count()));
  for (long i = 0; i < train_set.local_count(); ++i) global_index[std::size_t(i)] = train_set.rows.to_global(i);

  Parameters p(n, config.rank);
  initialize(p, config.seed, config.nonnegative == "projection");
  if (verbose)
    std::printf("nmfx autoencoder: %ld samples x %ld features, k = %d, %s, %ld epochs of %ld batches\n", m, n,
                config.rank, config.optimizer.c_str(), config.epochs, (m + config.batch_size - 1) / config.batch_size);
  const std::vector<EpochRecord> history =
      train(comm, config, p, train_set.values, global_index, m, test_set.values, test_set.rows.global_size(), verbose);

  // The codes of the training data, laid out like a fit's W.
  dist::Factor codes(config.rank, train_set.rows, {grid, dist::Along::rows});
  encode(p, train_set.values.data(), train_set.local_count(), codes.local.data());

  io::File out = io::File::create(comm_handle, output.temporary_path());
  runner::run_file::write_header(out, "run");
  for (const Setting& s : settings()) {
    if (s.attribute.empty()) continue;
    const Value v = s.get(config);
    if (s.file) out.write_attribute(s.attribute, absolute(std::get<std::string>(v)));
    else if (auto i = std::get_if<long>(&v)) out.write_attribute(s.attribute, *i);
    else if (auto d = std::get_if<double>(&v)) out.write_attribute(s.attribute, *d);
    else out.write_attribute(s.attribute, settings::to_text(v));
  }
  out.write_attribute("model", std::string("autoencoder"));
  out.write_attribute("algorithm", std::string("autoencoder"));
  out.write_attribute("command_line", config.command_line);
  out.write_attribute("grid", grid.shape().str());
  out.write_attribute("iterations", config.epochs);
  out.write_attribute("stop_reason", std::string("max_iter"));
  const hsize_t k = hsize_t(config.rank), features = hsize_t(n);
  out.write_replicated("/H", {k, features}, p.decoder());
  io::write_factor(out, "/W", codes, io::FactorLayout::index_major);
  out.write_replicated("/encoder/W", {k, features}, p.encoder());
  out.write_replicated("/encoder/b", {k}, p.encoder_bias());
  out.write_replicated("/decoder/b", {features}, p.decoder_bias());
  const hsize_t e = history.size();
  auto column = [&](const char* name, double EpochRecord::*member) {
    std::vector<double> v;
    for (const EpochRecord& r : history) v.push_back(r.*member);
    out.write_replicated(std::string("/history/") + name, {e}, v.data());
  };
  std::vector<long> epochs;
  for (const EpochRecord& r : history) epochs.push_back(r.epoch);
  out.write_replicated("/history/iteration", {e}, epochs.data());
  column("seconds", &EpochRecord::seconds);
  column("loss", &EpochRecord::loss);
  column("reconstruction", &EpochRecord::reconstruction);
  column("sparsity", &EpochRecord::sparsity);
  column("decay", &EpochRecord::decay);
  column("rel_error", &EpochRecord::rel_error);
  std::vector<double> residual;  // as fit records it: the square root of rel_error
  for (const EpochRecord& r : history) residual.push_back(std::sqrt(r.rel_error));
  out.write_replicated("/history/rel_residual", {e}, residual.data());
  column("test_mse", &EpochRecord::test_mse);
  column("test_rel_error", &EpochRecord::test_rel_error);
  column("mean_activation", &EpochRecord::mean_activation);
  column("min_decoder", &EpochRecord::min_decoder);
  out.close();
  output.commit();
  if (verbose) {
    const double seconds = history.empty() ? 0.0 : history.back().seconds;
    std::printf("nmfx autoencoder: %.2f s per epoch; wrote %s\n",
                history.empty() ? 0.0 : seconds / double(history.size()), config.output_path.c_str());
  }
}

}  // namespace nmfx::autoencoder
