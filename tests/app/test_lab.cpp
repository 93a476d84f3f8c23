// The low-rank-bias laboratory end to end: snapshots of the factors
// (--snapshots, --snapshot-w) on 1, 2 and 4 ranks, across a signal and
// --resume, and their spectra; bad lists.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

TEST_CASE("snapshots: the same on every grid, with their spectra, and log:N distinct", "[cli]") {
  const std::string data = in_folder("lab.h5");
  REQUIRE(nmfx(1, "synth --rows 60 --cols 40 --spectrum 1,0.3,0.1 --seed 1 -o " + data).status == 0);
  const std::string fit = "fit " + data + " -k 4 --algo pgd --step 0.2 --init-scale 1e-4 --max-iter 300 "
                          "--progress 0 --snapshot-w ";
  for (int ranks : {1, 2, 4}) {
    const std::string out = in_folder("snap" + std::to_string(ranks) + ".h5");
    const Outcome r = nmfx(ranks, fit + "--metrics-every 50 --snapshots log:9 -o " + out);
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("a = h5py.File('" + out + "', 'r'); b = h5py.File('" + in_folder("snap1.h5") + "', 'r')\n"
           "it = a['snapshots/iteration'][:]\n"
           "assert len(it) == 9 and len(set(it)) == 9 and it[0] == 0 and it[-1] == 300, it\n"
           "assert a['snapshots/H'].shape == (9, 4, 40) and a['snapshots/W'].shape == (9, 60, 4)\n"
           "assert a.attrs['snapshots'] == 'log:9' and a.attrs['snapshot_w'] == 1\n"
           // the last snapshot is the model; every snapshot iteration has its spectrum
           "assert np.array_equal(a['snapshots/H'][-1], a['H'][:]) and np.array_equal(a['snapshots/W'][-1], a['W'][:])\n"
           "m = list(a['metrics/iteration'][:])\n"
           "assert all(i in m for i in it) and all(i in m for i in range(0, 301, 50)), m\n"
           "for s, i in enumerate(it):\n"
           "    W, H = a['snapshots/W'][s], a['snapshots/H'][s]\n"
           "    sv = np.linalg.svd(W @ H, compute_uv=False)[:4]\n"
           "    row = a['metrics/spectrum'][m.index(i)][:4]\n"
           "    assert np.allclose(row, sv, rtol=1e-6, atol=1e-12), (i, row, sv)\n"
           // identical across grids, up to the last bits of the sums
           "for n in ('snapshots/H', 'snapshots/W'):\n"
           "    assert np.abs(a[n][:] - b[n][:]).max() <= 1e-10 * np.abs(b[n][:]).max(), n\n");
  }
  // An explicit list and every:N.
  const std::string listed = in_folder("listed.h5");
  REQUIRE(nmfx(2, fit + "--metrics-every 50 --snapshots 250,0,10,10 -o " + listed).status == 0);
  const std::string every = in_folder("every.h5");
  REQUIRE(nmfx(2, fit + "--snapshots every:100 --metrics-every 0 -o " + every).status == 0);
  python("assert list(h5py.File('" + listed + "', 'r')['snapshots/iteration'][:]) == [0, 10, 250]\n"
         "f = h5py.File('" + every + "', 'r')\n"
         "assert list(f['snapshots/iteration'][:]) == [0, 100, 200, 300]\n"
         "assert list(f['metrics/iteration'][:]) == [0, 100, 200, 300]\n");
  // Bad lists: one clear line, nothing written.
  const std::string bad = in_folder("bad.h5");
  for (const auto& [list, words] : std::vector<std::pair<std::string, std::string>>{
           {"1,x", "expected iterations like"}, {"400", "iteration 400 is beyond the fit's last (300)"},
           {"log:0", "the count must be at least 1"}, {"log:302", "the fit has only 301"},
           {"every:", "expected a positive integer"}, {"5,,6", "expected iterations like"}}) {
    const Outcome r = nmfx(2, fit + "--snapshots " + list + " -o " + bad);
    INFO(list << "\n" << r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("nmfx: error: --snapshots " + list + ": ") != std::string::npos);
    CHECK(r.output.find(words) != std::string::npos);
    CHECK(count_lines_with(r.output, "error") == 1);
    CHECK_FALSE(fs::exists(bad));
  }
  const Outcome w_alone = nmfx(1, "fit " + data + " -k 2 --snapshot-w -o " + bad);
  CHECK(w_alone.status != 0);
  CHECK(w_alone.output.find("--snapshot-w needs --snapshots") != std::string::npos);
}

TEST_CASE("snapshots survive a signal and --resume bit for bit", "[cli]") {
  const std::string data = in_folder("lab-resume.h5"), ref = in_folder("lab-ref.h5"), out = in_folder("lab-sig.h5");
  REQUIRE(nmfx(1, "synth --rows 300 --cols 200 --rank 8 --noise 0.05 --seed 3 -o " + data).status == 0);
  // Long enough (seconds on an idle machine) that the signal comes mid-run.
  const std::string args = "fit " + data + " -k 8 --algo adam --lr 0.01 --max-iter 30000 --metrics-every 0 "
                           "--progress 0 --no-reference --snapshots every:1500 --snapshot-w";
  REQUIRE(nmfx(2, args + " -o " + ref).status == 0);
  signal_and_resume(args, out, 3000, 1.0);
  python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "', 'r')\n"
         "assert list(b['snapshots/iteration'][:]) == list(range(0, 30001, 1500))\n"
         "for n in ('snapshots/iteration', 'snapshots/H', 'snapshots/W', 'metrics/spectrum', 'W', 'H'):\n"
         "    assert np.array_equal(a[n][:], b[n][:]), n\n");
}
