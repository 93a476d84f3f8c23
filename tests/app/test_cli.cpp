// The real nmfx binary, end to end under mpiexec with 1, 2 and 4 ranks:
// good runs produce the documented files; bad input gets one clear error
// line, a non-zero exit, no hang, and never touches an existing output.
#define CATCH_CONFIG_MAIN
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string output;
};

Outcome shell(const std::string& command) {
  Outcome r{-1, ""};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, p)) r.output += buffer;
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

const fs::path& folder() {
  static const fs::path f = [] {
    fs::path p = fs::temp_directory_path() / ("nmfx_cli_" + std::to_string(getpid()));
    fs::create_directories(p);
    return p;
  }();
  return f;
}

std::string in_folder(const std::string& name) { return (folder() / name).string(); }

/// nmfx under mpiexec with `ranks` ranks; a hang fails by timeout.
Outcome nmfx(int ranks, const std::string& args) {
  return shell("timeout 120 " + std::string(NMFX_MPIEXEC) + " -n " + std::to_string(ranks) + " " +
               NMFX_BINARY + " " + args);
}

void python(const std::string& code) {
  const std::string script = in_folder("fixture.py");
  std::ofstream(script) << "import h5py, numpy as np, gzip\n" << code << "\n";
  const Outcome r = shell("/usr/bin/python3 " + script);
  INFO(r.output);
  REQUIRE(r.status == 0);
}

int count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

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
         "open('" + folder().string() + "/corrupt.h5', 'wb').write(b'\\x89HDF\\r\\n\\x1a\\n' + bytes(100))\n");
  struct Case {
    std::string args, expect;
  };
  const std::string out = in_folder("out.h5");
  const Case cases[] = {
      {"fit " + in_folder("negative.h5") + " -o " + out + " -k 2", "negative entry (first at row 3, column 5)"},
      {"fit " + in_folder("nan.h5") + " -o " + out + " -k 2", "NaN entry (first at row 7, column 1)"},
      {"fit " + in_folder("inf.h5") + " -o " + out + " -k 2", "infinite entry"},
      {"fit " + good + " -o " + out + " -k 0", "--rank must be at least 1"},
      {"fit " + good + " -o " + out + " -k 9", "--rank 9 is impossible for a 12x8 matrix"},
      {"fit " + in_folder("missing.h5") + " -o " + out + " -k 2", "does not exist"},
      {"fit " + good + " -o " + out + " -k 2 --dataset /Y", "has no dataset /Y"},
      {"fit " + in_folder("cube.h5") + " -o " + out + " -k 2", "is 3-D"},
      {"fit " + in_folder("corrupt.h5") + " -o " + out + " -k 2", "not an HDF5 file"},
      {"fit " + good + " -o " + out + " -k 2 --grid 3x3", "--grid 3x3 needs 9 ranks"},
      {"fit " + good + " -o " + out + " -k 2 --algo nope", "unknown --algo"},
      {"fit " + good + " -o " + out + " -k 2 --early-stop soon", "unknown --early-stop"},
      {"fit " + good + " -o /nonexistent-folder/out.h5 -k 2", "does not exist"},
      {"fit " + good + " -o " + good + " -k 2", "is the input file"},
      {"import " + in_folder("missing.gz") + " -o " + out, "cannot open"},
      {"import " + good + " -o " + out, "not an IDX file"},
  };
  const std::string before = "an existing good result";
  for (int ranks : {1, 2, 4})
    for (const Case& c : cases) {
      std::ofstream(out) << before;
      const std::string good_before = read_all(good);
      const Outcome r = nmfx(ranks, c.args);
      INFO(ranks << " ranks: nmfx " << c.args << "\n" << r.output);
      CHECK(r.status != 0);
      CHECK(r.status != 124);  // timeout: a hang
      CHECK(count_lines_with(r.output, "nmfx: error") == 1);
      CHECK(r.output.find(c.expect) != std::string::npos);
      CHECK(read_all(out) == before);
      CHECK(read_all(good) == good_before);
      int leftovers = 0;
      for (const auto& e : fs::directory_iterator(folder()))
        leftovers += e.path().filename().string().find(".tmp") != std::string::npos;
      CHECK(leftovers == 0);
    }
  fs::remove(out);
  const Outcome r = nmfx(2, "fit " + in_folder("negative.h5") + " -o " + out + " -k 2");
  CHECK(r.status != 0);
  CHECK_FALSE(fs::exists(out));
}
