#pragma once
// Update rules: each improves one factor with the other held fixed. Thanks to
// nmfx's factor layout both half-steps are the same problem,
//   min_{F >= 0} 1/2 ||Y - F^T B||^2 + l1 ||F||_1 + l2/2 ||F||^2
//   (Y = X, F = W^T, B = H  or  Y = X^T, F = H, B = W^T),
// which a rule sees only through the cross product C = B Y^T (k x count) and
// the Gram matrix G = B B^T (k x k). The gradient is G F - C + l1 + l2 F.
// The inner layers of Deep NMF's global loss (X ~ A W B) give the two-sided
// problem 1/2 ||X - A F^T B||^2, gradient G F R - C with a second Gram matrix
// R = A^T A (count x count); mu, hals, pgd and adam solve it too.
// Each factor has its own rule object (its own options and state, e.g.
// Adam's moments). Rules are local, except Hoyer's sparseness projection,
// which sums over the factor's reduce_comm().
#include <memory>
#include <string>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::nmf {

/// The options of one factor's rule.
struct RuleOptions {
  double l1 = 0, l2 = 0;     // penalties l1 ||F||_1 + l2/2 ||F||_F^2
  double step = 0;           // pgd: fixed step size (0: 1/L, L = ||G + l2 I||_2)
  double learning_rate = 1e-3, beta1 = 0.9, beta2 = 0.999;  // adam
  double sparsity = -1;      // pgd: Hoyer sparseness of every component (< 0: off)
};

/// What a rule carries from one iteration to the next besides the factor
/// (Adam's moment estimates and step count): arrays laid out like the factor.
struct RuleState {
  std::vector<std::vector<double>> arrays;
  long steps = 0;
};

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  /// Improves `f` (k x local_count) given `cross` (k x local_count, laid
  /// out as f.local), `gram` (k x k, column-major) and `right`
  /// (local_count x local_count, or null for the one-sided problem). anls
  /// and als throw Error on a `right`.
  virtual void update(dist::Factor& f, const double* cross, const double* gram,
                      const double* right) = 0;
  /// The same for a float factor (single precision): the one-sided update
  /// of a rule with independent indices goes to update_indices; any other
  /// runs in double on a widened copy, rounded back to float.
  virtual void update(dist::SingleFactor& f, const float* cross, const double* gram, const double* right);
  /// The state a checkpoint must keep to continue exactly; nullptr when the
  /// rule has none (it is then a function of the factors alone).
  virtual RuleState* state() { return nullptr; }
  /// Whether a one-sided update of each index depends on nothing but its own
  /// k-vector, its column of `cross` and `gram` (no state, no collective):
  /// then any share of the indices can be updated alone, and the ranks
  /// holding copies of a factor split its update (see update_factor).
  virtual bool independent_indices() const { return false; }
  /// The one-sided update of `count` indices in place: their k-vectors at
  /// `f` and their columns of `cross`, both laid out as a factor's local
  /// part. Called only for a rule with independent_indices().
  virtual void update_indices(int k, long count, double* f, const double* cross, const double* gram);
  /// The same in single precision. mu and hals run in float; the other
  /// rules solve in double on widened copies of a few thousand indices at
  /// a time, rounding the result (anls's pivoting and als's Cholesky stay
  /// in double).
  virtual void update_indices(int k, long count, float* f, const float* cross, const double* gram);
};

/// The update rules (--algo).
enum class Algorithm { mu, hals, anls, pgd, als, adam };

/// The rule called `name` (Error naming the choices when there is none).
Algorithm parse_algorithm(const std::string& name);
/// The rule's name ("mu", "hals", ...).
const char* algorithm_name(Algorithm algorithm);

/// The rule `algorithm` with the given options.
///  - mu:   Lee & Seung's multiplicative update F <- F .* C ./ (G F + l1 + l2 F);
///          entries whose denominator is 0 (dead components) stay unchanged.
///  - hals: exact coordinate minimization one component at a time (Cichocki;
///          Gillis); components with G_jj + l2 = 0 are skipped.
///  - anls: the exact non-negative least-squares solution for every index
///          (block principal pivoting, Kim & Park 2011), warm-started.
///  - pgd:  one projected gradient step, F <- max(0, F - t grad), t = 1/L.
///  - als:  unconstrained least squares, then projection onto F >= 0 (may
///          oscillate: that is the method, not a bug).
///  - adam: one Adam step on the gradient (Kingma & Ba), then projection.
/// Every rule honours l1 and l2. With options.sparsity >= 0 (pgd only) every
/// step ends with Hoyer's projection of each component onto that sparseness
/// (collective over the factor's reduce_comm(), see sparseness.hpp).
std::unique_ptr<UpdateRule> make_rule(Algorithm algorithm, const RuleOptions& options = {});
/// The same for the rule called `name` (tests and tools).
std::unique_ptr<UpdateRule> make_rule(const std::string& name, const RuleOptions& options = {});

/// Error unless `options` suit `algorithm`.
void check_rule(Algorithm algorithm, const RuleOptions& options);

/// Improves `f` with `rule` (see UpdateRule::update). When the problem is
/// one-sided, the rule's indices are independent and `f` has copies on
/// other ranks (its replica_comm() along a grid dimension), the copies
/// split the work as MPI-FAUN does: each updates a share of the indices
/// in place (cut at multiples of 64) and they gather the shares, instead of
/// each repeating the whole update. Collective over f.replica_comm(); the
/// copies end identical to the bit.
template <class T>
void update_factor(UpdateRule& rule, dist::BasicFactor<T>& f, const T* cross, const double* gram,
                   const double* right);

/// The names make_rule accepts.
const std::vector<std::string>& rule_names();

/// Solves min_{x >= 0} 1/2 x^T G x - c^T x exactly for one k-vector by block
/// principal pivoting, starting from the passive set {i : x_i > 0}.
/// Components with G_ii <= 0 are held at 0. `scratch` is reused memory.
void solve_nnls(int k, const double* g, const double* c, double* x, std::vector<double>& scratch);

}  // namespace nmfx::nmf
