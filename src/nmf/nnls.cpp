// Exact non-negative least squares for one k-vector with a shared Gram
// matrix: block principal pivoting (Kim & Park, SIAM J. Sci. Comput. 2011),
// warm-started from the previous solution's support, which after the first
// iterations of ANLS is usually already right (one Cholesky, one check).
// When G is singular where the solution lives (overcomplete dictionaries:
// more atoms than dimensions), Lawson & Hanson's active-set method instead.
#include <algorithm>
#include <cmath>

#include "nmfx/nmf/rules.hpp"

namespace nmfx::nmf {
namespace {

/// Solves G_PP z = c_P by Cholesky in `a` (|P| x |P|, overwritten). Returns
/// -1, or the position in P of the first pivot at which G_PP is numerically
/// singular (that component depends linearly on the ones before it).
/// Right-looking on the upper triangle, row-major: G_PP = U^T U. The
/// factorization's inner loops are axpys along contiguous rows, with no
/// running sum, so they vectorize.
int solve_passive(int k, const double* g, const double* c, const std::vector<int>& passive,
                   double* a, double* z) {
  const int p = int(passive.size());
  for (int i = 0; i < p; ++i) {
    const double* gi = g + std::size_t(passive[std::size_t(i)]) * k;
    for (int l = i; l < p; ++l) a[i * p + l] = gi[passive[std::size_t(l)]];
  }
  for (int j = 0; j < p; ++j) {
    double* uj = a + j * p;
    if (!(uj[j] > 1e-14 * g[std::size_t(passive[std::size_t(j)]) * k + passive[std::size_t(j)]])) return j;
    const double d = std::sqrt(uj[j]);
    uj[j] = d;
    for (int l = j + 1; l < p; ++l) uj[l] /= d;
    for (int i = j + 1; i < p; ++i) {  // trailing update of row i
      double* ui = a + i * p;
      const double f = uj[i];
      for (int l = i; l < p; ++l) ui[l] -= f * uj[l];
    }
  }
  for (int i = 0; i < p; ++i) z[i] = c[passive[std::size_t(i)]];
  for (int i = 0; i < p; ++i) {  // U^T y = c_P, column by column
    const double* ui = a + i * p;
    z[i] /= ui[i];
    for (int l = i + 1; l < p; ++l) z[l] -= ui[l] * z[i];
  }
  for (int i = p - 1; i >= 0; --i) {  // U z = y
    const double* ui = a + i * p;
    double v = z[i];
    for (int l = i + 1; l < p; ++l) v -= ui[l] * z[l];
    z[i] = v / ui[i];
  }
  return -1;
}

/// Block principal pivoting on G from the support of x; components marked in
/// `held` stay at 0. False, leaving x unspecified, when a passive set turns
/// out numerically singular (G is then singular where the solution lives).
bool pivot(int k, const double* g, const double* c, double* x, const std::vector<char>& held, double* a,
           double* z, double* y) {
  std::vector<char> in_passive(std::size_t(k), 0);
  double scale = 0;
  for (int i = 0; i < k; ++i) {
    in_passive[std::size_t(i)] = !held[std::size_t(i)] && x[i] > 0;
    scale = std::max(scale, std::abs(c[i]));
  }
  const double tolerance = 1e-13 * std::max(scale, 1e-300);
  std::vector<int> passive, infeasible;
  int fewest = k + 1, backups = 3;
  for (int round = 0; round < 50 * k + 100; ++round) {
    passive.clear();
    for (int i = 0; i < k; ++i)
      if (in_passive[std::size_t(i)]) passive.push_back(i);
    if (solve_passive(k, g, c, passive, a, z) >= 0) return false;
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
  return true;
}

/// Lawson & Hanson's active-set method from x = 0: adds the component of
/// most negative gradient one at a time and keeps the passive columns
/// linearly independent (a component found dependent is held at 0), so a
/// singular G is no obstacle. Slower than pivoting: one component per step.
void add_one_at_a_time(int k, const double* g, const double* c, double* x, const std::vector<char>& dead,
                       double* a, double* z, double* y) {
  std::vector<char> held = dead, in_passive(std::size_t(k), 0);
  std::vector<int> passive;
  double scale = 0;
  for (int i = 0; i < k; ++i) scale = std::max(scale, std::abs(c[i]));
  const double tolerance = 1e-13 * std::max(scale, 1e-300);
  std::fill(x, x + k, 0.0);
  for (int step = 0; step < 3 * k + 10; ++step) {
    for (int i = 0; i < k; ++i) y[i] = -c[i];  // y = G x - c
    for (int j = 0; j < k; ++j)
      if (x[j] != 0)
        for (int i = 0; i < k; ++i) y[i] += g[std::size_t(j) * k + i] * x[j];
    int entering = -1;
    for (int i = 0; i < k; ++i)
      if (!held[std::size_t(i)] && !in_passive[std::size_t(i)] && y[i] < -tolerance &&
          (entering < 0 || y[i] < y[entering]))
        entering = i;
    if (entering < 0) return;
    in_passive[std::size_t(entering)] = 1;
    for (;;) {
      passive.clear();
      for (int i = 0; i < k; ++i)
        if (in_passive[std::size_t(i)]) passive.push_back(i);
      // The entering component depends on the others, or (rounding) its
      // gradient promised a descent its solution does not give: held at 0.
      const bool singular = solve_passive(k, g, c, passive, a, z) >= 0;
      if (entering >= 0 && (singular || !(z[std::find(passive.begin(), passive.end(), entering) - passive.begin()] > 0))) {
        in_passive[std::size_t(entering)] = 0;
        held[std::size_t(entering)] = 1;
        break;
      }
      if (singular) return;  // cannot happen: the set without the entering one was regular
      // Step from x towards z as far as x stays >= 0; the component that
      // stops the step leaves (set to 0 exactly, whatever the rounding, so
      // every such step shrinks the passive set), and any other reaching 0.
      double alpha = 1;
      int blocking = -1;
      for (std::size_t p = 0; p < passive.size(); ++p) {
        const int i = passive[p];
        if (z[p] <= 0 && x[i] / (x[i] - z[p]) < alpha) {
          alpha = x[i] / (x[i] - z[p]);
          blocking = i;
        }
      }
      for (std::size_t p = 0; p < passive.size(); ++p) {
        const int i = passive[p];
        x[i] += alpha * (z[p] - x[i]);
        if (blocking >= 0 && (x[i] <= 0 || i == blocking)) {
          x[i] = 0;
          in_passive[std::size_t(i)] = 0;
        }
      }
      if (blocking < 0) break;
      entering = -1;  // the entering component may itself have left
    }
  }
}

}  // namespace

void solve_nnls(int k, const double* g, const double* c, double* x, std::vector<double>& scratch) {
  scratch.resize(std::size_t(k) * k + 3 * std::size_t(k));
  double* a = scratch.data();
  double* z = a + std::size_t(k) * k;
  double* y = z + k;
  // Dead components (G_ii = 0) stay at 0.
  std::vector<char> dead(std::size_t(k), 0);
  for (int i = 0; i < k; ++i) dead[std::size_t(i)] = !(g[std::size_t(i) * k + i] > 0);
  if (pivot(k, g, c, x, dead, a, z, y)) return;
  // G is singular where the solution lives (more atoms than dimensions, or
  // duplicated atoms): the optimal value is unique but the point is not, and
  // pivoting's exchanges need a regular G.
  add_one_at_a_time(k, g, c, x, dead, a, z, y);
}

}  // namespace nmfx::nmf
