// Deep NMF against serial dense references: the half-step problems are the
// exact gradients of the losses, global mu and pgd descend, and the factors
// do not depend on the process grid.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/nmf/init.hpp"
#include "nmfx/nmf/solver.hpp"

using namespace nmfx;

namespace {

constexpr long rows = 37, cols = 29;
const std::vector<int> ranks{8, 5, 3};

/// A dense row-major matrix.
struct Dense {
  long r = 0, c = 0;
  std::vector<double> a;
  double& at(long i, long j) { return a[std::size_t(i * c + j)]; }
  double at(long i, long j) const { return a[std::size_t(i * c + j)]; }
};

Dense product(const Dense& x, const Dense& y) {
  Dense out{x.r, y.c, std::vector<double>(std::size_t(x.r * y.c), 0.0)};
  for (long i = 0; i < x.r; ++i)
    for (long l = 0; l < x.c; ++l)
      for (long j = 0; j < y.c; ++j) out.at(i, j) += x.at(i, l) * y.at(l, j);
  return out;
}

double half_squared_distance(const Dense& x, const Dense& y) {
  double s = 0;
  for (std::size_t i = 0; i < x.a.size(); ++i) s += 0.5 * (x.a[i] - y.a[i]) * (x.a[i] - y.a[i]);
  return s;
}

/// A distributed problem and its deep model, random per layer.
struct Problem {
  Problem(MPI_Comm comm, GridShape shape, int block = 3)
      : grid(comm, shape), x(grid, rows, cols, block, block) {
    test::fill(x);
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      model.w.push_back(i == 0 ? dist::Factor::rows_of(grid, ranks[i], x)
                               : dist::Factor::replicated(grid, ranks[i], ranks[i - 1]));
      model.h.push_back(dist::Factor::cols_of(grid, ranks[i], x));
      nmf::random_init(40 + i, i == 0 ? 0.5 : 0.3, model.w.back(), model.h.back());
    }
    for (double v : x.local) norm2 += v * v;
    MPI_Allreduce(MPI_IN_PLACE, &norm2, 1, MPI_DOUBLE, MPI_SUM, comm);
  }
  ProcessGrid grid;
  dist::DistMatrix x;
  nmf::Model model;
  double norm2 = 0;
};

/// The model as dense matrices: W_i (r_{i-1} x r_i) and H_i (r_i x n).
std::vector<Dense> dense_model(const Problem& p) {
  std::vector<Dense> out;
  const int depth = p.model.depth();
  for (int i = 0; i < depth; ++i) {
    const dist::Factor& w = p.model.w[std::size_t(i)];
    out.push_back({w.map.global_size(), w.k, test::gather(w)});
  }
  for (int i = 0; i < depth; ++i) {
    const dist::Factor& h = p.model.h[std::size_t(i)];
    const std::vector<double> t = test::gather(h);  // [n][k]
    Dense d{h.k, cols, std::vector<double>(std::size_t(h.k * cols))};
    for (long c = 0; c < cols; ++c)
      for (long a = 0; a < h.k; ++a) d.at(a, c) = t[std::size_t(c * h.k + a)];
    out.push_back(d);
  }
  return out;
}

/// The loss of a phase over dense factors (blocks: W1..WL, H1..HL).
double loss(const Dense& x, const std::vector<Dense>& f, bool global) {
  const std::size_t depth = f.size() / 2;
  if (global) {
    Dense a = f[0];
    for (std::size_t i = 1; i < depth; ++i) a = product(a, f[i]);
    return half_squared_distance(x, product(a, f[2 * depth - 1]));
  }
  double s = 0;
  for (std::size_t i = 0; i < depth; ++i)
    s += half_squared_distance(i == 0 ? x : f[depth + i - 1], product(f[i], f[depth + i]));
  return s;
}

}  // namespace

TEST_CASE("deep half-steps are the exact gradients of the global and layer losses", "[deep]") {
  for (const GridShape shape : test::all_shapes(test::world_size()))
    for (const bool global : {true, false}) {
      Problem p(MPI_COMM_WORLD, shape);
      const Dense x{rows, cols, test::gather(MPI_COMM_WORLD, p.x)};
      const nmf::Phase phase{global, 1, int(ranks.size())};
      const int depth = p.model.depth();
      for (int block = 0; block < 2 * depth; ++block) {
        if (global && block >= depth && block < 2 * depth - 1) continue;  // implied codes
        const nmf::BlockProblem q = nmf::block_problem(p.grid, p.x, p.model, phase, block);
        // The analytical gradient gram F right - cross, in the factor's layout.
        const dist::Factor& f = block < depth ? p.model.w[std::size_t(block)]
                                              : p.model.h[std::size_t(block - depth)];
        const long k = f.k, count = f.local_count();
        std::vector<double> gf(f.local.size(), 0.0);
        dist::Factor grad = q.cross;
        if (count > 0) {
          la::gemm(la::Op::none, la::Op::none, k, count, k, 1.0, q.gram.data(), k, f.local.data(), k,
                   0.0, gf.data(), k);
          if (q.right.empty())
            for (std::size_t e = 0; e < gf.size(); ++e) grad.local[e] = gf[e] - q.cross.local[e];
          else
            la::gemm(la::Op::none, la::Op::none, k, count, count, 1.0, gf.data(), k, q.right.data(),
                     count, -1.0, grad.local.data(), k);
        }
        CHECK(q.right.empty() == (!global || block == 0 || block >= depth));
        const std::vector<double> analytic = test::gather(grad);
        // Central differences on the dense loss: exact for a quadratic.
        std::vector<Dense> dense = dense_model(p);
        const bool is_w = block < depth;
        Dense& target = dense[std::size_t(block)];
        double worst = 0, scale = 1e-12;
        for (long index = 0; index < (is_w ? target.r : target.c); ++index)
          for (long a = 0; a < k; ++a) {
            double& v = is_w ? target.at(index, a) : target.at(a, index);
            const double saved = v, eps = 1e-3;
            v = saved + eps;
            const double up = loss(x, dense, global);
            v = saved - eps;
            const double down = loss(x, dense, global);
            v = saved;
            const double numeric = (up - down) / (2 * eps);
            const double exact = analytic[std::size_t(index * k + a)];
            worst = std::max(worst, std::abs(numeric - exact));
            scale = std::max(scale, std::abs(exact));
          }
        INFO((global ? "global" : "layer-sum") << " block " << block << " on " << shape.str());
        CHECK(worst / scale < 1e-7);
      }
    }
}

TEST_CASE("global-loss mu, hals and pgd never increase the objective", "[deep]") {
  for (const std::string algo : {"mu", "hals", "pgd"}) {
    Problem p(MPI_COMM_WORLD, choose_grid(test::world_size(), rows, cols));
    std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
    nmf::Rules rules;
    for (int i = 0; i < p.model.depth(); ++i) {
      owned.push_back(nmf::make_rule(algo));
      rules.w.push_back(owned.back().get());
      rules.h.push_back(owned.back().get());
    }
    const auto result = nmf::solve(p.grid, p.x, p.norm2, p.model, rules, {true, 1, 3}, {150, 0, 0});
    const auto& hist = result.history;
    bool monotone = true;
    for (std::size_t i = 1; i < hist.size(); ++i)
      monotone = monotone && hist[i].rel_error <= hist[i - 1].rel_error * (1 + 1e-12);
    INFO(algo << ": " << hist.front().rel_error << " -> " << hist.back().rel_error);
    CHECK(monotone);
    CHECK(hist.back().rel_error < 0.5 * hist.front().rel_error);
    // Layer errors: layer 1 is the global error; the inner layers fit their
    // implied codes exactly.
    CHECK(hist.back().layer_rel_error.size() == 3);
    CHECK(hist.back().layer_rel_error[0] == Approx(hist.back().rel_error).epsilon(1e-9));
    CHECK(hist.back().layer_rel_error[1] < 1e-12);
  }
}

TEST_CASE("deep factors are the same on every grid", "[deep]") {
  struct Case {
    std::string algo;
    nmf::Phase phase;
  };
  for (const Case& c : {Case{"mu", {true, 1, 3}}, Case{"adam", {true, 1, 3}}, Case{"hals", {true, 1, 3}},
                        Case{"hals", {false, 1, 3}}, Case{"pgd", {false, 2, 2}}}) {
    auto run = [&](MPI_Comm comm, GridShape shape, int block) {
      Problem p(comm, shape, block);
      std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
      nmf::Rules rules;
      for (int i = 0; i < 2 * p.model.depth(); ++i) {
        owned.push_back(nmf::make_rule(c.algo));
        (i % 2 ? rules.h : rules.w).push_back(owned.back().get());
      }
      const auto result = nmf::solve(p.grid, p.x, p.norm2, p.model, rules, c.phase, {40, 0, 0});
      std::vector<double> all;
      for (int b = 0; b < 2 * p.model.depth(); ++b) {
        const dist::Factor& f = b < 3 ? p.model.w[std::size_t(b)] : p.model.h[std::size_t(b - 3)];
        const std::vector<double> g = test::gather(f);
        all.insert(all.end(), g.begin(), g.end());
      }
      all.push_back(result.history.back().rel_error);
      return all;
    };
    const std::vector<double> reference = run(MPI_COMM_SELF, {1, 1}, 64);
    for (const GridShape shape : test::all_shapes(test::world_size()))
      for (int block : {2, 64}) {
        INFO(c.algo << " on " << shape.str() << " block " << block);
        CHECK(test::relative_difference(run(MPI_COMM_WORLD, shape, block), reference) < 1e-10);
      }
  }
}

TEST_CASE("the inner layers of the global loss refuse the one-sided exact solvers", "[deep]") {
  Problem p(MPI_COMM_WORLD, choose_grid(test::world_size(), rows, cols));
  auto anls = nmf::make_rule("anls");
  nmf::Rules rules{{anls.get(), anls.get(), anls.get()}, {anls.get(), anls.get(), anls.get()}};
  CHECK_THROWS_WITH(nmf::solve(p.grid, p.x, p.norm2, p.model, rules, {true, 1, 3}, {5, 0, 0}),
                    Catch::Contains("mu, hals, pgd or adam"));
}

TEST_CASE("a solve resumed at its stopping iteration stops there too", "[deep]") {
  // The uninterrupted run stops by tolerance at iteration t; a run that
  // checkpointed exactly at t must not take another step when resumed.
  auto rules_for = [](std::vector<std::unique_ptr<nmf::UpdateRule>>& owned) {
    nmf::Rules rules;
    for (int i = 0; i < 6; ++i) {
      owned.push_back(nmf::make_rule("mu"));
      (i % 2 ? rules.h : rules.w).push_back(owned.back().get());
    }
    return rules;
  };
  const nmf::Phase phase{true, 1, 3};
  std::vector<std::unique_ptr<nmf::UpdateRule>> owned;
  Problem whole(MPI_COMM_WORLD, choose_grid(test::world_size(), rows, cols));
  const auto full = nmf::solve(whole.grid, whole.x, whole.norm2, whole.model, rules_for(owned), phase,
                               {100000, 1e-3, 0});
  REQUIRE(full.stop_reason == nmf::StopReason::tol);
  const long t = full.iterations;
  Problem part(MPI_COMM_WORLD, choose_grid(test::world_size(), rows, cols));
  const auto first = nmf::solve(part.grid, part.x, part.norm2, part.model, rules_for(owned), phase,
                                {t, 0, 0});
  const auto resumed = nmf::solve(part.grid, part.x, part.norm2, part.model, rules_for(owned), phase,
                                  {100000, 1e-3, 0}, {}, first.history);
  CHECK(resumed.stop_reason == nmf::StopReason::tol);
  CHECK(resumed.iterations == t);
  CHECK(part.model.h.back().local == whole.model.h.back().local);
}
