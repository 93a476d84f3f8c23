// Runs own their outputs (a lock, stale temporaries removed), signals at any
// moment, and non-finite arithmetic, through the real binary.
#define CATCH_CONFIG_MAIN
#include "shell.hpp"

using namespace app;

namespace {

/// A fit long enough to be signalled or locked while it runs.
std::string long_fit(const std::string& data, const std::string& out) {
  return "fit " + data + " -k 10 --algo adam --lr 0.01 --max-iter 200000 --progress 0 --metrics-every 0 "
         "--no-reference -o " + out;
}

std::string lock_of(const std::string& out) {
  const fs::path p(out);
  return (p.parent_path() / ("." + p.filename().string() + ".lock")).string();
}

const std::string& data() {
  static const std::string path = [] {
    const std::string d = in_folder("data.h5");
    REQUIRE(nmfx(2, "synth --rows 800 --cols 600 --rank 10 --noise 0.1 --seed 1 -o " + d).status == 0);
    return d;
  }();
  return path;
}

}  // namespace

TEST_CASE("a second run on an output refuses at once, naming the holder", "[reliability]") {
  const std::string out = in_folder("locked.h5");
  const std::string runner = std::string(NMFX_MPIEXEC) + " -n 2 " + NMFX_BINARY + " ";
  const Outcome r = shell("timeout 120 sh -c '" + runner + long_fit(data(), out) + " & p=$!; while [ ! -e " +
                          lock_of(out) + " ]; do sleep 0.02; done; " + runner + long_fit(data(), out) +
                          "; echo second=$?; " + runner + "import --format hdf5 " + data() + " -o " + out +
                          "; echo import=$?; kill -USR1 $p; wait $p; echo first=$?'");
  INFO(r.output);
  CHECK(r.output.find("second=1") != std::string::npos);
  CHECK(r.output.find("import=1") != std::string::npos);
  CHECK(count_lines_with(r.output, "is being written by another nmfx run (pid ") == 2);
  CHECK(r.output.find("first=75") != std::string::npos);  // the holder went on undisturbed
  CHECK_FALSE(fs::exists(lock_of(out)));                 // released when it ended
  CHECK(fs::exists(out + ".checkpoint"));
  fs::remove(out + ".checkpoint");
}

TEST_CASE("the next run on an output removes the temporaries a killed one left", "[reliability]") {
  const std::string out = in_folder("stale.h5");
  const std::string folder_name = folder().string() + "/";
  for (const char* name : {".stale.h5.tmp4242", ".stale.h5.checkpoint.tmp4243", ".stale.h5.tmpnotmine"})
    std::ofstream(folder_name + name) << "left behind";
  const Outcome r = nmfx(2, "fit " + data() + " -k 4 --max-iter 3 -o " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(folder_name + ".stale.h5.tmp4242"));
  CHECK_FALSE(fs::exists(folder_name + ".stale.h5.checkpoint.tmp4243"));
  CHECK(fs::exists(folder_name + ".stale.h5.tmpnotmine"));  // not a temporary nmfx names
  fs::remove(folder_name + ".stale.h5.tmpnotmine");
}

TEST_CASE("a signal at any moment exits 75; before the first iteration nothing is written", "[reliability]") {
  const std::string out = in_folder("early.h5");
  const std::string run = std::string(NMFX_MPIEXEC) + " -n 2 " + NMFX_BINARY + " " + long_fit(data(), out);
  // What reaches the ranks: a rank is signalled as soon as it catches
  // SIGUSR1 (bit 10 of SigCgt in /proc: main's first act, before MPI starts),
  // and again until the run ends. Only once it runs nmfx: between fork and
  // exec, mpirun's child still has mpirun's own SIGUSR1 handler (its bit is
  // set), and a signal there kills the child before nmfx exists (seen once
  // as status 138 on a loaded machine).
  const std::string ranks_script = in_folder("signal_ranks.sh");
  int before_first = 0;
  for (const char* delay : {"0", "0.3", "1"}) {
    std::ofstream(ranks_script)
        << run << " &\np=$!\nsleep " << delay << "\n"
        << "while kill -0 $p 2>/dev/null; do\n"
        << "  for c in $(pgrep -P $p); do\n"
        << "    [ \"$(cat /proc/$c/comm 2>/dev/null)\" = nmfx ] || continue\n"
        << "    m=$(awk '/^SigCgt/ {print $2}' /proc/$c/status 2>/dev/null)\n"
        << "    [ -n \"$m\" ] && [ $((0x$m & 0x200)) -ne 0 ] && kill -USR1 $c\n"
        << "  done\n  sleep 0.01\ndone\nwait $p\necho status=$?\n";
    const Outcome r = shell("timeout 120 sh " + ranks_script);
    INFO("ranks signalled from " << delay << " s\n" << r.output);
    CHECK(r.output.find("status=75") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(lock_of(out)));
    if (r.output.find("interrupted at iteration") != std::string::npos) {
      CHECK(fs::exists(out + ".checkpoint"));
      fs::remove(out + ".checkpoint");
    } else {
      CHECK(r.output.find("interrupted before the first iteration; nothing written") != std::string::npos);
      CHECK_FALSE(fs::exists(out + ".checkpoint"));
      ++before_first;
    }
  }
  CHECK(before_first > 0);
  // What a batch script sees (jobs/checkpointed.sh): a signal to the script
  // at once, while mpirun itself starts, still ends in status 75.
  const std::string script = in_folder("batch.sh");
  for (const char* delay : {"0.05", "0.5"}) {  // once the script has set its trap
    std::ofstream(script) << "bash -c '. " << NMFX_SOURCE_DIR << "/jobs/checkpointed.sh; run_checkpointed " << run
                          << "; echo status=$?' & b=$!\nsleep " << delay << "\nkill -USR1 $b\nwait $b\n";
    const Outcome r = shell("timeout 120 bash " + script);
    INFO("batch script signalled after " << delay << " s\n" << r.output);
    CHECK(r.output.find("status=75") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
    fs::remove(out + ".checkpoint");
  }
}

TEST_CASE("overflow: data too large is refused; iterates that overflow stop with the last good factors",
          "[reliability]") {
  const std::string huge = in_folder("huge.h5"), out = in_folder("overflow.h5");
  python("X = np.random.default_rng(0).random((30, 20)); X[3, 4] = 1e300\n"
         "h5py.File('" + huge + "', 'w')['X'] = X\n");
  for (int ranks : {1, 2})
    check_failure(ranks, "fit " + huge + " -k 3 -o " + out, "is too large to factorize in double precision", out);
  fs::remove(out);
  // A learning rate far too large: Adam's steps overflow at once.
  const Outcome r = nmfx(2, "fit " + data() + " -k 4 --algo adam --lr 1e300 --max-iter 50 -o " + out);
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(count_lines_with(r.output, "nmfx: error: the iterates overflowed or became NaN after iteration") == 1);
  python("f = h5py.File('" + out + "', 'r')\n"
         "assert f.attrs['stop_reason'] == 'non_finite', f.attrs['stop_reason']\n"
         "assert np.isfinite(f['W'][:]).all() and np.isfinite(f['H'][:]).all()\n"
         "assert np.isfinite(f['history/rel_error'][:]).all()\n"
         "assert f.attrs['iterations'] == f['history/iteration'][-1]\n");
}

TEST_CASE("--resume needs a checkpoint: a run file in its place is named and refused", "[reliability]") {
  const std::string out = in_folder("notckpt.h5");
  REQUIRE(nmfx(2, "fit " + data() + " -k 4 --max-iter 3 -o " + out).status == 0);
  fs::copy_file(out, out + ".checkpoint", fs::copy_options::overwrite_existing);
  const Outcome r = nmfx(2, "fit " + data() + " -k 4 --max-iter 6 -o " + out + " --resume");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(r.output.find("'" + out + ".checkpoint' is not a checkpoint") != std::string::npos);
}
