// The real nmfx binary, end to end under mpiexec with 1, 2 and 4 ranks:
// good runs produce the documented files; bad input gets one clear error
// line, a non-zero exit, no hang, and never touches an existing output.
#define CATCH_CONFIG_MAIN
#include <random>

#include "shell.hpp"

using namespace app;

TEST_CASE("synth, fit and import work through the binary", "[cli]") {
  const std::string data = in_folder("synth.h5");
  for (int ranks : {1, 2, 4}) {
    const std::string run = in_folder("run" + std::to_string(ranks) + ".h5");
    Outcome s = nmfx(ranks, "synth --rows 53 --cols 31 --rank 4 --noise 0.01 --seed 3 -o " + data);
    INFO(s.output);
    REQUIRE(s.status == 0);
    Outcome f = nmfx(ranks, "fit " + data + " -o " + run + " --rank 4 --algo mu --max-iter 30");
    INFO(f.output);
    REQUIRE(f.status == 0);
    CHECK(f.output.find("s/iteration") != std::string::npos);
    python("f = h5py.File('" + run + "', 'r')\n"
           "assert f['W'].shape == (53, 4) and f['H'].shape == (4, 31)\n"
           "for n in ['iteration', 'seconds', 'rel_error', 'rel_residual']: assert f['history/' + n].shape == (31,)\n"
           "for a in ['algorithm', 'rank', 'seed', 'grid', 'iterations', 'stop_reason', 'command_line', 'version']: assert a in f.attrs, a\n"
           "X = h5py.File('" + data + "', 'r')['X'][:]\n"
           "e = np.linalg.norm(X - f['W'][:] @ f['H'][:])**2 / np.linalg.norm(X)**2\n"
           "assert abs(e - f['history/rel_error'][-1]) < 1e-10 * e, (e, f['history/rel_error'][-1])\n"
           "assert f.attrs['stop_reason'] == 'max_iter' and f.attrs['iterations'] == 30\n"
           "assert list(f['metrics/iteration'][:]) == [0, 10, 20, 30]\n"
           "s = np.linalg.svd(f['W'][:] @ f['H'][:], compute_uv=False)[:4]\n"
           "assert np.allclose(f['metrics/spectrum'][-1], s, rtol=1e-10, atol=1e-12 * s[0])\n"
           "sx = np.linalg.svd(X, compute_uv=False)\n"
           "assert np.allclose(f['reference/sigma_X'][:], sx, rtol=1e-10, atol=1e-12 * sx[0])\n"
           "assert abs(f['reference/svd_rel_error'][()] - (sx[4:]**2).sum() / (sx**2).sum()) < 1e-12\n");
  }
  // IDX import: 5 images of 3x2 pixels with labels, gzip and raw.
  const std::string images = in_folder("img.idx.gz"), labels = in_folder("lab.idx");
  python("pix = np.arange(30, dtype=np.uint8) * 8\n"
         "gzip.open('" + images + "', 'wb').write(bytes([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 2]) + pix.tobytes())\n"
         "open('" + labels + "', 'wb').write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 9, 8, 7, 6, 5]))\n");
  for (int ranks : {1, 2, 4}) {
    const std::string out = in_folder("imported.h5");
    Outcome r = nmfx(ranks, "import --format idx " + images + " --labels " + labels + " -o " + out);
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("f = h5py.File('" + out + "', 'r')\n"
           "assert f['X'].shape == (5, 6) and f['X'].dtype == np.float64\n"
           "assert np.allclose(f['X'][:].ravel(), np.arange(30) * 8 / 255.0)\n"
           "assert list(f['labels'][:]) == [9, 8, 7, 6, 5]\n"
           "assert f.attrs['image_height'] == 3 and f.attrs['image_width'] == 2 and f.attrs['channels'] == 1\n");
  }
}

TEST_CASE("fit notes when a rank has fewer cores than threads", "[cli]") {
  const std::string data = in_folder("threads.h5"), run = in_folder("threads_run.h5");
  REQUIRE(nmfx(1, "synth --rows 40 --cols 30 --rank 3 --seed 1 -o " + data).status == 0);
  const std::string fit = " " + std::string(NMFX_MPIEXEC) + " -n 1 " + NMFX_BINARY + " fit " + data + " -o " +
                          run + " --rank 3 --max-iter 2";
  // One core allowed, two threads asked for: the note names the fix.
  Outcome shared = shell("OMP_NUM_THREADS=2 timeout 120 taskset -c 0" + fit);
  INFO(shared.output);
  REQUIRE(shared.status == 0);
  CHECK(shared.output.find("note: 2 threads per rank share 1 core") != std::string::npos);
  CHECK(shared.output.find("--bind-to none") != std::string::npos);
  Outcome alone = shell("OMP_NUM_THREADS=1 timeout 120 taskset -c 0" + fit);
  INFO(alone.output);
  REQUIRE(alone.status == 0);
  CHECK(alone.output.find("share") == std::string::npos);
}

TEST_CASE("bad input: one clear line, non-zero exit, outputs untouched", "[cli]") {
  const std::string good = in_folder("good.h5");
  python("rng = np.random.default_rng(0)\n"
         "def save(name, X):\n"
         "    with h5py.File('" + folder().string() + "/' + name, 'w') as f: f['X'] = X\n"
         "X = rng.random((12, 8))\n"
         "save('good.h5', X)\n"
         "Y = X.copy(); Y[3, 5] = -0.5; save('negative.h5', Y)\n"
         "Y = X.copy(); Y[7, 1] = np.nan; save('nan.h5', Y)\n"
         "Y = X.copy(); Y[0, 2] = np.inf; save('inf.h5', Y)\n"
         "save('cube.h5', rng.random((4, 3, 2)))\n"
         "open('" + folder().string() + "/corrupt.h5', 'wb').write(b'\\x89HDF\\r\\n\\x1a\\n' + bytes(100))\n"
         "save('rows0.h5', np.zeros((0, 8))); save('cols0.h5', np.zeros((12, 0)))\n"
         "np.save('" + folder().string() + "/good.npy', X)\n"
         "with h5py.File('" + folder().string() + "/huge.h5', 'w') as f:\n"
         "    f.create_dataset('X', shape=(10**8, 10**8), dtype='f8')  # declared, never written\n"
         "import struct\n"
         "b = bytearray(open('" + good + "', 'rb').read()); i = b.find(struct.pack('<QQ', 12, 8))\n"
         "b[i:i + 16] = struct.pack('<QQ', 10**6, 10**6)  # the dataspace, not the data\n"
         "open('" + folder().string() + "/declared.h5', 'wb').write(bytes(b))\n");
  // A run, its codes, and other names of the good file: inputs the commands
  // must never write over.
  const std::string run = in_folder("inputs_run.h5"), codes = in_folder("inputs_codes.h5");
  REQUIRE(nmfx(1, "fit " + good + " -k 2 --max-iter 5 -o " + run).status == 0);
  REQUIRE(nmfx(1, "encode " + run + " " + good + " -o " + codes).status == 0);
  const std::string link = in_folder("link.h5"), hard = in_folder("hard.h5"), npy = in_folder("good.npy");
  fs::remove(link);
  fs::remove(hard);
  fs::create_symlink(good, link);
  fs::create_hard_link(good, hard);
  struct Case {
    std::string args, expect;
  };
  const std::string out = in_folder("out.h5");
  const Case cases[] = {
      {"fit " + in_folder("negative.h5") + " -o " + out + " -k 2", "negative entry (first at row 3, column 5)"},
      {"fit " + in_folder("nan.h5") + " -o " + out + " -k 2", "NaN entry (first at row 7, column 1)"},
      {"fit " + in_folder("inf.h5") + " -o " + out + " -k 2", "infinite entry"},
      {"fit " + good + " -o " + out + " -k 0", "--rank: must be >= 1 (got 0)"},
      {"fit " + good + " -o " + out + " -k 9 --algo als", "--algo als cannot fit --rank 9 to a 12x8 matrix (at most 8"},
      {"fit " + good + " -o " + out + " -k 100000000",
       "--rank 100000000 on /X in '" + good + "' (12 x 8 doubles) needs "},
      {"fit " + in_folder("missing.h5") + " -o " + out + " -k 2", "does not exist"},
      {"fit " + good + " -o " + out + " -k 2 --dataset /Y", "has no dataset /Y"},
      {"fit " + in_folder("cube.h5") + " -o " + out + " -k 2", "is 3-D"},
      {"fit " + in_folder("corrupt.h5") + " -o " + out + " -k 2", "not an HDF5 file"},
      {"fit " + good + " -o " + out + " -k 2 --grid 3x3", "--grid 3x3 needs 9 ranks"},
      {"fit " + good + " -o " + out + " -k 2 --algo nope", "--algo: unknown value 'nope'"},
      {"fit " + good + " -o " + out + " -k 2 --early-stop soon", "--early-stop: unknown value 'soon'"},
      {"fit " + good + " -o " + out + " -k 2 --init magic", "--init: unknown value 'magic'"},
      {"fit " + good + " -o " + out + " -k 2 --init file:" + in_folder("missing.h5"), "does not exist"},
      {"fit " + good + " -o " + out + " -k 2 --algo hals --sparsity-h 0.5", "work with --algo pgd"},
      {"fit " + good + " -o " + out + " -k 2 --algo pgd --sparsity-w 1.5", "must lie in [0, 1]"},
      {"fit " + good + " -o " + out + " -k 2 --l1-w -1", "--l1-w: must be >= 0 (got -1)"},
      {"fit " + good + " -o " + out + " -k 2 --tol nan", "--tol: must be a finite number"},
      {"fit " + good + " -o " + out + " -k 2 --block 0", "--block: must lie in [1, 1048576] (got 0)"},
      {"fit " + good + " -o " + out + " -k 2 --checkpoint-every -1", "--checkpoint-every: must be >= 0 (got -1)"},
      {"fit " + good + " -o " + out + " -k 2 --init eye --init-scale 0", "--init-scale: must be > 0 (got 0)"},
      {"encode " + good + " " + good + " -o " + out, "has no dataset /H"},
      {"pca " + good + " -k 9 -o " + out, "--rank 9 is impossible"},
      {"fit " + good + " -o /nonexistent-folder/out.h5 -k 2", "does not exist"},
      {"fit " + good + " -o " + good + " -k 2", "is the input file"},
      {"import " + in_folder("missing.gz") + " -o " + out, "cannot open"},
      {"import " + good + " -o " + out, "not an IDX file"},
      // No command writes over one of its inputs, whatever name it is given by.
      {"fit " + hard + " -o " + good + " -k 2", "the output '" + good + "' is the input file '" + hard + "'; choose another name"},
      {"fit " + good + " -o " + run + " -k 2 --init file:" + run, "the output '" + run + "' is the input file '" + run + "'"},
      {"import --format hdf5 " + good + " -o " + good, "the output '" + good + "' is the input file '" + good + "'"},
      {"import --format npy " + npy + " -o " + npy, "the output '" + npy + "' is the input file '" + npy + "'"},
      {"encode " + run + " " + good + " -o " + run, "the output '" + run + "' is the input file '" + run + "'"},
      {"decode " + codes + " " + run + " -o " + codes, "the output '" + codes + "' is the input file '" + codes + "'"},
      {"pca " + good + " -k 2 -o " + good, "the output '" + good + "' is the input file '" + good + "'"},
      {"pca " + link + " -k 2 -o " + hard, "the output '" + hard + "' is the input file '" + link + "'"},
      // Sizes: checked against the file and the memory before allocating.
      {"synth --rows 1000000000 --cols 1000000000 --rank 3 -o " + out,
       "the synthetic X (1000000000 x 1000000000 doubles) needs "},
      {"fit " + in_folder("huge.h5") + " -o " + out + " -k 2",
       "/X in '" + in_folder("huge.h5") + "' (100000000 x 100000000 doubles) needs "},
      {"import --format hdf5 " + in_folder("huge.h5") + " -o " + out, "(100000000 x 100000000 doubles) needs "},
      {"fit " + in_folder("declared.h5") + " -o " + out + " -k 2",
       "/X in '" + in_folder("declared.h5") + "' declares 1000000 x 1000000 float64 values (7.3 TiB) but the file holds"},
      {"import --format hdf5 " + in_folder("declared.h5") + " -o " + out, "it is truncated or corrupt"},
      {"fit " + in_folder("rows0.h5") + " -o " + out + " -k 2", "/X in '" + in_folder("rows0.h5") + "' is empty (0 x 8)"},
      {"pca " + in_folder("cols0.h5") + " -k 2 -o " + out, "/X in '" + in_folder("cols0.h5") + "' is empty (12 x 0)"},
      {"encode " + run + " " + in_folder("rows0.h5") + " -o " + out, "is empty (0 x 8)"},
      {"import --format hdf5 " + in_folder("cols0.h5") + " -o " + out, "is empty (12 x 0)"},
      {"fit " + good + " -o " + out + " -k 2 --block 1000000", "values ScaLAPACK can index, for a 12 x 8 matrix in blocks of 1000000"},
      // Numeric flags: integers in range, written in decimal; finite numbers.
      {"synth --rows 99999999999999999999 --cols 10 --rank 3 -o " + out, "--rows: must be <= 9223372036854775807 (got 99999999999999999999)"},
      {"synth --rows 0x10 --cols 10 --rank 3 -o " + out, "--rows: must be an integer (got '0x10')"},
      {"synth --rows 10 --cols 10 --rank 99999999999 -o " + out, "--rank: must be <= 2147483647 (got 99999999999)"},
      {"synth --rows 10 --cols 10 --rank 3 --seed -1 -o " + out, "--seed: must be >= 0 (got -1)"},
      {"synth --rows 10 --cols 10 --rank 3 --noise nan -o " + out, "--noise: must be a finite number >= 0 (got nan)"},
      {"pca " + good + " -k 0 -o " + out, "--rank: must be >= 1 (got 0)"},
      {"fit " + good + " -o " + out + " -k 2 --max-iter 99999999999999999999", "--max-iter: must be <= 9223372036854775807"},
      {"fit " + good + " -o " + out + " -k 2 --seed 99999999999999999999", "--seed: must be <= 9223372036854775807"},
      {"fit " + good + " -o " + out + " -k 2 --block 1000000000", "--block: must lie in [1, 1048576] (got 1000000000)"},
      {"import " + in_folder("missing.gz") + " --limit 99999999999999999999 -o " + out, "--limit: must be <= 9223372036854775807"},
  };
  const std::vector<std::string> inputs{good, run, codes, npy};
  for (int ranks : {1, 2, 4})
    for (const Case& c : cases) {
      std::vector<std::string> before;
      for (const std::string& input : inputs) before.push_back(read_all(input));
      check_failure(ranks, c.args, c.expect, out);
      for (std::size_t i = 0; i < inputs.size(); ++i) CHECK(read_all(inputs[i]) == before[i]);
    }
  fs::remove(out);
  const Outcome r = nmfx(2, "fit " + in_folder("negative.h5") + " -o " + out + " -k 2");
  CHECK(r.status != 0);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("algorithms, inits, encode/decode and PCA through the binary", "[cli]") {
  const std::string data = in_folder("algo.h5");
  REQUIRE(nmfx(2, "synth --rows 120 --cols 80 --rank 6 --noise 0.02 --seed 5 -o " + data).status == 0);
  // Every algorithm runs and lowers the error; NNDSVD matches a numpy
  // reference on every rank count.
  for (const char* algo : {"mu", "hals", "anls", "pgd", "als", "adam"}) {
    const Outcome r = nmfx(2, "fit " + data + " -o " + in_folder("a.h5") + " -k 6 --max-iter 40 --algo " +
                                  algo + " --lr 0.01 --progress 0");
    INFO(algo << "\n" << r.output);
    CHECK(r.status == 0);
  }
  for (int ranks : {1, 2, 4})
    for (const char* init : {"nndsvd", "nndsvda"}) {
      const std::string run = in_folder(std::string(init) + std::to_string(ranks) + ".h5");
      const Outcome r = nmfx(ranks, "fit " + data + " -o " + run + " -k 6 --max-iter 0 --init " + init);
      INFO(r.output);
      REQUIRE(r.status == 0);
      python("X = h5py.File('" + data + "', 'r')['X'][:]; k = 6\n"
             "U, S, Vt = np.linalg.svd(X, full_matrices=False)\n"
             "W = np.zeros((X.shape[0], k)); H = np.zeros((k, X.shape[1]))\n"
             "W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0]); H[0] = np.sqrt(S[0]) * np.abs(Vt[0])\n"
             "for j in range(1, k):\n"
             "    x, y = U[:, j], Vt[j]\n"
             "    xp, yp, xn, yn = np.maximum(x, 0), np.maximum(y, 0), np.maximum(-x, 0), np.maximum(-y, 0)\n"
             "    mp = np.linalg.norm(xp) * np.linalg.norm(yp); mn = np.linalg.norm(xn) * np.linalg.norm(yn)\n"
             "    u, v, s = (xp, yp, mp) if mp >= mn else (xn, yn, mn)\n"
             "    l = np.sqrt(S[j] * s); W[:, j] = l * u / np.linalg.norm(u); H[j] = l * v / np.linalg.norm(v)\n"
             "if '" + init + "' == 'nndsvda': W[W == 0] = X.mean(); H[H == 0] = X.mean()\n"
             "f = h5py.File('" + run + "', 'r')\n"
             "assert np.abs(f['W'][:] - W).max() < 1e-10 * W.max(), np.abs(f['W'][:] - W).max()\n"
             "assert np.abs(f['H'][:] - H).max() < 1e-10 * H.max()\n");
    }
  // Warm start continues where a run stopped: 20 + 20 iterations of the
  // deterministic anls equal 40 in one go.
  const std::string first = in_folder("first.h5"), second = in_folder("second.h5"), whole = in_folder("whole.h5");
  REQUIRE(nmfx(2, "fit " + data + " -o " + first + " -k 6 --algo anls --max-iter 20").status == 0);
  REQUIRE(nmfx(4, "fit " + data + " -o " + second + " -k 6 --algo anls --max-iter 20 --init file:" + first).status == 0);
  REQUIRE(nmfx(1, "fit " + data + " -o " + whole + " -k 6 --algo anls --max-iter 40").status == 0);
  python("a = h5py.File('" + second + "', 'r')['W'][:]; b = h5py.File('" + whole + "', 'r')['W'][:]\n"
         "assert np.abs(a - b).max() < 1e-8 * np.abs(b).max(), np.abs(a - b).max()\n");
  // Encoding the training data with a converged anls run's H reproduces W.
  const std::string converged = in_folder("converged.h5"), codes = in_folder("codes.h5"), recon = in_folder("recon.h5");
  REQUIRE(nmfx(2, "fit " + data + " -o " + converged + " -k 6 --algo anls --max-iter 5000 --tol 1e-13").status == 0);
  for (int ranks : {1, 2, 4}) {
    const Outcome e = nmfx(ranks, "encode " + converged + " " + data + " -o " + codes);
    const Outcome d = nmfx(ranks, "decode " + codes + " " + converged + " -o " + recon);
    INFO(e.output << d.output);
    REQUIRE(e.status == 0);
    REQUIRE(d.status == 0);
    python("W = h5py.File('" + converged + "', 'r')['W'][:]; H = h5py.File('" + converged + "', 'r')['H'][:]\n"
           "C = h5py.File('" + codes + "', 'r')['W'][:]\n"
           "assert np.abs(C - W).max() < 1e-6 * np.abs(W).max(), np.abs(C - W).max() / np.abs(W).max()\n"
           "assert np.abs(h5py.File('" + recon + "', 'r')['X_hat'][:] - C @ H).max() < 1e-12\n");
  }
  // PCA against numpy's SVD of the centred data.
  for (int ranks : {1, 2, 4}) {
    const std::string pca = in_folder("pca.h5");
    REQUIRE(nmfx(ranks, "pca " + data + " -k 5 -o " + pca).status == 0);
    python("X = h5py.File('" + data + "', 'r')['X'][:]; p = h5py.File('" + pca + "', 'r')\n"
           "mu = X.mean(0); U, S, Vt = np.linalg.svd(X - mu, full_matrices=False)\n"
           "assert np.allclose(p['singular_values'][:], S[:5], rtol=1e-10)\n"
           "assert np.allclose(np.abs((p['components'][:] * Vt[:5]).sum(1)), 1, atol=1e-10)\n"
           "R = mu + p['scores'][:] @ p['components'][:]\n"
           "e = np.linalg.norm(X - R)**2 / np.linalg.norm(X)**2\n"
           "assert abs(e - p.attrs['rel_error']) < 1e-10, (e, p.attrs['rel_error'])\n"
           "s = np.linalg.svd(X, compute_uv=False)\n"
           "assert abs(p.attrs['svd_rel_error'] - (s[5:]**2).sum() / (s**2).sum()) < 1e-12\n"
           "assert np.allclose(p['explained_variance'][:], S[:5]**2 / (X.shape[0] - 1))\n");
  }
}

TEST_CASE("overcomplete dictionaries: fit k > n, iterative encoding, the progress bar", "[cli][overcomplete]") {
  const std::string data = in_folder("oc.h5"), run = in_folder("oc-run.h5"), init = in_folder("oc-init.h5");
  REQUIRE(nmfx(1, "synth --rows 60 --cols 20 --rank 5 --noise 0.05 --seed 3 -o " + data).status == 0);
  // 40 atoms for 20 features: the error falls, the Eckart-Young bound is 0.
  const Outcome fit = nmfx(2, "fit " + data + " -o " + run + " -k 40 --max-iter 60 --progress 20");
  INFO(fit.output);
  REQUIRE(fit.status == 0);
  CHECK(fit.output.find("(Eckart-Young) 0.000000e+00, rel_residual 0.000000 (k >= rank(X))") != std::string::npos);
  python("f = h5py.File('" + run + "', 'r'); e = f['history/rel_error'][:]\n"
         "assert f['W'].shape == (60, 40) and f['H'].shape == (40, 20)\n"
         "assert (np.diff(e) <= 1e-12 * e[:-1]).all() and e[-1] < 0.05 * e[0], e\n"
         "assert f['reference/svd_rel_error'][()] == 0\n");
  // Deep NMF's first layer may be overcomplete too.
  const std::string deep = in_folder("oc-deep.h5");
  const Outcome d = nmfx(2, "fit " + data + " -o " + deep + " --model deep --ranks 40,10 --max-iter 40 --init nndsvda");
  INFO(d.output);
  REQUIRE(d.status == 0);
  python("e = h5py.File('" + deep + "', 'r')['history/rel_error'][:]\n"
         "assert (np.diff(e) <= 1e-12 * e[:-1]).all() and e[-1] < 0.2 * e[0], e\n");
  // NNDSVD: the 20 components of X's triplets, then 20 small random ones.
  REQUIRE(nmfx(2, "fit " + data + " -o " + init + " -k 40 --max-iter 0 --init nndsvda").status == 0);
  python("X = h5py.File('" + data + "', 'r')['X'][:]; f = h5py.File('" + init + "', 'r')\n"
         "for F in (f['W'][:, 20:], f['H'][20:].T):\n"
         "    assert (F > 0).all() and (F < X.mean() / 100).all() and F.std() > 0\n");
  // Iterative encodings of new data against the exact one, on every rank count.
  const std::string other = in_folder("oc-other.h5");
  REQUIRE(nmfx(1, "synth --rows 50 --cols 20 --rank 8 --noise 0.1 --seed 4 -o " + other).status == 0);
  for (int ranks : {1, 2, 4}) {
    const std::string exact = in_folder("oc-exact.h5"), hals = in_folder("oc-hals.h5");
    const Outcome a = nmfx(ranks, "encode " + run + " " + other + " -o " + exact);
    const Outcome h = nmfx(ranks, "encode " + run + " " + other + " -o " + hals + " --algo hals --max-iter 3000 --tol 0");
    INFO(a.output << h.output);
    REQUIRE(a.status == 0);
    REQUIRE(h.status == 0);
    CHECK(a.output.find("against 40 atoms, anls, 1 iteration") != std::string::npos);
    CHECK(h.output.find("hals, 3000 iterations (max_iter)") != std::string::npos);
    python("a = h5py.File('" + exact + "', 'r'); h = h5py.File('" + hals + "', 'r')\n"
           "assert a.attrs['algorithm'] == 'anls' and h.attrs['algorithm'] == 'hals' and h.attrs['iterations'] == 3000\n"
           "assert a.attrs['rel_error'] <= h.attrs['rel_error'] * (1 + 1e-9) <= a.attrs['rel_error'] * (1 + 1e-3), "
           "(a.attrs['rel_error'], h.attrs['rel_error'])\n"
           "W = h['W'][:]; assert abs((W > 0).sum(1).mean() - h.attrs['active_atoms']) < 1e-9\n");
  }
  // On a terminal (script(1) makes one) a bar redrawn with \\r; through a
  // pipe, as in logs, the progress lines.
  const std::string args = " -n 2 " + std::string(NMFX_BINARY) + " fit " + data + " -o " + run + " -k 40 --max-iter 60";
  const Outcome tty = shell("timeout 120 script -qec '" + std::string(NMFX_MPIEXEC) + args + "' /dev/null");
  const Outcome piped = shell("timeout 120 " + std::string(NMFX_MPIEXEC) + args);
  INFO(tty.output << piped.output);
  CHECK(tty.status == 0);
  CHECK(tty.output.find("\rnmfx fit [") != std::string::npos);
  CHECK(tty.output.find("60/60") != std::string::npos);
  CHECK(tty.output.find("  iter ") == std::string::npos);
  CHECK(piped.output.find('\r') == std::string::npos);
  CHECK(count_lines_with(piped.output, "  iter ") == 7);
}

TEST_CASE("checkpoint: exact restart after a signal, and kill -9 never corrupts it", "[cli]") {
  fs::create_directories(folder() / "ckpt");
  const std::string data = in_folder("ckpt/data.h5"), ref = in_folder("ckpt/ref.h5");
  REQUIRE(nmfx(2, "synth --rows 800 --cols 600 --rank 10 --noise 0.1 --seed 1 -o " + data).status == 0);
  const std::string args = "fit " + data + " -k 10 --algo adam --lr 0.01 --max-iter 6000 --metrics-every 7 --progress 0 --no-reference";
  REQUIRE(nmfx(2, args + " -o " + ref).status == 0);
  std::random_device random;
  // The signal or kill comes after the run's first checkpoint (so surely
  // mid-run), after a random further delay.
  // A signal at a random moment: every rank stops at the same iteration,
  // checkpoints, exits 75; --resume ends bit-identical to the uninterrupted run.
  {
    const std::string out = in_folder("ckpt/signal.h5");
    const double delay = (random() % 1000) / 1000.0;
    const Outcome r = nmfx_after_checkpoints(args + " --checkpoint-every 300 -o " + out,
                                             {out + ".checkpoint"}, delay);
    INFO("signal after " << delay << " s\n" << r.output);
    REQUIRE(r.output.find("status=75") != std::string::npos);
    CHECK(fs::exists(out + ".checkpoint"));
    CHECK_FALSE(fs::exists(out));
    const Outcome resumed = nmfx(2, args + " -o " + out + " --resume");
    INFO(resumed.output);
    REQUIRE(resumed.status == 0);
    CHECK(resumed.output.find("resuming at iteration") != std::string::npos);
    CHECK_FALSE(fs::exists(out + ".checkpoint"));
    python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "', 'r')\n"
           "assert np.array_equal(a['W'][:], b['W'][:]) and np.array_equal(a['H'][:], b['H'][:])\n"
           "assert np.array_equal(a['metrics/spectrum'][:], b['metrics/spectrum'][:])\n"
           "assert np.array_equal(a['history/rel_error'][:], b['history/rel_error'][:])\n");
    // Resuming without a checkpoint is refused.
    const Outcome other = nmfx(2, args + " -o " + in_folder("ckpt/none.h5") + " --resume");
    CHECK(other.status != 0);
    CHECK(other.output.find("does not exist") != std::string::npos);
  }
  // kill -9 while checkpoints are written every iteration: the last complete
  // checkpoint survives (it is replaced only by an atomic rename) and resumes.
  {
    const std::string out = in_folder("ckpt/killed.h5");
    const double delay = 0.5 * (random() % 1000) / 1000.0;
    nmfx_after_checkpoints(args + " --checkpoint-every 1 -o " + out, {out + ".checkpoint"}, delay,
                           "pkill -9 -f \"" + out + "\"; kill -9 $p; wait $p");
    INFO("killed after " << delay << " s");
    REQUIRE(fs::exists(out + ".checkpoint"));
    python("f = h5py.File('" + out + ".checkpoint', 'r')\n"
           "assert f['W'].shape == (800, 10) and f.attrs['stop_reason'] == 'checkpoint'\n");
    // A setting that changes the iterates must match the checkpoint's: the
    // refusal names it, and the checkpoint stays as it was.
    const auto before = fs::last_write_time(out + ".checkpoint");
    for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
             {"--seed", "5"}, {"--l1-w", "0.5"}, {"--init", "nndsvd"}, {"--beta1", "0.8"}, {"--init-scale", "2"}}) {
      const Outcome changed = nmfx(2, args + " " + flag + " " + value + " -o " + out + " --resume");
      INFO(changed.output);
      CHECK(changed.status != 0);
      CHECK(changed.output.find("was made with " + flag + " ") != std::string::npos);
      CHECK(changed.output.find("(not " + (flag == "--init" ? "'" + value + "'" : value) + ")") != std::string::npos);
    }
    CHECK(fs::last_write_time(out + ".checkpoint") == before);
    // The data named by another path (relative here) is the same file.
    const std::string relative = fs::relative(data).string();
    REQUIRE(relative != data);
    std::string same_data = args;
    same_data.replace(same_data.find(data), data.size(), relative);
    const Outcome resumed = nmfx(2, same_data + " -o " + out + " --resume");
    INFO(resumed.output);
    REQUIRE(resumed.status == 0);
    python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "', 'r')\n"
           "assert np.array_equal(a['W'][:], b['W'][:]) and np.array_equal(a['H'][:], b['H'][:])\n");
  }
}

TEST_CASE("synth --spectrum makes exact non-negative data with those singular values", "[cli]") {
  for (int ranks : {1, 2, 4}) {
    const std::string data = in_folder("spectrum" + std::to_string(ranks) + ".h5");
    const Outcome r = nmfx(ranks, "synth --rows 50 --cols 31 --spectrum 1,0.5,0.25,0.125 --seed 4 -o " + data);
    INFO(r.output);
    REQUIRE(r.status == 0);
    python("f = h5py.File('" + data + "', 'r'); X = f['X'][:]\n"
           "assert X.min() >= 0\n"
           "s = np.linalg.svd(X, compute_uv=False)\n"
           "assert np.allclose(s[:4], [1, 0.5, 0.25, 0.125], rtol=1e-12), s[:5]\n"
           "assert s[4] < 1e-12\n"
           "assert np.allclose(f['spectrum'][:], [1, 0.5, 0.25, 0.125])\n"
           "assert np.array_equal(X, h5py.File('" + in_folder("spectrum1.h5") + "', 'r')['X'][:])\n");
  }
  const Outcome clash = nmfx(1, "synth --rows 5 --cols 5 --rank 2 --spectrum 1,0.5,0.2 -o " + in_folder("s.h5"));
  CHECK(clash.status != 0);
  CHECK(clash.output.find("disagrees") != std::string::npos);
  const Outcome none = nmfx(1, "synth --rows 5 --cols 5 -o " + in_folder("s.h5"));
  CHECK(none.status != 0);
  CHECK(none.output.find("--spectrum") != std::string::npos);
  const Outcome bad = nmfx(1, "synth --rows 5 --cols 5 --spectrum 1,-1 -o " + in_folder("s.h5"));
  CHECK(bad.status != 0);
  CHECK(bad.output.find("--spectrum") != std::string::npos);
}
