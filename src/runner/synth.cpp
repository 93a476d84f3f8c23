#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "nmfx/core/error.hpp"
#include "nmfx/core/random.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/runner/data.hpp"

namespace nmfx::runner {
namespace {

void fill_abs_gaussian(std::uint64_t seed, std::uint64_t stream, dist::Factor& f) {
  const long k = f.k;
#pragma omp parallel for schedule(static)
  for (long c = 0; c < f.local_count(); ++c) {
    const std::uint64_t global = std::uint64_t(f.map.to_global(c));
    for (long j = 0; j < k; ++j) f.vector(c)[j] = std::abs(gaussian(seed, stream, global * k + j));
  }
}

/// Keeps each index's entry of component (global index mod k) only, then
/// scales every component to unit norm times `scale[j]`: orthogonal
/// components with disjoint supports. Collective over f's reduce_comm().
void disjoint_orthonormal(dist::Factor& f, const std::vector<double>& scale) {
  const long k = f.k;
  std::vector<double> norm2(std::size_t(k), 0.0);
  for (long c = 0; c < f.local_count(); ++c) {
    const long mine = f.map.to_global(c) % k;
    for (long j = 0; j < k; ++j) {
      double& v = f.vector(c)[j];
      if (j != mine) v = 0;
      norm2[std::size_t(j)] += v * v;
    }
  }
  f.reduce_comm().sum(norm2);
  for (long c = 0; c < f.local_count(); ++c)
    for (long j = 0; j < k; ++j)
      if (norm2[std::size_t(j)] > 0) f.vector(c)[j] *= scale[std::size_t(j)] / std::sqrt(norm2[std::size_t(j)]);
}

/// --basis signs: X = (1/sqrt(mn)) (s1 1 1^T + sum_{j>=2} s_j e_j f_j^T),
/// with e_j(i) = +-1 the bit j-2 of (global index mod 2^(r-1)), so that the
/// 1/sqrt(m) e_j are orthonormal; X's singular values are exactly s. As
/// non-negative factors (1 1^T + e f^T = 2 (a+ b+^T + a- b-^T) with the
/// 0/1 indicators a+- = (1 +- e)/2): component 0 is sqrt(c0) 1 with
/// c0 = s1 - sum_{j>=2} s_j >= 0, components 2j-3 and 2j-2 are
/// sqrt(2 s_j) a+ and sqrt(2 s_j) a-, each times (mn)^(-1/4); 2r - 1 in all.
/// Each rank fills its own indices of f (a function of the global index
/// only, so every grid makes the same X); `norm` is (mn)^(-1/4).
void sign_factor(dist::Factor& f, const std::vector<double>& spectrum, double norm) {
  const long r = long(spectrum.size());
  double rest = 0;
  for (long j = 1; j < r; ++j) rest += spectrum[std::size_t(j)];
  const double c0 = std::max(0.0, spectrum[0] - rest);
  const long patterns = 1L << (r - 1);
  for (long c = 0; c < f.local_count(); ++c) {
    const long bits = f.map.to_global(c) % patterns;
    double* v = f.vector(c);
    v[0] = std::sqrt(c0) * norm;
    for (long j = 1; j < r; ++j) {
      const bool set = (bits >> (j - 1)) & 1;
      const double a = std::sqrt(2 * spectrum[std::size_t(j)]) * norm;
      v[2 * j - 1] = set ? 0.0 : a;
      v[2 * j] = set ? a : 0.0;
    }
  }
}

}  // namespace

void run_synth(MPI_Comm comm, const SynthConfig& config, bool verbose) {
  SynthConfig c = config;
  collectively(comm, [&] {
    if (!c.spectrum.empty()) {
      if (c.rank != 0 && c.rank != int(c.spectrum.size()))
        throw Error("--rank " + std::to_string(c.rank) + " disagrees with the " +
                    std::to_string(c.spectrum.size()) + " values of --spectrum (give one of them)");
      c.rank = int(c.spectrum.size());
      for (double s : c.spectrum)
        if (!(s > 0) || !std::isfinite(s)) throw Error("--spectrum: every value must be a finite number > 0");
      if (c.rows < c.rank || c.cols < c.rank)
        throw Error("--spectrum: " + std::to_string(c.rank) + " values need at least as many rows and columns (got " +
                    std::to_string(c.rows) + " x " + std::to_string(c.cols) + ")");
      if (c.basis == "signs") {
        if (c.rank > 31) throw Error("--basis signs: at most 31 values (got " + std::to_string(c.rank) + ")");
        const long patterns = 1L << (c.rank - 1);
        if (c.rows % patterns != 0 || c.cols % patterns != 0)
          throw Error("--basis signs: " + std::to_string(c.rank) + " values need --rows and --cols that are multiples of " +
                      std::to_string(patterns) + " (got " + std::to_string(c.rows) + " x " + std::to_string(c.cols) + ")");
        double rest = 0;
        for (std::size_t j = 1; j < c.spectrum.size(); ++j) rest += c.spectrum[j];
        if (c.spectrum[0] < rest) {
          char numbers[64];
          std::snprintf(numbers, sizeof numbers, "%g < %g", c.spectrum[0], rest);
          throw Error("--basis signs: the first value must be at least the sum of the others, or X has negative "
                      "entries (" + std::string(numbers) + ")");
        }
      }
    }
    if (c.basis != "disjoint" && c.basis != "signs")
      throw Error("--basis: expected disjoint or signs (got '" + c.basis + "')");
    if (c.basis == "signs" && c.spectrum.empty()) throw Error("--basis signs needs --spectrum");
    if (c.rank == 0) throw Error("give the rank: --rank R or --spectrum S1,S2,...");
    for (const auto& [flag, value] : {std::pair{"--rows", c.rows}, {"--cols", c.cols}, {"--rank", long(c.rank)}})
      if (value < 1) throw Error(std::string(flag) + ": must be >= 1 (got " + std::to_string(value) + ")");
    if (!(c.noise >= 0) || !std::isfinite(c.noise))
      throw Error("--noise: must be a finite number >= 0 (got " + std::to_string(c.noise) + ")");
  });
  io::AtomicOutput output(comm, c.output_path);
  // The generating factors' components: r, or 2r - 1 for --basis signs.
  const int components = c.basis == "signs" ? 2 * c.rank - 1 : c.rank;
  const ProcessGrid grid(comm, choose_grid(Communicator(comm).size(), c.rows, c.cols));
  // X and the buffer it is written through; W, H and H's transposed copy.
  const dist::LocalShape mine =
      dist::local_shape(grid, c.rows, c.cols, dist::default_block, dist::default_block);
  dist::require_matrix_memory(grid, "the synthetic X", c.rows, c.cols, dist::default_block,
                              dist::default_block, 2,
                              double(components) * double(mine.rows + 2 * mine.cols) * sizeof(double));
  dist::DistMatrix x(grid, c.rows, c.cols, dist::default_block, dist::default_block);
  dist::Factor w = dist::Factor::rows_of(grid, components, x);
  dist::Factor h = dist::Factor::cols_of(grid, components, x);
  fill_abs_gaussian(c.seed, stream_w, w);
  fill_abs_gaussian(c.seed, stream_h, h);
  if (c.basis == "signs") {
    const double norm = std::pow(double(c.rows) * double(c.cols), -0.25);
    sign_factor(w, c.spectrum, norm);
    sign_factor(h, c.spectrum, norm);
  } else if (!c.spectrum.empty()) {
    disjoint_orthonormal(w, c.spectrum);
    disjoint_orthonormal(h, std::vector<double>(c.spectrum.size(), 1.0));
  }
  const long lr = x.local_rows(), lc = x.local_cols();
  // X_local = W_local H_local (W stored as W^T, k x local_rows)
  if (lr > 0 && lc > 0)
    la::gemm(la::Op::transpose, la::Op::none, lr, lc, components, 1.0, w.local.data(), components,
             h.local.data(), components, 0.0, x.local.data(), x.leading_dim());
  if (c.noise > 0) {
#pragma omp parallel for schedule(static)
    for (long j = 0; j < lc; ++j)
      for (long i = 0; i < lr; ++i) {
        const std::uint64_t global = std::uint64_t(x.rows.to_global(i) * c.cols + x.cols.to_global(j));
        x.at(i, j) = std::max(0.0, x.at(i, j) + c.noise * gaussian(c.seed, stream_noise, global));
      }
  }

  io::File out = io::File::create(comm, output.temporary_path());
  io::write_matrix(out, "/X", x, grid);
  io::write_factor(out, "/W_true", w, io::FactorLayout::index_major);
  io::write_factor(out, "/H_true", h, io::FactorLayout::component_major);
  out.write_attribute("source", std::string("nmfx synth"));
  out.write_attribute("rank", long(c.rank));
  out.write_attribute("noise", c.noise);
  out.write_attribute("seed", long(c.seed));
  if (!c.spectrum.empty()) {
    out.write_replicated("/spectrum", {hsize_t(c.rank)}, c.spectrum.data());
    out.write_attribute("basis", c.basis);
  }
  out.close();
  output.commit();
  if (verbose)
    std::printf("nmfx synth: wrote %s (%ld x %ld, rank %d%s, noise %g, seed %llu)\n",
                c.output_path.c_str(), c.rows, c.cols, c.rank, c.spectrum.empty()         ? ""
                : c.basis == "signs"        ? " (given spectrum, sign basis)"
                                            : " (given spectrum)",
                c.noise, static_cast<unsigned long long>(c.seed));
}

}  // namespace nmfx::runner
