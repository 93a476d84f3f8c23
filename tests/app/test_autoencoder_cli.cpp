// nmfx autoencoder and nmfx evaluate end to end on a slice of Fashion-MNIST
// (Debian's dataset-fashion-mnist): the same model on 1, 2 and 4 ranks, the
// run file nmfx-plot reads, the evaluation of an autoencoder and of an NMF
// run (dilation checked against scipy.ndimage), and bad input.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

namespace {

const std::string fashion = "/usr/share/datasets/fashion-mnist/";

/// The first `count` images of a Fashion-MNIST part ("train", "t10k").
std::string slice(const std::string& part, int count) {
  const std::string path = in_folder(part + std::to_string(count) + ".h5");
  if (!fs::exists(path)) {
    const Outcome r = nmfx(2, "import --format idx " + fashion + part + "-images-idx3-ubyte.gz --labels " + fashion +
                                  part + "-labels-idx1-ubyte.gz --limit " + std::to_string(count) + " -o " + path);
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  return path;
}

}  // namespace

TEST_CASE("autoencoder: 1, 2 and 4 ranks train the same model; evaluate judges it", "[cli]") {
  const std::string train = slice("train", 600), test = slice("t10k", 200);
  const std::string args = "autoencoder " + train + " -k 12 --epochs 2 --batch-size 50 --penalty kl --beta 0.1 "
                           "--target 0.05 --learning-rate 0.01 --seed 4 --test " + test;
  for (int ranks : {1, 2, 4}) {
    const Outcome r = nmfx(ranks, args + " -o " + in_folder("ae" + std::to_string(ranks) + ".h5"));
    INFO(r.output);
    REQUIRE(r.status == 0);
    CHECK(count_lines_with(r.output, "epoch ") == 2);
  }
  python("a = h5py.File('" + in_folder("ae1.h5") + "', 'r')\n"
         "assert a['H'].shape == (12, 784) and a['W'].shape == (600, 12), (a['H'].shape, a['W'].shape)\n"
         "assert a['encoder/W'].shape == (12, 784) and a['encoder/b'].shape == (12,) and a['decoder/b'].shape == (784,)\n"
         "assert a['H'][:].min() >= 0 and a.attrs['model'] == 'autoencoder' and a.attrs['penalty'] == 'kl'\n"
         "for n in ['iteration', 'loss', 'reconstruction', 'sparsity', 'rel_error', 'test_mse', 'mean_activation']:\n"
         "    assert a['history/' + n].shape == (2,), n\n"
         "assert a['history/test_mse'][-1] > 0 and a['history/sparsity'][-1] > 0\n"
         "for r in [2, 4]:\n"
         "    b = h5py.File('" + in_folder("ae") + "%d.h5' % r, 'r')\n"
         "    for d in ['H', 'W', 'encoder/W', 'encoder/b', 'decoder/b']:\n"
         "        assert np.abs(a[d][:] - b[d][:]).max() < 1e-9, (r, d, np.abs(a[d][:] - b[d][:]).max())\n"
         // The training codes are the encoder's output.
         "X = h5py.File('" + train + "', 'r')['X'][:]\n"
         "h = 1 / (1 + np.exp(-(X @ a['encoder/W'][:].T + a['encoder/b'][:])))\n"
         "assert np.abs(h - a['W'][:]).max() < 1e-12\n");

  const std::string run = in_folder("ae2.h5");
  const Outcome info = nmfx(1, "info " + run);
  INFO(info.output);
  CHECK(info.status == 0);
  CHECK(info.output.find("history: 2 iterations") != std::string::npos);
  const Outcome e = nmfx(2, "evaluate " + run + " " + test);
  INFO(e.output);
  REQUIRE(e.status == 0);
  CHECK(e.output.find("linear SVM accuracy") != std::string::npos);
  // Every number against numpy and scipy.ndimage (grey dilation by the disk
  // of radius 1, the cross footprint).
  python("from scipy import ndimage\n"
         "f = h5py.File('" + run + "', 'r'); e = f['evaluation']\n"
         "T = h5py.File('" + test + "', 'r')['X'][:]\n"
         "We, be, Wd, bd = f['encoder/W'][:], f['encoder/b'][:], f['H'][:], f['decoder/b'][:]\n"
         "s = lambda z: 1 / (1 + np.exp(-z))\n"
         "h = s(T @ We.T + be); R = s(h @ Wd + bd)\n"
         "assert abs(e.attrs['mse'] - np.mean((R - T)**2)) < 1e-12\n"
         "l1, l2 = h.sum(1), np.sqrt((h**2).sum(1)); k = h.shape[1]\n"
         "assert abs(e.attrs['code_sparsity'] - np.mean((np.sqrt(k) - l1 / l2) / (np.sqrt(k) - 1))) < 1e-12\n"
         "cross = ndimage.generate_binary_structure(2, 1)\n"
         "dil = lambda V: np.array([ndimage.grey_dilation(v.reshape(28, 28), footprint=cross).ravel() for v in V])\n"
         "A = s(h @ dil(Wd) + bd)\n"
         "assert abs(e.attrs['dilation_error'] - np.mean((A - dil(T))**2)) < 1e-12\n"
         "assert abs(e.attrs['dilation_error_reconstruction'] - np.mean((A - dil(R))**2)) < 1e-12\n"
         "assert np.abs(e['sample_dilated_X'][:] - dil(T[:10])).max() == 0\n"
         "assert np.abs(e['sample_codes'][:] - h[:10]).max() < 1e-12\n"
         "assert 0.1 < e.attrs['svm_accuracy'] <= 1 and e.attrs['test_samples'] == 200\n");
}

TEST_CASE("evaluate: an NMF run's test codes are exact NNLS codes", "[cli]") {
  const std::string train = slice("train", 600), test = slice("t10k", 200), run = in_folder("nmf.h5");
  Outcome f = nmfx(2, "fit " + train + " -k 10 --max-iter 60 --metrics-every 0 -o " + run);
  INFO(f.output);
  REQUIRE(f.status == 0);
  for (int ranks : {1, 4}) {
    const Outcome e = nmfx(ranks, "evaluate " + run + " " + test + " --samples 5");
    INFO(e.output);
    REQUIRE(e.status == 0);
  }
  python("from scipy import ndimage, optimize\n"
         "f = h5py.File('" + run + "', 'r'); e = f['evaluation']\n"
         "T = h5py.File('" + test + "', 'r')['X'][:]; H = f['H'][:]\n"
         "C = np.array([optimize.nnls(H.T, t)[0] for t in T]); R = C @ H\n"
         "assert abs(e.attrs['mse'] - np.mean((R - T)**2)) < 1e-9 * np.mean((R - T)**2)\n"
         "assert np.abs(e['sample_codes'][:] - C[:5]).max() < 1e-8 and e['sample_codes'].shape == (5, 10)\n"
         "cross = ndimage.generate_binary_structure(2, 1)\n"
         "dil = lambda V: np.array([ndimage.grey_dilation(v.reshape(28, 28), footprint=cross).ravel() for v in V])\n"
         "assert abs(e.attrs['dilation_error'] - np.mean((C @ dil(H) - dil(T))**2)) < 1e-9\n"
         "assert 0.3 < e.attrs['svm_accuracy'] <= 1, e.attrs['svm_accuracy']\n");
}

TEST_CASE("autoencoder and evaluate: bad input gets one clear line", "[cli]") {
  const std::string train = slice("train", 600), out = in_folder("bad.h5");
  const std::string narrow = in_folder("narrow.h5");
  REQUIRE(nmfx(1, "synth --rows 20 --cols 10 --rank 2 -o " + narrow).status == 0);
  for (int ranks : {1, 2}) {
    check_failure(ranks, "autoencoder " + train + " -k 4 --penalty l2 -o " + out, "--penalty: unknown value 'l2'", out);
    check_failure(ranks, "autoencoder " + train + " -k 4 --target 1.5 -o " + out, "--target: must lie in (0, 1)", out);
    check_failure(ranks, "autoencoder " + train + " -o " + out, "--rank: must be >= 1", out);
    check_failure(ranks, "autoencoder " + in_folder("missing.h5") + " -k 4 -o " + out, "missing.h5", out);
    check_failure(ranks, "autoencoder " + train + " -k 4 --test " + narrow + " -o " + out, "has 10 features", out);
  }
  const std::string run = in_folder("small_ae.h5");
  REQUIRE(nmfx(2, "autoencoder " + train + " -k 4 --epochs 1 -o " + run).status == 0);
  const Outcome e = nmfx(2, "evaluate " + run + " " + narrow);
  INFO(e.output);
  CHECK(e.status != 0);
  CHECK(count_lines_with(e.output, "nmfx: error") == 1);
  CHECK(e.output.find("has 10 features but the dictionary") != std::string::npos);
  python("assert 'evaluation' not in h5py.File('" + run + "', 'r')\n");
  CHECK(leftover_temporaries() == 0);
}
