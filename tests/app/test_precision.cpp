// Single precision end to end: float32 datasets from import, and
// --precision single through fit, encode, decode and pca, on 1, 2 and 4
// ranks, against the double-precision results.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

TEST_CASE("float32 datasets and single precision through import, fit, encode, decode, pca", "[cli]") {
  const std::string npy = in_folder("x.npy"), x64 = in_folder("x64.h5"), x32 = in_folder("x32.h5");
  // Low-rank data with noise, as numbers float32 cannot hold exactly.
  python("rng = np.random.default_rng(3)\n"
         "X = rng.random((150, 6)) @ rng.random((6, 70)) + 0.01 * rng.random((150, 70))\n"
         "np.save('" + npy + "', X)\n");
  const Outcome imported64 = nmfx(2, "import --format npy " + npy + " -o " + x64);
  const Outcome imported = nmfx(2, "import --format npy " + npy + " --dtype float32 -o " + x32);
  INFO(imported64.output << imported.output);
  REQUIRE(imported64.status == 0);
  REQUIRE(imported.status == 0);
  CHECK(imported.output.find("float32") != std::string::npos);
  python("f = h5py.File('" + x32 + "', 'r')['X']; X = np.load('" + npy + "')\n"
         "assert f.dtype == np.float32, f.dtype\n"
         "assert np.array_equal(f[:], X.astype(np.float32))\n");

  // The double fit of the float64 data is the reference.
  const std::string ref = in_folder("ref.h5");
  REQUIRE(nmfx(1, "fit " + x64 + " -o " + ref + " -k 6 --algo hals --max-iter 60 --progress 0").status == 0);
  for (int ranks : {1, 2, 4}) {
    // Single precision from the float64 file (converted on read) and from
    // the float32 file: the same float32 X, so the same model to rounding.
    const std::string a = in_folder("a" + std::to_string(ranks) + ".h5"),
                      b = in_folder("b" + std::to_string(ranks) + ".h5");
    const Outcome ra = nmfx(ranks, "fit " + x64 + " -o " + a + " -k 6 --algo hals --max-iter 60 --precision single");
    const Outcome rb = nmfx(ranks, "fit " + x32 + " -o " + b + " -k 6 --algo hals --max-iter 60 --precision single");
    INFO(ra.output << rb.output);
    REQUIRE(ra.status == 0);
    REQUIRE(rb.status == 0);
    CHECK(ra.output.find("single precision") != std::string::npos);
    python("r, a, b = (h5py.File(p, 'r') for p in ('" + ref + "', '" + a + "', '" + b + "'))\n"
           "assert a.attrs['precision'] == 'single' and r.attrs['precision'] == 'double'\n"
           "ea, eb, er = (f['history/rel_error'][-1] for f in (a, b, r))\n"
           // rel_error = 1 - 2<W^T X, H>/||X||^2 + <W^T W, H H^T>/||X||^2 in
           // float products: an absolute error of a few float epsilons.
           "assert abs(ea - er) < 1e-6 and abs(eb - er) < 1e-6, (ea, eb, er)\n"
           "assert np.abs(a['H'][:] - r['H'][:]).max() < 1e-3 * np.abs(r['H'][:]).max()\n"
           "assert np.abs(a['W'][:] - b['W'][:]).max() < 1e-4 * np.abs(a['W'][:]).max()\n"
           "t = a['timing'].attrs\n"
           "assert t['total'] > 0 and t['products'] > 0 and t['peak_resident_bytes'] > 0\n"
           "assert abs(sum(t[n] for n in t if n not in ('total', 'peak_resident_bytes')) - t['total']) "
           "< 0.05 * t['total'] + 0.05\n");

    // encode / decode / pca in single precision against double.
    const std::string codes = in_folder("codes.h5"), codes64 = in_folder("codes64.h5"),
                      recon = in_folder("recon.h5"), pca = in_folder("pca.h5"), pca64 = in_folder("pca64.h5");
    REQUIRE(nmfx(ranks, "encode " + ref + " " + x64 + " -o " + codes64).status == 0);
    REQUIRE(nmfx(ranks, "encode " + ref + " " + x32 + " -o " + codes + " --precision single").status == 0);
    REQUIRE(nmfx(ranks, "decode " + codes + " " + ref + " -o " + recon + " --precision single").status == 0);
    REQUIRE(nmfx(ranks, "pca " + x64 + " -k 4 -o " + pca64).status == 0);
    REQUIRE(nmfx(ranks, "pca " + x32 + " -k 4 -o " + pca + " --precision single").status == 0);
    python("c, c64 = h5py.File('" + codes + "', 'r'), h5py.File('" + codes64 + "', 'r')\n"
           "assert abs(c.attrs['rel_error'] - c64.attrs['rel_error']) < 1e-6\n"
           "assert np.abs(c['W'][:] - c64['W'][:]).max() < 1e-3 * np.abs(c64['W'][:]).max()\n"
           "R = h5py.File('" + recon + "', 'r')['X_hat']; H = h5py.File('" + ref + "', 'r')['H'][:]\n"
           "assert R.dtype == np.float32, R.dtype\n"
           "assert np.abs(R[:] - c['W'][:] @ H).max() < 1e-5 * np.abs(R[:]).max()\n"
           "p, p64 = h5py.File('" + pca + "', 'r'), h5py.File('" + pca64 + "', 'r')\n"
           "assert np.allclose(p['singular_values'][:], p64['singular_values'][:], rtol=1e-5)\n"
           "assert np.allclose(p['sigma_X'][:4], p64['sigma_X'][:4], rtol=1e-5)\n"
           "assert np.allclose(np.abs((p['components'][:] * p64['components'][:]).sum(1)), 1, atol=1e-4)\n");
  }

  // A tolerance below what single precision resolves gets a note.
  const Outcome fine = nmfx(1, "fit " + x32 + " -o " + in_folder("fine.h5") + " -k 2 --max-iter 3 --tol 1e-9 "
                               "--precision single");
  CHECK(fine.status == 0);
  CHECK(fine.output.find("below what single precision resolves") != std::string::npos);

  // Bad values get one clear line.
  const Outcome bad = nmfx(1, "fit " + x64 + " -o " + in_folder("bad.h5") + " -k 2 --precision half");
  CHECK(bad.status != 0);
  CHECK(bad.output.find("--precision") != std::string::npos);
  const Outcome bad_dtype = nmfx(1, "import --format npy " + npy + " --dtype int8 -o " + in_folder("bad.h5"));
  CHECK(bad_dtype.status != 0);
  CHECK(bad_dtype.output.find("--dtype") != std::string::npos);
  python("np.save('" + npy + "', np.full((3, 2), 1e39))\n");
  const Outcome huge = nmfx(1, "import --format npy " + npy + " --dtype float32 -o " + in_folder("huge.h5"));
  INFO(huge.output);
  CHECK(huge.status != 0);
  CHECK(huge.output.find("beyond float32's range") != std::string::npos);
}

TEST_CASE("single precision: float32 factors, and a resumed fit equals the uninterrupted one bit for bit", "[cli]") {
  const std::string data = in_folder("single-resume.h5"), ref = in_folder("single-ref.h5"),
                    out = in_folder("single-sig.h5");
  REQUIRE(nmfx(1, "synth --rows 300 --cols 200 --rank 8 --noise 0.05 --seed 3 -o " + data).status == 0);
  // adam keeps its moments in double beside the float factors; the
  // checkpoint holds both. Long enough that the signal comes mid-run.
  const std::string args = "fit " + data + " -k 8 --algo adam --lr 0.01 --max-iter 30000 --metrics-every 1000 "
                           "--progress 0 --no-reference --precision single --snapshots every:3000";
  REQUIRE(nmfx(2, args + " -o " + ref).status == 0);
  signal_and_resume(args, out, 3000, 1.0);
  python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "', 'r')\n"
         "for n in ('W', 'H', 'snapshots/H', 'metrics/spectrum', 'history/rel_error'):\n"
         "    assert np.array_equal(a[n][:], b[n][:]), n\n"
         "for n in ('W', 'H', 'snapshots/H'):\n"
         "    assert np.array_equal(a[n][:], a[n][:].astype(np.float32)), n + ' holds more than float32'\n");
}

TEST_CASE("single precision: Deep NMF and held-out entries follow double", "[cli]") {
  const std::string data = in_folder("single-deep.h5");
  REQUIRE(nmfx(2, "synth --rows 400 --cols 300 --rank 10 --noise 0.05 --seed 2 -o " + data).status == 0);
  const std::vector<std::string> cases = {"--model deep --ranks 12,6 --deep-loss global --algo hals",
                                          "--model deep --ranks 12,6 --deep-loss layer-sum --algo mu",
                                          "-k 10 --holdout 0.2 --algo hals"};
  for (int ranks : {1, 2, 4})
    for (const std::string& c : cases) {
      const std::string d = in_folder("deep-d.h5"), s = in_folder("deep-s.h5");
      fs::remove(d);
      fs::remove(s);
      const std::string args = "fit " + data + " " + c + " --max-iter 50 --progress 0 --no-reference";
      const Outcome rd = nmfx(ranks, args + " -o " + d), rs = nmfx(ranks, args + " -o " + s + " --precision single");
      INFO(c << " on " << ranks << " ranks\n" << rd.output << rs.output);
      REQUIRE(rd.status == 0);
      REQUIRE(rs.status == 0);
      python("d, s = h5py.File('" + d + "', 'r'), h5py.File('" + s + "', 'r')\n"
             "for n in ('rel_error', 'heldout_rel_error'):\n"
             "    if 'history/' + n in d:\n"
             "        a, b = d['history/' + n][-1], s['history/' + n][-1]\n"
             "        assert abs(a - b) < 1e-5 * a + 1e-7, (n, a, b)\n"
             "assert np.abs(d['H'][:] - s['H'][:]).max() < 1e-3 * np.abs(d['H'][:]).max()\n");
    }
}
