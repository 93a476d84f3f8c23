#include "nmfx/evaluation/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "nmfx/autoencoder/model.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"
#include "nmfx/evaluation/classify.hpp"
#include "nmfx/evaluation/dilation.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/nmf/rules.hpp"
#include "nmfx/runner/run_file.hpp"

namespace nmfx::evaluation {
namespace {

using autoencoder::DecoderActivation;

/// What a run's file says about its model: the dictionary (atoms as
/// columns of an n x k matrix), and for the autoencoder its encoder and
/// decoder bias.
struct Dictionary {
  long n = 0;
  int k = 0;
  bool autoencoder = false;
  DecoderActivation activation = DecoderActivation::identity;
  std::vector<double> atoms, encoder, encoder_bias, decoder_bias;
  std::vector<double> training_codes;  // the run's /W, m_train x k row-major
  std::string data_path;               // the run's training data ("data")
};

Dictionary read_dictionary(MPI_Comm comm, const std::string& path) {
  io::File run = io::File::open_read(comm, path);
  Dictionary d;
  const io::Dims h = io::agreed_matrix_shape(run, "/H");
  io::agreed_matrix_shape(run, "/W");
  d.k = int(h[0]);
  d.n = long(h[1]);
  d.autoencoder = run.has_attribute("model") && run.read_string_attribute("model") == "autoencoder";
  if (run.has_attribute("data")) d.data_path = run.read_string_attribute("data");
  d.atoms = run.read_replicated("/H");
  d.training_codes = run.read_replicated("/W");
  if (d.autoencoder) {
    d.activation = run.read_string_attribute("decoder") == "sigmoid" ? DecoderActivation::sigmoid
                                                                     : DecoderActivation::identity;
    d.encoder = run.read_replicated("/encoder/W");
    d.encoder_bias = run.read_replicated("/encoder/b");
    d.decoder_bias = run.read_replicated("/decoder/b");
    agree(comm, d.encoder.size() != d.atoms.size() || d.encoder_bias.size() != std::size_t(d.k) ||
                        d.decoder_bias.size() != std::size_t(d.n)
                    ? "'" + path + "' is an autoencoder run whose /encoder or /decoder does not match /H"
                    : "");
  }
  bool finite = true;
  for (double v : d.atoms) finite = finite && std::isfinite(v);
  agree(comm, finite ? "" : "/H in '" + path + "' has a non-finite value");
  return d;
}

/// The codes (k x m) of this rank's test samples.
std::vector<double> test_codes(const ProcessGrid& grid, const Dictionary& d, const io::Samples& x) {
  const long m = x.local_count();
  std::vector<double> codes(std::size_t(d.k * m));
  if (d.autoencoder) {
    autoencoder::Parameters p(d.n, d.k);
    std::copy(d.encoder.begin(), d.encoder.end(), p.encoder());
    std::copy(d.encoder_bias.begin(), d.encoder_bias.end(), p.encoder_bias());
    autoencoder::encode(p, x.values.data(), m, codes.data());
    return codes;
  }
  // Exact NNLS per sample, as nmfx encode: the Gram matrix of the atoms and
  // their products with the samples.
  std::vector<double> gram(std::size_t(d.k * d.k));
  la::gemm(la::Op::transpose, la::Op::none, d.k, d.k, d.n, 1.0, d.atoms.data(), d.n, d.atoms.data(), d.n, 0.0,
           gram.data(), d.k);
  const dist::FactorDistribution rows(grid, dist::Along::rows);
  dist::Factor cross(d.k, x.rows, rows), w(d.k, x.rows, rows);
  if (m > 0)
    la::gemm(la::Op::transpose, la::Op::none, d.k, m, d.n, 1.0, d.atoms.data(), d.n, x.values.data(), d.n, 0.0,
             cross.local.data(), d.k);
  nmf::make_rule(nmf::Algorithm::anls)->update(w, cross.local.data(), gram.data(), nullptr);
  return w.local;
}

/// Sum of squared differences of two equally long arrays.
double squared_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

/// The image shape a dataset file records, or none (height 0) when it
/// records none or one of another size than n.
ImageShape image_shape(const io::File& data, long n) {
  ImageShape s;
  if (!data.has_attribute("image_height") || !data.has_attribute("image_width")) return {};
  s.height = data.read_integer_attribute("image_height");
  s.width = data.read_integer_attribute("image_width");
  s.channels = data.has_attribute("channels") ? data.read_integer_attribute("channels") : 1;
  return s.size() == n ? s : ImageShape{};
}

/// Rows of a k x m (column-major) local array for the global indices below
/// `count`, replicated on every rank as a count x k row-major array.
std::vector<double> gather_rows(const Communicator& comm, const std::vector<double>& local, long k,
                                const dist::BlockCyclic1D& map, long count) {
  std::vector<double> all(std::size_t(count * k), 0.0);
  for (long i = 0; i < map.local_size(); ++i) {
    const long g = map.to_global(i);
    if (g < count) std::copy_n(local.begin() + i * k, k, all.begin() + g * k);
  }
  comm.sum(all);
  return all;
}

}  // namespace

Evaluation run_evaluate(MPI_Comm comm_handle, const EvaluateConfig& c, bool verbose) {
  const Communicator comm(comm_handle);
  const ProcessGrid grid(comm_handle, {comm.size(), 1});
  Dictionary d = read_dictionary(comm_handle, c.run_path);
  // The training labels: --train, else the run's own data file if it is still there.
  const std::string train_path =
      !c.train_path.empty() ? c.train_path : std::filesystem::exists(d.data_path) ? d.data_path : "";
  io::AtomicOutput output(comm_handle, c.run_path, {c.test_path, train_path});

  io::File test = io::File::open_read(comm_handle, c.test_path);
  const io::Samples x = io::read_samples(test, c.dataset, grid, dist::default_block);
  agree(comm_handle, x.features != d.n
                         ? c.dataset + " in '" + c.test_path + "' has " + std::to_string(x.features) +
                               " features but the dictionary in '" + c.run_path + "' has " + std::to_string(d.n)
                         : "");
  const ImageShape shape = image_shape(test, d.n);
  const long m = x.local_count(), m_global = x.rows.global_size(), n = d.n;
  const int k = d.k;

  const std::vector<double> codes = test_codes(grid, d, x);
  const double* bias = d.autoencoder ? d.decoder_bias.data() : nullptr;
  std::vector<double> reconstruction(std::size_t(n * m));
  autoencoder::decode(d.atoms.data(), bias, d.activation, n, k, codes.data(), m, reconstruction.data());

  // Local sums: squared error, squared norm, Hoyer sparseness, the two dilation errors.
  double sums[5] = {squared_distance(reconstruction, x.values), 0, 0, 0, 0};
  for (double v : x.values) sums[1] += v * v;
  for (long i = 0; i < m; ++i) {
    double l1 = 0, l2 = 0;
    for (int j = 0; j < k; ++j) {
      const double v = codes[std::size_t(i * k + j)];
      l1 += std::abs(v);
      l2 += v * v;
    }
    sums[2] += metrics::hoyer_sparseness(l1, std::sqrt(l2), k);
  }
  std::vector<double> approximation, dilated_x, dilated_reconstruction;
  if (shape.height > 0) {
    std::vector<double> dilated_atoms(d.atoms.size());
    dilate_all(d.atoms.data(), k, shape, dilated_atoms.data());
    approximation.resize(reconstruction.size());
    autoencoder::decode(dilated_atoms.data(), bias, d.activation, n, k, codes.data(), m, approximation.data());
    dilated_x.resize(x.values.size());
    dilate_all(x.values.data(), m, shape, dilated_x.data());
    dilated_reconstruction.resize(reconstruction.size());
    dilate_all(reconstruction.data(), m, shape, dilated_reconstruction.data());
    sums[3] = squared_distance(approximation, dilated_x);
    sums[4] = squared_distance(approximation, dilated_reconstruction);
  }
  comm.sum(sums, 5);
  Evaluation ev;
  ev.test_samples = m_global;
  const double entries = double(m_global) * double(n);
  ev.mse = sums[0] / entries;
  ev.rel_error = sums[1] > 0 ? sums[0] / sums[1] : 0;
  ev.code_sparsity = sums[2] / double(m_global);
  if (shape.height > 0) {
    ev.dilation_error = sums[3] / entries;
    ev.dilation_error_reconstruction = sums[4] / entries;
  }

  // The SVM: training codes (the run's /W) with the training labels, test
  // codes with the test labels; rank 0 trains, every rank gets the accuracy.
  std::string svm_note;
  const bool test_labelled = test.exists("/labels");
  bool train_labelled = false;
  std::vector<double> train_labels;
  if (!train_path.empty()) {
    io::File train = io::File::open_read(comm_handle, train_path);
    train_labelled = train.exists("/labels");
    if (train_labelled) train_labels = train.read_replicated("/labels");
  }
  if (test_labelled && train_labelled) {
    const std::vector<double> test_labels = test.read_replicated("/labels");
    agree(comm_handle, long(train_labels.size()) * k != long(d.training_codes.size())
                           ? "'" + train_path + "' has " + std::to_string(train_labels.size()) +
                                 " labels but the run's codes /W have " +
                                 std::to_string(d.training_codes.size() / std::size_t(k)) + " rows"
                           : long(test_labels.size()) != m_global
                                 ? "'" + c.test_path + "' has " + std::to_string(test_labels.size()) +
                                       " labels for " + std::to_string(m_global) + " samples"
                                 : "");
    const std::vector<double> all_codes = gather_rows(comm, codes, k, x.rows, m_global);
    double accuracy = 0;
    collectively(comm_handle, [&] {
      if (comm.rank() == 0)
        accuracy = linear_svm_accuracy(d.training_codes, train_labels, all_codes, test_labels, k);
    });
    ev.svm_accuracy = comm.sum(accuracy);
  } else {
    svm_note = train_path.empty() ? "the run's training data file is gone; give it with --train" : !train_labelled
                                        ? "'" + train_path + "' has no /labels" : "'" + c.test_path + "' has no /labels";
  }

  // Test samples 0 .. s-1 as the figures show them.
  const long kept = std::min(c.samples, m_global);
  const auto keep = [&](const std::vector<double>& local, long width) {
    return local.empty() ? std::vector<double>() : gather_rows(comm, local, width, x.rows, kept);
  };
  const std::vector<double> kept_codes = keep(codes, k), kept_x = keep(x.values, n),
                            kept_reconstruction = keep(reconstruction, n), kept_approximation = keep(approximation, n),
                            kept_dilated = keep(dilated_x, n);
  test.close();

  // The run file with /evaluation added, through a temporary copy.
  collectively(comm_handle, [&] {
    if (comm.rank() == 0)
      std::filesystem::copy_file(c.run_path, output.temporary_path(),
                                 std::filesystem::copy_options::overwrite_existing);
  });
  {
    io::File out = io::File::open_write(comm_handle, output.temporary_path());
    out.remove("/evaluation");
    const std::string g = "/evaluation";
    out.make_parents(g + "/sample_index");
    std::vector<long> index(static_cast<std::size_t>(kept));
    for (long i = 0; i < kept; ++i) index[std::size_t(i)] = i;
    const hsize_t s = hsize_t(kept);
    out.write_replicated(g + "/sample_index", {s}, index.data());
    out.write_replicated(g + "/sample_codes", {s, hsize_t(k)}, kept_codes.data());
    out.write_replicated(g + "/sample_X", {s, hsize_t(n)}, kept_x.data());
    out.write_replicated(g + "/sample_reconstruction", {s, hsize_t(n)}, kept_reconstruction.data());
    if (shape.height > 0) {
      out.write_replicated(g + "/sample_dilated_X", {s, hsize_t(n)}, kept_dilated.data());
      out.write_replicated(g + "/sample_dilation_approximation", {s, hsize_t(n)}, kept_approximation.data());
    }
    out.write_attribute("test", std::filesystem::absolute(c.test_path).lexically_normal().string(), g);
    out.write_attribute("train", train_path, g);
    out.write_attribute("test_samples", m_global, g);
    out.write_attribute("mse", ev.mse, g);
    out.write_attribute("rel_error", ev.rel_error, g);
    out.write_attribute("code_sparsity", ev.code_sparsity, g);
    out.write_attribute("svm_accuracy", ev.svm_accuracy, g);
    out.write_attribute("dilation_error", ev.dilation_error, g);
    out.write_attribute("dilation_error_reconstruction", ev.dilation_error_reconstruction, g);
    out.close();
  }
  output.commit();
  if (verbose) {
    std::printf("nmfx evaluate: %ld test samples, k = %d (%s)\n", m_global, k, d.autoencoder ? "autoencoder" : "nmf");
    std::printf("  mse %.6e  rel_error %.6e  code sparsity %.4f\n", ev.mse, ev.rel_error, ev.code_sparsity);
    if (svm_note.empty()) std::printf("  linear SVM accuracy %.4f\n", ev.svm_accuracy);
    else std::printf("  linear SVM: skipped (%s)\n", svm_note.c_str());
    if (shape.height > 0)
      std::printf("  dilation error %.6e (vs dilated reconstruction %.6e)\n", ev.dilation_error,
                  ev.dilation_error_reconstruction);
    else
      std::printf("  dilation: skipped ('%s' records no image shape of %ld pixels)\n", c.test_path.c_str(), n);
    std::printf("  wrote /evaluation to %s\n", c.run_path.c_str());
  }
  return ev;
}

}  // namespace nmfx::evaluation
