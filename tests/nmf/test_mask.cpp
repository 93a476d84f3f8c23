// Masked NMF (missing and hidden entries) against serial references.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/nmf/mask.hpp"
#include "nmfx/nmf/solver.hpp"

using namespace nmfx;

namespace {

constexpr std::uint64_t seed = 11;
constexpr double holdout = 0.3;

/// Entry (i, j) of the test matrix: NaN (missing) on a sprinkling of
/// entries, test::entry elsewhere.
double value(long i, long j) {
  return (i * 7 + j * 3) % 11 == 0 ? std::numeric_limits<double>::quiet_NaN() : test::entry(i, j);
}

/// Whether entry (i, j) counts in the objective.
bool counted(long i, long j, long n) { return !std::isnan(value(i, j)) && !nmf::is_hidden(seed, holdout, i, j, n); }

struct Problem {
  ProcessGrid grid;
  dist::DistMatrix x;
  nmf::Mask<double> mask;
  Problem(MPI_Comm comm, GridShape shape, long m, long n, int block)
      : grid(comm, shape), x(make(grid, m, n, block)), mask(grid, x, true, holdout, seed) {}
  static dist::DistMatrix make(const ProcessGrid& grid, long m, long n, int block) {
    dist::DistMatrix x(grid, m, n, block, block);
    for (long j = 0; j < x.local_cols(); ++j)
      for (long i = 0; i < x.local_rows(); ++i) x.at(i, j) = value(x.rows.to_global(i), x.cols.to_global(j));
    return x;
  }
};

/// (W H)_ij from gathered factors ([index][k]).
double model_at(const std::vector<double>& w, const std::vector<double>& h, int k, long i, long j) {
  double v = 0;
  for (int t = 0; t < k; ++t) v += w[std::size_t(i * k + t)] * h[std::size_t(j * k + t)];
  return v;
}

/// The serial masked errors: over the counted entries and over the hidden ones.
std::pair<double, double> serial_errors(const std::vector<double>& w, const std::vector<double>& h, int k, long m,
                                        long n) {
  double e = 0, x2 = 0, he = 0, hx2 = 0;
  for (long i = 0; i < m; ++i)
    for (long j = 0; j < n; ++j) {
      const double x = value(i, j), r = x - model_at(w, h, k, i, j);
      if (counted(i, j, n)) {
        e += r * r;
        x2 += x * x;
      } else if (!std::isnan(x)) {
        he += r * r;
        hx2 += x * x;
      }
    }
  return {e / x2, he / hx2};
}

struct Fit {
  std::vector<double> w, h;
  nmf::SolveResult result;
};

Fit masked_fit(MPI_Comm comm, GridShape shape, const std::string& algo, long m, long n, int k, long iterations,
               int block) {
  Problem p(comm, shape, m, n, block);
  dist::Factor w = dist::Factor::rows_of(p.grid, k, p.x), h = dist::Factor::cols_of(p.grid, k, p.x);
  nmf::random_init(2026, p.mask.counted_sum() / double(p.mask.counted()), w, h);
  auto rule_w = nmf::make_rule(algo), rule_h = nmf::make_rule(algo);
  nmf::Model model;
  model.w.push_back(std::move(w));
  model.h.push_back(std::move(h));
  Fit out;
  out.result = nmf::solve(p.grid, p.x, p.mask.counted_norm2(), model, nmf::Rules{{rule_w.get()}, {rule_h.get()}},
                          nmf::Phase{}, {iterations, 0, 0}, {}, {}, &p.mask);
  out.w = test::gather(model.w[0]);
  out.h = test::gather(model.h[0]);
  return out;
}

}  // namespace

TEST_CASE("the hidden entries are the same on every grid", "[mask]") {
  const long m = 37, n = 29;
  long missing = 0, hidden = 0;
  for (long i = 0; i < m; ++i)
    for (long j = 0; j < n; ++j) {
      if (std::isnan(value(i, j))) ++missing;
      else if (!counted(i, j, n)) ++hidden;
    }
  REQUIRE(hidden > 200);  // about 30% of the observed entries
  REQUIRE(hidden < 400);
  for (const GridShape shape : test::all_shapes(test::world_size()))
    for (int block : {3, 64}) {
      const Problem p(MPI_COMM_WORLD, shape, m, n, block);
      INFO(shape.str() << " block " << block);
      CHECK(p.mask.missing() == missing);
      CHECK(p.mask.hidden() == hidden);
      CHECK(p.mask.counted() == m * n - missing - hidden);
    }
}

TEST_CASE("masked gradients equal M .* (W H - X) times the other factor", "[mask]") {
  const long m = 23, n = 19;
  const int k = 4;
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    Problem p(MPI_COMM_WORLD, shape, m, n, 3);
    nmf::Model model;
    model.w.push_back(dist::Factor::rows_of(p.grid, k, p.x));
    model.h.push_back(dist::Factor::cols_of(p.grid, k, p.x));
    nmf::random_init(5, 0.5, model.w[0], model.h[0]);
    const std::vector<double> w = test::gather(model.w[0]), h = test::gather(model.h[0]);
    for (int block : {0, 1}) {  // W, then H
      const nmf::BlockProblem bp = nmf::block_problem(p.grid, p.x, model, nmf::Phase{}, block, &p.mask);
      const std::vector<double> cross = test::gather(bp.cross);
      const std::vector<double>& f = block == 0 ? w : h;
      const long count = block == 0 ? m : n;
      double worst = 0;
      for (long a = 0; a < count; ++a)
        for (int t = 0; t < k; ++t) {
          double got = -cross[std::size_t(a * k + t)];
          for (int s = 0; s < k; ++s) got += bp.gram[std::size_t(s * k + t)] * f[std::size_t(a * k + s)];
          double want = 0;  // sum over the other index of the counted residuals
          for (long b = 0; b < (block == 0 ? n : m); ++b) {
            const long i = block == 0 ? a : b, j = block == 0 ? b : a;
            if (!counted(i, j, n)) continue;
            const double other = block == 0 ? h[std::size_t(j * k + t)] : w[std::size_t(i * k + t)];
            want += (model_at(w, h, k, i, j) - value(i, j)) * other;
          }
          worst = std::max(worst, std::abs(got - want));
        }
      INFO(shape.str() << " block " << block);
      CHECK(worst < 1e-10);
    }
  }
}

TEST_CASE("masked fits never raise the masked objective and report it exactly", "[mask]") {
  const long m = 30, n = 22;
  const int k = 3;
  for (const std::string algo : {"mu", "hals", "anls", "pgd", "adam"})
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      const Fit f = masked_fit(MPI_COMM_WORLD, shape, algo, m, n, k, 40, 4);
      INFO(algo << " on " << shape.str());
      const auto& history = f.result.history;
      REQUIRE(history.size() == 41);
      if (algo != "adam")
        for (std::size_t t = 1; t < history.size(); ++t)
          CHECK(history[t].rel_error <= history[t - 1].rel_error * (1 + 1e-12));
      CHECK(history.back().rel_error < (algo == "adam" ? 0.9 : 0.5) * history.front().rel_error);  // adam: small steps
      const auto [error, heldout] = serial_errors(f.w, f.h, k, m, n);
      CHECK(history.back().rel_error == Approx(error).epsilon(1e-9));
      CHECK(history.back().heldout_rel_error == Approx(heldout).epsilon(1e-9));
    }
}

TEST_CASE("a masked fit gives the same factors on every grid", "[mask]") {
  for (const std::string algo : {"mu", "hals", "pgd", "adam"}) {
    const Fit ref = masked_fit(MPI_COMM_SELF, {1, 1}, algo, 33, 27, 4, 30, 4);
    for (const GridShape shape : test::all_shapes(test::world_size()))
      for (int block : {2, 64}) {
        const Fit got = masked_fit(MPI_COMM_WORLD, shape, algo, 33, 27, 4, 30, block);
        INFO(algo << " on " << shape.str() << " block " << block);
        CHECK(test::relative_difference(got.w, ref.w) < 1e-10);
        CHECK(test::relative_difference(got.h, ref.h) < 1e-10);
        CHECK(std::abs(got.result.history.back().heldout_rel_error - ref.result.history.back().heldout_rel_error) <
              1e-10);
      }
  }
}

TEST_CASE("masked Deep NMF (global loss) lowers and reports the masked error", "[mask][deep]") {
  const long m = 26, n = 21;
  const std::vector<int> ranks = {5, 3};
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    Problem p(MPI_COMM_WORLD, shape, m, n, 4);
    nmf::Model model;
    model.w.push_back(dist::Factor::rows_of(p.grid, ranks[0], p.x));
    model.w.push_back(dist::Factor::replicated(p.grid, ranks[1], ranks[0]));
    model.h.push_back(dist::Factor::cols_of(p.grid, ranks[0], p.x));
    model.h.push_back(dist::Factor::cols_of(p.grid, ranks[1], p.x));
    nmf::random_init(3, 0.6, model.w[0], model.h[0]);
    nmf::random_init(4, 0.6, model.w[1], model.h[1]);
    std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
    nmf::Rules rules;
    for (int i = 0; i < 2; ++i) {
      owned.push_back(nmf::make_rule("pgd"));
      rules.w.push_back(owned.back().get());
      owned.push_back(nmf::make_rule("pgd"));
      rules.h.push_back(owned.back().get());
    }
    const nmf::SolveResult r = nmf::solve(p.grid, p.x, p.mask.counted_norm2(), model, rules, nmf::Phase{true, 1, 2},
                                          {60, 0, 0}, {}, {}, &p.mask);
    INFO(shape.str());
    for (std::size_t t = 1; t < r.history.size(); ++t)
      CHECK(r.history[t].rel_error <= r.history[t - 1].rel_error * (1 + 1e-12));
    const std::vector<double> a = test::gather(nmf::partial_product(model, 2)), h = test::gather(model.h[1]);
    const auto [error, heldout] = serial_errors(a, h, ranks[1], m, n);
    CHECK(r.history.back().rel_error == Approx(error).epsilon(1e-9));
    CHECK(r.history.back().heldout_rel_error == Approx(heldout).epsilon(1e-9));
    CHECK(r.history.back().layer_rel_error[0] == Approx(error).epsilon(1e-9));
  }
}

TEST_CASE("a row or column with nothing to fit is an error on every rank", "[mask]") {
  for (const GridShape shape : test::all_shapes(test::world_size())) {
    ProcessGrid grid(MPI_COMM_WORLD, shape);
    dist::DistMatrix x(grid, 9, 7, 2, 2);
    for (long j = 0; j < x.local_cols(); ++j)
      for (long i = 0; i < x.local_rows(); ++i)
        x.at(i, j) = x.cols.to_global(j) == 5 ? std::numeric_limits<double>::quiet_NaN() : 1.0;
    const std::string message = test::failure_of([&] { nmf::Mask<double>(grid, x, true, 0.0, 1); });
    CHECK(message.find("column 5 of X has no entry left to fit") != std::string::npos);
  }
}
