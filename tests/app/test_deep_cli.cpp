// Deep NMF through the real binary: depth 1 is ordinary NMF, the run file's
// layers, errors and metrics agree with numpy, a signal at a random moment
// resumes bit-identically across training stages, and bad settings fail
// cleanly.
#define CATCH_CONFIG_MAIN
#include <random>

#include "shell.hpp"

using namespace app;

TEST_CASE("depth 1 is ordinary NMF, bit for bit", "[deep]") {
  const std::string data = in_folder("deep1.h5");
  REQUIRE(nmfx(2, "synth --rows 61 --cols 47 --rank 6 --noise 0.05 --seed 4 -o " + data).status == 0);
  for (const std::string algo : {"mu", "hals", "adam"})
    for (const std::string loss : {"global", "layer-sum", "layer-seq"}) {
      const std::string plain = in_folder("plain.h5"), deep = in_folder("deep.h5");
      const std::string common = "fit " + data + " --algo " + algo + " --max-iter 25 --init nndsvda --seed 9";
      REQUIRE(nmfx(2, common + " -k 6 -o " + plain).status == 0);
      const Outcome r = nmfx(2, common + " --model deep --ranks 6 --deep-loss " + loss + " -o " + deep);
      INFO(algo << " " << loss << "\n" << r.output);
      REQUIRE(r.status == 0);
      python("a = h5py.File('" + plain + "', 'r'); b = h5py.File('" + deep + "', 'r')\n"
             "assert np.array_equal(a['W'][:], b['W'][:]) and np.array_equal(a['H'][:], b['H'][:])\n"
             "assert np.array_equal(a['W'][:], b['layers/W1'][:])\n"
             "assert np.array_equal(a['history/rel_error'][:], b['history/rel_error'][:])\n");
    }
}

TEST_CASE("a deep run file holds every layer, and its errors are the true ones", "[deep]") {
  const std::string data = in_folder("deep.h5");
  REQUIRE(nmfx(2, "synth --rows 90 --cols 70 --rank 12 --noise 0.05 --seed 5 -o " + data).status == 0);
  for (int ranks : {1, 2, 4})
    for (const std::string loss : {"global", "layer-sum", "layer-seq"}) {
      const std::string run = in_folder("deep-" + loss + ".h5");
      const std::string init = loss == "global" ? "ssvd" : "random";
      const Outcome r = nmfx(ranks, "fit " + data + " --model deep --ranks 12,7,3 --deep-loss " + loss +
                                        " --algo mu --init " + init + " --max-iter 30 -o " + run);
      INFO(ranks << " ranks, " << loss << "\n" << r.output);
      REQUIRE(r.status == 0);
      const std::string iterations = loss == "layer-seq" ? "90" : "30";
      python("f = h5py.File('" + run + "', 'r'); X = h5py.File('" + data + "', 'r')['X'][:]\n"
             "W = [f['layers/W%d' % i][:] for i in (1, 2, 3)]; H = f['H'][:]\n"
             "assert [w.shape for w in W] == [(90, 12), (12, 7), (7, 3)] and H.shape == (3, 70)\n"
             "assert f.attrs['trained_depth'] == 3 and f.attrs['rank'] == 3\n"
             "assert np.allclose(f['W'][:], W[0] @ W[1] @ W[2], rtol=1e-12, atol=1e-14)\n"
             "n = " + iterations + " + 1\n"
             "assert f['history/rel_error'].shape == (n,) and f['history/layer_rel_error'].shape == (n, 3)\n"
             "assert f.attrs['model'] == 'deep' and f.attrs['ranks'] == '12,7,3' and f.attrs['deep_loss'] == '" + loss + "'\n"
             "e = np.linalg.norm(X - W[0] @ W[1] @ W[2] @ H)**2 / np.linalg.norm(X)**2\n"
             "assert abs(e - f['history/rel_error'][-1]) < 1e-9 * e, (e, f['history/rel_error'][-1])\n"
             "if '" + loss + "' != 'global':\n"
             "    codes = [X] + [f['layers/H%d' % i][:] for i in (1, 2, 3)]\n"
             "    assert np.array_equal(codes[3], H)\n"
             "    for i in range(3):\n"
             "        d = codes[i]; want = np.linalg.norm(d - W[i] @ codes[i + 1])**2 / np.linalg.norm(d)**2\n"
             "        got = f['history/layer_rel_error'][-1, i]\n"
             "        assert abs(want - got) < 1e-8 * max(want, 1e-3), (i, want, got)\n"
             "for i, r in ((1, 12), (2, 7)):\n"
             "    A = W[0] if i == 1 else W[0] @ W[1]\n"
             "    code = f['layers/H%d' % i][:]\n"
             "    s = np.linalg.svd(A @ code, compute_uv=False)[:r]\n"
             "    got = f['metrics/layer%d/spectrum' % i][-1]\n"
             "    assert np.allclose(got, s, rtol=1e-8, atol=1e-10 * s[0]), (i, got, s)\n"
             "    assert np.allclose(f['metrics/layer%d/W/spectrum' % i][-1], np.linalg.svd(A, compute_uv=False), rtol=1e-8)\n"
             "s = np.linalg.svd(W[0] @ W[1] @ W[2] @ H, compute_uv=False)[:3]\n"
             "got = f['metrics/spectrum'][-1]  # layer-seq: padded to r1 (the depth-1 model came first)\n"
             "assert np.allclose(got[:3], s, rtol=1e-8) and not got[3:].any()\n");
    }
}

TEST_CASE("a layer-seq run stopped early writes the model it trained", "[deep]") {
  const std::string data = in_folder("deep-early.h5"), run = in_folder("deep-early-run.h5");
  REQUIRE(nmfx(1, "synth --rows 300 --cols 200 --rank 12 --noise 0.05 --seed 7 -o " + data).status == 0);
  const Outcome r = nmfx(2, "fit " + data + " --model deep --ranks 12,7,3 --deep-loss layer-seq --algo mu"
                              " --max-iter 1000000 --time-limit 0.5 --no-reference -o " + run);
  INFO(r.output);
  REQUIRE(r.status == 0);
  python("f = h5py.File('" + run + "', 'r'); X = h5py.File('" + data + "', 'r')['X'][:]\n"
         "assert f.attrs['stop_reason'] == 'time_limit' and f.attrs['trained_depth'] == 1, dict(f.attrs)\n"
         "assert f.attrs['rank'] == 12 and np.array_equal(f['W'][:], f['layers/W1'][:])\n"
         "assert np.array_equal(f['H'][:], f['layers/H1'][:])\n"
         "e = np.linalg.norm(X - f['W'][:] @ f['H'][:])**2 / np.linalg.norm(X)**2\n"
         "assert abs(e - f['history/rel_error'][-1]) < 1e-9 * e\n");
}

TEST_CASE("a deep fit interrupted at a random moment resumes bit-identically", "[deep]") {
  const std::string data = in_folder("deep-ckpt.h5"), ref = in_folder("deep-ref.h5");
  REQUIRE(nmfx(2, "synth --rows 2000 --cols 500 --rank 10 --noise 0.1 --seed 6 -o " + data).status == 0);
  // Three pretraining stages, then the global loss: a signal may land in any.
  const std::string args = "fit " + data + " --model deep --ranks 10,6,3 --pretrain 1500 --algo adam --lr 0.01"
                           " --max-iter 3000 --metrics-every 50 --progress 0 --no-reference";
  REQUIRE(nmfx(2, args + " -o " + ref).status == 0);
  const std::string out = in_folder("deep-signal.h5");
  signal_and_resume(args, out, 500, 5.0);
  python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "', 'r')\n"
         "for n in ['layers/W1', 'layers/W2', 'layers/W3', 'layers/H1', 'layers/H2', 'layers/H3', 'W', 'H',\n"
         "          'history/rel_error', 'history/layer_rel_error', 'metrics/spectrum', 'metrics/layer1/spectrum',\n"
         "          'metrics/layer2/spectrum', 'metrics/plateaus']:\n"
         "    assert np.array_equal(a[n][:], b[n][:], equal_nan=True), n\n"
         "assert a['history/rel_error'].shape == (3 * 1500 + 3000 + 1,)\n"
         "assert a.attrs['iterations'] == b.attrs['iterations'] and a.attrs['stop_reason'] == b.attrs['stop_reason']\n");
}

TEST_CASE("bad deep settings: one clear line, non-zero exit, outputs untouched", "[deep]") {
  const std::string data = in_folder("deep-bad.h5"), out = in_folder("deep-bad-out.h5");
  REQUIRE(nmfx(1, "synth --rows 20 --cols 15 --rank 3 --seed 1 -o " + data).status == 0);
  const std::string fit = "fit " + data + " -o " + out + " ";
  for (int ranks : {1, 2}) {
    check_failure(ranks, fit + "--model deep --ranks 4,5", "non-increasing", out);
    check_failure(ranks, fit + "--model deep --ranks 5,0", "non-increasing", out);
    check_failure(ranks, fit + "--model deep", "needs --ranks", out);
    check_failure(ranks, fit + "--model deep -k 4 --ranks 4,2", "not --rank", out);
    check_failure(ranks, fit + "-k 4 --ranks 4,2", "--ranks needs --model deep", out);
    check_failure(ranks, fit + "--model deep --ranks 20,3 --deep-loss layer-sum --algo als", "--algo als cannot fit --rank 20", out);
    check_failure(ranks, fit + "--model deep --ranks 4,2 --algo anls", "only mu, hals, pgd and adam", out);
    check_failure(ranks, fit + "--model deep --ranks 4,2 --deep-loss depth", "--deep-loss: unknown value 'depth'", out);
    check_failure(ranks, fit + "--model deep --ranks 4,2 --deep-loss layer-seq --pretrain 5", "--pretrain", out);
    check_failure(ranks, fit + "--model wide -k 3", "--model: unknown value 'wide'", out);
  }
}

TEST_CASE("deep matrix factorization with equal inner ranks, the same on every grid", "[deep]") {
  const std::string data = in_folder("equal.h5");
  REQUIRE(nmfx(1, "synth --rows 30 --cols 20 --spectrum 1,0.5,0.25 --seed 2 -o " + data).status == 0);
  for (int ranks : {1, 2, 4}) {
    const std::string out = in_folder("equal" + std::to_string(ranks) + ".h5");
    const Outcome r = nmfx(ranks, "fit " + data + " -o " + out +
                                      " --model deep --ranks 4,4,4 --algo pgd --max-iter 40 --progress 0");
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("a = h5py.File('" + out + "', 'r'); b = h5py.File('" + in_folder("equal1.h5") + "', 'r')\n"
           "assert a.attrs['ranks'] == '4,4,4'\n"
           "e = a['history/rel_error'][:]; assert e[-1] < e[0], e\n"
           "for name in ('W1', 'W2', 'W3', 'H3'):\n"
           "    x, y = a['layers/' + name][:], b['layers/' + name][:]\n"
           "    assert np.abs(x - y).max() <= 1e-10 * np.abs(y).max(), name\n");
  }
}
