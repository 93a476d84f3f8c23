#include "nmfx/core/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "nmfx/core/error.hpp"
#include "nmfx/core/mpi.hpp"

namespace nmfx {

double machine_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? double(pages) * double(page_size) : 0.0;
}

void* allocate_huge(std::size_t bytes) {
  constexpr std::size_t huge_page = std::size_t(2) << 20;
  const std::size_t alignment = bytes >= huge_page ? huge_page : 64;
  const std::size_t size = (bytes + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, size > 0 ? size : alignment);
  if (!p) throw std::bad_alloc();
  if (alignment == huge_page) madvise(p, size, MADV_HUGEPAGE);  // advice: failure is harmless
  return p;
}

void free_huge(void* p) { std::free(p); }

double peak_resident_bytes() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (!status) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, status))
    if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  std::fclose(status);
  return kib * 1024;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 8) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0 || bytes >= 9.95)
    std::snprintf(text, sizeof text, "%.0f %s", bytes, units[unit]);
  else
    std::snprintf(text, sizeof text, "%.1f %s", bytes, units[unit]);
  return text;
}

void require_memory(MPI_Comm comm, const std::string& what, double local_bytes) {
  const Communicator all(comm);
  const Communicator machine = Communicator::split_by_machine(comm);
  const double on_machine = machine.sum(local_bytes), most = all.max(local_bytes);
  const double memory = machine_memory();
  std::string failure;
  if (on_machine > memory) {
    const int ranks = all.size(), here = machine.size();
    failure = what + " needs " + format_bytes(most);
    if (ranks > 1) failure += " on each of " + std::to_string(ranks) + " ranks";
    if (here > 1)
      failure += ", " + format_bytes(on_machine) + " for the " + std::to_string(here) +
                 " on this machine; it has " + format_bytes(memory);
    else
      failure += "; this machine has " + format_bytes(memory);
  }
  agree(comm, failure);
}

}  // namespace nmfx
