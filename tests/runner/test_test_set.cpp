// `nmfx fit --test`: the test error a fit records against a serial NNLS
// reference computed from the run file it wrote, and its refusals.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/runner/data.hpp"
#include "nmfx/runner/fit.hpp"

using namespace nmfx;

namespace {

/// ||X - W D||^2 / ||X||^2 for the exact non-negative codes W of the rows of
/// X (m x n, row-major) against the atoms D (k x n, row-major), serially:
/// coordinate descent on each sample's NNLS problem to convergence.
double nnls_rel_error(const std::vector<double>& x, const std::vector<double>& d, long n) {
  const long m = long(x.size()) / n, k = long(d.size()) / n;
  std::vector<double> g(std::size_t(k * k), 0.0);
  for (long a = 0; a < k; ++a)
    for (long b = 0; b < k; ++b)
      for (long j = 0; j < n; ++j) g[std::size_t(a * k + b)] += d[std::size_t(a * n + j)] * d[std::size_t(b * n + j)];
  double error = 0, norm2 = 0;
  for (long i = 0; i < m; ++i) {
    const double* row = x.data() + i * n;
    std::vector<double> c(std::size_t(k), 0.0), w(std::size_t(k), 0.0);
    for (long a = 0; a < k; ++a)
      for (long j = 0; j < n; ++j) c[std::size_t(a)] += d[std::size_t(a * n + j)] * row[j];
    for (int sweep = 0; sweep < 20000; ++sweep) {
      double change = 0;
      for (long a = 0; a < k; ++a) {
        double gradient = -c[std::size_t(a)];
        for (long b = 0; b < k; ++b) gradient += g[std::size_t(a * k + b)] * w[std::size_t(b)];
        const double next = std::max(0.0, w[std::size_t(a)] - gradient / g[std::size_t(a * k + a)]);
        change = std::max(change, std::abs(next - w[std::size_t(a)]));
        w[std::size_t(a)] = next;
      }
      if (change < 1e-15) break;
    }
    for (long j = 0; j < n; ++j) {
      double model = 0;
      for (long a = 0; a < k; ++a) model += w[std::size_t(a)] * d[std::size_t(a * n + j)];
      error += (row[j] - model) * (row[j] - model);
      norm2 += row[j] * row[j];
    }
  }
  return error / norm2;
}

/// The product of a row-major a (r x s) and b (s x n).
std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b, long r, long n) {
  const long s = long(a.size()) / r;
  std::vector<double> c(std::size_t(r * n), 0.0);
  for (long i = 0; i < r; ++i)
    for (long l = 0; l < s; ++l)
      for (long j = 0; j < n; ++j) c[std::size_t(i * n + j)] += a[std::size_t(i * s + l)] * b[std::size_t(l * n + j)];
  return c;
}

/// Training and test samples of one synthetic low-rank matrix (127 x 30):
/// its first 90 rows and the 37 others.
struct Files {
  std::string train = test::temp_path("train.h5"), test = test::temp_path("test.h5");
  Files() {
    const std::string all = test::temp_path("all.h5");
    runner::run_synth(MPI_COMM_WORLD, {127, 30, 5, 0.05, 11, all, {}}, false);
    const std::vector<double> x = io::File::open_read(MPI_COMM_WORLD, all).read_replicated("/X");
    if (Communicator(MPI_COMM_WORLD).rank() == 0) {
      io::File::create(MPI_COMM_SELF, train).write_replicated("/X", {90, 30}, x.data());
      io::File::create(MPI_COMM_SELF, test).write_replicated("/X", {37, 30}, x.data() + 90 * 30);
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
};

runner::FitConfig config(const Files& files, const std::string& output) {
  runner::FitConfig c;
  c.data_path = files.train;
  c.test_path = files.test;
  c.output_path = test::temp_path(output);
  c.rank = 4;
  c.max_iterations = 30;
  c.metrics_every = 10;
  c.block = 8;  // several blocks per rank on every grid
  return c;
}

}  // namespace

TEST_CASE("fit --test records the error of exact codes against the dictionary at every evaluation", "[test-set]") {
  const Files files;
  SECTION("nmf: the final error equals a serial NNLS against the written H") {
    for (const char* precision : {"double", "single"}) {
      runner::FitConfig c = config(files, std::string("nmf_") + precision + ".h5");
      c.precision = precision;
      const runner::FitSummary s = runner::run_fit(MPI_COMM_WORLD, c, false);
      io::File f = io::File::open_read(MPI_COMM_WORLD, c.output_path);
      const auto test = f.read_replicated("/metrics/test_rel_error");
      const auto residual = f.read_replicated("/metrics/test_rel_residual");
      CHECK(f.read_replicated("/metrics/iteration") == std::vector<double>{0, 10, 20, 30});
      REQUIRE(test.size() == 4);
      CHECK(residual.back() == Approx(std::sqrt(test.back())).epsilon(1e-15));
      CHECK(test.front() > test.back());  // training lowers the test error here too
      const double reference =
          nnls_rel_error(io::File::open_read(MPI_COMM_WORLD, files.test).read_replicated("/X"), f.read_replicated("/H"), 30);
      INFO(precision << ": recorded " << test.back() << ", reference " << reference);
      CHECK(test.back() == Approx(reference).epsilon(precision == std::string("double") ? 1e-10 : 1e-5));
      CHECK(s.test_rel_error == test.back());
      CHECK(f.read_string_attribute("test_algo") == "auto");
    }
  }
  SECTION("deep: against the product W2 H, with every --test-algo") {
    for (const char* algo : {"auto", "hals"}) {
      runner::FitConfig c = config(files, std::string("deep_") + algo + ".h5");
      c.rank = 0;
      c.model = "deep";
      c.ranks = {5, 3};
      c.test_algorithm = algo;
      c.test_tolerance = 0;
      c.test_max_iterations = 3000;
      runner::run_fit(MPI_COMM_WORLD, c, false);
      io::File f = io::File::open_read(MPI_COMM_WORLD, c.output_path);
      const auto test = f.read_replicated("/metrics/test_rel_error");
      const double reference =
          nnls_rel_error(io::File::open_read(MPI_COMM_WORLD, files.test).read_replicated("/X"),
                         product(f.read_replicated("/layers/W2"), f.read_replicated("/layers/H2"), 5, 30), 30);
      INFO(algo << ": recorded " << test.back() << ", reference " << reference);
      CHECK(test.back() == Approx(reference).epsilon(algo == std::string("auto") ? 1e-10 : 1e-6));
    }
  }
  SECTION("without metrics the final state is still measured") {
    runner::FitConfig c = config(files, "final_only.h5");
    c.metrics_every = 0;
    runner::run_fit(MPI_COMM_WORLD, c, false);
    io::File f = io::File::open_read(MPI_COMM_WORLD, c.output_path);
    CHECK(f.read_replicated("/metrics/iteration") == std::vector<double>{30});
    CHECK(f.read_replicated("/metrics/test_rel_error").size() == 1);
  }
}

TEST_CASE("fit --test refuses bad test sets on every rank", "[test-set]") {
  const Files files;
  const std::string other = test::temp_path("other.h5"), zeros = test::temp_path("zeros.h5");
  runner::run_synth(MPI_COMM_WORLD, {20, 12, 2, 0.05, 3, other, {}}, false);
  if (Communicator(MPI_COMM_WORLD).rank() == 0) {
    io::File z = io::File::create(MPI_COMM_SELF, zeros);
    const std::vector<double> none(30 * 4, 0.0);
    z.write_replicated("/X", {4, 30}, none.data());
  }
  MPI_Barrier(MPI_COMM_WORLD);
  auto failure = [&](const std::string& test_path) {
    runner::FitConfig c = config(files, "refused.h5");
    c.test_path = test_path;
    return test::failure_of([&] { runner::run_fit(MPI_COMM_WORLD, c, false); });
  };
  CHECK(failure(other) == "--test: /X in '" + other + "' has 12 features but the training data has 30");
  CHECK(failure(zeros) == "--test: /X in '" + zeros + "' is all zeros; its relative error is undefined");
  CHECK(failure(test::temp_path("missing.h5")).rfind("--test: ", 0) == 0);
  runner::FitConfig c = config(files, "refused.h5");
  c.test_path.clear();
  c.test_algorithm = "hals";
  CHECK(test::failure_of([&] { runner::run_fit(MPI_COMM_WORLD, c, false); }) ==
        "--test-algo, --test-max-iter, --test-tol and --test-l1 need --test");
}
