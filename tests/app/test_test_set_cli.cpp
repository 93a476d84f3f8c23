// `nmfx fit --test` through the binary: the same test error on 1, 2 and 4
// ranks, equal to scipy's NNLS against the written H; the progress and
// summary lines; exact after a signal and --resume; a sweep passes `test` through and --collect reports it;
// tools/nmfx-plot draws it.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

TEST_CASE("fit --test: the test error on 1, 2 and 4 ranks, in sweeps and figures", "[cli][test-set]") {
  // Training and test samples of one synthetic matrix: its first 70 rows and the 33 others.
  const std::string all = in_folder("all.h5"), train = in_folder("train.h5"), test = in_folder("test.h5");
  const Outcome s = nmfx(2, "synth --rows 103 --cols 24 --rank 4 --noise 0.05 --seed 3 -o " + all);
  INFO(s.output);
  REQUIRE(s.status == 0);
  python("X = h5py.File('" + all + "', 'r')['X'][:]\n"
         "h5py.File('" + train + "', 'w')['X'] = X[:70]\n"
         "h5py.File('" + test + "', 'w')['X'] = X[70:]\n");
  std::string runs;
  for (int ranks : {1, 2, 4}) {
    const std::string run = in_folder("run" + std::to_string(ranks) + ".h5");
    const Outcome f = nmfx(ranks, "fit " + train + " --test " + test + " -o " + run +
                                      " --rank 4 --max-iter 30 --metrics-every 10 --progress 5 --block 8");
    INFO(f.output);
    REQUIRE(f.status == 0);
    CHECK(f.output.find("nmfx fit: test set /X in '" + test + "' (33 x 24) read in") != std::string::npos);
    CHECK(count_lines_with(f.output, "test_rel_error") == 4);  // iterations 0, 10, 20, 30
    CHECK(count_lines_with(f.output, "  iter ") == 7);
    CHECK(count_lines_with(f.output, "nmfx fit: test set rel_error") == 1);
    runs += "'" + run + "', ";
  }
  python("from scipy.optimize import nnls\n"
         "X = h5py.File('" + test + "', 'r')['X'][:]\n"
         "runs = [h5py.File(p, 'r') for p in [" + runs + "]]\n"
         "H = runs[0]['H'][:]\n"
         "codes = np.array([nnls(H.T, x, maxiter=10000)[0] for x in X])\n"
         "reference = np.linalg.norm(X - codes @ H)**2 / np.linalg.norm(X)**2\n"
         "for f in runs:\n"
         "    t = f['metrics/test_rel_error'][:]\n"
         "    assert list(f['metrics/iteration'][:]) == [0, 10, 20, 30]\n"
         "    assert t.shape == (4,) and np.all(np.diff(t) < 0), t\n"
         "    assert np.allclose(f['metrics/test_rel_residual'][:], np.sqrt(t), rtol=1e-15)\n"
         "    assert np.allclose(t, runs[0]['metrics/test_rel_error'][:], rtol=1e-9, atol=0), (t, f.filename)\n"
         "    assert abs(t[-1] - reference) < 1e-9 * reference, (t[-1], reference)\n"
         "    assert f.attrs['test'] == '" + test + "' and f.attrs['test_algo'] == 'auto'\n");

  // A signal mid-run and --resume: the exact test errors of an uninterrupted
  // run (the resumed run's first encoding starts without the old codes).
  const std::string args = "fit " + train + " --test " + test +
                           " -k 4 --max-iter 3000 --metrics-every 10 --progress 0 --no-reference";
  const Outcome whole = nmfx(2, args + " -o " + in_folder("whole.h5"));
  INFO(whole.output);
  REQUIRE(whole.status == 0);
  signal_and_resume(args, in_folder("resumed.h5"), 100, 1.0);
  python("a = h5py.File('" + in_folder("whole.h5") + "', 'r'); b = h5py.File('" + in_folder("resumed.h5") + "', 'r')\n"
         "assert np.array_equal(a['H'][:], b['H'][:])\n"
         "assert np.array_equal(a['metrics/test_rel_error'][:], b['metrics/test_rel_error'][:])\n");

  // A sweep passes `test` through (a registry setting like any other) and
  // --collect adds its columns.
  const std::string out = in_folder("sweep");
  std::ofstream(in_folder("sweep.toml")) << "data = '" << train << "'\ntest = '" << test << "'\noutput = '" << out
                                          << "'\nrank = [3, 4]\nmax-iter = 20\n";
  for (const char* action : {"", " --collect"}) {
    const Outcome r = nmfx(2, "sweep " + in_folder("sweep.toml") + action);
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + out + "/summary.csv')))\n"
         "s = h5py.File('" + out + "/summary.h5', 'r')\n"
         "assert len(rows) == 2\n"
         "for i, r in enumerate(rows):\n"
         "    f = h5py.File(r['run_file'], 'r')\n"
         "    assert f.attrs['test'] == '" + test + "'\n"
         "    t = f['metrics/test_rel_error'][-1]\n"
         "    assert float(r['test_rel_error']) == t == s['test_rel_error'][i], (r, t)\n"
         "    assert float(r['test_rel_residual']) == np.sqrt(t) == s['test_rel_residual'][i]\n");

  // The figures: train and test error together.
  const std::string figures = in_folder("figures");
  const Outcome p = shell("/usr/bin/python3 " + std::string(NMFX_PLOT) + " " + in_folder("run1.h5") + " " +
                          in_folder("run2.h5") + " -o " + figures);
  INFO(p.output);
  REQUIRE(p.status == 0);
  for (const char* name : {"run1_training.png", "runs_histories.png"})
    CHECK(fs::file_size(figures + "/" + name) > 10000);
}
