#include <omp.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nmfx/la/products.hpp"

using namespace nmfx;

namespace {

void fill_factor(dist::Factor& f, std::uint64_t seed) {
  for (long c = 0; c < f.local_count(); ++c)
    for (int j = 0; j < f.k; ++j) f.vector(c)[j] = test::entry(f.map.to_global(c), j, seed);
}

struct Case {
  long m, n;
  int k, block;
};

}  // namespace

TEST_CASE("distributed products equal serial ones on every grid and odd size", "[la]") {
  // Odd sizes, blocks that do not divide them, ranks that own nothing (3
  // rows on 4 process rows with block 2), and more rows or columns than a
  // panel of the products (4096).
  const Case cases[] = {{37, 23, 5, 4}, {3, 11, 2, 2}, {64, 64, 7, 64}, {50, 9, 3, 5}, {70000, 3, 2, 64}, {4, 70000, 2, 64}};
  for (const Case& t : cases)
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      ProcessGrid grid(MPI_COMM_WORLD, shape);
      dist::DistMatrix x(grid, t.m, t.n, t.block, t.block);
      test::fill(x);
      dist::Factor w = dist::Factor::rows_of(grid, t.k, x), h = dist::Factor::cols_of(grid, t.k, x);
      dist::Factor xht = dist::Factor::like(w, t.k), wtx = dist::Factor::like(h, t.k);
      fill_factor(w, 21);
      fill_factor(h, 22);
      la::xht(x, h, xht);
      la::wtx(x, w, wtx);
      std::vector<double> gw(std::size_t(t.k * t.k)), gh(gw.size());
      la::gram(w, gw.data());
      la::gram(h, gh.data());
      const double d = la::dot(wtx, h);

      // Serial references from the global index functions.
      std::vector<double> ref_xht(std::size_t(t.m * t.k), 0.0), ref_wtx(std::size_t(t.n * t.k), 0.0);
      std::vector<double> ref_gw(gw.size(), 0.0), ref_gh(gh.size(), 0.0);
      for (long i = 0; i < t.m; ++i)
        for (long c = 0; c < t.n; ++c)
          for (int j = 0; j < t.k; ++j) {
            ref_xht[std::size_t(i * t.k + j)] += test::entry(i, c) * test::entry(c, j, 22);
            ref_wtx[std::size_t(c * t.k + j)] += test::entry(i, j, 21) * test::entry(i, c);
          }
      double ref_dot = 0;
      for (long c = 0; c < t.n; ++c)
        for (int j = 0; j < t.k; ++j) ref_dot += ref_wtx[std::size_t(c * t.k + j)] * test::entry(c, j, 22);
      for (int a = 0; a < t.k; ++a)
        for (int b = 0; b < t.k; ++b) {
          for (long i = 0; i < t.m; ++i) ref_gw[std::size_t(a * t.k + b)] += test::entry(i, a, 21) * test::entry(i, b, 21);
          for (long c = 0; c < t.n; ++c) ref_gh[std::size_t(a * t.k + b)] += test::entry(c, a, 22) * test::entry(c, b, 22);
        }

      // Every replica must hold the full result for its indices.
      const auto got_xht = test::gather(xht);
      const auto got_wtx = test::gather(wtx);
      INFO("m=" << t.m << " n=" << t.n << " k=" << t.k << " block=" << t.block << " grid " << shape.str());
      CHECK(test::relative_difference(got_xht, ref_xht) < 1e-13);
      CHECK(test::relative_difference(got_wtx, ref_wtx) < 1e-13);
      CHECK(test::relative_difference(gw, ref_gw) < 1e-13);
      CHECK(test::relative_difference(gh, ref_gh) < 1e-13);
      CHECK(std::abs(d - ref_dot) < 1e-12 * std::abs(ref_dot));
    }
}

TEST_CASE("single-precision products match double ones to float32's rounding", "[la]") {
  // 9000 rows: wtx sums them in three float panels of at most 4096, added
  // in double; xht sums 7000 columns the same way.
  const Case cases[] = {{9000, 5, 3, 64}, {6, 7000, 4, 64}, {37, 23, 5, 4}};
  for (const Case& t : cases)
    for (const GridShape shape : test::all_shapes(test::world_size())) {
      ProcessGrid grid(MPI_COMM_WORLD, shape);
      dist::DistMatrix x(grid, t.m, t.n, t.block, t.block);
      dist::SingleDistMatrix xs(grid, t.m, t.n, t.block, t.block);
      test::fill(x);
      test::fill(xs);
      for (double& v : x.local) v = double(float(v));  // the same data, so only the sums differ
      dist::Factor w = dist::Factor::rows_of(grid, t.k, x), h = dist::Factor::cols_of(grid, t.k, x);
      fill_factor(w, 21);
      fill_factor(h, 22);
      for (dist::Factor* f : {&w, &h})
        for (double& v : f->local) v = double(float(v));
      dist::Factor xht = dist::Factor::like(w, t.k), xht_s = xht, wtx = dist::Factor::like(h, t.k), wtx_s = wtx;
      la::xht(x, h, xht);
      la::xht(xs, h, xht_s);
      la::wtx(x, w, wtx);
      la::wtx(xs, w, wtx_s);
      INFO(t.m << " x " << t.n << " on " << shape.str());
      // Each product sums at most 4096 float terms of size ~0.25: the error
      // is far below 4096 * 6e-8 relative.
      CHECK(test::relative_difference(test::gather(xht_s), test::gather(xht)) < 1e-5);
      CHECK(test::relative_difference(test::gather(wtx_s), test::gather(wtx)) < 1e-5);
      // Float factors (a single-precision fit): float results, Gram
      // matrices and inner products summed in double.
      const dist::SingleFactor ws = dist::SingleFactor::converted(w), hs = dist::SingleFactor::converted(h);
      dist::SingleFactor xht_f = dist::SingleFactor::like(w, t.k), wtx_f = dist::SingleFactor::like(h, t.k);
      la::xht(xs, hs, xht_f);
      la::wtx(xs, ws, wtx_f);
      CHECK(test::relative_difference(test::gather(dist::Factor::converted(xht_f)), test::gather(xht)) < 1e-5);
      CHECK(test::relative_difference(test::gather(dist::Factor::converted(wtx_f)), test::gather(wtx)) < 1e-5);
      for (const auto& [f, fs] : {std::pair{&w, &ws}, std::pair{&h, &hs}}) {
        std::vector<double> g(std::size_t(t.k * t.k)), gs(g.size());
        la::gram(*f, g.data());
        la::gram(*fs, gs.data());
        CHECK(test::relative_difference(gs, g) < 1e-6);
        const double d = la::dot(*f, *f), ds = la::dot(*fs, *fs);
        CHECK(std::abs(ds - d) < 1e-12 * d);  // the same float values, summed in double
      }
    }
}

TEST_CASE("the products and Gram matrices give the same bits with any number of threads", "[la]") {
  // 20001 rows: one thread takes five panels of result indices (4096),
  // three threads split the rows elsewhere; W^T X sums fixed parts of the
  // rows, shared by the threads. No index may notice.
  const Case t{20001, 37, 7, 64};
  const GridShape shape = choose_grid(test::world_size(), t.m, t.n);
  ProcessGrid grid(MPI_COMM_WORLD, shape);
  dist::DistMatrix x(grid, t.m, t.n, t.block, t.block);
  dist::SingleDistMatrix xs(grid, t.m, t.n, t.block, t.block);
  test::fill(x);
  test::fill(xs);
  dist::Factor w = dist::Factor::rows_of(grid, t.k, x), h = dist::Factor::cols_of(grid, t.k, x);
  fill_factor(w, 21);
  fill_factor(h, 22);
  const int threads = omp_get_max_threads();
  std::vector<std::vector<double>> results[2];
  for (int run = 0; run < 2; ++run) {
    omp_set_num_threads(run == 0 ? 1 : 3);
    dist::Factor out_w = dist::Factor::like(w, t.k), out_h = dist::Factor::like(h, t.k);
    la::xht(x, h, out_w);
    la::wtx(x, w, out_h);
    results[run].push_back(out_w.local);
    results[run].push_back(out_h.local);
    la::xht(xs, h, out_w);
    la::wtx(xs, w, out_h);
    results[run].push_back(out_w.local);
    results[run].push_back(out_h.local);
    std::vector<double> g(std::size_t(t.k * t.k));  // sums parts of W's 20001 rows
    la::gram(w, g.data());
    results[run].push_back(g);
  }
  omp_set_num_threads(threads);
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    double worst = 0;
    for (std::size_t e = 0; e < results[0][i].size(); ++e) worst = std::max(worst, std::abs(results[0][i][e] - results[1][i][e]));
    INFO("product " << i << " (xht, wtx in double, then single) worst " << worst);
    CHECK(worst == 0);
  }
}
