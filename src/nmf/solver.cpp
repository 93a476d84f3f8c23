#include "nmfx/nmf/solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "nmfx/core/error.hpp"
#include "nmfx/core/timing.hpp"
#include "nmfx/la/blas.hpp"
#include "nmfx/la/products.hpp"

namespace nmfx::nmf {
namespace {

/// A squared error computed as ||Y||^2 - 2<A, B> + <G, R>: rounding may make
/// it slightly negative (then 0); an overflow or NaN in the products becomes
/// +inf, so the ranks' maximum agrees on it and the solve stops there.
double squared_error(double value) {
  return std::isnan(value) ? std::numeric_limits<double>::infinity() : std::max(value, 0.0);
}

/// `count` entries at `data` in double: the data itself, or a widened copy in `copy`.
template <class T>
const double* widened(const T* data, long count, std::vector<double>& copy) {
  if constexpr (std::is_same_v<T, double>) {
    return data;
  } else {
    copy.assign(data, data + count);
    return copy.data();
  }
}

template <class T>
std::vector<double> widened(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

/// c = op(a) op(b) for column-major a, b, c (c m x n, inner size k) in
/// double (float operands widened, a float c rounded): the products of
/// Deep NMF's small inner factors. Tolerates empty dimensions (a rank may
/// own no columns).
template <class A, class B, class C>
void multiply(la::Op op_a, la::Op op_b, long m, long n, long k, const A* a, const B* b, std::vector<C>& c) {
  const Timed timed(Activity::grams);
  c.assign(std::size_t(m) * n, C(0));
  if (m == 0 || n == 0 || k == 0) return;
  const long lda = op_a == la::Op::none ? m : k, ldb = op_b == la::Op::none ? k : n;
  std::vector<double> wide_a, wide_b, wide_c;
  const double* da = widened(a, m * k, wide_a);
  const double* db = widened(b, k * n, wide_b);
  if constexpr (std::is_same_v<C, double>) {
    la::gemm(op_a, op_b, m, n, k, 1.0, da, lda, db, ldb, 0.0, c.data(), m);
  } else {
    wide_c.resize(c.size());
    la::gemm(op_a, op_b, m, n, k, 1.0, da, lda, db, ldb, 0.0, wide_c.data(), m);
    c.assign(wide_c.begin(), wide_c.end());
  }
}

/// Makes `f` a factor of k-vectors for the indices of `like`, distributed
/// alike, reusing its memory (contents unspecified).
template <class T>
void shape(dist::BasicFactor<T>& f, int k, const dist::BasicFactor<T>& like) {
  f.k = k;
  f.map = like.map;
  f.distribution = like.distribution;
  f.local.resize(std::size_t(k) * like.map.local_size());
}

/// <a, b> summed in double.
template <class A, class B>
double inner(const std::vector<A>& a, const std::vector<B>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * double(b[i]);
  return s;
}

/// The products of one iteration, organised around the "data" each layer
/// factorizes: layer 1 factorizes X; layer i >= 2 factorizes, for the layer
/// losses, the code H_{i-1}, and for the global loss Z_{i-1} = A^T X under the
/// metric P_{i-1} = A^T A (A = W1 ... W_{i-1}), which turns the global loss
/// into 1/2 ||Z - W_i B||^2_P + const. Every block's half-step is then the
/// same two lines whatever the loss. X and the factors are double or
/// single precision (`Scalar`); Gram matrices and the metric are double.
/// With a mask, X's left-out entries
/// hold the current model's values whenever a block is posed or the errors
/// measured (imputed again after every update; see mask.hpp).
template <class Scalar>
class Iteration {
 public:
  using Factor = dist::BasicFactor<Scalar>;
  Iteration(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
            BasicModel<Scalar>& model, const Phase& phase, Mask<Scalar>* mask)
      : grid_(grid), x_(x), x_norm2_(x_norm2), model_(model), phase_(phase),
        depth_(model.depth()), mask_(mask), z1_(Factor::like(model.h[0], model.w[0].k)),
        cross_(Factor::replicated(grid, 0, 0)) {
    if (mask && !phase.global) throw Error("masked NMF fits the global loss only (not the layer losses)");
  }

  /// The products of the current model (at the start, or after a resume).
  void prepare() {
    if (phase_.global) imply_codes();
    refresh_first_layer();
  }

  /// One iteration: every block of the phase once, in order.
  void step(const Rules& rules) {
    for (int i = phase_.first; i <= phase_.last; ++i) {
      update(rules, i - 1);
      if (!phase_.global) update(rules, depth_ + i - 1);
    }
    if (phase_.global) update(rules, 2 * depth_ - 1);
  }

  /// The half-step problem of `block` (0..L-1: W_{block+1}; L..2L-1: the
  /// codes) at the current model, left in cross(), gram_, right_.
  void pose(int block) {
    const int L = depth_;
    posed_cross_ = &cross_;
    if (mask_) {
      impute();
      if (block > 0 && !z1_current_) refresh_first_layer();
    }
    if (block == 0) {  // W1: data X
      const Factor& b = model_.h[0];
      shape(cross_, b.k, model_.w[0]);
      la::xht(x_, b, cross_);
      gram_.resize(std::size_t(b.k) * b.k);
      la::gram(b, gram_.data());
      right_.clear();
    } else if (block < L) {  // inner W_i, i = block + 1: data D_{i-1}
      const int j = block;
      const Factor& b = model_.h[j];
      const Factor& w = model_.w[j];
      const std::vector<double> d = layer_data(j);  // r_{i-1} x cols
      std::vector<double> c;
      multiply(la::Op::none, la::Op::transpose, b.k, w.local_count(), b.local_count(),
               b.local.data(), d.data(), c);
      b.reduce_comm().sum(c);
      shape(cross_, b.k, w);
      cross_.local.assign(c.begin(), c.end());
      gram_.resize(std::size_t(b.k) * b.k);
      la::gram(b, gram_.data());
      if (phase_.global) right_ = metric(j);
      else right_.clear();
      // Every copy of the code reduced its own sums; the first copy's is
      // everyone's, so the replicated W_i stay identical whatever the
      // collectives' order.
      b.replica_comm().broadcast(cross_.local.data(), long(cross_.local.size()));
      for (std::vector<double>* v : {&gram_, &right_}) b.replica_comm().broadcast(v->data(), long(v->size()));
    } else {  // code H_i, i = block - L + 1
      const int j = block - L;
      const Factor& w = model_.w[j];
      const Factor& h = model_.h[j];
      right_.clear();
      if (j == 0) {
        gram_ = p1_;
        if (!couples(0)) {  // W1^T X itself: neither a copy nor a resize of cross_
          posed_cross_ = &z1_;
          return;
        }
        shape(cross_, h.k, h);
        cross_.local = z1_.local;
      } else {  // W_i^T D_{i-1} and W_i^T P_{i-1} W_i
        shape(cross_, h.k, h);
        multiply(la::Op::none, la::Op::none, w.k, h.local_count(), w.local_count(),
                 w.local.data(), layer_data(j).data(), cross_.local);
        if (phase_.global) {
          std::vector<double> wp;
          const std::vector<double> p = metric(j);
          multiply(la::Op::none, la::Op::none, w.k, w.local_count(), w.local_count(),
                   w.local.data(), p.data(), wp);
          multiply(la::Op::none, la::Op::transpose, w.k, w.k, w.local_count(), wp.data(),
                   w.local.data(), gram_);
        } else {
          gram_.resize(std::size_t(w.k) * w.k);
          la::gram(w.k, w.local_count(), w.local.data(), w.k, gram_.data());
        }
      }
      if (couples(j)) {  // + W_{i+1} H_{i+1} and + I from layer i+1's loss
        const Factor& w_next = model_.w[j + 1];
        const Factor& h_next = model_.h[j + 1];
        std::vector<double> wh;
        multiply(la::Op::transpose, la::Op::none, h.k, h.local_count(), w_next.k,
                 w_next.local.data(), h_next.local.data(), wh);
        for (std::size_t e = 0; e < wh.size(); ++e) cross_.local[e] += wh[e];
        for (int a = 0; a < h.k; ++a) gram_[std::size_t(a) * h.k + a] += 1.0;
      }
    }
  }

  const Factor& cross() const { return *posed_cross_; }
  const std::vector<double>& gram() const { return gram_; }
  const std::vector<double>& right() const { return right_; }

  /// The errors of the current model (collective; identical on every rank).
  Record measure(long iteration, double seconds) {
    const int d = phase_.depth();
    const double norm2 = x_norm2_ > 0 ? x_norm2_ : 1.0;
    // ||X - A_d H_d||^2 from Z_d = A_d^T X and P_d = A_d^T A_d.
    const Factor& hd = model_.h[std::size_t(d - 1)];
    std::vector<std::vector<double>> grams;  // H_i H_i^T of the layers measured
    for (int j = 0; j < d; ++j) grams.push_back(code_gram(j));
    const double model2 = inner(metric(d), grams.back());
    const double cross = hd.reduce_comm().sum(inner(projected_x(d), hd.local));
    const Imputed imputed = measure_imputed();
    double shared[2] = {seconds, squared_error(x_norm2_ + imputed.values2 - 2 * (cross + imputed.cross_change) +
                                               model2) / norm2};
    grid_.full_comm().max(shared, 2);
    Record record{iteration, shared[0], shared[1], {}, imputed.heldout_rel_error};
    if (depth_ > 1) record.layer_rel_error = layer_errors(grams, imputed);
    return record;
  }

 private:
  void update(const Rules& rules, int block) {
    const int L = depth_;
    Factor& f = block < L ? model_.w[std::size_t(block)] : model_.h[std::size_t(block - L)];
    UpdateRule& rule = block < L ? *rules.w[std::size_t(block)] : *rules.h[std::size_t(block - L)];
    pose(block);
    update_factor(rule, f, cross().local.data(), gram_.data(), right_.empty() ? nullptr : right_.data());
    imputed_current_ = false;
    if (block < L && couples(block)) normalize(block);
    if (block == 0) refresh_first_layer();
    if (phase_.global && block == 2 * L - 1) imply_codes();
  }

  /// Whether layer j+1's code update includes layer j+2's loss.
  bool couples(int j) const { return !phase_.global && j + 1 < phase_.last; }

  /// W_i's columns to unit norm, H_i's rows inversely (W_i H_i unchanged),
  /// and W_{i+1}'s rows as H_i's, so that W_{i+1} H_{i+1} still fits H_i.
  void normalize(int j) {
    Factor& w = model_.w[std::size_t(j)];
    Factor& h = model_.h[std::size_t(j)];
    Factor& w_next = model_.w[std::size_t(j + 1)];
    std::vector<double> g(std::size_t(w.k) * w.k);
    la::gram(w, g.data());
    for (int a = 0; a < w.k; ++a) {
      const double norm = std::sqrt(g[std::size_t(a) * w.k + a]);
      if (!(norm > 0)) continue;
      for (long c = 0; c < w.local_count(); ++c) w.vector(c)[a] /= norm;
      for (long c = 0; c < h.local_count(); ++c) h.vector(c)[a] *= norm;
      for (int b = 0; b < w_next.k; ++b) w_next.vector(a)[b] *= norm;
    }
  }

  /// z1_ = W1^T X and p1_ = W1^T W1 for the current W1 (the second GEMM).
  void refresh_first_layer() {
    const Factor& w = model_.w[0];
    if (mask_) {
      impute();
      z1_values_ = mask_->values();
      z1_current_ = true;
    }
    la::wtx(x_, w, z1_);
    p1_.resize(std::size_t(w.k) * w.k);
    la::gram(w, p1_.data());
  }

  /// Writes the current model's values into X's left-out entries, unless
  /// they hold them already. Local.
  void impute() {
    if (imputed_current_) return;
    const Timed timed(Activity::products);
    const Factor& b = model_.h[std::size_t(depth_ - 1)];
    sums_ = depth_ == 1 ? mask_->impute(model_.w[0], b) : mask_->impute(partial_product(model_, depth_), b);
    imputed_current_ = true;
    z1_current_ = false;
  }

  /// What the left-out entries add to the errors of the current model.
  struct Imputed {
    double values2 = 0;       // their squared norm, as X holds them now
    double cross_change = 0;  // <X, A H> now minus with the values z1_ saw
    double heldout_rel_error = std::numeric_limits<double>::quiet_NaN();
  };
  /// Collective when masked.
  Imputed measure_imputed() {
    Imputed out;
    if (!mask_) return out;
    impute();
    // z1_ may be W1^T of X's earlier values: <X, A H> changes by each
    // left-out entry's change times the model's value there.
    const std::vector<double>& now = mask_->values();
    const std::vector<double>& model = mask_->model_values();
    double sums[3] = {sums_.values2, 0, sums_.heldout2};
    for (std::size_t e = 0; e < now.size(); ++e) sums[1] += (now[e] - z1_values_[e]) * model[e];
    grid_.full_comm().sum(sums, 3);
    out.values2 = sums[0];
    out.cross_change = sums[1];
    if (mask_->hidden() > 0)
      out.heldout_rel_error = mask_->hidden_norm2() > 0 ? sums[2] / mask_->hidden_norm2() : 0.0;
    return out;
  }

  /// Global loss: h[j] = W_{j+2} h[j+1], from H leftwards.
  void imply_codes() {
    for (int j = depth_ - 2; j >= 0; --j) {
      const Factor& w = model_.w[std::size_t(j + 1)];
      Factor& h = model_.h[std::size_t(j)];
      multiply(la::Op::transpose, la::Op::none, w.local_count(), h.local_count(), w.k,
               w.local.data(), model_.h[std::size_t(j + 1)].local.data(), h.local);
    }
  }

  /// What layer j+1 (j >= 1) factorizes, r_j x local cols: the code H_j for
  /// the layer losses, Z_j for the global loss.
  std::vector<double> layer_data(int j) const {
    return phase_.global ? projected_x(j) : widened(model_.h[std::size_t(j - 1)].local);
  }

  /// Z_j = (W1 ... W_j)^T X, r_j x local cols (Z_1 = W1^T X).
  std::vector<double> projected_x(int j) const {
    std::vector<double> z = widened(z1_.local), next;
    for (int l = 1; l < j; ++l) {
      const Factor& w = model_.w[std::size_t(l)];
      multiply(la::Op::none, la::Op::none, w.k, z1_.local_count(), w.local_count(),
               w.local.data(), z.data(), next);
      z.swap(next);
    }
    return z;
  }

  /// P_j = (W1 ... W_j)^T (W1 ... W_j), r_j x r_j.
  std::vector<double> metric(int j) const {
    std::vector<double> p = p1_, wp, next;
    for (int l = 1; l < j; ++l) {
      const Factor& w = model_.w[std::size_t(l)];
      multiply(la::Op::none, la::Op::none, w.k, w.local_count(), w.local_count(), w.local.data(),
               p.data(), wp);
      multiply(la::Op::none, la::Op::transpose, w.k, w.k, w.local_count(), wp.data(),
               w.local.data(), next);
      p.swap(next);
    }
    return p;
  }

  /// H_{j+1} H_{j+1}^T, summed over X's columns.
  std::vector<double> code_gram(int j) const {
    const Factor& h = model_.h[std::size_t(j)];
    std::vector<double> g(std::size_t(h.k) * h.k);
    la::gram(h, g.data());
    return g;
  }

  /// ||D_{i-1} - W_i H_i||^2 / ||D_{i-1}||^2 for the layers 1..d whose code
  /// Gram matrices are `grams` (D_0 = X, D_{i-1} = H_{i-1}); NaN beyond d.
  std::vector<double> layer_errors(const std::vector<std::vector<double>>& grams, const Imputed& imputed) {
    std::vector<double> out(std::size_t(depth_), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t j = 0; j < grams.size(); ++j) {
      const Factor& w = model_.w[j];
      const Factor& h = model_.h[j];
      double data2 = x_norm2_, cross = 0, model2 = 0;
      const std::vector<double>& hh = grams[j];
      if (j == 0) {  // W1 H1 = A H under the global loss, the only one masked
        cross = inner(z1_.local, h.local);
        model2 = inner(p1_, hh);
        data2 += imputed.values2;
      } else {
        const std::vector<double>& previous = grams[j - 1];
        data2 = 0;
        for (long a = 0; a < w.local_count(); ++a) data2 += previous[std::size_t(a * w.local_count() + a)];
        std::vector<double> wd, ww(std::size_t(w.k) * w.k);
        multiply(la::Op::none, la::Op::none, w.k, h.local_count(), w.local_count(), w.local.data(),
                 model_.h[j - 1].local.data(), wd);
        cross = inner(wd, h.local);
        la::gram(w.k, w.local_count(), w.local.data(), w.k, ww.data());
        model2 = inner(ww, hh);
      }
      cross = h.reduce_comm().sum(cross);
      if (j == 0) cross += imputed.cross_change;
      const double e = squared_error(data2 - 2 * cross + model2);
      const double norm2 = j == 0 ? x_norm2_ : data2;
      out[j] = norm2 > 0 ? e / norm2 : 0.0;
    }
    grid_.full_comm().max(out);
    return out;
  }

  const ProcessGrid& grid_;
  const dist::BasicDistMatrix<Scalar>& x_;
  double x_norm2_;
  BasicModel<Scalar>& model_;
  Phase phase_;
  int depth_;
  Mask<Scalar>* mask_;
  bool imputed_current_ = false;   // X's left-out entries hold the model's values
  bool z1_current_ = false;        // z1_ is of X's current values
  ImputedSums sums_;               // of the last imputation
  std::vector<double> z1_values_;  // the left-out entries' values z1_ saw
  Factor z1_;                // W1^T X (r1 x local cols)
  std::vector<double> p1_;   // W1^T W1
  Factor cross_;
  const Factor* posed_cross_ = &cross_;  // the posed block's cross product: cross_, or z1_
  std::vector<double> gram_, right_;
};

}  // namespace

template <class Scalar>
dist::BasicFactor<Scalar> partial_product(const BasicModel<Scalar>& model, int d) {
  dist::BasicFactor<Scalar> a = model.w[0];
  for (int i = 1; i < d; ++i) {
    const dist::BasicFactor<Scalar>& w = model.w[std::size_t(i)];
    auto next = dist::BasicFactor<Scalar>::like(a, w.k);
    if (a.local_count() > 0)
      la::gemm(la::Op::none, la::Op::none, w.k, a.local_count(), w.local_count(), Scalar(1),
               w.local.data(), w.k, a.local.data(), a.k, Scalar(0), next.local.data(), w.k);
    a = std::move(next);
  }
  return a;
}

template dist::Factor partial_product(const Model&, int);
template dist::SingleFactor partial_product(const SingleModel&, int);

const Model& IterationView::model() const {
  if (const Model* const* model = std::get_if<const Model*>(&model_)) return **model;
  if (!widened_) widened_ = Model::converted(*std::get<const SingleModel*>(model_));
  return *widened_;
}

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::none: return "none";
    case StopReason::max_iter: return "max_iter";
    case StopReason::tol: return "tol";
    case StopReason::time_limit: return "time_limit";
    case StopReason::plateau: return "plateau";
    case StopReason::interrupted: return "interrupted";
    case StopReason::checkpoint: return "checkpoint";
    case StopReason::non_finite: return "non_finite";
  }
  return "";
}

template <class Scalar>
SolveResult solve(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                  BasicModel<Scalar>& model, const Rules& rules, const Phase& phase, const StopCriteria& stop,
                  const Observer& observer, const std::vector<Record>& resumed, Mask<Scalar>* mask) {
  Iteration<Scalar> iteration(grid, x, x_norm2, model, phase, mask);
  // A resumed solve continues the clock where the earlier one stopped.
  const double start = wall_time() - (resumed.empty() ? 0.0 : resumed.back().seconds);
  SolveResult result;

  // The observer's verdict, agreed across ranks: the reason of the lowest
  // rank that has one.
  auto observe = [&]() -> StopReason {
    const StopReason reason = observer ? observer(IterationView(result.history.back(), result.history, model))
                                       : StopReason::none;
    const int size = grid.size();
    const int first = grid.full_comm().min(reason == StopReason::none ? size : grid.rank());
    if (first == size) return StopReason::none;
    int agreed = int(reason);
    grid.full_comm().broadcast(&agreed, 1, first);
    return StopReason(agreed);
  };

  // The tolerance and time tests on the last record: after every iteration,
  // and once on a resumed history (a checkpoint taken at the iteration where
  // they stop must stop there too).
  auto stop_test = [&]() -> StopReason {
    const auto& h = result.history;
    if (h.size() < 2) return StopReason::none;
    const Record& now = h.back();
    const Record& before = h[h.size() - 2];
    if (stop.tolerance > 0 && before.iteration >= stop.compare_from && before.rel_error > 0 &&
        (before.rel_error - now.rel_error) / before.rel_error < stop.tolerance)
      return StopReason::tol;
    if (stop.time_limit > 0 && now.seconds >= stop.time_limit && now.iteration < stop.max_iterations)
      return StopReason::time_limit;
    return StopReason::none;
  };

  iteration.prepare();
  result.stop_reason = StopReason::max_iter;
  if (resumed.empty()) {
    result.history.push_back(iteration.measure(0, wall_time() - start));
    if (const StopReason reason = observe(); reason != StopReason::none) {
      result.stop_reason = reason;
      return result;
    }
  } else {
    result.history = resumed;
    result.iterations = resumed.back().iteration;
    if (const StopReason reason = stop_test(); reason != StopReason::none) {
      result.stop_reason = reason;
      return result;
    }
  }
  // Everything the stop tests read is identical on every rank (measure()
  // agrees on it), so all ranks leave the loop together.
  // The factors of the last record with a finite error: an overflow or NaN
  // (seen in the error, which every product and factor feeds) stops the
  // solve there, with those factors.
  BasicModel<Scalar> last_good = model;
  for (long it = result.iterations + 1; it <= stop.max_iterations; ++it) {
    iteration.step(rules);
    Record record = iteration.measure(it, wall_time() - start);
    if (!std::isfinite(record.rel_error)) {
      // Factor by factor: callers hold references to the model's factors.
      for (std::size_t i = 0; i < model.w.size(); ++i) {
        model.w[i] = std::move(last_good.w[i]);
        model.h[i] = std::move(last_good.h[i]);
      }
      result.stop_reason = StopReason::non_finite;
      break;
    }
    result.history.push_back(std::move(record));
    result.iterations = it;
    last_good = model;
    if (const StopReason reason = observe(); reason != StopReason::none) {
      result.stop_reason = reason;
      break;
    }
    if (const StopReason reason = stop_test(); reason != StopReason::none) {
      result.stop_reason = reason;
      break;
    }
  }
  return result;
}

template <class Scalar>
SolveResult solve(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x, double x_norm2,
                  dist::BasicFactor<Scalar>& w, dist::BasicFactor<Scalar>& h, UpdateRule& rule_w, UpdateRule& rule_h,
                  const StopCriteria& stop, const Observer& observer,
                  const std::vector<Record>& resumed) {
  BasicModel<Scalar> model;
  model.w.push_back(std::move(w));
  model.h.push_back(std::move(h));
  SolveResult result = solve(grid, x, x_norm2, model, Rules{{&rule_w}, {&rule_h}}, Phase{}, stop,
                             observer, resumed);
  w = std::move(model.w[0]);
  h = std::move(model.h[0]);
  return result;
}

template <class Scalar>
BlockProblem<Scalar> block_problem(const ProcessGrid& grid, const dist::BasicDistMatrix<Scalar>& x,
                                   const BasicModel<Scalar>& model, const Phase& phase, int block, Mask<Scalar>* mask) {
  BasicModel<Scalar> copy = model;
  Iteration<Scalar> iteration(grid, x, 0.0, copy, phase, mask);
  iteration.prepare();
  iteration.pose(block);
  return {iteration.cross(), iteration.gram(), iteration.right()};
}

#define NMFX_SOLVER_FOR(Scalar)                                                                          \
  template SolveResult solve(const ProcessGrid&, const dist::BasicDistMatrix<Scalar>&, double,                \
                             BasicModel<Scalar>&, const Rules&, const Phase&, const StopCriteria&,            \
                             const Observer&, const std::vector<Record>&, Mask<Scalar>*);                     \
  template SolveResult solve(const ProcessGrid&, const dist::BasicDistMatrix<Scalar>&, double,                \
                             dist::BasicFactor<Scalar>&, dist::BasicFactor<Scalar>&, UpdateRule&, UpdateRule&, \
                             const StopCriteria&, const Observer&, const std::vector<Record>&);               \
  template BlockProblem<Scalar> block_problem(const ProcessGrid&, const dist::BasicDistMatrix<Scalar>&,       \
                                              const BasicModel<Scalar>&, const Phase&, int, Mask<Scalar>*);
NMFX_SOLVER_FOR(double)
NMFX_SOLVER_FOR(float)
#undef NMFX_SOLVER_FOR

}  // namespace nmfx::nmf
