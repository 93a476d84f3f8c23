// Exact non-negative least squares for one k-vector with a shared Gram
// matrix: block principal pivoting (Kim & Park, SIAM J. Sci. Comput. 2011),
// warm-started from the previous solution's support, which after the first
// iterations of ANLS is usually already right (one Cholesky, one check).
#include <algorithm>
#include <cmath>

#include "nmfx/nmf/rules.hpp"

namespace nmfx::nmf {
namespace {

/// Solves G_PP z = c_P by Cholesky in `a` (|P| x |P|, overwritten). Returns
/// -1, or the position in P of the first pivot at which G_PP is numerically
/// singular (that component depends linearly on the ones before it).
int solve_passive(int k, const double* g, const double* c, const std::vector<int>& passive,
                   double* a, double* z) {
  const int p = int(passive.size());
  for (int col = 0; col < p; ++col)
    for (int row = col; row < p; ++row)
      a[col * p + row] = g[std::size_t(passive[std::size_t(col)]) * k + passive[std::size_t(row)]];
  for (int j = 0; j < p; ++j) {  // lower Cholesky, column by column
    double d = a[j * p + j];
    for (int l = 0; l < j; ++l) d -= a[l * p + j] * a[l * p + j];
    if (!(d > 1e-14 * g[std::size_t(passive[std::size_t(j)]) * k + passive[std::size_t(j)]])) return j;
    d = std::sqrt(d);
    a[j * p + j] = d;
    for (int i = j + 1; i < p; ++i) {
      double v = a[j * p + i];
      for (int l = 0; l < j; ++l) v -= a[l * p + i] * a[l * p + j];
      a[j * p + i] = v / d;
    }
  }
  for (int i = 0; i < p; ++i) {  // L y = c_P
    double v = c[passive[std::size_t(i)]];
    for (int l = 0; l < i; ++l) v -= a[l * p + i] * z[l];
    z[i] = v / a[i * p + i];
  }
  for (int i = p - 1; i >= 0; --i) {  // L^T z = y
    double v = z[i];
    for (int l = i + 1; l < p; ++l) v -= a[i * p + l] * z[l];
    z[i] = v / a[i * p + i];
  }
  return -1;
}

/// Block principal pivoting on G from the support of x. Components marked
/// in `held` stay at 0, and so does every component found to depend
/// linearly on others (a singular pivot). False when there was one: the
/// result may then miss the optimum.
bool pivot(int k, const double* g, const double* c, double* x, std::vector<char>& held, double* a, double* z,
           double* y) {
  std::vector<char> in_passive(std::size_t(k), 0);
  double scale = 0;
  for (int i = 0; i < k; ++i) {
    in_passive[std::size_t(i)] = !held[std::size_t(i)] && x[i] > 0;
    scale = std::max(scale, std::abs(c[i]));
  }
  const double tolerance = 1e-13 * std::max(scale, 1e-300);
  std::vector<int> passive, infeasible;
  int fewest = k + 1, backups = 3;
  bool regular = true;
  for (int round = 0; round < 50 * k + 100; ++round) {
    passive.clear();
    for (int i = 0; i < k; ++i)
      if (in_passive[std::size_t(i)]) passive.push_back(i);
    if (const int singular = solve_passive(k, g, c, passive, a, z); singular >= 0) {
      const int i = passive[std::size_t(singular)];
      in_passive[std::size_t(i)] = 0;
      held[std::size_t(i)] = 1;
      regular = false;
      continue;
    }
    std::fill(x, x + k, 0.0);
    for (std::size_t i = 0; i < passive.size(); ++i) x[passive[i]] = z[i];
    // y = G x - c: the gradient, which must be >= 0 where x = 0.
    for (int i = 0; i < k; ++i) y[i] = -c[i];
    for (int j : passive)
      for (int i = 0; i < k; ++i) y[i] += g[std::size_t(j) * k + i] * x[j];
    infeasible.clear();
    for (int i = 0; i < k; ++i) {
      if (held[std::size_t(i)]) continue;
      if (in_passive[std::size_t(i)] ? x[i] < 0 : y[i] < -tolerance) infeasible.push_back(i);
    }
    if (infeasible.empty()) break;
    // Exchange the whole infeasible set while it shrinks; after three
    // rounds without progress, only its largest index (guarantees finite
    // termination).
    if (int(infeasible.size()) < fewest) {
      fewest = int(infeasible.size());
      backups = 3;
    } else if (backups > 0) {
      --backups;
    } else {
      infeasible.assign(1, infeasible.back());
    }
    for (int i : infeasible) in_passive[std::size_t(i)] ^= 1;
  }
  for (int i = 0; i < k; ++i) x[i] = std::max(0.0, x[i]);
  return regular;
}

}  // namespace

void solve_nnls(int k, const double* g, const double* c, double* x, std::vector<double>& scratch) {
  const std::size_t kk = std::size_t(k) * k;
  scratch.resize(2 * kk + 3 * std::size_t(k));
  double* a = scratch.data();
  double* ridged = a + kk;
  double* z = ridged + kk;
  double* y = z + k;
  // Dead components (G_ii = 0) stay at 0.
  std::vector<char> dead(std::size_t(k), 0);
  double largest = 0;
  for (int i = 0; i < k; ++i) {
    const double gii = g[std::size_t(i) * k + i];
    dead[std::size_t(i)] = !(gii > 0);
    if (gii > largest) largest = gii;
  }
  std::vector<char> held = dead;
  if (pivot(k, g, c, x, held, a, z, y)) return;
  // G is singular where the solution lives (more atoms than dimensions, or
  // duplicated atoms): the optimal value is unique but the point is not,
  // and holding the dependent components at 0 can miss it. The ridged
  // problem G + delta I (delta = 1e-12 max G_ii) is definite, and its
  // solution, warm-started from this one, is optimal up to delta/2 ||x||^2.
  std::copy(g, g + kk, ridged);
  const double delta = 1e-12 * largest;
  for (int i = 0; i < k; ++i)
    if (!dead[std::size_t(i)]) ridged[std::size_t(i) * k + i] += delta;
  held = dead;
  pivot(k, ridged, c, x, held, a, z, y);
}

}  // namespace nmfx::nmf
