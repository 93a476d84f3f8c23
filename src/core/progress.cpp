#include "nmfx/core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "nmfx/core/mpi.hpp"

namespace nmfx {
namespace {

/// "42 s", "3.5 min", "1.2 h".
std::string format_duration(double seconds) {
  char text[32];
  if (seconds < 100) std::snprintf(text, sizeof text, "%.0f s", seconds);
  else if (seconds < 6000) std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
  else std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  return text;
}

}  // namespace

bool stdout_is_terminal() {
  if (!isatty(STDOUT_FILENO)) return false;
  if (!std::getenv("OMPI_COMM_WORLD_SIZE")) return true;
  char path[64], target[256];
  std::snprintf(path, sizeof path, "/proc/%d/fd/1", int(getppid()));
  const ssize_t length = readlink(path, target, sizeof target - 1);
  if (length <= 0) return false;
  const std::string device(target, std::size_t(length));
  return device.rfind("/dev/pts/", 0) == 0 || device.rfind("/dev/tty", 0) == 0;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4e", value);
  return text;
}

ProgressBar::ProgressBar(bool verbose, std::string label, long total)
    : live_(verbose && stdout_is_terminal()), label_(std::move(label)), total_(std::max(total, 1L)) {}

void ProgressBar::show(long done, const std::string& status, double seconds) {
  if (!live_) return;
  const double now = wall_time();
  if (done < total_ && last_draw_ >= 0 && now - last_draw_ < 0.2) return;
  last_draw_ = now;
  constexpr int width = 24;
  const double fraction = std::clamp(double(done) / double(total_), 0.0, 1.0);
  const int filled = int(fraction * width);
  const std::string bar = std::string(std::size_t(filled), '#') + std::string(std::size_t(width - filled), '.');
  const std::string left =
      done > 0 && done < total_ ? ", " + format_duration(seconds / double(done) * double(total_ - done)) + " left" : "";
  // \r back to the line's start, \033[K clears what a longer line left.
  std::printf("\r%s [%s] %ld/%ld  %s  %s%s\033[K", label_.c_str(), bar.c_str(), done, total_, status.c_str(),
              format_duration(seconds).c_str(), left.c_str());
  std::fflush(stdout);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::printf("\n");
  std::fflush(stdout);
  drawn_ = false;
}

}  // namespace nmfx
