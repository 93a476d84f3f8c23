#include "nmfx/runner/transform.hpp"

#include <cmath>
#include <cstdio>

#include "nmfx/core/error.hpp"
#include "nmfx/core/progress.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/decompositions.hpp"
#include "nmfx/la/products.hpp"
#include "nmfx/metrics/spectrum.hpp"
#include "nmfx/nmf/encode.hpp"
#include "nmfx/runner/run_file.hpp"

namespace nmfx::runner {
namespace {

int world_size(MPI_Comm comm) { return Communicator(comm).size(); }

/// Sum of squares of a distributed matrix, in double.
template <class Scalar>
double squared_norm(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x) {
  double s = 0;
  for (const Scalar v : x.local) s += double(v) * double(v);
  return grid.full_comm().sum(s);
}

/// Runs body(Scalar()) with Scalar float or double as `precision` says.
template <class Body>
void in_precision(Precision precision, Body body) {
  if (precision == Precision::single)
    body(float());
  else
    body(double());
}

/// sum_{i >= k} sigma_i^2 / norm2.
double tail_fraction(const std::vector<double>& sigma, int k, double norm2) {
  double tail = 0;
  for (std::size_t i = std::size_t(k); i < sigma.size(); ++i) tail += sigma[i] * sigma[i];
  return norm2 > 0 ? tail / norm2 : 0;
}

template <class Scalar>
void encode(MPI_Comm comm, const EncodeConfig& c, bool verbose, Scalar) {
  io::AtomicOutput output(comm, c.output_path, {c.run_path, c.data_path});
  io::File run = io::File::open_read(comm, c.run_path);
  const io::Dims h_dims = io::agreed_matrix_shape(run, "/H");
  io::File data = io::File::open_read(comm, c.data_path);
  const io::Dims x_dims = io::agreed_matrix_shape(data, c.dataset);
  agree(comm, x_dims[1] != h_dims[1]
                  ? c.dataset + " in '" + c.data_path + "' has " + std::to_string(x_dims[1]) +
                        " features but the dictionary in '" + c.run_path + "' has " +
                        std::to_string(h_dims[1])
                  : "");
  const long m = long(x_dims[0]), n = long(x_dims[1]);
  const ProcessGrid grid(comm, choose_grid(world_size(comm), m, n));
  const std::string what = c.dataset + " in '" + c.data_path + "'";
  // X and its read buffer; H; the codes four times over (their cross
  // products, the rule's gradient, the copy written); four k x k matrices
  // (the Grams, the rule's copy, the NNLS's scratch).
  const dist::LocalShape mine = dist::local_shape(grid, m, n, dist::default_block, dist::default_block);
  const double atoms = double(h_dims[0]);
  dist::require_matrix_memory(grid, what, m, n, dist::default_block, dist::default_block, 1,
                              atoms * double(4 * mine.rows + mine.cols + 4 * atoms) * sizeof(double) +
                                  io::transfer_buffer_bytes,
                              sizeof(Scalar));
  const int k = int(h_dims[0]);
  nmf::EncodeOptions options;
  options.algorithm = c.algorithm.empty() ? nmf::default_encode_algorithm(k) : nmf::parse_algorithm(c.algorithm);
  options.l1 = c.l1;
  options.max_iterations = c.max_iterations;
  options.tolerance = c.tolerance;
  const auto x = io::read_matrix<Scalar>(data, c.dataset, grid, dist::default_block, dist::default_block);
  dist::require_nonnegative_finite(grid.comm(), x, what);
  const dist::Factor h = run_file::read_model_factor(run, "/H", dist::Factor::cols_of(grid, k, x));
  dist::Factor w = dist::Factor::rows_of(grid, k, x);
  const double start = wall_time();
  ProgressBar bar(verbose, "nmfx encode", options.algorithm == nmf::Algorithm::anls ? 1 : options.max_iterations);
  const nmf::EncodeResult result =
      nmf::encode(grid, x, squared_norm(grid, x), h, w, options, [&](const nmf::Record& r) {
        if (bar.live()) bar.show(r.iteration, "rel_error " + format_number(r.rel_error), r.seconds);
      });
  bar.finish();
  const metrics::CodeSparsity sparsity = metrics::code_sparsity(w);

  io::File out = io::File::create(comm, output.temporary_path());
  run_file::write_header(out, "codes");
  io::write_factor(out, "/W", w, io::FactorLayout::index_major);
  out.write_attribute("run", c.run_path);
  out.write_attribute("data", c.data_path);
  out.write_attribute("dataset", c.dataset);
  out.write_attribute("rank", long(k));
  out.write_attribute("algorithm", std::string(nmf::algorithm_name(options.algorithm)));
  out.write_attribute("l1", c.l1);
  out.write_attribute("iterations", result.iterations);
  out.write_attribute("stop_reason", std::string(nmf::stop_reason_name(result.stop_reason)));
  out.write_attribute("rel_error", result.rel_error);
  out.write_attribute("active_atoms", sparsity.active);
  out.write_attribute("hoyer", sparsity.hoyer);
  out.close();
  output.commit();
  if (verbose)
    std::printf("nmfx encode: %ld samples against %d atoms, %s, %ld iteration%s (%s) in %.2f s, rel_error %.6e, "
                "%.1f active atoms per sample, Hoyer sparseness %.3f; wrote %s\n",
                m, k, nmf::algorithm_name(options.algorithm), result.iterations, result.iterations == 1 ? "" : "s",
                nmf::stop_reason_name(result.stop_reason), wall_time() - start, result.rel_error, sparsity.active,
                sparsity.hoyer, c.output_path.c_str());
}

template <class Scalar>
void decode(MPI_Comm comm, const DecodeConfig& c, bool verbose, Scalar) {
  io::AtomicOutput output(comm, c.output_path, {c.codes_path, c.run_path});
  io::File codes = io::File::open_read(comm, c.codes_path);
  io::File run = io::File::open_read(comm, c.run_path);
  const io::Dims w_dims = io::agreed_matrix_shape(codes, "/W"), h_dims = io::agreed_matrix_shape(run, "/H");
  agree(comm, w_dims[1] != h_dims[0]
                  ? "the codes in '" + c.codes_path + "' have " + std::to_string(w_dims[1]) +
                        " components but the dictionary in '" + c.run_path + "' has " +
                        std::to_string(h_dims[0])
                  : "");
  const long m = long(w_dims[0]), n = long(h_dims[1]);
  const ProcessGrid grid(comm, choose_grid(world_size(comm), m, n));
  // X_hat and the buffer it is written through; W, H and H's transposed copy.
  const dist::LocalShape mine = dist::local_shape(grid, m, n, dist::default_block, dist::default_block);
  // X_hat (in the chosen precision) and the buffer it is written through;
  // W and H, and their copies in that precision.
  dist::require_matrix_memory(grid, "the reconstruction X_hat", m, n, dist::default_block,
                              dist::default_block, 1,
                              2 * double(h_dims[0]) * double(mine.rows + mine.cols) * sizeof(double) + io::transfer_buffer_bytes,
                              sizeof(Scalar));
  const int k = int(h_dims[0]);
  dist::BasicDistMatrix<Scalar> x_hat(grid, m, n, dist::default_block, dist::default_block);
  const dist::Factor w = run_file::read_model_factor(codes, "/W", dist::Factor::rows_of(grid, k, x_hat));
  const dist::Factor h = run_file::read_model_factor(run, "/H", dist::Factor::cols_of(grid, k, x_hat));
  const std::vector<Scalar> w_local(w.local.begin(), w.local.end()), h_local(h.local.begin(), h.local.end());
  if (x_hat.local_rows() > 0 && x_hat.local_cols() > 0)
    la::gemm(la::Op::transpose, la::Op::none, x_hat.local_rows(), x_hat.local_cols(), k, Scalar(1),
             w_local.data(), k, h_local.data(), k, Scalar(0), x_hat.local.data(), x_hat.leading_dim());
  io::File out = io::File::create(comm, output.temporary_path());
  run_file::write_header(out, "reconstruction");
  io::write_matrix(out, "/X_hat", x_hat, grid, c.precision);
  out.write_attribute("codes", c.codes_path);
  out.write_attribute("run", c.run_path);
  out.close();
  output.commit();
  if (verbose) std::printf("nmfx decode: /X_hat %ld x %ld; wrote %s\n", m, n, c.output_path.c_str());
}

template <class Scalar>
void pca(MPI_Comm comm, const PcaConfig& c, bool verbose, Scalar) {
  io::AtomicOutput output(comm, c.output_path, {c.data_path});
  io::File data = io::File::open_read(comm, c.data_path);
  const io::Dims dims = io::agreed_matrix_shape(data, c.dataset);
  const long m = long(dims[0]), n = long(dims[1]);
  agree(comm, c.rank < 1 || c.rank > std::min(m, n)
                  ? "--rank " + std::to_string(c.rank) + " is impossible for a " +
                        std::to_string(m) + "x" + std::to_string(n) + " matrix"
                  : "");
  const ProcessGrid grid(comm, choose_grid(world_size(comm), m, n));
  const std::string what = c.dataset + " in '" + c.data_path + "'";
  // X and a copy (the read buffer, then the SVD's); the SVD's p x p triangle
  // and vectors (p = min(m, n)); the components, scores and the replicated
  // leading vectors.
  const long p = std::min(m, n);
  const dist::LocalShape mine = dist::local_shape(grid, m, n, dist::default_block, dist::default_block);
  const double triangle = dist::local_shape(grid, p, p, dist::default_block, dist::default_block).entries();
  dist::require_matrix_memory(
      grid, what, m, n, dist::default_block, dist::default_block, 2,
      (2 * triangle + double(c.rank) * double(mine.rows + mine.cols + p) + double(n)) * sizeof(double) +
          io::transfer_buffer_bytes,
      sizeof(Scalar));
  auto x = io::read_matrix<Scalar>(data, c.dataset, grid, dist::default_block, dist::default_block);
  dist::require_finite(grid.comm(), x, what);
  const double x2 = squared_norm(grid, x);
  agree(comm, x2 > 0 ? "" : what + " is all zeros");
  // The best rank-K approximation of X itself (Eckart-Young), for comparison.
  const std::vector<double> sigma = la::svd(grid, x, 0).sigma;

  // Centre the columns: the mean over samples, summed along grid columns.
  std::vector<double> mean(std::size_t(n), 0.0);
  for (long j = 0; j < x.local_cols(); ++j) {
    double s = 0;
    for (long i = 0; i < x.local_rows(); ++i) s += double(x.at(i, j));
    mean[std::size_t(x.cols.to_global(j))] = s;
  }
  // Each global column's partial sums live in one grid column: sum over all.
  grid.full_comm().sum(mean);
  for (double& v : mean) v /= double(m);
  for (long j = 0; j < x.local_cols(); ++j)
    for (long i = 0; i < x.local_rows(); ++i) x.at(i, j) -= Scalar(mean[std::size_t(x.cols.to_global(j))]);

  la::Svd pca = la::svd(grid, x, c.rank);
  // scores = U S (m x K), components = V^T (K x n)
  for (long r = 0; r < pca.u.local_count(); ++r)
    for (int j = 0; j < c.rank; ++j) pca.u.vector(r)[j] *= pca.sigma[std::size_t(j)];
  double total = 0;
  for (double s : pca.sigma) total += s * s;
  std::vector<double> variance, ratio;
  for (int j = 0; j < c.rank; ++j) {
    const double s2 = pca.sigma[std::size_t(j)] * pca.sigma[std::size_t(j)];
    variance.push_back(m > 1 ? s2 / double(m - 1) : 0.0);
    ratio.push_back(total > 0 ? s2 / total : 0.0);
  }
  const double rel_error = tail_fraction(pca.sigma, c.rank, x2);
  const double svd_rel_error = tail_fraction(sigma, c.rank, x2);

  io::File out = io::File::create(comm, output.temporary_path());
  run_file::write_header(out, "pca");
  io::write_factor(out, "/components", pca.v, io::FactorLayout::component_major);
  io::write_factor(out, "/scores", pca.u, io::FactorLayout::index_major);
  out.write_replicated("/mean", {hsize_t(n)}, mean.data());
  out.write_replicated("/explained_variance", {variance.size()}, variance.data());
  out.write_replicated("/explained_variance_ratio", {ratio.size()}, ratio.data());
  out.write_replicated("/singular_values", {hsize_t(c.rank)}, pca.sigma.data());
  out.write_replicated("/sigma_X", {sigma.size()}, sigma.data());
  out.write_attribute("rank", long(c.rank));
  out.write_attribute("rel_error", rel_error);
  out.write_attribute("svd_rel_error", svd_rel_error);
  out.write_attribute("data", c.data_path);
  out.write_attribute("dataset", c.dataset);
  out.close();
  output.commit();
  if (verbose)
    std::printf("nmfx pca: rank %d, rel_error %.6e (rel_residual %.6f); uncentred rank-%d SVD "
                "rel_error %.6e (rel_residual %.6f); wrote %s\n",
                c.rank, rel_error, std::sqrt(rel_error), c.rank, svd_rel_error,
                std::sqrt(svd_rel_error), c.output_path.c_str());
}

}  // namespace

void run_encode(MPI_Comm comm, const EncodeConfig& c, bool verbose) {
  in_precision(c.precision, [&](auto zero) { encode(comm, c, verbose, zero); });
}

void run_decode(MPI_Comm comm, const DecodeConfig& c, bool verbose) {
  in_precision(c.precision, [&](auto zero) { decode(comm, c, verbose, zero); });
}

void run_pca(MPI_Comm comm, const PcaConfig& c, bool verbose) {
  in_precision(c.precision, [&](auto zero) { pca(comm, c, verbose, zero); });
}

}  // namespace nmfx::runner
