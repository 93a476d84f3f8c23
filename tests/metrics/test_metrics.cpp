#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/metrics/plateau.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/runner/data.hpp"
#include "nmfx/runner/fit.hpp"

using namespace nmfx;

TEST_CASE("spectrum metrics against closed forms", "[metrics]") {
  for (int k : {1, 2, 7, 50}) {
    const std::vector<double> flat(std::size_t(k), 3.5);
    CHECK(metrics::effective_rank(flat) == Approx(k).epsilon(1e-12));
    CHECK(metrics::nuclear_ratio(flat) == Approx(k).epsilon(1e-12));
    std::vector<double> rank_one(std::size_t(k), 0.0);
    rank_one[0] = 2.0;
    CHECK(metrics::effective_rank(rank_one) == Approx(1.0).epsilon(1e-12));
    CHECK(metrics::nuclear_ratio(rank_one) == Approx(1.0).epsilon(1e-12));
  }
  // Two equal values and zeros: exactly 2.
  CHECK(metrics::effective_rank({1.0, 1.0, 0.0, 0.0}) == Approx(2.0).epsilon(1e-12));
  // p = (1/2, 1/4, 1/4): exp(1.5 log 2) = 2^1.5
  CHECK(metrics::effective_rank({2.0, 1.0, 1.0}) == Approx(std::pow(2.0, 1.5)).epsilon(1e-12));
  CHECK(metrics::effective_rank({0.0, 0.0}) == 0.0);
  CHECK(metrics::hoyer_sparseness(1.0, 1.0, 100) == Approx(1.0));                // one non-zero
  CHECK(metrics::hoyer_sparseness(100.0, 10.0, 100) == Approx(0.0).margin(1e-15));  // flat
  const auto s = metrics::summarize({5.0, 3.0, 1.0});
  CHECK(s.sigma1 == 5.0);
  CHECK(s.sigma2 == 3.0);
  CHECK(s.nuclear_ratio == Approx(9.0 / 5.0));
}

TEST_CASE("the plateau detector finds both steps of a staircase", "[metrics]") {
  // Effective rank every 10 iterations: rises 2 -> 8 (iterations 0..40), flat
  // at 8 (50..150), rises to 15 (160..190), flat at 15 (200..400).
  metrics::PlateauDetector detector(5, 0.01);
  std::vector<long> flat_at;
  for (long it = 0; it <= 400; it += 10) {
    double v;
    if (it <= 50) v = 2 + 6.0 * it / 50;
    else if (it <= 150) v = 8;
    else if (it <= 200) v = 8 + 7.0 * (it - 150) / 50;
    else v = 15;
    if (detector.add(it, v)) flat_at.push_back(it);
  }
  REQUIRE(detector.onsets().size() == 2);
  CHECK(detector.onsets()[0] == 50);
  CHECK(detector.onsets()[1] == 200);
  CHECK(flat_at.front() == 100);  // 5 evaluations after the onset
  // Small noise within the tolerance does not break a plateau.
  metrics::PlateauDetector noisy(3, 0.05);
  for (long it = 0; it < 20; ++it) noisy.add(it, 10 + 0.1 * (it % 2));
  CHECK(noisy.onsets() == std::vector<long>{0});
}

namespace {

void fill_factor(dist::Factor& f, std::uint64_t seed) {
  for (long c = 0; c < f.local_count(); ++c)
    for (int j = 0; j < f.k; ++j) f.vector(c)[j] = test::entry(f.map.to_global(c), j, seed);
}

}  // namespace

TEST_CASE("sigma(W H), sigma(W), sigma(H) equal a serial SVD of the formed matrices", "[metrics]") {
  struct Case {
    long m, n;
    int k, block;
  };
  for (const Case t : {Case{37, 23, 5, 4}, Case{12, 40, 6, 3}, Case{9, 9, 9, 2}})
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      ProcessGrid grid(MPI_COMM_WORLD, shape);
      const dist::FactorDistribution along_rows(grid, dist::Along::rows), along_cols(grid, dist::Along::cols);
      dist::Factor w(t.k, along_rows.map(t.m, t.block), along_rows);
      dist::Factor h(t.k, along_cols.map(t.n, t.block), along_cols);
      fill_factor(w, 31);
      fill_factor(h, 32);
      const metrics::Evaluation e = metrics::evaluate(grid, w, h, 7);
      // Serial references: form W (m x k), H (k x n) and W H column-major.
      std::vector<double> wm(std::size_t(t.m * t.k)), hm(std::size_t(t.k * t.n)), wh(std::size_t(t.m * t.n));
      for (long i = 0; i < t.m; ++i)
        for (int j = 0; j < t.k; ++j) wm[std::size_t(j * t.m + i)] = test::entry(i, j, 31);
      for (long c = 0; c < t.n; ++c)
        for (int j = 0; j < t.k; ++j) hm[std::size_t(c * t.k + j)] = test::entry(c, j, 32);
      la::gemm(la::Op::none, la::Op::none, t.m, t.n, t.k, 1.0, wm.data(), t.m, hm.data(), t.k, 0.0,
               wh.data(), t.m);
      auto ref_wh = la::singular_values(t.m, t.n, wh);
      ref_wh.resize(std::size_t(t.k));
      INFO("m=" << t.m << " n=" << t.n << " k=" << t.k << " grid " << shape.str());
      CHECK(e.iteration == 7);
      CHECK(test::relative_difference(e.model.sigma, ref_wh) < 1e-12);
      CHECK(test::relative_difference(e.w.sigma, la::singular_values(t.m, t.k, wm)) < 1e-12);
      CHECK(test::relative_difference(e.h.sigma, la::singular_values(t.k, t.n, hm)) < 1e-12);
      CHECK(e.model.effective_rank == Approx(metrics::effective_rank(ref_wh)).epsilon(1e-10));
      CHECK(e.dead_components == 0);
    }
}

TEST_CASE("sigma(X) with ScaLAPACK equals a serial SVD, tall and wide", "[metrics]") {
  for (const auto& [m, n] : {std::pair<long, long>{41, 13}, {13, 41}, {20, 20}})
    for (const GridShape shape : test::all_shapes(test::world_size()))
      for (int block : {2, 5}) {
        ProcessGrid grid(MPI_COMM_WORLD, shape);
        dist::DistMatrix x(grid, m, n, block, block);
        test::fill(x);
        std::vector<double> serial(std::size_t(m * n));
        for (long j = 0; j < n; ++j)
          for (long i = 0; i < m; ++i) serial[std::size_t(j * m + i)] = test::entry(i, j);
        INFO(m << "x" << n << " on " << shape.str() << " block " << block);
        CHECK(test::relative_difference(la::svd(grid, x, 0).sigma,
                                        la::singular_values(m, n, serial)) < 1e-12);
      }
}

TEST_CASE("cosine separation, Hoyer sparsity and dead components", "[metrics]") {
  const GridShape shape = choose_grid(test::world_size(), 10, 12);
  ProcessGrid grid(MPI_COMM_WORLD, shape);
  // H: 3 atoms with disjoint supports (orthogonal), atom 2 dead in W.
  const dist::FactorDistribution along_rows(grid, dist::Along::rows), along_cols(grid, dist::Along::cols);
  dist::Factor w(3, along_rows.map(10, 3), along_rows);
  dist::Factor h(3, along_cols.map(12, 3), along_cols);
  for (long c = 0; c < w.local_count(); ++c) {
    w.vector(c)[0] = 1.0;                                      // flat code: Hoyer 0
    w.vector(c)[1] = w.map.to_global(c) == 4 ? 2.0 : 0.0;      // one non-zero: Hoyer 1
    w.vector(c)[2] = 0.0;                                      // dead
  }
  for (long c = 0; c < h.local_count(); ++c)
    for (int j = 0; j < 3; ++j) h.vector(c)[j] = h.map.to_global(c) % 3 == j ? 1.0 : 0.0;
  const metrics::Evaluation e = metrics::evaluate(grid, w, h, 0);
  CHECK(e.dead_components == 1);
  CHECK(e.cosine_separation == Approx(0.0).margin(1e-15));
  CHECK(e.hoyer_w == Approx(0.5));
  // Identical atoms: cosine separation 1.
  for (long c = 0; c < h.local_count(); ++c)
    for (int j = 0; j < 3; ++j) h.vector(c)[j] = 1.0 + double(h.map.to_global(c));
  for (long c = 0; c < w.local_count(); ++c) w.vector(c)[2] = 1.0;
  const metrics::Evaluation same = metrics::evaluate(grid, w, h, 0);
  CHECK(same.dead_components == 0);
  CHECK(same.cosine_separation == Approx(1.0));
  CHECK(same.model.effective_rank == Approx(1.0));  // W H has rank one
}

TEST_CASE("fit records metrics and stops at an effective-rank plateau", "[metrics]") {
  const std::string data = test::temp_path("plateau.h5"), run = test::temp_path("plateau_run.h5");
  runner::run_synth(MPI_COMM_WORLD, {80, 60, 6, 0.05, 11, data, {}}, false);
  runner::FitConfig config;
  config.data_path = data;
  config.output_path = run;
  config.rank = 6;
  config.max_iterations = 5000;
  config.metrics_every = 5;
  config.early_stop = "plateau";
  config.plateau_window = 4;
  config.plateau_tolerance = 0.005;
  const runner::FitSummary s = runner::run_fit(MPI_COMM_WORLD, config, false);
  CHECK(s.stop_reason == nmf::StopReason::plateau);
  REQUIRE(s.plateaus.size() == 1);
  CHECK(s.iterations == s.plateaus[0] + 4 * 5);
  CHECK(s.svd_rel_error > 0);
  CHECK(s.rel_error >= s.svd_rel_error * (1 - 1e-9));  // Eckart-Young
  io::File f = io::File::open_read(MPI_COMM_WORLD, run);
  const auto iterations = f.read_replicated("/metrics/iteration");
  CHECK(iterations.back() == s.iterations);
  CHECK(f.shape("/metrics/spectrum") == io::Dims{iterations.size(), 6});
  CHECK(f.shape("/metrics/W/spectrum") == io::Dims{iterations.size(), 6});
  CHECK(f.read_replicated("/metrics/plateaus") == std::vector<double>{double(s.plateaus[0])});
  CHECK(f.read_string_attribute("stop_reason") == "plateau");
  const auto ratio = f.read_replicated("/history/rel_error_over_bound");
  CHECK(ratio.back() >= 1 - 1e-9);
}
