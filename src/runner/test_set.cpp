#include "nmfx/runner/test_set.hpp"

#include <cstdio>

#include "nmfx/core/error.hpp"
#include "nmfx/core/timing.hpp"
#include "nmfx/dist/checks.hpp"
#include "nmfx/io/matrix_io.hpp"
#include "nmfx/nmf/encode.hpp"

namespace nmfx::runner {
namespace {

/// The test samples block-cyclic on the fit's grid, and their codes, kept
/// between evaluations as the next one's warm start.
template <class Scalar>
class Samples final : public TestSet {
 public:
  Samples(const settings::FitPlan& plan, const ProcessGrid& grid, dist::BasicDistMatrix<Scalar> x, double norm2)
      : grid_(grid), options_(plan.test_encoding), x_(std::move(x)), norm2_(norm2),
        codes_(dist::Factor::rows_of(grid, plan.ranks.front(), x_)) {}

  double rel_error(const nmf::Model& model, int d) override {
    const double start = wall_time();
    nmf::EncodeOptions options = options_;
    options.warm_start = encoded_;
    encoded_ = true;
    const double error = nmf::encode(grid_, x_, norm2_, nmf::dictionary(model, d), codes_, options).rel_error;
    seconds_ += wall_time() - start;
    return error;
  }
  double seconds() const override { return seconds_; }

 private:
  const ProcessGrid& grid_;
  nmf::EncodeOptions options_;
  dist::BasicDistMatrix<Scalar> x_;
  double norm2_;
  dist::Factor codes_;  // r1-vectors over the test samples
  bool encoded_ = false;
  double seconds_ = 0;
};

template <class Scalar>
std::unique_ptr<TestSet> read_samples(const settings::FitPlan& plan, const ProcessGrid& grid, int block,
                                      long features, bool verbose) {
  const settings::FitConfig& c = plan.config;
  const std::string what = c.dataset + " in '" + c.test_path + "'";
  const double start = wall_time();
  const io::File file = io::File::open_read(grid.comm(), c.test_path);
  const io::Dims dims = io::agreed_matrix_shape(file, c.dataset);
  const long m = long(dims[0]);
  agree(grid.comm(), long(dims[1]) != features ? what + " has " + std::to_string(dims[1]) +
                                                     " features but the training data has " +
                                                     std::to_string(features)
                                               : "");
  // The samples, and their codes four times over (the codes, their cross
  // products, the rule's copy, the dictionary's share).
  const dist::LocalShape mine = dist::local_shape(grid, m, features, block, block);
  dist::require_matrix_memory(grid, what, m, features, block, block, 1,
                              4.0 * plan.ranks.front() * double(mine.rows) * sizeof(double) +
                                  io::transfer_buffer_bytes,
                              sizeof(Scalar));
  dist::BasicDistMatrix<Scalar> x = [&] {
    const Timed timed(Activity::read);
    return io::read_matrix<Scalar>(file, c.dataset, grid, block, block);
  }();
  dist::require_nonnegative_finite(grid.comm(), x, what);
  double norm2 = 0;
  for (const Scalar v : x.local) norm2 += double(v) * double(v);
  norm2 = grid.full_comm().sum(norm2);
  agree(grid.comm(), !(norm2 > 0)      ? what + " is all zeros; its relative error is undefined"
                     : !(norm2 < 1e300) ? what + " is too large (its squared norm overflows)"
                                        : "");
  if (verbose)
    std::printf("nmfx fit: test set %s (%ld x %ld) read in %.2f s; encoded by %s at every evaluation\n",
                what.c_str(), m, features, wall_time() - start, nmf::algorithm_name(plan.test_encoding.algorithm));
  return std::make_unique<Samples<Scalar>>(plan, grid, std::move(x), norm2);
}

}  // namespace

std::unique_ptr<TestSet> read_test_set(const settings::FitPlan& plan, const ProcessGrid& grid, int block,
                                       long features, bool verbose) {
  if (plan.config.test_path.empty()) return nullptr;
  try {
    return plan.precision == Precision::single ? read_samples<float>(plan, grid, block, features, verbose)
                                               : read_samples<double>(plan, grid, block, features, verbose);
  } catch (const Error& e) {
    throw Error("--test: " + std::string(e.what()), e.collective());
  }
}

}  // namespace nmfx::runner
