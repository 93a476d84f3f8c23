#include "nmfx/nmf/rules.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <omp.h>

#include "nmfx/core/error.hpp"
#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/nmf/sparseness.hpp"

namespace nmfx::nmf {
namespace {

/// Shared by every rule: the penalized Gram matrix G + l2 I and the gradient.
/// A rule whose indices are independent implements the one-sided problem
/// on a range of indices (update_indices) and, where it has one, the
/// two-sided problem (update_two_sided).
class PenalizedRule : public UpdateRule {
 public:
  explicit PenalizedRule(const RuleOptions& options) : options_(options) {}
  using UpdateRule::update;
  using UpdateRule::update_indices;
  bool independent_indices() const override { return true; }
  void update(dist::Factor& f, const double* cross, const double* gram,
              const double* right) override {
    if (right) update_two_sided(f, cross, gram, right);
    else update_indices(f.k, f.local_count(), f.local.data(), cross, gram);
  }

 protected:
  /// The two-sided problem; the rules that solve only the one-sided one
  /// keep this.
  virtual void update_two_sided(dist::Factor&, const double*, const double*, const double*) {
    throw Error("anls and als solve one-sided problems only; the inner layers of the global Deep "
                "NMF loss need mu, hals, pgd or adam", true);
  }

  /// G + l2 I for this half-step (k x k), in double or rounded to float.
  template <class T = double>
  const T* penalized_gram(const double* gram, int k) {
    gram_.assign(gram, gram + std::size_t(k) * k);
    for (int j = 0; j < k; ++j) gram_[std::size_t(j) * k + j] += options_.l2;
    if constexpr (std::is_same_v<T, double>) {
      return gram_.data();
    } else {
      float_gram_.assign(gram_.begin(), gram_.end());
      return float_gram_.data();
    }
  }

  /// The rule's scratch memory in precision T.
  template <class T>
  std::vector<T>& buffer() {
    if constexpr (std::is_same_v<T, double>) return buffer_;
    else return float_buffer_;
  }

  /// buffer = G F R + l2 F - C + l1 for the k x count factor `f`: the
  /// gradient of the half-step objective (R = I when `right` is null; G +
  /// l2 I is then left in gram_).
  void gradient(long k, long count, const double* f, const double* cross, const double* gram,
                const double* right) {
    const std::size_t size = std::size_t(k * count);
    buffer_.assign(cross, cross + size);
    if (!right) {
      la::gemm(la::Op::none, la::Op::none, k, count, k, 1.0, penalized_gram(gram, int(k)), k, f, k,
               -1.0, buffer_.data(), k);
    } else {
      product_.resize(size);
      la::gemm(la::Op::none, la::Op::none, k, count, k, 1.0, gram, k, f, k, 0.0, product_.data(), k);
      la::gemm(la::Op::none, la::Op::none, k, count, count, 1.0, product_.data(), k, right, count,
               -1.0, buffer_.data(), k);
      if (options_.l2 != 0)
        for (std::size_t i = 0; i < size; ++i) buffer_[i] += options_.l2 * f[i];
    }
    if (options_.l1 != 0)
      for (double& v : buffer_) v += options_.l1;
  }

  /// The Lipschitz constant of that gradient: lambda_max(G) lambda_max(R) + l2.
  double lipschitz(const double* gram, const double* right, long k, long count) const {
    double l = la::symmetric_eigenvalues(k, gram).back();
    if (right) l *= la::symmetric_eigenvalues(count, right).back();
    return l + options_.l2;
  }

  /// Calls body(first, width, scratch) for the tiles of `index_tile`
  /// indices [first, first + width) of a one-sided update, each on one
  /// thread with its own `scratch_size` entries of buffer<T>(). The tiles start
  /// at multiples of index_tile, so an index's arithmetic does not depend on
  /// the number of threads, and a tile's work stays in cache.
  template <class T, class Body>
  void for_each_tile(long count, long scratch_size, Body body) {
    std::vector<T>& memory = buffer<T>();
    memory.resize(std::size_t(omp_get_max_threads() * scratch_size));
#pragma omp parallel
    {
      T* scratch = memory.data() + omp_get_thread_num() * scratch_size;
#pragma omp for schedule(static)
      for (long first = 0; first < count; first += index_tile)
        body(first, std::min(index_tile, count - first), scratch);
    }
  }
  /// Indices per tile: a tile's scratch (at most 2 x 128 x 256 doubles for
  /// HALS, 512 KiB) and its k-vectors stay in cache.
  static constexpr long index_tile = 256;

  RuleOptions options_;
  std::vector<double> gram_, buffer_, product_;
  std::vector<float> float_gram_, float_buffer_;
};

/// A rule whose one-sided update runs natively in either precision:
/// Derived's template update_range<T> serves both overloads.
template <class Derived>
class InBothPrecisions : public PenalizedRule {
 public:
  explicit InBothPrecisions(const RuleOptions& options) : PenalizedRule(options) {}
  void update_indices(int k, long count, double* f, const double* cross, const double* gram) override {
    static_cast<Derived*>(this)->update_range(k, count, f, cross, gram);
  }
  void update_indices(int k, long count, float* f, const float* cross, const double* gram) override {
    static_cast<Derived*>(this)->update_range(k, count, f, cross, gram);
  }
};

class Multiplicative final : public InBothPrecisions<Multiplicative> {
 public:
  using InBothPrecisions::InBothPrecisions;

 private:
  friend InBothPrecisions;
  /// F <- F .* C ./ ((G + l2 I) F + l1), a tile at a time.
  template <class T>
  void update_range(int k, long count, T* f, const T* cross, const double* gram) {
    const T* g = penalized_gram<T>(gram, k);
    const T l1 = T(options_.l1);
    for_each_tile<T>(count, k * index_tile, [&](long first, long width, T* denominator) {
      T* tile = f + first * k;
      const T* c = cross + first * k;
      la::gemm(la::Op::none, la::Op::none, k, width, k, T(1), g, k, tile, k, T(0), denominator, k);
      for (long e = 0; e < k * width; ++e) {
        const T d = denominator[e] + l1;
        if (d > 0) tile[e] *= c[e] / d;
      }
    });
  }

  void update_two_sided(dist::Factor& f, const double* cross, const double* gram,
                        const double* right) override {
    gradient(f.k, f.local_count(), f.local.data(), cross, gram, right);  // G F R + l2 F - C + l1
    const std::size_t n = f.local.size();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
      const double denominator = buffer_[i] + cross[i];  // G F R + l2 F + l1
      if (denominator > 0) f.local[i] *= cross[i] / denominator;
    }
  }
};

/// The coordinate sweep of one HALS block J of `size` components over
/// `width` indices, stored component-major (entry j of index c at
/// [j * width + c]): `x` holds F_J, `r` the gradient rows R_J, `g` G_JJ with
/// leading dimension `ldg`. Each component j is minimized for all indices at
/// once, and its change d moves only the later rows, R_l += d G_jl for
/// l > j (the earlier ones are not read again). The indices run in vectors,
/// in chunks of 32 whose part of R_J (at most 32 KiB) stays in cache.
template <class T>
void hals_sweep(long size, long width, const T* g, long ldg, T* x, T* r) {
  constexpr long chunk = 32;
  T delta[chunk];
  for (long c0 = 0; c0 < width; c0 += chunk) {
    const long n = std::min(chunk, width - c0);
    for (long j = 0; j < size; ++j) {
      const T* gj = g + j * ldg;  // G_Jj (= row j: symmetric)
      if (!(gj[j] > 0)) continue;
      const T step = 1 / gj[j];
      T* xj = x + j * width + c0;
      const T* rj = r + j * width + c0;
      for (long c = 0; c < n; ++c) {
        const T updated = std::max(T(0), xj[c] - rj[c] * step);
        delta[c] = updated - xj[c];
        xj[c] = updated;
      }
      for (long l = j + 1; l < size; ++l) {
        T* rl = r + l * width + c0;
        const T gl = gj[l];
        for (long c = 0; c < n; ++c) rl[c] += delta[c] * gl;
      }
    }
  }
}

class Hals final : public InBothPrecisions<Hals> {
 public:
  using InBothPrecisions::InBothPrecisions;

 private:
  friend InBothPrecisions;
  /// The indices go in tiles (for_each_tile), each tile's components in
  /// blocks J of `component_block`. A block's gradient rows
  /// R_J = (G F)_J - C_J + l1 come from one GEMM with F as the earlier
  /// blocks left it; hals_sweep then minimizes the components of J one
  /// after another. So the Gram-sized work, 2 k^2 flops per index, runs in
  /// GEMMs, and only k |J| of it in the sweep; a tile's R_J and F_J stay in
  /// cache between the GEMM and the sweep, component-major so that the
  /// sweep runs along the indices.
  template <class T>
  void update_range(int k, long count, T* f, const T* cross, const double* gram) {
    const T* g = penalized_gram<T>(gram, k);  // G + l2 I
    const T l1 = T(options_.l1);
    const long block = std::min(component_block, long(k));
    for_each_tile<T>(count, 2 * block * index_tile, [&](long first_index, long width, T* r) {
      T* tile = f + first_index * k;  // k x width
      T* x = r + block * index_tile;  // F_J, width x size
      const T* c_tile = cross + first_index * k;
      for (long first = 0; first < k; first += component_block) {
        const long size = std::min(component_block, k - first);
        // Component by component: the writes run along the samples. Sample by
        // sample they would stride by 2 KiB, which falls into few cache
        // sets (measured: twice the update time).
        for (long j = 0; j < size; ++j)
          for (long c = 0; c < width; ++c) {
            r[j * width + c] = l1 - c_tile[c * k + first + j];
            x[j * width + c] = tile[c * k + first + j];
          }
        la::gemm(la::Op::transpose, la::Op::none, width, size, k, T(1), tile, k, g + first * k, k, T(1),
                 r, width);  // R_J^T = F^T G_.J
        hals_sweep(size, width, g + first * k + first, k, x, r);
        for (long j = 0; j < size; ++j)
          for (long c = 0; c < width; ++c) tile[c * k + first + j] = x[j * width + c];
      }
    });
  }

  /// Components per block: large enough for the GEMM to run near peak,
  /// small enough that the sweep (about k component_block flops per index)
  /// stays a small share of the GEMMs' 2 k^2.
  static constexpr long component_block = 128;

  /// The two-sided problem (a small replicated factor, Deep NMF's inner
  /// layers): exact minimization one entry at a time, curvature
  /// G_jj R_cc + l2, each change a rank-one update of the gradient.
  void update_two_sided(dist::Factor& f, const double* cross, const double* gram,
                        const double* right) override {
    const long k = f.k, count = f.local_count();
    gradient(k, count, f.local.data(), cross, gram, right);
    for (long c = 0; c < count; ++c)
      for (long j = 0; j < k; ++j) {
        const double curvature = gram[j * k + j] * right[c * count + c] + options_.l2;
        if (!(curvature > 0)) continue;
        double& x = f.vector(c)[j];
        const double updated = std::max(0.0, x - buffer_[std::size_t(c * k + j)] / curvature);
        const double delta = updated - x;
        if (delta == 0) continue;
        x = updated;
        for (long c2 = 0; c2 < count; ++c2) {
          const double scale = delta * right[c * count + c2];
          if (scale == 0) continue;
          for (long l = 0; l < k; ++l) buffer_[std::size_t(c2 * k + l)] += scale * gram[j * k + l];
        }
        buffer_[std::size_t(c * k + j)] += options_.l2 * delta;
      }
  }
};

class Anls final : public PenalizedRule {
 public:
  using PenalizedRule::PenalizedRule;
  void update_indices(int k, long count, double* f, const double* cross, const double* gram) override {
    const double* g = penalized_gram(gram, k);
    const double l1 = options_.l1;
#pragma omp parallel
    {
      std::vector<double> scratch, c(std::size_t(k), 0.0);
#pragma omp for schedule(dynamic, 64)
      for (long i = 0; i < count; ++i) {
        for (int j = 0; j < k; ++j) c[std::size_t(j)] = cross[i * k + j] - l1;
        solve_nnls(k, g, c.data(), f + i * k, scratch);
      }
    }
  }
};

class ProjectedGradient final : public PenalizedRule {
 public:
  explicit ProjectedGradient(const RuleOptions& options) : PenalizedRule(options) {}
  void update(dist::Factor& f, const double* cross, const double* gram,
              const double* right) override {
    if (step(f.k, f.local_count(), f.local.data(), cross, gram, right) && options_.sparsity >= 0)
      project_sparseness(f, options_.sparsity);
  }
  void update_indices(int k, long count, double* f, const double* cross, const double* gram) override {
    step(k, count, f, cross, gram, nullptr);
  }
  bool independent_indices() const override { return options_.sparsity < 0; }  // Hoyer's is collective

 private:
  /// F <- max(0, F - t grad), t = --step or 1/L; false (F unchanged) when
  /// the other factor is zero and there is nothing to learn.
  bool step(long k, long count, double* f, const double* cross, const double* gram, const double* right) {
    double t = options_.step;
    if (!(t > 0)) {
      const double l = lipschitz(gram, right, k, count);
      if (!(l > 0)) return false;
      t = 1.0 / l;
    }
    gradient(k, count, f, cross, gram, right);
    const long n = k * count;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) f[i] = std::max(0.0, f[i] - t * buffer_[std::size_t(i)]);
    return true;
  }
};

class ProjectedLeastSquares final : public PenalizedRule {
 public:
  using PenalizedRule::PenalizedRule;
  void update_indices(int k, long count, double* f, const double* cross, const double* gram) override {
    const double* penalized = penalized_gram(gram, k);
    std::vector<double> g(penalized, penalized + std::size_t(k) * k);
    const long n = k * count;
    for (long i = 0; i < n; ++i) f[i] = cross[i] - options_.l1;
    // A singular G (dead components) gets a ridge, doubled until G is
    // definite; the least-squares solution is otherwise exact. A G that is
    // not finite (a diverged ALS) leaves F at 0 rather than spin.
    double trace = 0;
    for (long j = 0; j < k; ++j) trace += g[std::size_t(j * k + j)];
    double ridge = 1e-14 * std::max(trace / k, 1e-300);
    for (int tries = 0; !la::cholesky_solve(k, g.data(), count, f); ++tries, ridge *= 2) {
      if (!std::isfinite(trace) || tries == 200) {
        std::fill(f, f + n, 0.0);
        return;
      }
      for (long j = 0; j < k; ++j) g[std::size_t(j * k + j)] += ridge;
    }
    for (long i = 0; i < n; ++i) f[i] = std::max(0.0, f[i]);
  }
};

class Adam final : public PenalizedRule {
 public:
  using PenalizedRule::PenalizedRule;
  void update(dist::Factor& f, const double* cross, const double* gram,
              const double* right) override {
    gradient(f.k, f.local_count(), f.local.data(), cross, gram, right);
    auto& first = state_.arrays[0];
    auto& second = state_.arrays[1];
    if (first.size() != f.local.size()) {
      first.assign(f.local.size(), 0.0);
      second.assign(f.local.size(), 0.0);
      state_.steps = 0;
    }
    const long steps = ++state_.steps;
    const double b1 = options_.beta1, b2 = options_.beta2, lr = options_.learning_rate;
    const double correct1 = 1 - std::pow(b1, double(steps)), correct2 = 1 - std::pow(b2, double(steps));
    const std::size_t n = f.local.size();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
      const double grad = buffer_[i];
      first[i] = b1 * first[i] + (1 - b1) * grad;
      second[i] = b2 * second[i] + (1 - b2) * grad * grad;
      const double step = lr * (first[i] / correct1) / (std::sqrt(second[i] / correct2) + 1e-8);
      f.local[i] = std::max(0.0, f.local[i] - step);
    }
  }
  RuleState* state() override { return &state_; }
  bool independent_indices() const override { return false; }  // the moments are laid out like F

 private:
  RuleState state_{{{}, {}}, 0};  // arrays: first and second moment estimates
};

}  // namespace

void UpdateRule::update(dist::SingleFactor& f, const float* cross, const double* gram, const double* right) {
  if (!right && independent_indices()) {
    update_indices(f.k, f.local_count(), f.local.data(), cross, gram);
    return;
  }
  dist::Factor wide = dist::Factor::converted(f);
  const std::vector<double> wide_cross(cross, cross + f.local.size());
  update(wide, wide_cross.data(), gram, right);
  f.local.assign(wide.local.begin(), wide.local.end());
}

void UpdateRule::update_indices(int, long, double*, const double*, const double*) {
  throw Error("this update rule cannot update a share of the indices alone", true);
}

void UpdateRule::update_indices(int k, long count, float* f, const float* cross, const double* gram) {
  constexpr long chunk = 4096;  // indices per widened copy
  std::vector<double> wide_f, wide_cross;
  for (long first = 0; first < count; first += chunk) {
    const long entries = std::min(chunk, count - first) * k;
    wide_f.assign(f + first * k, f + first * k + entries);
    wide_cross.assign(cross + first * k, cross + first * k + entries);
    update_indices(k, entries / k, wide_f.data(), wide_cross.data(), gram);
    std::copy(wide_f.begin(), wide_f.end(), f + first * k);
  }
}

template <class T>
void update_factor(UpdateRule& rule, dist::BasicFactor<T>& f, const T* cross, const double* gram,
                   const double* right) {
  if (right || !rule.independent_indices() || !dist::has_copies(f) ||
      f.local.size() >= (std::size_t(1) << 31)) {  // MPI counts are int
    const Timed timed(Activity::updates);
    rule.update(f, cross, gram, right);
    return;
  }
  const Communicator& copies = f.replica_comm();
  auto start = [&](int s) { return dist::share_start(f.local_count(), copies.size(), s); };
  std::vector<long> entries;  // k per index of each copy's share
  for (int s = 0; s < copies.size(); ++s) entries.push_back((start(s + 1) - start(s)) * f.k);
  const long first = start(copies.rank());
  {
    const Timed timed(Activity::updates);
    rule.update_indices(f.k, start(copies.rank() + 1) - first, f.vector(first), cross + first * f.k, gram);
  }
  copies.gather_all(f.local.data(), entries);
}

template void update_factor(UpdateRule&, dist::Factor&, const double*, const double*, const double*);
template void update_factor(UpdateRule&, dist::SingleFactor&, const float*, const double*, const double*);

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names{"mu", "hals", "anls", "pgd", "als", "adam"};
  return names;
}

Algorithm parse_algorithm(const std::string& name) {
  const auto& names = rule_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown --algo '" + name + "' (choose " + known + ")");
  }
  return Algorithm(found - names.begin());  // the enum follows rule_names()
}

const char* algorithm_name(Algorithm algorithm) { return rule_names()[std::size_t(algorithm)].c_str(); }

void check_rule(Algorithm algorithm, const RuleOptions& options) {
  if (!(options.l1 >= 0) || !(options.l2 >= 0)) throw Error("penalties must be >= 0");
  if (!(options.step >= 0)) throw Error("--step must be >= 0");
  if (!(options.learning_rate > 0) || !(options.beta1 >= 0) || options.beta1 >= 1 ||
      !(options.beta2 >= 0) || options.beta2 >= 1)
    throw Error("adam needs --lr > 0 and --beta1, --beta2 in [0, 1)");
  if (options.sparsity >= 0 && algorithm != Algorithm::pgd)
    throw Error("--sparsity-w / --sparsity-h work with --algo pgd (Hoyer's projected gradient)");
  if (options.sparsity > 1) throw Error("--sparsity-w / --sparsity-h must lie in [0, 1]");
}

std::unique_ptr<UpdateRule> make_rule(Algorithm algorithm, const RuleOptions& options) {
  check_rule(algorithm, options);
  switch (algorithm) {
    case Algorithm::mu: return std::make_unique<Multiplicative>(options);
    case Algorithm::hals: return std::make_unique<Hals>(options);
    case Algorithm::anls: return std::make_unique<Anls>(options);
    case Algorithm::pgd: return std::make_unique<ProjectedGradient>(options);
    case Algorithm::als: return std::make_unique<ProjectedLeastSquares>(options);
    case Algorithm::adam: return std::make_unique<Adam>(options);
  }
  throw Error("unknown update rule", true);
}

std::unique_ptr<UpdateRule> make_rule(const std::string& name, const RuleOptions& options) {
  return make_rule(parse_algorithm(name), options);
}

}  // namespace nmfx::nmf
