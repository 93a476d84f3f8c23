#pragma once
// SIGTERM and SIGUSR1 (what schedulers send before a time limit) as a flag
// the program polls at safe points, instead of a kill.
namespace nmfx {

/// Catches SIGTERM and SIGUSR1 while it lives; a signal only sets a flag.
/// The handlers in place before come back when it is destroyed (also on an
/// exception). Guards nest: an inner guard (a fit inside a sweep) shares the
/// outer guard's flag, so a signal seen by the fit is still seen by the sweep.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Whether a signal came since the outermost guard was made (local).
  bool received() const;

 private:
  void (*previous_term_)(int);
  void (*previous_usr1_)(int);
};

/// Catches SIGTERM and SIGUSR1 as StopSignals does, for the rest of the
/// process (never restored): main's choice for fit and sweep, so that a
/// signal arriving while MPI and the libraries shut down cannot kill a
/// process that has already stopped cleanly. Guards made later nest inside.
void catch_stop_signals_until_exit();

}  // namespace nmfx
