#!/usr/bin/env bash
# The MPI unit tests (ctest -L mpi) under AddressSanitizer and
# UndefinedBehaviorSanitizer, built in build-sanitize/ (RelWithDebInfo,
# -DNMFX_SANITIZE=address,undefined). Arguments replace `-L mpi` and build
# everything, e.g. `tools/sanitize.sh -L cli` runs the end-to-end tests on the
# sanitized binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNMFX_SANITIZE=address,undefined >/dev/null
target=all
if [ $# -eq 0 ]; then
  target=nmfx_mpi_tests
  set -- -L mpi
fi
cmake --build "$root/build-sanitize" -j "$(nproc)" --target "$target"
cores=$(nproc)  # before mpi-env.sh: nproc follows the OMP_NUM_THREADS it sets
. "$root/tools/mpi-env.sh"
# detect_leaks=0: Open MPI keeps what MPI_Init allocates (in libmpi,
# libopen-pal and the plugins it loads) until exit, by design, and unloads
# the plugins first, so LeakSanitizer can neither name nor suppress them.
# allocator_may_return_null=1: an allocation too large throws std::bad_alloc,
# as it does without the sanitizer, instead of ending the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$root/build-sanitize"
ctest --output-on-failure -j "$cores" "$@"
