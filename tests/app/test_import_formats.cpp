// Datasets in, pictures out, through the real binary: `nmfx import` of image
// folders (PNG and JPEG, colour and gray, odd sizes), NPY, CSV and HDF5 on
// 1, 2 and 4 ranks, checked against numpy/PIL; clear errors for bad input;
// `nmfx info`; and tools/nmfx-plot writing every figure.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

namespace {

/// Python with the scratch folder as D, and PIL and os imported.
void py(const std::string& code) {
  python("import os\nfrom PIL import Image\nD = '" + folder().string() + "'\n" + code);
}

void require_success(int ranks, const std::string& args) {
  const Outcome r = nmfx(ranks, args);
  INFO(ranks << " ranks: nmfx " << args << "\n" << r.output);
  REQUIRE(r.status == 0);
}

}  // namespace

TEST_CASE("image folders: PNG and JPEG, colour and gray, resized, labelled", "[cli][import]") {
  py(R"(
rng = np.random.default_rng(5)
for sub in ['rgb', 'gray', 'sizes', 'corrupt', 'empty']:
    os.makedirs(f'{D}/{sub}', exist_ok=True)
smooth = np.linspace(0, 1, 35).reshape(5, 7)
Image.fromarray((rng.random((5, 7)) * 255).astype(np.uint8)).save(f'{D}/rgb/a10.png')    # gray
Image.fromarray((rng.random((5, 7, 4)) * 255).astype(np.uint8)).save(f'{D}/rgb/a2.PNG')  # RGBA
Image.fromarray((rng.random((5, 7, 3)) * 255).astype(np.uint8)).save(f'{D}/rgb/b.png')   # RGB
Image.fromarray((np.dstack([smooth, 1 - smooth, smooth / 2]) * 255).astype(np.uint8)).save(
    f'{D}/rgb/c.jpg', quality=95)
Image.fromarray((smooth * 255).astype(np.uint8)).save(f'{D}/rgb/d.jpeg', quality=95)
open(f'{D}/rgb/notes.txt', 'w').write('not an image')
for name in ['x.png', 'y.png']:
    Image.fromarray((rng.random((3, 4)) * 255).astype(np.uint8)).save(f'{D}/gray/{name}')
Image.fromarray(np.full((5, 7, 3), (200, 100, 50), np.uint8)).save(f'{D}/sizes/p.png')
Image.fromarray(np.full((9, 4, 3), (10, 20, 30), np.uint8)).save(f'{D}/sizes/q.png')
for name in ['a.png', 'b.png', 'd.png']:
    Image.fromarray((rng.random((4, 4)) * 255).astype(np.uint8)).save(f'{D}/corrupt/{name}')
open(f'{D}/corrupt/c_bad.png', 'wb').write(open(f'{D}/corrupt/a.png', 'rb').read()[:60])
open(f'{D}/empty/readme.txt', 'w').write('no images here')
open(f'{D}/labels.txt', 'w').write('3\n1\n4\n1\n5\n')
open(f'{D}/short.txt', 'w').write('3\n1\n4\n1\n')
open(f'{D}/named.csv', 'w').write('filename,label\nd.jpeg,40\nb.png,20\na10.png,0\nc.jpg,30\na2.PNG,10\n')
open(f'{D}/named.txt', 'w').write('a10.png 0\na2.PNG 10\nb.png 20\nc.jpg 30\nd.jpeg 40\n')
open(f'{D}/incomplete.csv', 'w').write('b.png,20\na10.png,0\n')
)");
  const std::string rgb = in_folder("rgb"), out = in_folder("images.h5");
  // The expected pixels, decoded by PIL: PNG exactly; JPEG decoders differ a little.
  const std::string expect = R"(
names = ['a10.png', 'a2.PNG', 'b.png', 'c.jpg', 'd.jpeg']
def pixels(name, gray):
    a = np.asarray(Image.open(f'{D}/rgb/{name}').convert('RGB'), dtype=np.int64)
    if gray:  # stb_image's luma
        a = (a[..., 0] * 77 + a[..., 1] * 150 + a[..., 2] * 29) >> 8
    return a.ravel() / 255.0
def check(path, gray, count=5):
    f = h5py.File(path, 'r')
    X = f['X'][:]
    assert X.shape == (count, 35 if gray else 105) and X.dtype == np.float64, X.shape
    assert list(f['filenames'].asstr()[:]) == names[:count]
    assert (f.attrs['image_height'], f.attrs['image_width'], f.attrs['channels']) == (5, 7, 1 if gray else 3)
    assert f.attrs['format'] == 'images'
    for i, name in enumerate(names[:count]):
        tol = 1e-12 if name.lower().endswith('png') else 10 / 255
        diff = np.abs(X[i] - pixels(name, gray)).max()
        assert diff <= tol, (name, diff)
    return f
)";
  for (int ranks : {1, 2, 4}) {
    require_success(ranks, "import --format images " + rgb + " -o " + out);
    py(expect + "check('" + out + "', False)\n");
    require_success(ranks, "import --format images " + rgb + " --grayscale -o " + out);
    py(expect + "check('" + out + "', True)\n");
  }
  // A folder of gray images stays one channel; --limit keeps the first files.
  require_success(2, "import --format images " + in_folder("gray") + " -o " + out);
  py("f = h5py.File('" + out +
     "', 'r')\nassert f['X'].shape == (2, 12) and f.attrs['channels'] == 1\n");
  require_success(4, "import --format images " + rgb + " --limit 2 --labels " +
                         in_folder("labels.txt") + " -o " + out);
  py(expect + "f = check('" + out + "', False, count=2)\nassert list(f['labels'][:]) == [3, 1]\n");

  // Labels: one per line in file order, or by name (CSV with a header, or
  // CelebA's 'name label' lines).
  for (const char* labels : {"labels.txt", "named.csv", "named.txt"}) {
    require_success(
        2, "import --format images " + rgb + " --labels " + in_folder(labels) + " -o " + out);
    py("f = h5py.File('" + out +
       "', 'r')\nl = list(f['labels'][:])\n"
       "assert l == ([3, 1, 4, 1, 5] if '" +
       labels + "' == 'labels.txt' else [0, 10, 20, 30, 40]), l\n");
  }

  // Mixed sizes need --resize, which resamples (constant images stay constant).
  require_success(2, "import --format images " + in_folder("sizes") + " --resize 4x3 -o " + out);
  py("f = h5py.File('" + out +
     "', 'r')\nX = f['X'][:].reshape(2, 4, 3, 3)\n"
     "assert (f.attrs['image_height'], f.attrs['image_width']) == (4, 3)\n"
     "assert np.abs(X[0] - np.array([200, 100, 50]) / 255).max() <= 1.5 / 255\n"
     "assert np.abs(X[1] - np.array([10, 20, 30]) / 255).max() <= 1.5 / 255\n");

  const std::string images = "import --format images ";
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {images + in_folder("corrupt") + " -o " + out,
       "cannot decode image '" + in_folder("corrupt/c_bad.png") + "'"},
      {images + in_folder("sizes") + " -o " + out,
       "images differ in size: 'p.png' is 5x7 but 'q.png' is 9x4"},
      {images + in_folder("missing") + " -o " + out,
       "image folder '" + in_folder("missing") + "' does not exist"},
      {images + in_folder("empty") + " -o " + out, "holds no .jpg, .jpeg or .png file"},
      {images + in_folder("labels.txt") + " -o " + out, "is not a folder of images"},
      {images + rgb + " --resize 4by3 -o " + out, "--resize '4by3' is not HxW"},
      {images + rgb + " --resize 99999999999999999999x3 -o " + out,
       "--resize '99999999999999999999x3': height and width must lie in [1, 16384]"},
      {images + rgb + " --resize 0x3 -o " + out, "height and width must lie in [1, 16384]"},
      {images + rgb + " --labels " + in_folder("short.txt") + " -o " + out,
       "hold 4 labels for 5 samples"},
      {images + rgb + " --labels " + in_folder("incomplete.csv") + " -o " + out,
       "have no label for 'a2.PNG'"},
      {images + rgb + " --limit -1 -o " + out, "--limit: must be >= 0 (got -1)"},
      {"import --format npy " + rgb + " --grayscale -o " + out, "apply to --format images"},
      {"import --format tiff " + rgb + " -o " + out, "unknown --format 'tiff'"},
  };
  for (int ranks : {2, 4})  // a failing run costs seconds; 1 rank adds nothing here
    for (const Case& c : cases) check_failure(ranks, c.args, c.expect, out);
}

TEST_CASE("NPY, CSV and HDF5 matrices round-trip into /X", "[cli][import]") {
  py(R"(
rng = np.random.default_rng(7)
A = rng.random((37, 11))
np.save(f'{D}/a.npy', A)
np.save(f'{D}/y.npy', np.arange(37) % 4)
np.save(f'{D}/f32f.npy', np.asfortranarray(rng.random((13, 6)).astype(np.float32)))
np.save(f'{D}/u8img.npy', (rng.random((6, 4, 5)) * 255).astype(np.uint8))
np.save(f'{D}/rgb4f.npy', np.asfortranarray(rng.random((3, 2, 2, 3))))
np.save(f'{D}/be.npy', rng.integers(0, 1000, (9, 4)).astype('>i8'))
np.save(f'{D}/bool.npy', rng.random((5, 3)) > 0.5)
B = A.copy(); B[4, 2] = -1; np.save(f'{D}/negative.npy', B)
np.save(f'{D}/vector.npy', np.arange(5.0))
np.save(f'{D}/complex.npy', np.ones((3, 2), np.complex128))
open(f'{D}/truncated.npy', 'wb').write(open(f'{D}/a.npy', 'rb').read()[:-100])
open(f'{D}/text.npy', 'w').write('1,2,3')
C = rng.random((23, 5))
np.savetxt(f'{D}/header.csv', C, delimiter=',', header='a,b,c,d,e', comments='')
np.savetxt(f'{D}/plain.csv', C, delimiter=' , ')
open(f'{D}/c_labels.txt', 'w').write(''.join(f'{i % 3}\n' for i in range(23)))
open(f'{D}/bad_cell.csv', 'w').write('1,2,3\n4,5,6\n\n7,x,9\n')
open(f'{D}/bad_header.csv', 'w').write('a,b,c\n1,2,3\n4,abc,6\n')
open(f'{D}/ragged.csv', 'w').write('1,2,3\n4,5\n')
open(f'{D}/negative.csv', 'w').write('1,2,3\n4,5,-6\n')
open(f'{D}/empty.csv', 'w').write('a,b\n')
np.save(f'{D}/rows0.npy', np.zeros((0, 5)))
def idx(name, dims, data, zipped=False):
    head = bytes([0, 0, 8, len(dims)]) + b''.join(d.to_bytes(4, 'big') for d in dims)
    (gzip.open if zipped else open)(f'{D}/{name}', 'wb').write(head + data)
idx('liar.idx', [1000000, 1000, 1000], bytes(100))            # 10^12 values declared
idx('liar.idx.gz', [1000000, 1000, 1000], bytes(100), True)
idx('short.idx.gz', [1000, 100, 100], bytes(100), True)       # 10^7 declared, 100 there
idx('none.idx', [0, 28, 28], b'')
with h5py.File(f'{D}/source.h5', 'w') as f:
    f['group/M'] = C[:19, :4].astype(np.float32)
    f['group/M'].attrs['image_height'] = 2
    f['group/M'].attrs['image_width'] = 2
    f['cube'] = rng.random((2, 3, 4))
)");
  // Each import writes out<i>.h5; one Python run checks them all.
  const std::string npy = "import --format npy " + in_folder(""),
                    csv = "import --format csv " + in_folder("");
  const std::string imports[] = {
      npy + "a.npy --labels " + in_folder("y.npy"),
      npy + "f32f.npy",
      npy + "u8img.npy",
      npy + "rgb4f.npy",
      npy + "be.npy --limit 5",
      npy + "bool.npy",
      csv + "header.csv --labels " + in_folder("c_labels.txt"),
      csv + "plain.csv --limit 10",
      "import --format hdf5 " + in_folder("source.h5") + " --dataset /group/M",
  };
  const std::string checks = R"(
def same(i, a, shape=None):
    f = h5py.File(f'{D}/out{i}.h5', 'r')
    X = f['X'][:]
    a = np.load(f'{D}/' + a) if isinstance(a, str) else a
    assert X.shape == a.reshape(len(a), -1).shape, (i, X.shape)
    assert np.array_equal(X, a.reshape(len(a), -1).astype(np.float64)), i
    if shape:
        assert (f.attrs['image_height'], f.attrs['image_width'], f.attrs['channels']) == shape, i
    else:
        assert 'image_height' not in f.attrs, i
    return f
C = np.loadtxt(f'{D}/plain.csv', delimiter=',')
assert list(same(0, 'a.npy')['labels'][:]) == list(np.arange(37) % 4)
same(1, 'f32f.npy')
same(2, 'u8img.npy', (4, 5, 1))
same(3, 'rgb4f.npy', (2, 2, 3))
same(4, np.load(f'{D}/be.npy')[:5])
same(5, 'bool.npy')
assert list(same(6, C)['labels'][:]) == [i % 3 for i in range(23)]
same(7, C[:10])
assert same(8, h5py.File(f'{D}/source.h5', 'r')['group/M'][:], (2, 2, 1)).attrs['source_dataset'] == '/group/M'
)";
  for (int ranks : {1, 2, 4}) {
    for (std::size_t i = 0; i < std::size(imports); ++i)
      require_success(ranks, imports[i] + " -o " + in_folder("out" + std::to_string(i) + ".h5"));
    py(checks);
  }
  const std::string out = in_folder("matrix.h5");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {npy + "negative.npy -o " + out, "has 1 negative entry (first at row 4, column 2)"},
      {npy + "vector.npy -o " + out, "holds a 1-D array"},
      {npy + "complex.npy -o " + out, "holds dtype '<c16'"},
      {npy + "truncated.npy -o " + out, "is truncated"},
      {npy + "text.npy -o " + out, "is not a .npy file"},
      {npy + "missing.npy -o " + out, "cannot open"},
      {npy + "a.npy --labels " + in_folder("c_labels.txt") + " -o " + out,
       "hold 23 labels for 37 samples"},
      {csv + "bad_cell.csv -o " + out,
       "bad_cell.csv' line 4 (row 2, column 1): 'x' is not a number"},
      {csv + "bad_header.csv -o " + out, "line 3 (row 1, column 1): 'abc' is not a number"},
      {csv + "ragged.csv -o " + out, "line 2 has 2 cells; expected 3"},
      {csv + "negative.csv -o " + out, "has 1 negative entry (first at row 1, column 2)"},
      {csv + "empty.csv -o " + out, "holds no rows of numbers"},
      {"import --format hdf5 " + in_folder("source.h5") + " --dataset /nope -o " + out,
       "has no dataset /nope"},
      {"import --format hdf5 " + in_folder("source.h5") + " --dataset /cube -o " + out, "is 3-D"},
      {csv + "header.csv --dataset /X -o " + out, "--dataset applies to --format hdf5"},
      {npy + "rows0.npy -o " + out, "rows0.npy' is empty (0 x 5)"},
      // No import writes over its input or its labels.
      {csv + "header.csv -o " + in_folder("header.csv"),
       "the output '" + in_folder("header.csv") + "' is the input file '" + in_folder("header.csv") + "'"},
      {npy + "a.npy --labels " + in_folder("y.npy") + " -o " + in_folder("y.npy"),
       "the output '" + in_folder("y.npy") + "' is the input file '" + in_folder("y.npy") + "'"},
      {"import --format hdf5 " + in_folder("source.h5") + " --dataset /group/M -o " + in_folder("source.h5"),
       "is the input file"},
      // IDX headers are checked against the data before allocating it.
      {"import " + in_folder("liar.idx") + " -o " + out,
       "liar.idx' is truncated or corrupt: its IDX header declares 1000000 x 1000 x 1000 = "
       "1000000000000 values but the file holds 100"},
      {"import " + in_folder("liar.idx.gz") + " -o " + out,
       "liar.idx.gz' (1000000 x 1000000 doubles) needs "},
      {"import " + in_folder("short.idx.gz") + " -o " + out,
       "short.idx.gz' is truncated or corrupt: its IDX header declares 1000 x 100 x 100 = 10000000 "
       "values but its data ends after 100"},
      {"import " + in_folder("none.idx") + " -o " + out, "none.idx' is empty (0 x 784)"},
      {npy + "a.npy --limit 99999999999999999999 -o " + out, "--limit: must be <= 9223372036854775807"},
  };
  for (int ranks : {2, 4})  // a failing run costs seconds; 1 rank adds nothing here
    for (const Case& c : cases) check_failure(ranks, c.args, c.expect, out);
}

TEST_CASE("nmfx info and tools/nmfx-plot", "[cli][info][plot]") {
  const std::string data = in_folder("synth.h5"), tiles = in_folder("tiles.h5");
  py(R"(
rng = np.random.default_rng(3)
os.makedirs(f'{D}/tiles', exist_ok=True)
parts = rng.random((3, 6, 5, 3))
for i in range(12):
    a = np.tensordot(rng.random(3), parts, 1) / 3
    Image.fromarray((a * 255).astype(np.uint8)).save(f'{D}/tiles/t{i:02d}.png')
)");
  require_success(2, "synth --rows 40 --cols 30 --rank 4 --noise 0.01 -o " + data);
  require_success(2, "import --format images " + in_folder("tiles") + " -o " + tiles);
  std::string runs;
  for (int k : {3, 5}) {
    const std::string run = in_folder("k" + std::to_string(k) + ".h5");
    require_success(2, "fit " + data + " -o " + run + " -k " + std::to_string(k) +
                           " --max-iter 20 --metrics-every 5 --plateau-window 2 --plateau-tol 0.5");
    runs += " " + run;
  }
  const std::string tile_run = in_folder("tiles_k3.h5");
  require_success(2, "fit " + tiles + " -o " + tile_run + " -k 3 --max-iter 20 --metrics-every 5");

  // info: one description, printed once, whatever the rank count.
  const Outcome d = nmfx(2, "info " + tiles);
  INFO(d.output);
  REQUIRE(d.status == 0);
  CHECK(count_lines_with(d.output, "dataset file") == 1);
  for (const char* s :
       {"/X ", "float64  12 x 90", "/filenames", "string   12", "12 samples x 90 features",
        "6x5 images, 3 channels", "from t00.png to t11.png", "format         images"})
    CHECK(d.output.find(s) != std::string::npos);
  const Outcome r = nmfx(4, "info " + in_folder("k3.h5"));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(count_lines_with(r.output, "run file") == 1);
  for (const char* s :
       {"factors: W 40 x 3, H 3 x 30 (hals)", "history: 20 iterations (stop: max_iter)",
        "metrics: 5 evaluations", "plateaus of the effective rank: at iteration",
        "reference: best rank-k rel_error", "/metrics/spectrum", "metrics_every  5", "5 x 3"})
    CHECK(r.output.find(s) != std::string::npos);
  check_failure(2, "info " + in_folder("nothing.h5"), "does not exist", in_folder("untouched.h5"));

  // The figures: every one, titled PNGs of a readable size.
  const std::string plot = "/usr/bin/python3 " + std::string(NMFX_PLOT);
  const std::string figures = in_folder("figures");
  Outcome p = shell(plot + runs + " --data " + data + " -o " + figures);
  INFO(p.output);
  REQUIRE(p.status == 0);
  p = shell(plot + " " + tile_run + " --data " + tiles + " -o " + figures + " --samples 0,7,11");
  INFO(p.output);
  REQUIRE(p.status == 0);
  py(R"(
import matplotlib.image
expected = [f'{stem}_{kind}.png' for stem in ['k3', 'k5', 'tiles_k3']
            for kind in ['factors', 'training', 'spectrum', 'reconstruction', 'nmf_vs_pca']]
expected += ['tiles_k3_atoms.png', 'runs_vs_rank.png', 'runs_histories.png']
found = sorted(os.listdir(f'{D}/figures'))
assert sorted(expected) == found, found
for name in expected:
    path = f'{D}/figures/{name}'
    assert open(path, 'rb').read(8) == b'\x89PNG\r\n\x1a\n', name
    image = matplotlib.image.imread(path)
    assert image.shape[0] >= 300 and image.shape[1] >= 500, (name, image.shape)
    assert image[..., :3].std() > 0.01, name  # not blank
)");
  p = shell(plot + " " + tile_run + " --data " + tiles + " -o " + figures + " --samples 0,12");
  CHECK(p.status != 0);
  CHECK(p.output.find("--samples [12] out of range (0 to 11)") != std::string::npos);
  p = shell(plot + " " + tile_run + " --data " + data + " -o " + figures);
  CHECK(p.status != 0);
  CHECK(p.output.find("factorizes a 12 x 90 matrix") != std::string::npos);
}
