#pragma once
// Helpers for the end-to-end tests of the nmfx binary (tests/app): shell
// commands, the binary under mpiexec, Python fixtures, and a scratch folder
// for each test process. NMFX_BINARY and NMFX_MPIEXEC come from CMake.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace app {

namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string output;  // stdout and stderr together
};

inline Outcome shell(const std::string& command) {
  Outcome r{-1, ""};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, p)) r.output += buffer;
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

/// A scratch folder of this test process.
inline const fs::path& folder() {
  static const fs::path f = [] {
    fs::path p = fs::temp_directory_path() / ("nmfx_app_" + std::to_string(getpid()));
    fs::create_directories(p);
    return p;
  }();
  return f;
}

inline std::string in_folder(const std::string& name) { return (folder() / name).string(); }

/// nmfx under mpiexec with `ranks` ranks; a hang fails by timeout.
inline Outcome nmfx(int ranks, const std::string& args) {
  return shell("timeout 120 " + std::string(NMFX_MPIEXEC) + " -n " + std::to_string(ranks) + " " +
               NMFX_BINARY + " " + args);
}

/// nmfx under mpiexec, as nmfx() runs it, and the exit status of each rank.
struct RankOutcome {
  Outcome outcome;          // mpiexec's status and everything printed
  std::vector<int> status;  // one per rank that exited by itself
};

/// nmfx() with each rank started through a shell that records the rank's own
/// exit status. A rank that mpiexec killed after another one failed records
/// nothing. `environment` ("NAME=value ...") goes before mpiexec.
inline RankOutcome nmfx_each_rank(int ranks, const std::string& args, const std::string& environment = "") {
  static const fs::path statuses = folder() / "rank-status";
  static const std::string wrapper = [] {
    const fs::path script = folder() / "nmfx-rank.sh";
    std::ofstream(script) << "#!/bin/sh\n\"" << NMFX_BINARY << "\" \"$@\"\ns=$?\necho $s > '"
                          << statuses.string() << "/'${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-x}}\nexit $s\n";
    fs::permissions(script, fs::perms::owner_all);
    return script.string();
  }();
  fs::remove_all(statuses);
  fs::create_directories(statuses);
  RankOutcome r;
  r.outcome = shell(environment + " timeout 120 " + NMFX_MPIEXEC + " -n " + std::to_string(ranks) + " " +
                    wrapper + " " + args + " </dev/null");
  for (const auto& e : fs::directory_iterator(statuses)) {
    int s = -1;
    std::ifstream(e.path()) >> s;
    r.status.push_back(s);
  }
  return r;
}

/// Starts nmfx under mpiexec (2 ranks) in the background, waits until every
/// file of `checkpoints` exists and `delay` seconds more, then runs `then` in
/// the shell, where $p is mpiexec's pid. The default signals the run and
/// prints its exit status as "status=N".
inline Outcome nmfx_after_checkpoints(const std::string& args, const std::vector<std::string>& checkpoints,
                                      double delay,
                                      const std::string& then = "kill -USR1 $p; wait $p; echo status=$?") {
  std::string missing;
  for (const std::string& c : checkpoints) missing += (missing.empty() ? "" : " || ") + ("[ ! -e " + c + " ]");
  return shell("timeout 120 sh -c '" + std::string(NMFX_MPIEXEC) + " -n 2 " + NMFX_BINARY + " " + args +
               " & p=$!; while " + missing + "; do sleep 0.02; done; sleep " + std::to_string(delay) +
               "; " + then + "'");
}

/// `nmfx fit` (args, output `out`, checkpoints every `every` iterations) on
/// 2 ranks, signalled at a random moment up to `max_delay` seconds after its
/// first checkpoint: it must exit 75; then the same with --resume must
/// finish. A run that finished before the signal came (a fast machine; the
/// signal may then hit its shutdown) is tried again with the delay halved. The caller compares `out` with an
/// uninterrupted run.
inline void signal_and_resume(const std::string& args, const std::string& out, long every, double max_delay) {
  std::random_device random;
  double delay = max_delay * (random() % 1000) / 1000.0;
  Outcome r;
  for (int attempt = 0; attempt < 6; ++attempt, delay /= 2) {
    std::filesystem::remove(out);
    std::filesystem::remove(out + ".checkpoint");
    r = nmfx_after_checkpoints(args + " --checkpoint-every " + std::to_string(every) + " -o " + out,
                               {out + ".checkpoint"}, delay);
    // Finished before the signal: exit 0, or the signal came while the
    // finished run was shutting down (its output already written).
    const bool finished = r.output.find("status=0") != std::string::npos ||
                          (r.output.find("status=75") == std::string::npos &&
                           r.output.find("; wrote ") != std::string::npos);
    if (!finished) break;  // signalled in time (or failed)
  }
  INFO("signal after " << delay << " s\n" << r.output);
  REQUIRE(r.output.find("status=75") != std::string::npos);
  const Outcome resumed = nmfx(2, args + " -o " + out + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
}

/// Runs Python code (Debian's python3, with h5py, numpy and gzip imported)
/// and requires it to succeed: fixtures and checks of the files written.
inline void python(const std::string& code) {
  const std::string script = in_folder("fixture.py");
  std::ofstream(script) << "import h5py, numpy as np, gzip\n" << code << "\n";
  const Outcome r = shell("/usr/bin/python3 " + script);
  INFO(r.output);
  REQUIRE(r.status == 0);
}

inline int count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Temporary files of atomic outputs left in the scratch folder.
inline int leftover_temporaries() {
  int n = 0;
  for (const auto& e : fs::directory_iterator(folder()))
    n += e.path().filename().string().find(".tmp") != std::string::npos;
  return n;
}

/// nmfx given bad input: a non-zero exit without hanging, exactly one error
/// line, containing `expect`; the existing file `output` stays as it was and
/// no temporary file is left behind.
inline void check_failure(int ranks, const std::string& args, const std::string& expect,
                          const std::string& output) {
  const std::string before = "an existing good result";
  std::ofstream(output) << before;
  const Outcome r = nmfx(ranks, args);
  INFO(ranks << " ranks: nmfx " << args << "\n" << r.output);
  CHECK(r.status != 0);
  CHECK(r.status != 124);  // timeout: a hang
  CHECK(count_lines_with(r.output, "nmfx: error") == 1);
  CHECK(r.output.find(expect) != std::string::npos);
  CHECK(read_all(output) == before);
  CHECK(leftover_temporaries() == 0);
}

}  // namespace app
