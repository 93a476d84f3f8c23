#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "helpers.hpp"
#include "nmfx/autoencoder/model.hpp"
#include "nmfx/autoencoder/training.hpp"

using namespace nmfx;
using namespace nmfx::autoencoder;

namespace {

/// A small model with random weights and biases (all signs), and samples.
struct Case {
  long n = 7;
  int k = 4;
  long m = 6;
  Parameters p{7, 4};
  std::vector<double> x;
  Case() {
    for (std::size_t i = 0; i < p.values.size(); ++i) p.values[i] = 0.8 * (2 * uniform01(5, 1, i) - 1);
    x.resize(std::size_t(n * m));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = uniform01(5, 2, i);
  }
};

/// The analytic gradient of loss() (the whole batch on this rank).
std::vector<double> analytic(const Case& c, const LossTerms& terms) {
  Pass pass;
  forward(c.p, terms.decoder, c.x.data(), c.m, pass);
  std::vector<double> t(std::size_t(c.k), 0.0);
  for (long i = 0; i < c.m; ++i)
    for (int j = 0; j < c.k; ++j) t[std::size_t(j)] += pass.codes[std::size_t(i * c.k + j)] / double(c.m);
  std::vector<double> g(c.p.values.size(), 0.0);
  backward(c.p, terms, c.x.data(), c.m, t, pass, g);
  add_decay(c.p, terms, g);
  return g;
}

/// Largest relative difference between the analytic gradient and central
/// differences of loss().
double gradient_error(const LossTerms& terms) {
  Case c;
  const std::vector<double> g = analytic(c, terms);
  double worst = 0;
  const double h = 1e-6;
  for (std::size_t i = 0; i < c.p.values.size(); ++i) {
    const double keep = c.p.values[i];
    c.p.values[i] = keep + h;
    const double up = loss(c.p, terms, c.x.data(), c.m);
    c.p.values[i] = keep - h;
    const double down = loss(c.p, terms, c.x.data(), c.m);
    c.p.values[i] = keep;
    const double numeric = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(numeric - g[i]) / std::max(1e-3, std::abs(numeric)));
  }
  return worst;
}

/// Samples of a rank-3 non-negative model, in [0, 1].
double sample_value(long i, long l) {
  double v = 0;
  for (int r = 0; r < 3; ++r) v += uniform01(9, 20 + r, std::uint64_t(i)) * uniform01(9, 30 + r, std::uint64_t(l));
  return v / 3;
}

/// Trains on `comm` with the samples of global index g on the rank that
/// owns g's block of 4 (block-cyclic), and returns the parameters.
std::vector<double> train_on(const Communicator& comm, const Config& config, long m, long n,
                             std::vector<EpochRecord>* history = nullptr) {
  const dist::BlockCyclic1D map(m, 4, comm.size(), comm.rank());
  std::vector<double> x;
  std::vector<long> index;
  for (long i = 0; i < map.local_size(); ++i) {
    index.push_back(map.to_global(i));
    for (long l = 0; l < n; ++l) x.push_back(sample_value(map.to_global(i), l));
  }
  Parameters p(n, config.rank);
  initialize(p, config.seed, config.nonnegative == "projection");
  auto h = train(comm, config, p, x, index, m, {}, 0, false);
  if (history) *history = h;
  return p.values;
}

Config small_config() {
  Config c;
  c.rank = 5;
  c.batch_size = 8;
  c.epochs = 1;
  c.seed = 3;
  c.learning_rate = 0.01;
  return c;
}

}  // namespace

TEST_CASE("autoencoder: analytic gradients match finite differences", "[autoencoder]") {
  LossTerms terms;
  SECTION("mean squared error, sigmoid decoder") { CHECK(gradient_error(terms) < 1e-6); }
  SECTION("mean squared error, identity decoder") {
    terms.decoder = DecoderActivation::identity;
    CHECK(gradient_error(terms) < 1e-6);
  }
  for (Penalty kind : {Penalty::kl, Penalty::epsl1, Penalty::log}) {
    DYNAMIC_SECTION("sparsity penalty " << int(kind)) {
      terms.penalty = kind;
      terms.beta = 0.7;
      terms.target = 0.1;
      terms.epsilon = 0.01;
      CHECK(gradient_error(terms) < 1e-6);
    }
  }
  SECTION("asymmetric weight decay") {
    terms.decay = 0.3;
    terms.alpha = 0.2;
    CHECK(gradient_error(terms) < 1e-6);
  }
}

TEST_CASE("autoencoder: penalties and their derivatives", "[autoencoder]") {
  // At t = p every penalty is at its minimum.
  for (Penalty kind : {Penalty::kl, Penalty::epsl1, Penalty::log}) {
    CHECK(penalty_derivative(kind, 0.05, 0.01, 0.05) == Approx(0).margin(1e-12));
    CHECK(penalty(kind, 0.05, 0.01, 0.05) < penalty(kind, 0.05, 0.01, 0.2));
    CHECK(penalty(kind, 0.05, 0.01, 0.05) < penalty(kind, 0.05, 0.01, 0.01));
  }
  CHECK(penalty(Penalty::kl, 0.05, 0, 0.05) == Approx(0).margin(1e-15));
  CHECK(penalty(Penalty::epsl1, 0.1, 0.01, 0.4) == Approx(std::sqrt(0.09 + 0.01)));
  CHECK(penalty(Penalty::log, 0.1, 0, 0.4) == Approx(std::log(1.09)));
}

TEST_CASE("autoencoder: minibatch order is a permutation of (seed, epoch)", "[autoencoder]") {
  const std::vector<long> a = epoch_order(1, 1, 1000), b = epoch_order(1, 2, 1000), c = epoch_order(2, 1, 1000);
  std::vector<long> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  bool permutation = true;
  for (long i = 0; i < 1000; ++i) permutation = permutation && sorted[std::size_t(i)] == i;
  CHECK(permutation);
  CHECK(a == epoch_order(1, 1, 1000));
  CHECK(a != b);
  CHECK(a != c);
}

TEST_CASE("autoencoder: the projection keeps the decoder non-negative", "[autoencoder]") {
  const Communicator& self = Communicator::self();
  Config c = small_config();
  c.epochs = 3;
  c.decoder = "identity";
  std::vector<EpochRecord> history;
  const std::vector<double> projected = train_on(self, c, 40, 12, &history);
  Parameters shape(12, c.rank);
  const long offset = shape.decoder() - shape.values.data();
  const auto smallest = [&](const std::vector<double>& v) {
    return *std::min_element(v.begin() + offset, v.begin() + offset + 12 * c.rank);
  };
  CHECK(smallest(projected) >= 0);
  CHECK(history.back().min_decoder >= 0);
  // Without it the same training makes negative decoder weights (so the
  // check above can fail).
  c.nonnegative = "none";
  CHECK(smallest(train_on(self, c, 40, 12)) < 0);
  // Training lowers the error.
  CHECK(history.back().rel_error < history.front().rel_error);
}

TEST_CASE("autoencoder: any number of ranks trains the same model", "[autoencoder][mpi]") {
  const Communicator world(MPI_COMM_WORLD);
  for (const char* penalty : {"none", "kl"}) {
    for (const char* optimizer : {"adam", "sgd"}) {
      Config c = small_config();
      c.penalty = penalty;
      c.beta = 0.5;
      c.optimizer = optimizer;
      c.epochs = 2;
      const long m = 45, n = 10;  // 45 = 5 full batches of 8 and one of 5
      const std::vector<double> distributed = train_on(world, c, m, n);
      const std::vector<double> serial = train_on(Communicator::self(), c, m, n);
      const double difference = test::relative_difference(distributed, serial);
      INFO("penalty " << penalty << ", " << optimizer << ": " << difference);
      CHECK(test::all_ranks(difference < 1e-9));
    }
  }
}

TEST_CASE("autoencoder: settings refuse bad values with a reason", "[autoencoder]") {
  Config c;
  const auto set = [&](const std::string& name, nmfx::settings::Value v) {
    for (const Setting& s : autoencoder::settings())
      if (s.name == name) return s.set(c, v);
    FAIL("no setting " << name);
  };
  CHECK_THROWS_WITH(set("penalty", std::string("l2")), Catch::Contains("unknown value 'l2'"));
  CHECK_THROWS_WITH(set("target", 1.0), Catch::Contains("must lie in (0, 1)"));
  CHECK_THROWS_WITH(set("rank", 0L), Catch::Contains("must lie in [1"));
  CHECK_THROWS_WITH(set("learning-rate", 0.0), Catch::Contains("must lie in (0"));
  set("beta", 0.25);
  CHECK(c.beta == 0.25);
}
