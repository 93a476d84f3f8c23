// `nmfx sweep` end to end under mpiexec: groups of ranks give the same
// factors as `nmfx fit` run alone, re-runs skip finished points, failures are
// recorded while the other points go on, a signal checkpoints every group and
// the same command resumes exactly, --collect summarizes, and bad input gets
// one clear line.
#define CATCH_CONFIG_MAIN
#include <map>
#include <random>

#include "shell.hpp"

using namespace app;

namespace {

const std::string tiny_sweep = std::string(NMFX_SOURCE_DIR) + "/inputs/sweep-tiny.toml";

/// The synthetic dataset inputs/sweep-tiny.toml is documented with.
const std::string& tiny_data() {
  static const std::string path = [] {
    const std::string p = in_folder("tiny.h5");
    const Outcome r = nmfx(2, "synth --rows 60 --cols 40 --rank 4 --noise 0.01 --seed 3 -o " + p);
    INFO(r.output);
    REQUIRE(r.status == 0);
    return p;
  }();
  return path;
}

/// The points of inputs/sweep-tiny.toml in sweep order: rank, then algo.
struct TinyPoint {
  int rank;
  std::string algo;
  std::string name() const { return "rank-" + std::to_string(rank) + "_algo-" + algo; }
};
const std::vector<TinyPoint> tiny_points = {{3, "mu"}, {3, "hals"}, {3, "anls"},
                                            {5, "mu"}, {5, "hals"}, {5, "anls"}};

/// The same point run alone by `nmfx fit` on 2 ranks (made once).
std::string tiny_reference(const TinyPoint& p) {
  static std::map<std::string, std::string> made;
  auto& path = made[p.name()];
  if (path.empty()) {
    path = in_folder("ref-" + p.name() + ".h5");
    const Outcome r = nmfx(2, "fit " + tiny_data() + " -o " + path + " --rank " + std::to_string(p.rank) +
                                  " --algo " + p.algo + " --seed 1 --max-iter 40 --metrics-every 10");
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  return path;
}

/// Python asserting that two run files hold identical factors, history and metrics.
std::string same_run(const std::string& a, const std::string& b) {
  return "a = h5py.File('" + a + "', 'r'); b = h5py.File('" + b + "', 'r')\n"
         "for n in ['W', 'H', 'history/rel_error', 'metrics/spectrum', 'metrics/effective_rank']:\n"
         "    assert np.array_equal(a[n][:], b[n][:]), ('" + b + "', n)\n";
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = in_folder(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("2 groups of 2 ranks run the tiny sweep exactly like nmfx fit; re-runs skip; collect", "[sweep]") {
  const std::string out = in_folder("groups");
  const std::string run = "sweep " + tiny_sweep + " --data " + tiny_data() + " -o " + out;
  const Outcome r = nmfx(4, run + " --group-size 2");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("6 points in") != std::string::npos);
  CHECK(r.output.find("in 2 groups of 2 ranks") != std::string::npos);
  CHECK(count_lines_with(r.output, ": done, 40 iterations (max_iter)") == 6);
  for (const TinyPoint& p : tiny_points) python(same_run(tiny_reference(p), out + "/" + p.name() + ".h5"));

  // A re-run (any grouping) finds every point done and touches nothing.
  std::vector<std::string> before;
  for (const TinyPoint& p : tiny_points) before.push_back(read_all(out + "/" + p.name() + ".h5"));
  const Outcome again = nmfx(2, run + " --group-size 1");
  INFO(again.output);
  REQUIRE(again.status == 0);
  CHECK(again.output.find("6 done before, 0 to run") != std::string::npos);
  CHECK(count_lines_with(again.output, ": done") == 0);
  for (std::size_t i = 0; i < tiny_points.size(); ++i)
    CHECK(read_all(out + "/" + tiny_points[i].name() + ".h5") == before[i]);

  const Outcome collected = nmfx(2, run + " --collect");
  INFO(collected.output);
  REQUIRE(collected.status == 0);
  CHECK(collected.output.find("6 done, 0 interrupted, 0 failed, 0 missing") != std::string::npos);
  std::string names = "[";
  for (const TinyPoint& p : tiny_points) names += "'" + p.name() + "', ";
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + out + "/summary.csv')))\n"
         "assert [r['name'] for r in rows] == " + names + "], rows\n"
         "assert [r['rank'] for r in rows] == ['3'] * 3 + ['5'] * 3\n"
         "assert [r['algo'] for r in rows] == ['mu', 'hals', 'anls'] * 2\n"
         "s = h5py.File('" + out + "/summary.h5', 'r')\n"
         "assert list(s['parameters/rank'][:]) == [3, 3, 3, 5, 5, 5]\n"
         "assert list(s['parameters/algo'].asstr()[:]) == ['mu', 'hals', 'anls'] * 2\n"
         "assert s.attrs['max-iter'] == 40 and s.attrs['seed'] == 1 and s.attrs['points'] == 6\n"
         "for i, r in enumerate(rows):\n"
         "    f = h5py.File(r['run_file'], 'r')\n"
         "    assert r['status'] == 'done' and s['status'].asstr()[i] == 'done'\n"
         "    assert int(r['index']) == i and r['stop_reason'] == 'max_iter'\n"
         "    assert int(r['iterations']) == 40 == f.attrs['iterations'] == s['iterations'][i]\n"
         "    for column, data in [('rel_error', 'history/rel_error'), ('rel_residual', 'history/rel_residual'),\n"
         "                         ('seconds', 'history/seconds'), ('effective_rank', 'metrics/effective_rank')]:\n"
         "        assert float(r[column]) == f[data][-1] == s[column][i], (column, r[column], f[data][-1])\n"
         "    assert float(r['svd_rel_error']) == f['reference/svd_rel_error'][()]\n"
         "    p = f['metrics/plateaus'][:]\n"
         "    assert r['first_plateau'] == (str(p[0]) if len(p) else '') and s['first_plateau'][i] == (p[0] if len(p) else -1)\n"
         "    t = f['history/seconds'][:]\n"
         "    assert abs(float(r['seconds_per_iteration']) - (t[-1] - t[0]) / 40) < 1e-12\n"
         "    assert r['message'] == ''\n");
}

TEST_CASE("--task runs one point, as an array task would; --count and --list", "[sweep]") {
  const std::string out = in_folder("tasks");
  const std::string sweep = "sweep " + tiny_sweep + " --data " + tiny_data() + " -o " + out;
  const Outcome r = nmfx(2, sweep + " --task 4");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("point 4/6 rank-5_algo-hals") != std::string::npos);
  CHECK(r.output.find("nmfx fit: 40 iterations") != std::string::npos);  // the fit's own progress
  python(same_run(tiny_reference(tiny_points[4]), out + "/rank-5_algo-hals.h5"));
  // The task index defaults to SLURM_ARRAY_TASK_ID.
  const Outcome env = shell("SLURM_ARRAY_TASK_ID=1 timeout 120 " + std::string(NMFX_MPIEXEC) + " -n 2 " +
                            NMFX_BINARY + " " + sweep);
  INFO(env.output);
  REQUIRE(env.status == 0);
  python(same_run(tiny_reference(tiny_points[1]), out + "/rank-3_algo-hals.h5"));
  const Outcome done = nmfx(1, sweep + " --task 4");
  CHECK(done.status == 0);
  CHECK(done.output.find("is done already") != std::string::npos);

  const Outcome count = nmfx(1, sweep + " --count");
  CHECK(count.status == 0);
  CHECK(count.output == "6\n");
  const Outcome list = nmfx(1, sweep + " --list");
  INFO(list.output);
  CHECK(count_lines_with(list.output, "missing") == 4);
  CHECK(count_lines_with(list.output, "done") == 2);
  CHECK(list.output.find("     4  done         rank-5_algo-hals") != std::string::npos);
  int files = 0;
  for (const auto& e : fs::directory_iterator(out)) files += e.path().extension() == ".h5";
  CHECK(files == 2);
}

TEST_CASE("a failing point is recorded and the others go on; run files are never overwritten", "[sweep]") {
  const std::string out = in_folder("failing");
  const std::string sweep = write_file("failing.toml", "data = '" + tiny_data() + "'\noutput = '" + out +
                                                           "'\nrank = [3, 99999999, 4, 2]\nalgo = 'hals'\nmax-iter = 20\n");
  const Outcome r = nmfx(4, "sweep " + sweep + " --group-size 2");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(count_lines_with(r.output, "nmfx: error") == 1);
  CHECK(r.output.find("nmfx: error: 1 of 4 points failed; first point 1 (rank-99999999): --rank 99999999 on ") !=
        std::string::npos);
  CHECK(count_lines_with(r.output, ": done, 20 iterations") == 3);
  CHECK(fs::exists(out + "/rank-99999999.error"));
  CHECK_FALSE(fs::exists(out + "/rank-99999999.h5"));

  // A re-run skips the finished points and tries the failed one again.
  const Outcome again = nmfx(2, "sweep " + sweep);
  INFO(again.output);
  CHECK(again.status == 1);
  CHECK(again.output.find("3 done before, 1 to run") != std::string::npos);

  // A run file made with other settings, or one that is not a run file at
  // all, is left alone: those points fail, the file stays as it was.
  std::ofstream(out + "/rank-2.h5", std::ios::trunc) << "not a run file";
  const std::string other = write_file("other.toml", "data = '" + tiny_data() + "'\noutput = '" + out +
                                                         "'\nrank = [3, 4, 2]\nalgo = 'hals'\nmax-iter = 30\n");
  const std::string before3 = read_all(out + "/rank-3.h5"), before4 = read_all(out + "/rank-4.h5");
  const Outcome mismatch = nmfx(2, "sweep " + other + " --group-size 1");
  INFO(mismatch.output);
  CHECK(mismatch.status == 1);
  CHECK(count_lines_with(mismatch.output, "nmfx: error") == 1);
  CHECK(mismatch.output.find("3 of 3 points failed; first point 0 (rank-3): the existing '" + out +
                             "/rank-3.h5' was made with other settings: --max-iter 20 (not 30)") != std::string::npos);
  CHECK(mismatch.output.find("rank-2: failed: cannot use the existing run file") != std::string::npos);
  CHECK(read_all(out + "/rank-3.h5") == before3);
  CHECK(read_all(out + "/rank-4.h5") == before4);
  CHECK(read_all(out + "/rank-2.h5") == "not a run file");

  const Outcome collected = nmfx(1, "sweep " + other + " --collect");
  INFO(collected.output);
  CHECK(collected.output.find("0 done, 0 interrupted, 3 failed, 0 missing") != std::string::npos);
  const Outcome first = nmfx(1, "sweep " + sweep + " --collect");
  CHECK(first.output.find("2 done, 0 interrupted, 2 failed, 0 missing") != std::string::npos);
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + out + "/summary.csv')))\n"
         "assert [r['status'] for r in rows] == ['done', 'failed', 'done', 'failed'], rows\n"
         "assert '--rank 99999999 on ' in rows[1]['message'] and rows[1]['rel_error'] == ''\n"
         "assert 'cannot use the existing run file' in rows[3]['message']\n"
         "s = h5py.File('" + out + "/summary.h5', 'r')\n"
         "assert np.isnan(s['rel_error'][1]) and s['iterations'][1] == -1\n");
}

TEST_CASE("a signal checkpoints every group; the same command resumes exactly", "[sweep]") {
  fs::create_directories(folder() / "signal");
  const std::string data = in_folder("signal/data.h5"), out = in_folder("signal/runs");
  REQUIRE(nmfx(2, "synth --rows 800 --cols 600 --rank 10 --noise 0.1 --seed 1 -o " + data).status == 0);
  const std::string settings = " --rank 10 --algo adam --lr 0.01 --max-iter 5000 --metrics-every 7 --no-reference";
  const std::string sweep = write_file(
      "signal/adam.toml", "data = '" + data + "'\noutput = '" + out +
                              "'\nrank = 10\nalgo = 'adam'\nlr = 0.01\nmax-iter = 5000\nmetrics-every = 7\n"
                              "no-reference = true\ncheckpoint-every = 250\nseed = [1, 2]\n");
  std::random_device random;
  const double delay = (random() % 1000) / 1000.0;
  // USR1 to mpirun (which forwards it) once both points have checkpointed.
  const Outcome r = nmfx_after_checkpoints(
      "sweep " + sweep + " --group-size 1",
      {out + "/seed-1.h5.checkpoint", out + "/seed-2.h5.checkpoint"}, delay);
  INFO("signal after " << delay << " s\n" << r.output);
  REQUIRE(r.output.find("status=75") != std::string::npos);
  CHECK(count_lines_with(r.output, "checkpoint written") == 2);
  CHECK(r.output.find("stopped by a signal") != std::string::npos);
  CHECK_FALSE(fs::exists(out + "/seed-1.h5"));
  CHECK_FALSE(fs::exists(out + "/seed-2.h5"));
  const Outcome listed = nmfx(1, "sweep " + sweep + " --list");
  CHECK(count_lines_with(listed.output, "interrupted") == 2);

  const Outcome resumed = nmfx(2, "sweep " + sweep + " --group-size 1");
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(count_lines_with(resumed.output, "done (resumed), 5000 iterations") == 2);
  for (const char* seed : {"1", "2"}) {
    const std::string ref = in_folder(std::string("signal/ref-") + seed + ".h5");
    const Outcome f = nmfx(1, "fit " + data + " -o " + ref + settings + " --seed " + seed);
    REQUIRE(f.status == 0);
    python(same_run(ref, out + "/seed-" + seed + ".h5"));
    CHECK_FALSE(fs::exists(out + "/seed-" + seed + ".h5.checkpoint"));
  }
}

TEST_CASE("bad sweep input: one clear line, non-zero exit, run files untouched", "[sweep]") {
  fs::create_directories(folder() / "bad");
  const std::string out = in_folder("bad/runs");
  fs::create_directories(out);
  const std::string existing = out + "/rank-3.h5";  // check_failure fills it and checks it stays
  const std::string head = "data = '" + tiny_data() + "'\noutput = '" + out + "'\n";
  const std::string good = write_file("bad/good.toml", head + "rank = [3, 4]\n");
  write_file("bad/not-a-dir", "a file");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"sweep " + in_folder("bad/missing.toml"), "cannot read the sweep file"},
      {"sweep " + write_file("bad/corrupt.toml", "rank = [3,\n\x01\x02"), "corrupt.toml:2: not valid TOML"},
      {"sweep " + write_file("bad/unknown.toml", head + "rnak = 3\n"), "unknown.toml:3: unknown key 'rnak'"},
      {"sweep " + write_file("bad/type.toml", head + "rank = 'three'\n"), "'rank' must be an integer"},
      {"sweep " + write_file("bad/empty.toml", head + "rank = 3\nseed = []\n"), "'seed' is an empty list"},
      {"sweep " + good + " -o " + in_folder("bad/not-a-dir") + "/runs", "cannot create the output folder"},
      {"sweep " + good + " --task 2", "--task 2 is out of range: '" + good + "' has 2 points (0 to 1)"},
      {"sweep " + good + " --group-size 3", "--group-size 3 does not divide"},
      {"sweep " + good + " --group-size 0", "--group-size: must be >= 1 (got 0)"},
      {"sweep " + good + " --group-size -2", "--group-size: must be >= 1 (got -2)"},
      {"sweep " + good + " --group-size 99999999999", "--group-size: must be <= 2147483647 (got 99999999999)"},
      {"sweep " + good + " --task -1", "--task: must be >= 0 (got -1)"},
      {"sweep " + good + " --task 99999999999999999999", "--task: must be <= 9223372036854775807"},
      {"sweep " + good + " --collect -o " + in_folder("bad/not-a-dir"), "is not a folder"},
  };
  for (int ranks : {1, 4})
    for (const Case& c : cases) check_failure(ranks, c.args, c.expect, existing);
  const Outcome env = shell("SLURM_ARRAY_TASK_ID=x timeout 120 " + std::string(NMFX_MPIEXEC) + " -n 2 " +
                            NMFX_BINARY + " sweep " + good);
  INFO(env.output);
  CHECK(env.status == 1);
  CHECK(count_lines_with(env.output, "nmfx: error: SLURM_ARRAY_TASK_ID='x' is not a point index") == 1);
}
