#include "nmfx/core/signals.hpp"

#include <csignal>

namespace nmfx {
namespace {

volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop(int signal) { stop_signal = signal; }

}  // namespace

StopSignals::StopSignals()
    : previous_term_(std::signal(SIGTERM, on_stop)), previous_usr1_(std::signal(SIGUSR1, on_stop)) {
  if (previous_term_ != on_stop) stop_signal = 0;  // the outermost guard starts afresh
}

StopSignals::~StopSignals() {
  std::signal(SIGTERM, previous_term_);
  std::signal(SIGUSR1, previous_usr1_);
}

bool StopSignals::received() const { return stop_signal != 0; }

void catch_stop_signals_until_exit() {
  stop_signal = 0;
  std::signal(SIGTERM, on_stop);
  std::signal(SIGUSR1, on_stop);
}

}  // namespace nmfx
