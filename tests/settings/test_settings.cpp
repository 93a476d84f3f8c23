// The settings registry, the typed plan, and what the run file records of
// them: every recorded setting is in the file with the value given, and the
// checks the resume and sweep comparisons use see every difference.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "helpers.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/runner/data.hpp"
#include "nmfx/runner/fit.hpp"
#include "nmfx/runner/run_file.hpp"
#include "nmfx/settings/fit_plan.hpp"

using namespace nmfx;
using settings::FitConfig;

namespace {

/// Sets `name` to `value` through the registry (as a flag or TOML key would).
void set(FitConfig& c, const std::string& name, const settings::Value& value) {
  const settings::Setting* s = settings::find_setting(name);
  REQUIRE(s != nullptr);
  s->set(c, value);
}

}  // namespace

TEST_CASE("every setting is declared once, reads back what it sets, and is checked", "[settings]") {
  std::set<std::string> names, attributes;
  FitConfig defaults;
  defaults.rank = 3;  // their defaults, 0, mean "not given"
  defaults.block = 64;
  for (const settings::Setting& s : settings::fit_settings()) {
    INFO(s.name);
    CHECK(names.insert(s.name).second);
    if (!s.attribute.empty()) CHECK(attributes.insert(s.attribute).second);
    CHECK_FALSE(s.help.empty());
    // Setting a setting to its own value changes nothing.
    FitConfig c = defaults;
    if (s.name != "ranks") {  // recorded as the model's layer ranks, set as the deep list
      s.set(c, s.get(defaults));
      CHECK(s.get(c) == s.get(defaults));
    }
  }
  FitConfig c;
  set(c, "step", 0.5);
  CHECK((c.rule_w.step == 0.5 && c.rule_h.step == 0.5));
  set(c, "l1-h", 2L);  // an integer where a number is expected
  CHECK((c.rule_h.l1 == 2.0 && c.rule_w.l1 == 0.0));
  set(c, "init-scale", 1e-4);
  CHECK(c.init_scale == 1e-4);
  // One value alone out of range: the registry's check says why.
  CHECK(test::failure_of([&] { set(c, "max-iter", -1L); }) == "must be >= 0 (got -1)");
  CHECK(test::failure_of([&] { set(c, "tol", std::nan("")); }).find("must be a finite number") == 0);
  CHECK(test::failure_of([&] { set(c, "seed", -1L); }) == "must be >= 0 (got -1)");
  CHECK(test::failure_of([&] { set(c, "block", 0L); }).find("must lie in [1,") == 0);
  CHECK(test::failure_of([&] { set(c, "rank", 99999999999L); }).find("out of range") != std::string::npos);
  CHECK(test::failure_of([&] { set(c, "algo", std::string("nmf")); }).find("unknown value 'nmf'") == 0);
  CHECK(test::failure_of([&] { set(c, "init-scale", 0.0); }).find("must be > 0") == 0);
  CHECK(test::failure_of([&] { set(c, "beta2", 1.0); }).find("must lie in [0, 1)") == 0);
}

TEST_CASE("the plan is typed and checks the settings together", "[settings]") {
  FitConfig c;
  c.rank = 5;
  settings::FitPlan p = settings::make_plan(c);
  CHECK(p.model == settings::Model::nmf);
  CHECK(p.algorithm == nmf::Algorithm::hals);
  CHECK(p.ranks == std::vector<int>{5});
  REQUIRE(p.stages.size() == 1);
  CHECK(p.stages[0].phase.global);

  FitConfig deep;
  deep.model = "deep";
  deep.ranks = {8, 4, 2};
  deep.deep_loss = "layer-seq";
  deep.algorithm = "mu";
  deep.max_iterations = 30;
  p = settings::make_plan(deep);
  CHECK(p.deep_loss == settings::DeepLoss::layer_seq);
  REQUIRE(p.stages.size() == 3);
  CHECK((p.stages[2].phase.first == 3 && p.stages[2].phase.last == 3 && p.stages[2].iterations == 30));
  deep.deep_loss = "global";
  deep.pretrain_iterations = 5;
  p = settings::make_plan(deep);
  REQUIRE(p.stages.size() == 4);
  CHECK((p.stages[0].iterations == 5 && p.stages[3].phase.global && p.stages[3].iterations == 30));

  auto refused = [](FitConfig bad) { return test::failure_of([&] { settings::make_plan(bad); }); };
  FitConfig bad = c;
  bad.init = "nndsvd";
  bad.init_scale = 1e-3;
  CHECK(refused(bad).find("--init-scale scales the random and eye") == 0);
  bad = c;
  bad.early_stop = "plateau";
  bad.metrics_every = 0;
  CHECK(refused(bad).find("--early-stop plateau needs metrics") == 0);
  bad = deep;
  bad.ranks = {4, 5};
  CHECK(refused(bad).find("non-increasing") != std::string::npos);
  bad = deep;
  bad.algorithm = "anls";
  CHECK(refused(bad).find("two-sided problem") != std::string::npos);
  bad = c;
  bad.rule_w.sparsity = 0.5;
  CHECK(refused(bad).find("work with --algo pgd") != std::string::npos);
}

TEST_CASE("a run file records every recorded setting; the comparisons see each one", "[settings]") {
  namespace fs = std::filesystem;
  const std::string data = test::temp_path("settings.h5"), run = test::temp_path("settings_run.h5");
  runner::run_synth(MPI_COMM_WORLD, {40, 30, 4, 0.05, 3, data, {}}, false);
  FitConfig c;
  c.data_path = data;
  c.output_path = run;
  c.rank = 4;
  c.algorithm = "pgd";
  c.max_iterations = 5;
  c.seed = 42;
  c.init_scale = 0.5;
  c.rule_h.l1 = 0.25;
  c.rule_w.step = c.rule_h.step = 0.01;
  c.progress_every = 0;
  runner::run_fit(MPI_COMM_WORLD, c, false);
  io::File f = io::File::open_read(MPI_COMM_WORLD, run);
  CHECK(f.read_integer_attribute("schema_version") == runner::run_file::schema_version);
  CHECK(f.read_string_attribute("kind") == "run");
  bool all_recorded = true;
  for (const settings::Setting& s : settings::fit_settings()) {
    if (s.attribute.empty()) continue;
    INFO(s.name);
    CHECK(f.has_attribute(s.attribute));
    all_recorded = all_recorded && f.has_attribute(s.attribute);
  }
  REQUIRE(test::all_ranks(all_recorded));
  CHECK(f.read_number_attribute("init_scale") == 0.5);
  CHECK(f.read_number_attribute("step") == 0.01);
  CHECK(f.read_string_attribute("ranks") == "4");
  CHECK(f.read_string_attribute("data") == fs::absolute(data).lexically_normal().string());
  using runner::run_file::Compare;
  CHECK(runner::run_file::settings_mismatch(f, c, Compare::iterates_outcome).empty());
  // The data named by a relative path is the same file.
  FitConfig other = c;
  other.data_path = fs::relative(data).string();
  CHECK(runner::run_file::settings_mismatch(f, other, Compare::iterates_outcome).empty());
  // Each setting that changes the iterates is seen, named as its flag.
  other = c;
  other.seed = 43;
  other.rule_h.l1 = 0.5;
  CHECK(runner::run_file::settings_mismatch(f, other, Compare::iterates) == "--l1-h 0.25 (not 0.5), --seed 42 (not 43)");
  // An optional file (--test) given now but not in the run, by identity too.
  other = c;
  other.test_path = data;
  CHECK(runner::run_file::settings_mismatch(f, other, Compare::iterates) ==
        "--test '' (not '" + fs::absolute(data).lexically_normal().string() + "')");
  // Where the run stops only counts for a finished run.
  other = c;
  other.max_iterations = 10;
  CHECK(runner::run_file::settings_mismatch(f, other, Compare::iterates).empty());
  CHECK(runner::run_file::settings_mismatch(f, other, Compare::iterates_outcome) == "--max-iter 5 (not 10)");
}
