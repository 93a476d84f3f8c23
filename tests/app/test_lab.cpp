// The low-rank-bias laboratory end to end: snapshots of the factors
// (--snapshots, --snapshot-w) on 1, 2 and 4 ranks, across a signal and
// --resume, and their spectra; bad lists; the staircase (synth --basis
// signs, and pgd from a small initialization learning its singular values
// one at a time).
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

TEST_CASE("synth --basis signs: dense non-negative data with exactly the given singular values", "[cli]") {
  for (int ranks : {1, 2, 4}) {
    const std::string out = in_folder("signs" + std::to_string(ranks) + ".h5");
    const Outcome r = nmfx(ranks, "synth --rows 48 --cols 16 --spectrum 1,0.4,0.3,0.2 --basis signs -o " + out);
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("f = h5py.File('" + out + "', 'r'); X = f['X'][:]; s = np.array([1, 0.4, 0.3, 0.2])\n"
           "assert np.allclose(np.linalg.svd(X, compute_uv=False), np.r_[s, np.zeros(12)], rtol=0, atol=1e-14)\n"
           "assert list(f['spectrum'][:]) == list(s) and f.attrs['basis'] == 'signs' and f.attrs['rank'] == 4\n"
           // dense: the smallest entry is (s1 - s2 - ... - sr) / sqrt(mn) = 0.1 / sqrt(768)
           "assert abs(X.min() - 0.1 / np.sqrt(48 * 16)) < 1e-15, X.min()\n"
           // 2r - 1 non-negative generating factors
           "W, H = f['W_true'][:], f['H_true'][:]\n"
           "assert W.shape == (48, 7) and H.shape == (7, 16) and W.min() >= 0 and H.min() >= 0\n"
           "assert np.abs(W @ H - X).max() < 1e-15\n"
           "assert np.array_equal(X, h5py.File('" + in_folder("signs1.h5") + "', 'r')['X'][:])\n");
  }
  const std::string bad = in_folder("signs-bad.h5");
  for (const auto& [args, words] : std::vector<std::pair<std::string, std::string>>{
           {"--rows 44 --cols 16 --spectrum 1,0.4,0.3,0.2 --basis signs", "multiples of 8 (got 44 x 16)"},
           {"--rows 48 --cols 16 --spectrum 1,0.5,0.3,0.3 --basis signs", "at least the sum of the others"},
           {"--rows 48 --cols 16 --rank 3 --basis signs", "--basis signs needs --spectrum"},
           {"--rows 48 --cols 16 --spectrum 1,0.5 --basis sign", "expected disjoint or signs"}}) {
    const Outcome r = nmfx(2, "synth " + args + " -o " + bad);
    INFO(args << "\n" << r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find(words) != std::string::npos);
    CHECK(count_lines_with(r.output, "error") == 1);
    CHECK_FALSE(fs::exists(bad));
  }
}

TEST_CASE("the staircase: pgd from --init-scale 1e-4 learns the singular values one at a time", "[cli]") {
  // sigma = 1, 0.5, 0.25, 0.12: from a small initialization gradient descent
  // learns sigma_i at a time ~ log(1/scale) / sigma_i, so the times double
  // and the effective rank of W H plateaus at that of sigma_1..sigma_j, j =
  // 1, 2, 3, 4 (1, 1.89, 2.60, 3.10; measured: onsets 6, 54, 114, 210 at
  // 1.01, 1.88, 2.56, 2.99). The first three are checked.
  const std::string data = in_folder("stair.h5");
  REQUIRE(nmfx(1, "synth --rows 32 --cols 16 --spectrum 1,0.5,0.25,0.12 --basis signs -o " + data).status == 0);
  for (int ranks : {1, 2, 4}) {
    const std::string out = in_folder("stair" + std::to_string(ranks) + ".h5");
    const Outcome r = nmfx(ranks, "fit " + data + " -k 5 --algo pgd --step 0.5 --init-scale 1e-4 --max-iter 400 "
                                  "--metrics-every 2 --progress 0 -o " + out);
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("f = h5py.File('" + out + "', 'r'); m = f['metrics']\n"
           "it = list(m['iteration'][:]); sp = m['spectrum'][:]; er = m['effective_rank'][:]\n"
           "s = f['reference/sigma_X'][:4]\n"
           "def erank(v):\n"
           "    p = v / v.sum(); return float(np.exp(-(p * np.log(p)).sum()))\n"
           // the iteration at which each sigma_i of W H first reaches half its value in X: in order, apart
           "learned = [it[int(np.argmax(sp[:, i] >= s[i] / 2))] for i in range(4)]\n"
           "assert all(sp[:, i].max() >= s[i] / 2 for i in range(4)), sp[-1]\n"
           "assert all(learned[i + 1] >= learned[i] + 20 for i in range(3)), learned\n"
           // one plateau per learned value, in order: at its onset the spectrum of W H,
           // relative to its sigma_1, has exactly j values above half those of X (the
           // effective rank is scale-free, so the first plateau starts while sigma_1
           // is still small), and the effective rank is that of sigma_1..sigma_j (3%)
           "onsets = list(m['plateaus'][:])\n"
           "assert len(onsets) >= 3, onsets\n"
           "for j, onset in enumerate(onsets[:3], start=1):\n"
           "    row = it.index(onset)\n"
           "    assert int((sp[row, :4] / sp[row, 0] >= s / s[0] / 2).sum()) == j, (j, onset, sp[row])\n"
           "    assert abs(er[row] - erank(s[:j])) < 0.03 * erank(s[:j]), (j, onset, er[row])\n"
           "assert abs(er[-1] - erank(s)) < 0.05 * erank(s), er[-1]\n"
           "ref = h5py.File('" + in_folder("stair1.h5") + "', 'r')\n"
           "assert list(ref['metrics/plateaus'][:]) == onsets, onsets\n");
  }
  // The README figure's tool on the same run: the panel, and when each value was learned.
  const std::string figures = in_folder("stair-figures");
  const Outcome p = shell("/usr/bin/python3 " + std::string(NMFX_PLOT) + " " + in_folder("stair2.h5") +
                          " --staircase -o " + figures);
  INFO(p.output);
  REQUIRE(p.status == 0);
  CHECK(p.output.find("stair2: depth 1, init-scale 0.0001: sigma_i learned at 20, 46, 102, 196; "
                      "plateaus at 6, 54, 114, 210") != std::string::npos);
  CHECK(fs::file_size(figures + "/runs_staircase.png") > 10000);
}
