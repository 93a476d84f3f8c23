// jobs/ under a real Slurm. tools/slurm-up.sh brings up a private one-node
// cluster (the test fails, with the daemons' logs, when it cannot);
// jobs/submit-sweep.sh submits the tiny sweep as an array job plus the
// collect job; and a point that needs longer than its 1-minute time limit is
// signalled before the limit, checkpoints, requeues itself and resumes until
// it finishes, with factors identical to an uninterrupted run.
#define CATCH_CONFIG_MAIN
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <thread>

#include "shell.hpp"

using namespace app;

namespace {

const std::string source = NMFX_SOURCE_DIR;

/// A private Slurm for this test process, stopped (by its pid files) at exit.
class PrivateSlurm {
 public:
  PrivateSlurm() : dir_(in_folder("slurm")) {
    const Outcome r = shell(source + "/tools/slurm-up.sh " + dir_);
    up_ = r.status == 0;
    log_ = r.output;
    setenv("SLURM_CONF", (dir_ + "/slurm.conf").c_str(), 1);
  }
  ~PrivateSlurm() { shell(source + "/tools/slurm-down.sh " + dir_); }
  PrivateSlurm(const PrivateSlurm&) = delete;
  PrivateSlurm& operator=(const PrivateSlurm&) = delete;
  bool up() const { return up_; }
  const std::string& log() const { return log_; }

 private:
  std::string dir_, log_;
  bool up_ = false;
};

const PrivateSlurm& slurm() {
  static const PrivateSlurm instance;
  return instance;
}

/// The job ids jobs/submit-sweep.sh printed: {array job, collect job}.
std::pair<std::string, std::string> submitted(const std::string& output) {
  std::smatch array, collect;
  const bool found = std::regex_search(output, array, std::regex("array job ([0-9]+)")) &&
                     std::regex_search(output, collect, std::regex("collect job ([0-9]+)"));
  return found ? std::pair{array[1].str(), collect[1].str()} : std::pair{std::string(), std::string()};
}

/// `scontrol show job ID` (every task of an array job).
std::string show_job(const std::string& id) { return shell("scontrol show job " + id).output; }

/// Waits until no task of `jobs` is pending, running or being requeued;
/// false after `limit_s` seconds.
bool wait_until_ended(const std::vector<std::string>& jobs, int limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(limit_s);
  const std::regex active("JobState=(PENDING|RUNNING|REQUEUED|REQUEUE_FED|REQUEUE_HOLD|CONFIGURING|COMPLETING|"
                          "SUSPENDED|RESIZING|SIGNALING|STAGE_OUT)");
  while (std::chrono::steady_clock::now() < end) {
    bool any = false;
    for (const std::string& id : jobs) any = any || std::regex_search(show_job(id), active);
    if (!any) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

/// Submits a sweep through jobs/submit-sweep.sh from the scratch folder
/// (where the job logs go); returns {array job, collect job}.
std::pair<std::string, std::string> submit(const std::string& sweep_args, const std::string& sbatch_options = "") {
  const Outcome r = shell("cd " + folder().string() + " && SWEEP_SBATCH='" + sbatch_options + "' NMFX=" +
                          NMFX_BINARY + " " + source + "/jobs/submit-sweep.sh " + sweep_args);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto ids = submitted(r.output);
  REQUIRE_FALSE(ids.first.empty());
  return ids;
}

}  // namespace

TEST_CASE("a sweep as a Slurm array, then collect after it", "[slurm]") {
  INFO(slurm().log());
  REQUIRE(slurm().up());
  const std::string data = in_folder("tiny.h5"), out = in_folder("array");
  REQUIRE(nmfx(2, "synth --rows 60 --cols 40 --rank 4 --noise 0.01 --seed 3 -o " + data).status == 0);
  const auto [array, collect] = submit(source + "/inputs/sweep-tiny.toml --data " + data + " -o " + out);
  REQUIRE(wait_until_ended({array, collect}, 300));
  const std::string array_state = show_job(array), collect_state = show_job(collect);
  INFO(array_state << collect_state << read_all(in_folder("nmfx-collect-" + collect + ".out")));
  CHECK(count_lines_with(array_state, "JobState=COMPLETED") == 6);
  CHECK(count_lines_with(collect_state, "JobState=COMPLETED") == 1);
  CHECK(read_all(in_folder("nmfx-sweep-" + array + "_5.out")).find("point 5/6 rank-5_algo-anls") != std::string::npos);
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + out + "/summary.csv')))\n"
         "assert [r['name'] for r in rows] == ['rank-3_algo-mu', 'rank-3_algo-hals', 'rank-3_algo-anls',\n"
         "                                     'rank-5_algo-mu', 'rank-5_algo-hals', 'rank-5_algo-anls'], rows\n"
         "for r in rows:\n"
         "    f = h5py.File(r['run_file'], 'r')\n"
         "    assert r['status'] == 'done' and int(r['iterations']) == 40 and f.attrs['grid'] == '1x1'\n"
         "    assert float(r['rel_error']) == f['history/rel_error'][-1]\n"
         "    assert float(r['effective_rank']) == f['metrics/effective_rank'][-1]\n");
  // An array task and jobs/fit.sbatch give the same factors as the point run alone.
  const std::string ref = in_folder("ref.h5"), fitted = in_folder("fit-job.h5");
  const std::string settings = " --rank 5 --algo hals --seed 1 --max-iter 40 --metrics-every 10";
  const Outcome job = shell("cd " + folder().string() + " && NMFX_ROOT=" + source + " NMFX=" + NMFX_BINARY +
                            " sbatch --parsable --ntasks=1 " + source + "/jobs/fit.sbatch " + data + " " + fitted +
                            settings);
  INFO(job.output);
  REQUIRE(job.status == 0);
  const std::string fit_job = job.output.substr(0, job.output.find_first_of(";\n"));
  REQUIRE(nmfx(1, "fit " + data + " -o " + ref + settings).status == 0);
  REQUIRE(wait_until_ended({fit_job}, 120));
  INFO(read_all(in_folder("nmfx-fit-" + fit_job + ".out")));
  CHECK(show_job(fit_job).find("JobState=COMPLETED") != std::string::npos);
  for (const std::string& run : {out + "/rank-5_algo-hals.h5", fitted})
    python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + run + "', 'r')\n"
           "assert np.array_equal(a['W'][:], b['W'][:]) and np.array_equal(a['H'][:], b['H'][:])\n");
}

TEST_CASE("a point stopped by its time limit checkpoints, requeues and resumes exactly", "[slurm]") {
  INFO(slurm().log());
  REQUIRE(slurm().up());
  const std::string data = in_folder("long.h5"), out = in_folder("timelimit"), ref = in_folder("long-ref.h5");
  REQUIRE(nmfx(1, "synth --rows 2000 --cols 500 --rank 20 --noise 0.1 --seed 5 -o " + data).status == 0);
  // Enough iterations for about 65 s on this machine: longer than the
  // latest moment Slurm can send the warning signal (50 s into the job).
  const std::string flags = " --rank 20 --algo hals --no-reference";
  const Outcome calibration = nmfx(1, "fit " + data + " -o " + in_folder("calibration.h5") + flags +
                                          " --max-iter 300 --progress 0 --metrics-every 0");
  INFO(calibration.output);
  std::smatch m;
  REQUIRE(std::regex_search(calibration.output, m, std::regex("([0-9.]+) s/iteration")));
  const double seconds_per_iteration = std::max(std::stod(m[1].str()), 1e-5);
  const long iterations = std::max(2000L, std::lround(65 / seconds_per_iteration / 1000) * 1000);
  std::ofstream(in_folder("long.toml")) << "data = '" << data << "'\noutput = '" << out << "'\nrank = [20]\n"
                                        << "algo = 'hals'\nmax-iter = " << iterations
                                        << "\nmetrics-every = 1000\nno-reference = true\nprogress = 1000\n";
  // The uninterrupted reference runs meanwhile, unbound, so it takes the
  // core the job does not hold.
  const std::string reference = NMFX_MPIEXEC + std::string(" -n 1 --bind-to none ") + NMFX_BINARY + " fit " + data + " -o " +
                                ref + flags + " --metrics-every 1000 --progress 0 --max-iter " + std::to_string(iterations);
  shell("(" + reference + "; echo $? > " + ref + ".status) > " + ref + ".log 2>&1 &");

  // Slurm checks time limits every 30 s and sends the warning once at most
  // 30 s more than asked remain: with a 60 s limit and @10, USR1 comes 20 to
  // 50 s into each run of the job, and the kill could come only at 60.
  const auto [array, collect] = submit(in_folder("long.toml"), "--time=1 --signal=B:USR1@10");
  REQUIRE(wait_until_ended({array, collect}, 600));
  const std::string state = show_job(array);
  const std::string log = read_all(in_folder("nmfx-sweep-" + array + "_0.out"));
  INFO("iterations " << iterations << "\n" << state << log);
  CHECK(state.find("JobState=COMPLETED") != std::string::npos);
  std::smatch restarts;
  REQUIRE(std::regex_search(state, restarts, std::regex("Restarts=([0-9]+)")));
  CHECK(std::stoi(restarts[1].str()) >= 1);
  CHECK(log.find("mpirun: Forwarding signal 10") != std::string::npos);
  CHECK(log.find("nmfx-job: checkpointed; requeueing job " + array) != std::string::npos);
  CHECK(log.find("(resuming from its checkpoint)") != std::string::npos);
  CHECK(log.find("nmfx fit: resuming at iteration") != std::string::npos);
  CHECK(log.find("DUE TO TIME LIMIT") == std::string::npos);  // it never reached the kill
  CHECK(log.find("nmfx fit: " + std::to_string(iterations) + " iterations (max_iter)") != std::string::npos);
  python("import csv\n"
         "rows = list(csv.DictReader(open('" + out + "/summary.csv')))\n"
         "assert len(rows) == 1 and rows[0]['status'] == 'done', rows\n"
         "assert int(rows[0]['iterations']) == " + std::to_string(iterations) + "\n");

  for (int waited = 0; !fs::exists(ref + ".status") && waited < 600; ++waited)
    std::this_thread::sleep_for(std::chrono::seconds(1));
  INFO(read_all(ref + ".log"));
  REQUIRE(read_all(ref + ".status") == "0\n");
  python("a = h5py.File('" + ref + "', 'r'); b = h5py.File('" + out + "/rank-20.h5', 'r')\n"
         "for n in ['W', 'H', 'history/rel_error', 'metrics/spectrum']:\n"
         "    assert np.array_equal(a[n][:], b[n][:]), n\n");
}
