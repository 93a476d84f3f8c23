// Sweep files: expansion into points (order, names, settings), one-line
// errors for bad files, and the work queue handing out every number once.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/sweep/plan.hpp"

using namespace nmfx;
using namespace nmfx::sweep;

namespace {

/// The message of the Error that parsing `text` throws ("" when none).
std::string parse_error(const std::string& text, const Overrides& overrides = {}) {
  try {
    parse_plan(text, "grid.toml", overrides);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const std::string head = "data = 'd.h5'\noutput = 'out'\n";

}  // namespace

TEST_CASE("a sweep file expands into its cartesian product in key order", "[sweep]") {
  // File order differs from the canonical order on purpose: seed is written
  // first but varies fastest; algo comes before seed; rank before algo.
  const Plan plan = parse_plan(head +
                                   "seed = [0, 7]\n"
                                   "algo = ['mu', 'hals']\n"
                                   "max-iter = 25\n"
                                   "rank = [3, 5, 8]\n"
                                   "l1-w = 0.5\n"
                                   "step = 0.25\n"
                                   "tol = 1\n"
                                   "no-reference = true\n",
                               "grid.toml");
  REQUIRE(point_count(plan) == 12);
  REQUIRE(plan.axes.size() == 3);
  CHECK(plan.axes[0].key == "rank");
  CHECK(plan.axes[1].key == "algo");
  CHECK(plan.axes[2].key == "seed");
  const auto points = expand(plan);
  REQUIRE(points.size() == 12);
  CHECK(points[0].name == "rank-3_algo-mu_seed-0");
  CHECK(points[1].name == "rank-3_algo-mu_seed-7");
  CHECK(points[2].name == "rank-3_algo-hals_seed-0");
  CHECK(points[11].name == "rank-8_algo-hals_seed-7");
  CHECK(points[5].values == std::vector<std::string>{"5", "mu", "7"});
  const runner::FitConfig& c = points[7].config;  // rank 5, hals, seed 7
  CHECK(c.rank == 5);
  CHECK(c.algorithm == "hals");
  CHECK(c.seed == 7u);
  CHECK(c.max_iterations == 25);
  CHECK(c.rule_w.l1 == 0.5);
  CHECK(c.rule_h.l1 == 0);
  CHECK(c.rule_w.step == 0.25);
  CHECK(c.rule_h.step == 0.25);
  CHECK(c.tolerance == 1.0);  // an integer where a number is expected
  CHECK_FALSE(c.reference);
  CHECK(c.output_path == "out/rank-5_algo-hals_seed-7.h5");
  CHECK(c.data_path == (std::filesystem::current_path() / "d.h5").string());
  for (long i = 0; i < 12; ++i) CHECK(point_at(plan, i).name == points[std::size_t(i)].name);
}

TEST_CASE("ranks lists, numbers and data paths become readable file names", "[sweep]") {
  const Plan plan = parse_plan("output = 'o'\nmodel = 'deep'\n"
                               "data = ['sets/fashion mnist.h5', 'b.h5']\n"
                               "ranks = [[100, 50], [100, 50, 20]]\n"
                               "lr = [0.001, 1e-2]\n",
                               "grid.toml");
  const auto points = expand(plan);
  REQUIRE(points.size() == 8);
  CHECK(points[0].name == "data-fashion-mnist_ranks-100-50_lr-0.001");
  CHECK(points[3].name == "data-fashion-mnist_ranks-100-50-20_lr-0.01");
  CHECK(points[3].config.ranks == std::vector<int>{100, 50, 20});
  CHECK(points[3].config.model == "deep");
  CHECK(points[3].config.rule_h.learning_rate == 0.01);
  CHECK(points[0].values[0] == "sets/fashion mnist.h5");
  // A fixed ranks list is a setting, not an axis.
  const Plan fixed = parse_plan(head + "ranks = [30, 10]\n", "grid.toml");
  CHECK(point_count(fixed) == 1);
  CHECK(expand(fixed)[0].name == "point");
  CHECK(expand(fixed)[0].config.ranks == std::vector<int>{30, 10});
}

TEST_CASE("the command line replaces data and output", "[sweep]") {
  const Plan plan =
      parse_plan("data = ['a.h5', 'b.h5']\noutput = 'o'\nrank = 2\n", "grid.toml", {"/tmp/x.h5", "/tmp/runs"});
  REQUIRE(point_count(plan) == 1);
  const Point p = point_at(plan, 0);
  CHECK(p.config.data_path == "/tmp/x.h5");
  CHECK(p.config.output_path == "/tmp/runs/point.h5");
  // Without data or output in the file, the command line supplies them.
  CHECK(parse_error("rank = 2\n", {"/tmp/x.h5", "/tmp/runs"}).empty());
}

TEST_CASE("bad sweep files: one line naming the file, line and key", "[sweep]") {
  struct Case {
    std::string text, expect;
  };
  const Case cases[] = {
      {head + "rank = 3\nrnak = 4\n", "grid.toml:4: unknown key 'rnak' (known: output, data,"},
      {head + "rank = '3'\n", "grid.toml:3: 'rank' must be an integer (or a list of them), not string"},
      {head + "rank = [3, 'x']\n", "grid.toml:3: 'rank' must be an integer"},
      {head + "rank = 3.5\n", "'rank' must be an integer"},
      {head + "rank = 3\nseed = []\n", "grid.toml:4: 'seed' is an empty list"},
      {head + "rank = 3\nalgo = 4\n", "'algo' must be a string"},
      {head + "rank = 3\nl1-w = 'big'\n", "'l1-w' must be a number"},
      {head + "rank = 3\nno-reference = 1\n", "'no-reference' must be true or false"},
      {head + "ranks = [[3, 2], []]\n", "'ranks' is an empty list"},
      {head + "ranks = 4\n", "'ranks' must be a list of integers"},
      {head + "rank = 3\nseed = -1\n", "grid.toml:4: 'seed': must be >= 0 (got -1)"},
      {head + "rank = 3\nblock = 99999999999\n", "'block': value 99999999999 is out of range"},
      {head + "rank = [3, 3]\n", "points 0 and 1 would both write 'rank-3.h5'"},
      {head + "rank = 3\n[metrics]\nevery = 5\n", "unknown key 'metrics'"},
      {head + "rank = [3\n", "grid.toml:3: not valid TOML: Error while parsing array: encountered end-of-file"},
      {head + "rank = 3\nrank = 4\n", "grid.toml:4: not valid TOML"},
      {"output = 'o'\nrank = 3\n", "grid.toml: no 'data'"},
      {"data = 'd'\nrank = 3\n", "grid.toml: no 'output'"},
      {head, "grid.toml: no 'rank'"},
      {"data = 'd'\nrank = 3\noutput = 5\n", "grid.toml:3: 'output' must be a string"},
  };
  for (const Case& c : cases) {
    std::string message = parse_error(c.text);
    if (message.empty()) {  // expand checks the names
      try {
        expand(parse_plan(c.text, "grid.toml"));
      } catch (const Error& e) {
        message = e.what();
      }
    }
    INFO(c.text << "\n=> " << message);
    CHECK(message.find(c.expect) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK_THROWS_WITH(read_plan("/nonexistent/grid.toml"),
                    "cannot read the sweep file '/nonexistent/grid.toml': No such file or directory");
  CHECK_THROWS_WITH(read_plan("/tmp"), "cannot read the sweep file '/tmp': it is a folder");
}

TEST_CASE("the example sweeps in inputs/ parse and expand", "[sweep]") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(NMFX_SOURCE_DIR) + "/inputs")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    INFO(entry.path());
    const Plan plan = read_plan(entry.path().string());
    CHECK(expand(plan).size() == std::size_t(point_count(plan)));
  }
  CHECK(files >= 4);
}
