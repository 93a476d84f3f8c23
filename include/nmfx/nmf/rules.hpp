#pragma once
// Update rules: each improves one factor with the other held fixed. Thanks to
// nmfx's factor layout both half-steps are the same problem,
//   min_{F >= 0} 1/2 ||Y - F^T B||^2   (Y = X, F = W^T, B = H  or  Y = X^T, F = H, B = W^T),
// which a rule sees only through the cross product C = B Y^T (k x count) and
// the Gram matrix G = B B^T (k x k). Rules are local: no communication.
#include <memory>
#include <string>
#include <vector>

#include "nmfx/dist/block_cyclic.hpp"

namespace nmfx::nmf {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  /// Improves `f` (k x local_count) given `cross` (same shape) and `gram`
  /// (k x k, column-major). Never increases the half-step objective.
  virtual void update(dist::Factor& f, const dist::Factor& cross, const double* gram) = 0;
};

/// Lee & Seung's multiplicative update F <- F .* C ./ (G F). Where G F is 0
/// (a dead component) the entry is left unchanged instead of dividing by 0.
std::unique_ptr<UpdateRule> make_multiplicative();

/// HALS (Cichocki; Gillis): exact coordinate minimization, one component at a
/// time, F_j <- max(0, F_j + (C_j - (G F)_j) / G_jj). Components whose G_jj is
/// 0 (the other factor's component is all zero) are skipped, never divided by.
std::unique_ptr<UpdateRule> make_hals();

/// The rule named by --algo ("mu" or "hals"); Error otherwise.
std::unique_ptr<UpdateRule> make_rule(const std::string& name);

/// The names make_rule accepts.
const std::vector<std::string>& rule_names();

}  // namespace nmfx::nmf
