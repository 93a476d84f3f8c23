// Masked NMF end to end: missing entries (--missing nan) and hidden ones
// (--holdout) on 1, 2 and 4 ranks, across a signal and --resume, and rank
// selection by a sweep's --collect.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

namespace {

/// A 48 x 30 non-negative rank-3 matrix with 5% of its entries NaN.
std::string missing_data() {
  const std::string data = in_folder("missing.h5");
  python("rng = np.random.default_rng(4)\n"
         "X = rng.random((48, 3)) @ rng.random((3, 30)) + 0.01 * rng.random((48, 30))\n"
         "X[rng.random(X.shape) < 0.05] = np.nan\n"
         "h5py.File('" + data + "', 'w')['X'] = X\n");
  return data;
}

}  // namespace

TEST_CASE("missing and hidden entries: the same fit on every grid, the held-out error recorded", "[cli][mask]") {
  const std::string data = missing_data();
  for (const std::string algo : {"hals", "mu"}) {
    const std::string fit = "fit " + data + " -k 3 --algo " + algo + " --missing nan --holdout 0.2 --seed 5 "
                            "--max-iter 200 --progress 100 --metrics-every 50 -o ";
    for (int ranks : {1, 2, 4}) {
      const std::string out = in_folder(algo + std::to_string(ranks) + ".h5");
      const Outcome r = nmfx(ranks, fit + out);
      INFO(algo << " on " << ranks << " ranks\n" << r.output);
      REQUIRE(r.status == 0);
      CHECK(r.output.find("masked: ") != std::string::npos);
      CHECK(r.output.find("heldout_rel_error") != std::string::npos);
      python("a = h5py.File('" + out + "', 'r'); b = h5py.File('" + in_folder(algo + "1.h5") + "', 'r')\n"
             "assert a.attrs['missing'] == 'nan' and a.attrs['holdout'] == 0.2\n"
             "e, h = a['history/rel_error'][:], a['history/heldout_rel_error'][:]\n"
             "assert len(h) == 201 and np.all(np.isfinite(h))\n"
             "assert np.all(np.diff(e) <= 1e-12 * e[:-1]), 'the masked objective rose'\n"
             "assert e[-1] < 0.01 and h[-1] < 0.05, (e[-1], h[-1])\n"
             "for n in ('W', 'H', 'history/rel_error', 'history/heldout_rel_error'):\n"
             "    assert np.abs(a[n][:] - b[n][:]).max() <= 1e-10 * np.abs(b[n][:]).max(), n\n"
             "assert 'reference' not in a  # no Eckart-Young bound for masked data\n");
    }
  }
}

TEST_CASE("a masked fit survives a signal and --resume bit for bit", "[cli][mask]") {
  const std::string data = missing_data();
  const std::string args = "fit " + data + " -k 3 --algo pgd --missing nan --holdout 0.3 --seed 2 --max-iter 4000 "
                           "--progress 0 --metrics-every 500";
  const std::string whole = in_folder("whole.h5"), resumed = in_folder("resumed.h5");
  REQUIRE(nmfx(2, args + " -o " + whole).status == 0);
  signal_and_resume(args, resumed, 300, 1.0);
  python("a = h5py.File('" + whole + "', 'r'); b = h5py.File('" + resumed + "', 'r')\n"
         "for n in ('W', 'H', 'history/rel_error', 'history/heldout_rel_error'):\n"
         "    assert np.array_equal(a[n][:], b[n][:]), n\n");
}

TEST_CASE("a sweep over ranks with --holdout marks the rank with the lowest held-out error", "[cli][mask]") {
  const std::string data = in_folder("rank4.h5");
  REQUIRE(nmfx(2, "synth --rows 60 --cols 40 --rank 4 --noise 0.05 --seed 3 -o " + data).status == 0);
  const std::string sweep = in_folder("cv.toml"), runs = in_folder("cv");
  std::ofstream(sweep) << "data = \"" << data << "\"\noutput = \"" << runs << "\"\n"
                       << "rank = [2, 4, 12]\nseed = [1, 2]\nholdout = 0.2\nalgo = \"anls\"\n"
                       << "max-iter = 300\nmetrics-every = 0\n";
  const Outcome run = nmfx(2, "sweep " + sweep);
  INFO(run.output);
  REQUIRE(run.status == 0);
  REQUIRE(nmfx(1, "sweep " + sweep + " --collect").status == 0);
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + runs + "/summary.csv')))\n"
         "assert len(rows) == 6\n"
         "for seed in ('1', '2'):\n"
         "    group = [r for r in rows if r['seed'] == seed]\n"
         "    best = [r for r in group if r['best_rank'] == '1']\n"
         "    assert len(best) == 1 and all(r['best_rank'] in ('0', '1') for r in group), group\n"
         "    assert best[0]['rank'] == '4', group\n"
         "    assert float(best[0]['heldout_rel_error']) == min(float(r['heldout_rel_error']) for r in group)\n"
         "s = h5py.File('" + runs + "/summary.h5', 'r')\n"
         "assert sorted(s['best_rank'][:]) == [0, 0, 0, 0, 1, 1]\n");
}
