#include "nmfx/core/grid.hpp"

#include <cmath>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "nmfx/core/error.hpp"

extern "C" {
int Csys2blacs_handle(MPI_Comm comm);
void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow, int* mycol);
void Cblacs_gridexit(int context);
void Cfree_blacs_system_handle(int handle);
}

namespace nmfx {

GridShape parse_grid(const std::string& text) {
  const auto x = text.find('x');
  char* end = nullptr;
  GridShape g;
  if (x != std::string::npos) {
    const long rows = std::strtol(text.c_str(), &end, 10);
    const bool rows_ok = end == text.c_str() + x;
    const long cols = std::strtol(text.c_str() + x + 1, &end, 10);
    if (rows_ok && *end == '\0' && rows > 0 && cols > 0 && rows <= 1000000 && cols <= 1000000) {
      g.rows = int(rows);
      g.cols = int(cols);
      return g;
    }
  }
  throw Error("--grid '" + text + "' is not of the form PRxPC with positive PR and PC (e.g. 2x2)");
}

GridShape choose_grid(int ranks, long global_rows, long global_cols) {
  GridShape best{ranks, 1};
  double best_cost = -1;
  for (int pr = 1; pr <= ranks; ++pr) {
    if (ranks % pr) continue;
    const int pc = ranks / pr;
    const double cost = double(global_rows) / pr + double(global_cols) / pc;
    const bool squarer = std::abs(pr - pc) < std::abs(best.rows - best.cols);
    if (best_cost < 0 || cost < best_cost * (1 - 1e-12) ||
        (cost <= best_cost * (1 + 1e-12) && squarer)) {
      best = {pr, pc};
      best_cost = cost;
    }
  }
  return best;
}

ProcessGrid::ProcessGrid(MPI_Comm comm, GridShape shape) : full_comm_(comm), shape_(shape) {
  rank_ = full_comm_.rank();
  const int size = full_comm_.size();
  if (shape.rows < 1 || shape.cols < 1 || long(shape.rows) * shape.cols != size)
    throw Error("grid " + shape.str() + " needs " + std::to_string(long(shape.rows) * shape.cols) +
                " ranks but the run has " + std::to_string(size));
  // Each BLACS system handle is only needed until its grid exists.
  context_ = Csys2blacs_handle(comm);
  const int handle = context_;
  Cblacs_gridinit(&context_, "Row", shape.rows, shape.cols);
  Cfree_blacs_system_handle(handle);
  int pr = 0, pc = 0;
  Cblacs_gridinfo(context_, &pr, &pc, &my_row_, &my_col_);
  // BLACS "Row" order puts rank r at (r / pc, r % pc); the communicators use
  // the coordinates BLACS reports so the two can never disagree.
  row_comm_ = Communicator::split(comm, my_row_, my_col_);
  col_comm_ = Communicator::split(comm, my_col_, my_row_);
  for (auto [context, sub, procs] : {std::tuple{&column_context_, col_comm_.get(), shape.rows},
                                     std::tuple{&row_context_, row_comm_.get(), shape.cols}}) {
    const int sub_handle = Csys2blacs_handle(sub);
    *context = sub_handle;
    Cblacs_gridinit(context, "Col", procs, 1);
    Cfree_blacs_system_handle(sub_handle);
  }
}

ProcessGrid::ProcessGrid(ProcessGrid&& o) noexcept
    : full_comm_(std::move(o.full_comm_)), shape_(o.shape_), rank_(o.rank_), my_row_(o.my_row_),
      my_col_(o.my_col_),
      context_(std::exchange(o.context_, -1)),
      column_context_(std::exchange(o.column_context_, -1)),
      row_context_(std::exchange(o.row_context_, -1)), row_comm_(std::move(o.row_comm_)),
      col_comm_(std::move(o.col_comm_)) {}

ProcessGrid::~ProcessGrid() {
  for (int context : {context_, column_context_, row_context_})
    if (context >= 0) Cblacs_gridexit(context);
}

}  // namespace nmfx
