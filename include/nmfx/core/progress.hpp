#pragma once
// A live progress bar for people watching a terminal: one line, redrawn in
// place, with the work done, a status (the error) and the time left. In
// logs, files and batch jobs it stays silent and the commands print their
// usual progress lines instead.
#include <string>

namespace nmfx {

/// Whether this process's output reaches a terminal. Under mpirun every
/// rank's stdout is a pseudo-terminal mpirun forwards wherever its own output
/// goes, so there the answer is whether mpirun's (the parent's) stdout is a
/// terminal. Local.
bool stdout_is_terminal();

class ProgressBar {
 public:
  /// Live when `verbose` (rank 0) and stdout_is_terminal(); `total` is the
  /// most work units (iterations) there will be.
  ProgressBar(bool verbose, std::string label, long total);
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Whether the bar draws (callers print their lines otherwise).
  bool live() const { return live_; }
  /// Redraws the line for `done` of the total units after `seconds`, at most
  /// five times a second (always for the last unit). Local.
  void show(long done, const std::string& status, double seconds);
  /// Ends the line (the last state stays visible); nothing when not drawn.
  void finish();

 private:
  bool live_;
  std::string label_;
  long total_;
  double last_draw_ = -1;
  bool drawn_ = false;
};

/// A number for status texts, "%.4e".
std::string format_number(double value);

}  // namespace nmfx
