#include "nmfx/nmf/solver.hpp"

#include <mpi.h>

#include <algorithm>

#include "nmfx/la/products.hpp"

namespace nmfx::nmf {

SolveResult solve(const ProcessGrid& grid, const dist::DistMatrix& x, double x_norm2,
                  dist::Factor& w, dist::Factor& h, UpdateRule& rule_w, UpdateRule& rule_h,
                  const StopCriteria& stop, const Observer& observer,
                  const std::vector<Record>& resumed) {
  const int k = w.k;
  dist::Factor xht(k, w.map), wtx(k, h.map);
  std::vector<double> gram_w(std::size_t(k) * k), gram_h(gram_w.size());
  // A resumed solve continues the clock where the earlier one stopped.
  const double start = MPI_Wtime() - (resumed.empty() ? 0.0 : resumed.back().seconds);
  const double norm2 = x_norm2 > 0 ? x_norm2 : 1.0;
  SolveResult result;

  // Everything the stop test reads is made identical on every rank (a MAX
  // all-reduce), so all ranks leave the loop together.
  // Needs wtx = W^T X and gram_w = W^T W of the current W; computes H H^T,
  // which the next W update reuses.
  auto record = [&](long iteration) {
    la::gram(grid.row_comm(), h, gram_h.data());
    double model2 = 0;
    for (std::size_t i = 0; i < gram_w.size(); ++i) model2 += gram_w[i] * gram_h[i];
    const double cross = la::dot(grid.row_comm(), wtx, h);
    double shared[2] = {MPI_Wtime() - start, std::max(0.0, x_norm2 - 2 * cross + model2) / norm2};
    MPI_Allreduce(MPI_IN_PLACE, shared, 2, MPI_DOUBLE, MPI_MAX, grid.comm());
    return Record{iteration, shared[0], shared[1]};
  };
  // The observer's verdict, agreed across ranks: the reason of the lowest
  // rank that has one.
  auto observe = [&]() -> std::string {
    std::string reason = observer ? observer({result.history.back(), result.history, w, h}) : "";
    const int size = grid.size();
    int first = reason.empty() ? size : grid.rank();
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, grid.comm());
    if (first == size) return "";
    broadcast(grid.comm(), reason, first);
    return reason;
  };

  la::gram(grid.col_comm(), w, gram_w.data());
  la::wtx(grid, x, w, wtx);
  result.stop_reason = "max_iter";
  if (resumed.empty()) {
    result.history.push_back(record(0));
    if (const std::string reason = observe(); !reason.empty()) {
      result.stop_reason = reason;
      return result;
    }
  } else {
    // The products the next iteration needs, exactly as record() made them.
    la::gram(grid.row_comm(), h, gram_h.data());
    result.history = resumed;
    result.iterations = resumed.back().iteration;
  }
  for (long it = result.iterations + 1; it <= stop.max_iterations; ++it) {
    la::xht(grid, x, h, xht);
    rule_w.update(w, xht, gram_h.data());
    la::gram(grid.col_comm(), w, gram_w.data());
    la::wtx(grid, x, w, wtx);
    rule_h.update(h, wtx, gram_w.data());
    result.history.push_back(record(it));
    result.iterations = it;
    if (const std::string reason = observe(); !reason.empty()) {
      result.stop_reason = reason;
      break;
    }
    const Record& now = result.history.back();
    const Record& before = result.history[result.history.size() - 2];
    if (stop.tolerance > 0 && before.rel_error > 0 &&
        (before.rel_error - now.rel_error) / before.rel_error < stop.tolerance) {
      result.stop_reason = "tol";
      break;
    }
    if (stop.time_limit > 0 && now.seconds >= stop.time_limit && it < stop.max_iterations) {
      result.stop_reason = "time_limit";
      break;
    }
  }
  return result;
}

}  // namespace nmfx::nmf
