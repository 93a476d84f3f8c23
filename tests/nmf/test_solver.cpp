#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/nmf/encode.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/nmf/sparseness.hpp"
#include "nmfx/nmf/solver.hpp"
#include "nmfx/runner/data.hpp"
#include "nmfx/runner/fit.hpp"

using namespace nmfx;

namespace {

struct Fit {
  std::vector<double> w, h;  // gathered: [m][k] and [n][k]
  nmf::SolveResult result;
};

template <class Scalar>
double squared_norm(MPI_Comm comm, const dist::BasicDistMatrix<Scalar>& x) {
  double s = 0;
  for (double v : x.local) s += v * v;
  MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, comm);
  return s;
}

/// Fits the test matrix (m x n) on `comm` with the given grid shape, X in
/// `Scalar` precision.
template <class Scalar = double>
Fit fit(MPI_Comm comm, GridShape shape, const std::string& algo, long m, long n, int k,
        long iterations, int block = 4) {
  ProcessGrid grid(comm, shape);
  dist::BasicDistMatrix<Scalar> x(grid, m, n, block, block);
  test::fill(x);
  const double norm2 = squared_norm(comm, x);
  double sum = 0;
  for (double v : x.local) sum += v;
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, comm);
  dist::Factor w0 = dist::Factor::rows_of(grid, k, x), h0 = dist::Factor::cols_of(grid, k, x);
  nmf::random_init(2026, sum / double(m * n), w0, h0);
  // The factors in X's precision, as a fit holds them.
  auto w = dist::BasicFactor<Scalar>::converted(w0), h = dist::BasicFactor<Scalar>::converted(h0);
  auto rule_w = nmf::make_rule(algo), rule_h = nmf::make_rule(algo);
  Fit out;
  out.result = nmf::solve(grid, x, norm2, w, h, *rule_w, *rule_h, {iterations, 0, 0});
  out.w = test::gather(dist::Factor::converted(w));
  out.h = test::gather(dist::Factor::converted(h));
  return out;
}

/// 1/2 x^T G x - c^T x for a k x k column-major G.
double quadratic(int k, const std::vector<double>& g, const std::vector<double>& c, const std::vector<double>& x) {
  double v = 0;
  for (int i = 0; i < k; ++i) {
    double gx = 0;
    for (int j = 0; j < k; ++j) gx += g[std::size_t(j * k + i)] * x[std::size_t(j)];
    v += 0.5 * x[std::size_t(i)] * gx - c[std::size_t(i)] * x[std::size_t(i)];
  }
  return v;
}

/// The serial NNLS reference: coordinate descent on the quadratic above from
/// 0, 20000 sweeps (run to convergence for these small problems).
std::vector<double> coordinate_descent(int k, const std::vector<double>& g, const std::vector<double>& c) {
  std::vector<double> x(static_cast<std::size_t>(k), 0.0);
  for (int sweep = 0; sweep < 20000; ++sweep)
    for (int i = 0; i < k; ++i) {
      double grad = -c[std::size_t(i)];
      for (int j = 0; j < k; ++j) grad += g[std::size_t(j * k + i)] * x[std::size_t(j)];
      x[std::size_t(i)] = std::max(0.0, x[std::size_t(i)] - grad / g[std::size_t(i * k + i)]);
    }
  return x;
}

}  // namespace

TEST_CASE("mu, hals, anls and pgd never increase the objective", "[nmf]") {
  for (const std::string algo : {"mu", "hals", "anls", "pgd"})
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      const Fit f = fit(MPI_COMM_WORLD, shape, algo, 60, 40, 5, 60);
      const auto& hist = f.result.history;
      REQUIRE(hist.size() == 61);
      bool monotone = true;
      for (std::size_t i = 1; i < hist.size(); ++i)
        monotone = monotone && hist[i].rel_error <= hist[i - 1].rel_error * (1 + 1e-12);
      INFO(algo << " on " << shape.str());
      CHECK(monotone);
      CHECK(hist.back().rel_error < 0.9 * hist.front().rel_error);
    }
}

TEST_CASE("adam lowers the objective; als projects exact least squares", "[nmf]") {
  const GridShape shape = choose_grid(test::world_size(), 60, 40);
  const Fit adam = fit(MPI_COMM_WORLD, shape, "adam", 60, 40, 5, 200);
  CHECK(adam.result.history.back().rel_error < 0.8 * adam.result.history.front().rel_error);
  // ALS may oscillate; it promises non-negative factors and, per half-step,
  // the projection of the unconstrained least-squares solution.
  const Fit als = fit(MPI_COMM_WORLD, shape, "als", 60, 40, 5, 20);
  bool ok = true;
  for (double v : als.w) ok = ok && v >= 0 && std::isfinite(v);
  for (double v : als.h) ok = ok && v >= 0 && std::isfinite(v);
  CHECK(ok);
  CHECK(als.result.history.back().rel_error < als.result.history.front().rel_error);
}

TEST_CASE("NNLS by block principal pivoting meets the KKT conditions", "[nmf]") {
  // Random problems: G = B B^T (SPD, well and badly conditioned), c = B y
  // for y of mixed signs, from every warm start (empty, full, random).
  std::vector<double> scratch;
  for (int k : {1, 3, 10, 40})
    for (int trial = 0; trial < 20; ++trial) {
      const int samples = k + 5 + trial;
      std::vector<double> b(std::size_t(k) * samples), g(std::size_t(k) * k, 0.0), c(std::size_t(k), 0.0);
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = uniform01(trial, 91, i) - (trial % 3 == 0 ? 0.2 : 0.5);
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j)
          for (int s = 0; s < samples; ++s) g[std::size_t(j * k + i)] += b[std::size_t(s * k + i)] * b[std::size_t(s * k + j)];
      for (int s = 0; s < samples; ++s) {
        const double y = uniform01(trial, 92, std::uint64_t(s)) - 0.4;
        for (int i = 0; i < k; ++i) c[std::size_t(i)] += b[std::size_t(s * k + i)] * y;
      }
      double scale = 0;
      for (double v : c) scale = std::max(scale, std::abs(v));
      for (int start = 0; start < 3; ++start) {
        std::vector<double> x(static_cast<std::size_t>(k));
        for (int i = 0; i < k; ++i) x[std::size_t(i)] = start == 0 ? 0.0 : start == 1 ? 1.0 : double(i % 2);
        nmf::solve_nnls(k, g.data(), c.data(), x.data(), scratch);
        bool kkt = true;
        for (int i = 0; i < k; ++i) {
          double grad = -c[std::size_t(i)];
          for (int j = 0; j < k; ++j) grad += g[std::size_t(j * k + i)] * x[std::size_t(j)];
          kkt = kkt && x[std::size_t(i)] >= 0 && grad >= -1e-8 * scale &&
                std::abs(x[std::size_t(i)] * grad) <= 1e-8 * scale * std::max(1.0, x[std::size_t(i)]);
        }
        INFO("k=" << k << " trial " << trial << " start " << start);
        CHECK(kkt);
      }
    }
}

TEST_CASE("penalties: l1 makes factors sparser, l2 smaller", "[nmf]") {
  const GridShape shape = choose_grid(test::world_size(), 50, 30);
  for (const std::string algo : {"mu", "hals", "anls", "pgd", "als", "adam"}) {
    auto run = [&](double l1, double l2) {
      ProcessGrid grid(MPI_COMM_WORLD, shape);
      dist::DistMatrix x(grid, 50, 30, 4, 4);
      test::fill(x);
      dist::Factor w = dist::Factor::rows_of(grid, 4, x), h = dist::Factor::cols_of(grid, 4, x);
      nmf::random_init(3, 0.5, w, h);
      nmf::RuleOptions o;
      o.l1 = l1;
      o.l2 = l2;
      o.learning_rate = 1e-2;
      auto rw = nmf::make_rule(algo, o), rh = nmf::make_rule(algo, o);
      nmf::solve(grid, x, squared_norm(MPI_COMM_WORLD, x), w, h, *rw, *rh, {60, 0, 0});
      double norm = 0;  // ||W||_1 + ||H||_1 over all global entries
      for (double v : test::gather(w)) norm += v;
      for (double v : test::gather(h)) norm += v;
      return norm;
    };
    const double plain = run(0, 0), lasso = run(2.0, 0), ridge = run(0, 5.0);
    INFO(algo);
    CHECK(lasso < plain);
    CHECK(ridge < plain);
  }
}

TEST_CASE("the same seed gives the same factors on every grid", "[nmf]") {
  for (const std::string algo : {"mu", "hals", "anls", "pgd", "als", "adam"}) {
    // Serial reference: one rank alone, 1x1 grid.
    const Fit ref = fit(MPI_COMM_SELF, {1, 1}, algo, 45, 31, 6, 50);
    for (const GridShape shape : test::all_shapes(test::world_size()))
      for (int block : {2, 64}) {
        const Fit got = fit(MPI_COMM_WORLD, shape, algo, 45, 31, 6, 50, block);
        INFO(algo << " on " << shape.str() << " block " << block);
        CHECK(test::relative_difference(got.w, ref.w) < 1e-10);
        CHECK(test::relative_difference(got.h, ref.h) < 1e-10);
        CHECK(got.result.iterations == 50);
      }
  }
}

TEST_CASE("update_factor: each copy updates its own share, and every copy gets all shares", "[nmf]") {
  // All ranks in one grid row: W's rows have one copy per rank. Each copy
  // poses a different problem (C = its rank + 1, G = I), so after als
  // (F = C) an index holds the number of the copy that updated it. With 70
  // rows the shares, cut at multiples of 64, are empty but the last one.
  const int size = test::world_size();
  ProcessGrid grid(MPI_COMM_WORLD, {1, size});
  for (const long rows : {1000L, 70L}) {
    dist::DistMatrix x(grid, rows, 4 * size, 4, 4);
    dist::Factor w = dist::Factor::rows_of(grid, 3, x);
    const std::vector<double> cross(w.local.size(), grid.rank() + 1.0);
    const std::vector<double> identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
    nmf::update_factor(*nmf::make_rule("als"), w, cross.data(), identity.data(), nullptr);
    for (int copy = 0; copy < size; ++copy)
      for (long i = dist::share_start(rows, size, copy); i < dist::share_start(rows, size, copy + 1); ++i)
        for (int j = 0; j < 3; ++j) {
          INFO(rows << " rows: index " << i << " from copy " << copy);
          CHECK(w.vector(i)[j] == copy + 1.0);
        }
  }
}

TEST_CASE("the copies of a factor share its update and stay identical to the bit", "[nmf]") {
  // On a grid with copies (two or more ranks in a grid row or column), each
  // copy updates a share of the indices and the copies gather the shares;
  // the grid test above checks the result against the serial one.
  auto check = [](auto scalar, const std::string& algo, GridShape shape) {
    using Scalar = decltype(scalar);
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    dist::BasicDistMatrix<Scalar> x(grid, 300, 70, 4, 4);  // on 1x2, W's copies split 300 rows 128 / 172
    test::fill(x);
    dist::Factor w0 = dist::Factor::rows_of(grid, 5, x), h0 = dist::Factor::cols_of(grid, 5, x);
    nmf::random_init(7, 0.5, w0, h0);
    auto w = dist::BasicFactor<Scalar>::converted(w0), h = dist::BasicFactor<Scalar>::converted(h0);
    auto rule_w = nmf::make_rule(algo), rule_h = nmf::make_rule(algo);
    nmf::solve(grid, x, squared_norm(MPI_COMM_WORLD, x), w, h, *rule_w, *rule_h, {8, 0, 0});
    for (const auto* f : {&w, &h}) {
      std::vector<Scalar> high = f->local, low = f->local;
      f->replica_comm().max(high);
      f->replica_comm().min(low);
      INFO(algo << " on " << shape.str() << (sizeof(Scalar) == 4 ? " in single precision" : ""));
      CHECK(high == low);
      CHECK(high == f->local);
    }
  };
  for (const std::string algo : {"mu", "hals", "anls", "pgd", "als", "adam"})
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      check(double(), algo, shape);
      check(float(), algo, shape);
    }
}

TEST_CASE("every rule's float update follows its double update to float32's rounding", "[nmf]") {
  // The same problem (inputs representable in float) through both
  // precisions: mu and hals run in float, the others in double on widened
  // copies; one-sided, and two-sided where the rule has it. k = 150 puts
  // hals's components in two blocks.
  ProcessGrid grid(MPI_COMM_SELF, {1, 1});
  for (const int k : {6, 150}) {
    const long count = 300;
    std::vector<double> b(std::size_t(k) * 2 * k), g(std::size_t(k) * k), right(std::size_t(count) * count, 0.0);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = double(float(std::fmod(double(i) * 0.6180339887, 1.0)));
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j)
        for (int l = 0; l < 2 * k; ++l) g[std::size_t(j * k + i)] += b[std::size_t(l * k + i)] * b[std::size_t(l * k + j)];
    for (long i = 0; i < count; ++i) right[std::size_t(i * count + i)] = 1.0 + double(i % 3);
    dist::Factor f = dist::Factor::replicated(grid, k, count);
    std::vector<double> c(f.local.size());
    for (std::size_t i = 0; i < f.local.size(); ++i) {
      f.local[i] = double(float(std::fmod(double(i) * 0.7548776662, 1.0)));
      c[i] = double(float(double(k) * std::fmod(double(i) * 0.5698402910, 1.0)));
    }
    const std::vector<float> c_single(c.begin(), c.end());
    for (const std::string algo : {"mu", "hals", "anls", "pgd", "als", "adam"})
      for (const bool two_sided : {false, true}) {
        if (two_sided && (algo == "anls" || algo == "als")) continue;
        const double* r = two_sided ? right.data() : nullptr;
        dist::Factor wide = f;
        dist::SingleFactor single = dist::SingleFactor::converted(f);
        nmf::make_rule(algo)->update(wide, c.data(), g.data(), r);
        nmf::make_rule(algo)->update(single, c_single.data(), g.data(), r);
        INFO(algo << " k = " << k << (two_sided ? " two-sided" : ""));
        CHECK(test::relative_difference(dist::Factor::converted(single).local, wide.local) < 1e-5);
        CHECK(single.local != dist::SingleFactor::converted(f).local);  // it did update
      }
  }
}

TEST_CASE("single precision follows double to float32's rounding, on every grid", "[nmf]") {
  // X and the factors rounded to float32 (relative 6e-8) and products
  // summed in float move the iterates by ~1e-6 relative per iteration; 30
  // iterations of HALS amplify the differences between grids (other sum
  // orders) to about 2e-5.
  for (const std::string algo : {"mu", "hals", "anls", "pgd", "adam"}) {
    const Fit ref = fit(MPI_COMM_SELF, {1, 1}, algo, 45, 31, 6, 30);
    const Fit single_ref = fit<float>(MPI_COMM_SELF, {1, 1}, algo, 45, 31, 6, 30);
    CHECK(test::relative_difference(single_ref.w, ref.w) < 1e-4);
    CHECK(test::relative_difference(single_ref.h, ref.h) < 1e-4);
    for (const GridShape shape : test::all_shapes(test::world_size()))
      for (int block : {2, 64}) {
        const Fit got = fit<float>(MPI_COMM_WORLD, shape, algo, 45, 31, 6, 30, block);
        INFO(algo << " on " << shape.str() << " block " << block);
        CHECK(test::relative_difference(got.w, single_ref.w) < 5e-5);
        CHECK(test::relative_difference(got.h, single_ref.h) < 5e-5);
        const double e = got.result.history.back().rel_error, e_ref = ref.result.history.back().rel_error;
        CHECK(std::abs(e - e_ref) < 1e-6 * e_ref + 1e-7);
        CHECK(got.result.iterations == 30);
      }
  }
}

TEST_CASE("dead components neither divide by zero nor raise the objective", "[nmf]") {
  for (const std::string algo : {"mu", "hals"}) {
    ProcessGrid grid(MPI_COMM_WORLD, choose_grid(test::world_size(), 30, 20));
    dist::DistMatrix x(grid, 30, 20, 4, 4);
    test::fill(x);
    const double norm2 = squared_norm(MPI_COMM_WORLD, x);
    dist::Factor w = dist::Factor::rows_of(grid, 4, x), h = dist::Factor::cols_of(grid, 4, x);
    nmf::random_init(1, 0.5, w, h);
    for (long c = 0; c < w.local_count(); ++c) w.vector(c)[0] = 0;  // component 0 dead in W
    for (long c = 0; c < h.local_count(); ++c) h.vector(c)[0] = 0;  // ... and in H
    auto rule_w = nmf::make_rule(algo), rule_h = nmf::make_rule(algo);
    const auto result = nmf::solve(grid, x, norm2, w, h, *rule_w, *rule_h, {20, 0, 0});
    bool finite = true;
    for (double v : w.local) finite = finite && std::isfinite(v) && v >= 0;
    for (double v : h.local) finite = finite && std::isfinite(v) && v >= 0;
    INFO(algo);
    CHECK(test::all_ranks(finite));
    CHECK(result.history.back().rel_error <= result.history.front().rel_error);
  }
}

TEST_CASE("stop criteria: tolerance and time limit agree on every rank", "[nmf]") {
  const GridShape shape = choose_grid(test::world_size(), 40, 30);
  ProcessGrid grid(MPI_COMM_WORLD, shape);
  dist::DistMatrix x(grid, 40, 30, 4, 4);
  test::fill(x);
  const double norm2 = squared_norm(MPI_COMM_WORLD, x);
  auto rule = nmf::make_rule("mu");  // stateless: one object serves both factors
  dist::Factor w = dist::Factor::rows_of(grid, 3, x), h = dist::Factor::cols_of(grid, 3, x);
  nmf::random_init(5, 0.5, w, h);
  const auto by_tol = nmf::solve(grid, x, norm2, w, h, *rule, *rule, {100000, 1e-3, 0});
  CHECK(by_tol.stop_reason == nmf::StopReason::tol);
  CHECK(by_tol.iterations < 100000);
  const auto by_time = nmf::solve(grid, x, norm2, w, h, *rule, *rule, {100000000, 0, 0.2});
  CHECK(by_time.stop_reason == nmf::StopReason::time_limit);
  CHECK(by_time.history.back().seconds >= 0.2);
  long mine = by_time.iterations, most = 0;
  MPI_Allreduce(&mine, &most, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
  CHECK(most == mine);
}

TEST_CASE("HALS recovers the seeds' exact rank-25 synthetic matrix", "[nmf]") {
  // nmfx synth --rows 200 --cols 100 --rank 25 --noise 0 --seed 2026, then
  // nmfx fit --rank 25 --algo hals --max-iter 2000.
  const std::string data = test::temp_path("synth.h5"), run = test::temp_path("synth_run.h5");
  runner::run_synth(MPI_COMM_WORLD, {200, 100, 25, 0.0, 2026, data, {}}, false);
  runner::FitConfig config;
  config.data_path = data;
  config.output_path = run;
  config.rank = 25;
  config.algorithm = "hals";
  config.max_iterations = 2000;
  const runner::FitSummary s = runner::run_fit(MPI_COMM_WORLD, config, false);
  CHECK(s.rel_error < 1e-4);
  io::File f = io::File::open_read(MPI_COMM_WORLD, run);
  const auto rel_error = f.read_replicated("/history/rel_error");
  CHECK(rel_error.size() == 2001);
  CHECK(rel_error.back() == Approx(s.rel_error).epsilon(1e-12));
}

TEST_CASE("Hoyer's projection reaches the target sparseness on every grid", "[nmf]") {
  for (const GridShape shape : test::all_shapes(test::world_size()))
    for (double target : {0.0, 0.3, 0.6, 0.9, 1.0}) {
      ProcessGrid grid(MPI_COMM_WORLD, shape);
      const dist::FactorDistribution along_rows(grid, dist::Along::rows);
      dist::Factor f(4, along_rows.map(37, 3), along_rows);
      for (long c = 0; c < f.local_count(); ++c)
        for (int j = 0; j < 4; ++j) f.vector(c)[j] = test::entry(f.map.to_global(c), j, 5) - (j == 3 ? 2.0 : 0.3);
      const auto before = test::gather(f);
      nmf::project_sparseness(f, target);
      const auto after = test::gather(f);
      bool ok = true;
      for (int j = 0; j < 3; ++j) {  // component 3 is all negative: its projection is undefined
        double l1 = 0, l2 = 0, l2_before = 0;
        for (long i = 0; i < 37; ++i) {
          const double v = after[std::size_t(i * 4 + j)];
          ok = ok && v >= 0;
          l1 += v;
          l2 += v * v;
          l2_before += before[std::size_t(i * 4 + j)] * before[std::size_t(i * 4 + j)];
        }
        const double sparseness = (std::sqrt(37.0) - l1 / std::sqrt(l2)) / (std::sqrt(37.0) - 1);
        INFO("grid " << shape.str() << " target " << target << " component " << j);
        CHECK(sparseness == Approx(target).margin(1e-6));
        CHECK(std::sqrt(l2) == Approx(std::sqrt(l2_before)).epsilon(1e-9));
      }
      CHECK(ok);
    }
}

TEST_CASE("NNLS stays optimal when atoms are (nearly) duplicates", "[nmf]") {
  // k = 30 atoms in 40 dimensions; atoms 1 and 3 copy atoms 0 and 2 up to
  // tiny perturbations, so G is numerically singular.
  const int k = 30, dims = 40;
  for (double perturbation : {0.0, 1e-9, 1e-7}) {
    std::vector<double> b(std::size_t(k) * dims), g(std::size_t(k) * k, 0.0), c(std::size_t(k), 0.0);
    for (int j = 0; j < k; ++j)
      for (int d = 0; d < dims; ++d)
        b[std::size_t(j * dims + d)] = uniform01(7, 93, std::uint64_t(j * dims + d));
    for (int d = 0; d < dims; ++d) {
      b[std::size_t(1 * dims + d)] = b[std::size_t(d)] + perturbation * uniform01(8, 93, std::uint64_t(d));
      b[std::size_t(3 * dims + d)] = b[std::size_t(2 * dims + d)] + perturbation * uniform01(9, 93, std::uint64_t(d));
    }
    std::vector<double> target(static_cast<std::size_t>(dims));
    for (int d = 0; d < dims; ++d) target[std::size_t(d)] = 2 * uniform01(10, 93, std::uint64_t(d));
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < k; ++j)
        for (int d = 0; d < dims; ++d) g[std::size_t(j * k + i)] += b[std::size_t(i * dims + d)] * b[std::size_t(j * dims + d)];
      for (int d = 0; d < dims; ++d) c[std::size_t(i)] += b[std::size_t(i * dims + d)] * target[std::size_t(d)];
    }
    auto objective = [&](const std::vector<double>& x) { return quadratic(k, g, c, x); };
    // Reference: coordinate descent run to convergence.
    const std::vector<double> cd = coordinate_descent(k, g, c);
    std::vector<double> x(static_cast<std::size_t>(k), 1.0), scratch;
    nmf::solve_nnls(k, g.data(), c.data(), x.data(), scratch);
    INFO("perturbation " << perturbation);
    CHECK(objective(x) <= objective(cd) + 1e-9 * std::abs(objective(cd)));
  }
}

TEST_CASE("NNLS is optimal against overcomplete dictionaries (singular G)", "[nmf]") {
  // More atoms than dimensions: G = B B^T has rank `dims` < k, as in ANLS
  // and encode at k > min(m, n). The optimum is then not unique, its value
  // is: compare with coordinate descent run to convergence, from several
  // warm starts.
  std::vector<double> scratch;
  for (const auto& [k, dims] : {std::pair{12, 5}, std::pair{40, 10}, std::pair{90, 30}})
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<double> b(std::size_t(k) * dims), g(std::size_t(k) * k, 0.0), c(std::size_t(k), 0.0);
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = uniform01(trial, 94, i);
      std::vector<double> target(static_cast<std::size_t>(dims));
      for (int d = 0; d < dims; ++d) target[std::size_t(d)] = uniform01(trial, 95, std::uint64_t(d)) - 0.2 * (trial % 2);
      for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j)
          for (int d = 0; d < dims; ++d) g[std::size_t(j * k + i)] += b[std::size_t(i * dims + d)] * b[std::size_t(j * dims + d)];
        for (int d = 0; d < dims; ++d) c[std::size_t(i)] += b[std::size_t(i * dims + d)] * target[std::size_t(d)];
      }
      double norm2 = 0;  // 1/2 ||target||^2 makes the objective the squared residual / 2
      for (double t : target) norm2 += t * t;
      auto objective = [&](const std::vector<double>& x) { return 0.5 * norm2 + quadratic(k, g, c, x); };
      const std::vector<double> cd = coordinate_descent(k, g, c);
      for (int start = 0; start < 3; ++start) {
        std::vector<double> x(static_cast<std::size_t>(k));
        for (int i = 0; i < k; ++i) x[std::size_t(i)] = start == 0 ? 0.0 : start == 1 ? 1.0 : double(i % 2);
        nmf::solve_nnls(k, g.data(), c.data(), x.data(), scratch);
        INFO("k=" << k << " dims=" << dims << " trial " << trial << " start " << start << ": residual "
                  << objective(x) << " vs coordinate descent " << objective(cd));
        CHECK(objective(x) <= objective(cd) + 1e-9 * (0.5 * norm2));
      }
    }
}

TEST_CASE("overcomplete fits (k > n, k > m) lower the objective on every grid", "[nmf][overcomplete]") {
  // 60 x 40 with k = 50 > n, and 30 x 40 with k = 50 > m and n: the Gram
  // matrices are singular; anls's NNLS must still be exact (monotone).
  for (const auto& [m, n] : {std::pair{60L, 40L}, std::pair{30L, 40L}})
    for (const std::string algo : {"mu", "hals", "anls", "pgd", "adam"})
      for (const GridShape shape : test::all_shapes(test::world_size())) {
        const Fit f = fit(MPI_COMM_WORLD, shape, algo, m, n, 50, 30);
        const auto& hist = f.result.history;
        bool monotone = true, finite = true;
        for (std::size_t i = 1; i < hist.size(); ++i)
          monotone = monotone && hist[i].rel_error <= hist[i - 1].rel_error * (1 + 1e-12);
        for (double v : f.w) finite = finite && std::isfinite(v) && v >= 0;
        INFO(algo << " " << m << "x" << n << " k=50 on " << shape.str() << ": rel_error "
                  << hist.front().rel_error << " -> " << hist.back().rel_error);
        CHECK(hist.size() == 31);
        CHECK(finite);
        if (algo != "adam") CHECK(monotone);  // adam's steps may overshoot
        CHECK(hist.back().rel_error < (algo == "adam" ? 0.99 : 0.5) * hist.front().rel_error);
      }
}

TEST_CASE("an overcomplete fit (k > n) gives the same factors on every grid", "[nmf][overcomplete]") {
  for (const std::string algo : {"mu", "hals", "anls", "pgd"}) {
    const Fit ref = fit(MPI_COMM_SELF, {1, 1}, algo, 45, 31, 40, 20);
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      const Fit got = fit(MPI_COMM_WORLD, shape, algo, 45, 31, 40, 20, 3);
      INFO(algo << " on " << shape.str());
      CHECK(test::relative_difference(got.w, ref.w) < 1e-9);
      CHECK(test::relative_difference(got.h, ref.h) < 1e-9);
    }
  }
}

TEST_CASE("iterative encoding reaches exact anls's codes", "[nmf][encode]") {
  // X (50 x 12) against a random dictionary of k = 8 atoms (a unique
  // optimum: the codes themselves must agree) and of k = 20 > n atoms (an
  // overcomplete one: the errors must agree), with and without L1.
  for (const int k : {8, 20})
    for (const double l1 : {0.0, 0.05})
      for (const GridShape shape : test::all_shapes(test::world_size())) {
        ProcessGrid grid(MPI_COMM_WORLD, shape);
        dist::DistMatrix x(grid, 50, 12, 4, 4);
        test::fill(x);
        const double norm2 = squared_norm(MPI_COMM_WORLD, x);
        dist::Factor w = dist::Factor::rows_of(grid, k, x), h = dist::Factor::cols_of(grid, k, x);
        nmf::random_init(3, 0.5, w, h);
        auto codes = [&](const char* algo, long iterations, double tolerance) {
          nmf::EncodeOptions options{nmf::parse_algorithm(algo), l1, iterations, tolerance};
          const nmf::EncodeResult r = nmf::encode(grid, x, norm2, h, w, options);
          return std::pair{r, test::gather(w)};
        };
        const auto [exact, exact_w] = codes("anls", 1, 0);
        const auto [hals, hals_w] = codes("hals", 3000, 0);
        const auto [mu, mu_w] = codes("mu", 3000, 0);
        const auto [by_tol, tol_w] = codes("hals", 100000, 1e-6);
        INFO("k=" << k << " l1=" << l1 << " on " << shape.str() << ": anls " << exact.rel_error << ", hals "
                  << hals.rel_error << ", mu " << mu.rel_error << ", hals to tol " << by_tol.rel_error);
        CHECK(exact.iterations == 1);
        CHECK(hals.iterations == 3000);
        CHECK(by_tol.stop_reason == nmf::StopReason::tol);
        CHECK(by_tol.iterations < 100000);
        if (l1 == 0) {  // without a penalty the error is the objective: nothing beats exact
          CHECK(hals.rel_error >= exact.rel_error * (1 - 1e-9));
          CHECK(hals.rel_error <= exact.rel_error * (1 + 1e-6));
          CHECK(mu.rel_error <= exact.rel_error * (1 + 1e-2));
        }
        if (k < 12) CHECK(test::relative_difference(hals_w, exact_w) < 1e-5);
        else CHECK(hals.rel_error == Approx(exact.rel_error).epsilon(1e-3));
      }
}

TEST_CASE("HALS's blocked sweep equals the textbook sweep, one component at a time", "[nmf]") {
  // k = 300: two full blocks of components and a partial one; 600 indices:
  // two full tiles and a partial one. The reference minimizes component j
  // of every index exactly with all others current:
  // F_j <- max(0, F_j - ((G + l2 I) F - C + l1)_j / (G_jj + l2)),
  // skipping j where G_jj + l2 = 0 (component 140 is dead: its row and
  // column of G are 0).
  const int k = 300;
  const long count = 600;
  ProcessGrid grid(MPI_COMM_SELF, {1, 1});
  std::vector<double> b(std::size_t(k) * 400), g(std::size_t(k) * k);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::fmod(double(i) * 0.6180339887, 1.0) - 0.3;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      double s = 0;
      for (int l = 0; l < 400; ++l) s += b[std::size_t(l * k + i)] * b[std::size_t(l * k + j)];
      g[std::size_t(j * k + i)] = i == 140 || j == 140 ? 0.0 : s;
    }
  dist::Factor f = dist::Factor::replicated(grid, k, count), c = dist::Factor::replicated(grid, k, count);
  for (std::size_t i = 0; i < f.local.size(); ++i) {
    f.local[i] = std::fmod(double(i) * 0.7548776662, 1.0);
    c.local[i] = 40.0 * (std::fmod(double(i) * 0.5698402910, 1.0) - 0.4);
  }
  for (const double l1 : {0.0, 0.5})
    for (const double l2 : {0.0, 2.0}) {
      std::vector<double> expected = f.local;
      for (long index = 0; index < count; ++index) {
        double* x = expected.data() + index * k;
        for (int j = 0; j < k; ++j) {
          const double curvature = g[std::size_t(j * k + j)] + l2;
          if (curvature == 0) continue;
          double grad = l1 + l2 * x[j] - c.vector(index)[j];
          for (int l = 0; l < k; ++l) grad += g[std::size_t(l * k + j)] * x[l];
          x[j] = std::max(0.0, x[j] - grad / curvature);
        }
      }
      dist::Factor updated = f, threaded = f;
      nmf::make_rule("hals", {l1, l2})->update(updated, c.local.data(), g.data(), nullptr);
      const int threads = omp_get_max_threads();
      omp_set_num_threads(3);  // the tiles do not depend on the threads: neither do the bits
      nmf::make_rule("hals", {l1, l2})->update(threaded, c.local.data(), g.data(), nullptr);
      omp_set_num_threads(threads);
      CHECK(threaded.local == updated.local);
      double worst = 0, scale = 0;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        worst = std::max(worst, std::abs(updated.local[i] - expected[i]));
        scale = std::max(scale, std::abs(expected[i]));
      }
      INFO("l1 " << l1 << ", l2 " << l2);
      CHECK(worst <= 1e-10 * scale);
    }
}
