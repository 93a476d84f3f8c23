// The nmfx command line: parses flags into a config and calls the runner.
#include <omp.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nmfx/autoencoder/training.hpp"
#include "nmfx/core/error.hpp"
#include "nmfx/core/mpi.hpp"
#include "nmfx/core/signals.hpp"
#include "nmfx/evaluation/evaluate.hpp"
#include "nmfx/runner/data.hpp"
#include "nmfx/runner/fit.hpp"
#include "nmfx/runner/info.hpp"
#include "nmfx/runner/transform.hpp"
#include "nmfx/settings/registry.hpp"
#include "nmfx/sweep/run.hpp"

namespace {

using nmfx::settings::Setting;
using nmfx::settings::Type;
using nmfx::settings::Value;

/// The check of an integer flag: plain decimal digits within [low, high],
/// rewritten without leading zeros (CLI11 alone would read "010" as octal
/// and let 99999999999999999999 saturate silently).
CLI::Validator integer_in(long low, long high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        const std::size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
        if (text.size() == sign || text.find_first_not_of("0123456789", sign) != std::string::npos)
          return "must be an integer (got '" + text + "')";
        errno = 0;
        const long value = std::strtol(text.c_str(), nullptr, 10);
        if ((errno == ERANGE && text[0] == '-') || value < low)
          return "must be >= " + std::to_string(low) + " (got " + text + ")";
        if (errno == ERANGE || value > high)
          return "must be <= " + std::to_string(high) + " (got " + text + ")";
        text = std::to_string(value);
        return "";
      },
      low == 1 ? "POSITIVE" : low == 0 ? "NONNEGATIVE" : "");
}

/// The cores this process may run on (its CPU affinity).
int usable_cores() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : INT_MAX;
}

/// The check of a number flag: finite and not negative.
CLI::Validator finite_nonnegative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0)
          return "must be a finite number >= 0 (got " + text + ")";
        return "";
      },
      "NONNEGATIVE");
}

/// `--precision single|double` for the commands beside fit (fit's comes
/// from the registry); `what` says what it applies to.
void add_precision(CLI::App* cmd, nmfx::Precision& precision, const std::string& what) {
  cmd->add_option("--precision", precision, "single | double: " + what + " in float32 or float64")
      ->transform(CLI::CheckedTransformer(std::map<std::string, nmfx::Precision>{
          {"single", nmfx::Precision::single}, {"double", nmfx::Precision::double_precision}}))
      ->default_str("double");
}

/// A registry setting on the command line: where CLI11 stores its value.
/// S is settings::Setting (fit) or autoencoder::Setting: both declare each
/// setting once, with the same fields.
template <class S>
struct SettingOption {
  const S* setting;
  CLI::Option* option;
  std::unique_ptr<Value> value;
};

/// The options of every setting in `table`, generated from it: typed, with
/// their help and default (from a default-constructed Config).
template <class S, class Config>
std::vector<SettingOption<S>> add_settings(CLI::App* cmd, const std::vector<S>& table) {
  const Config defaults;
  // The registry checks each setting's range; this refuses what is no integer.
  const CLI::Validator any_integer = integer_in(LONG_MIN, LONG_MAX);
  std::vector<SettingOption<S>> out;
  for (const S& s : table) {
    const std::string names = s.positional ? s.name : (s.alias.empty() ? "" : s.alias + ",") + "--" + s.name;
    auto value = std::make_unique<Value>(s.get(defaults));
    CLI::Option* option = nullptr;
    switch (s.type) {
      case Type::integer:
        option = cmd->add_option(names, std::get<long>(*value), s.help)->transform(any_integer);
        break;
      case Type::number: option = cmd->add_option(names, std::get<double>(*value), s.help); break;
      case Type::text: option = cmd->add_option(names, std::get<std::string>(*value), s.help); break;
      case Type::integers:
        option = cmd->add_option(names, std::get<std::vector<long>>(*value), s.help)
                     ->delimiter(',')
                     ->transform(any_integer);
        break;
      case Type::flag: option = cmd->add_flag(names, std::get<bool>(*value), s.help); break;
    }
    const std::string shown = nmfx::settings::to_text(*value);
    if (s.positional) option->required();
    else if (s.type != Type::flag && s.type != Type::integers && !shown.empty() && shown != "0")
      option->default_str(shown);
    out.push_back({&s, option, std::move(value)});
  }
  return out;
}

/// Sets the settings given on the command line (each checked as the
/// registry says); Error naming the flag.
template <class S, class Config>
void apply_settings(const std::vector<SettingOption<S>>& options, Config& config) {
  for (const SettingOption<S>& o : options) {
    if (o.option->count() == 0) continue;
    try {
      o.setting->set(config, *o.value);
    } catch (const nmfx::Error& e) {
      const std::string flag = o.setting->positional ? o.setting->name : "--" + o.setting->name;
      throw nmfx::Error(flag + ": " + e.what(), true);
    }
  }
}

std::string join(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // A scheduler may signal a fit or sweep at any moment, even while MPI
  // starts: from here on a signal only sets a flag (the fit stops at its next
  // iteration, or exits 75 before the first one with nothing written).
  const std::string command = argc > 1 ? argv[1] : "";
  // The handler stays until the process ends: a signal while MPI shuts down
  // must not turn a clean exit 75 into a kill.
  if (command == "fit" || command == "sweep") nmfx::catch_stop_signals_until_exit();
  nmfx::MpiEnvironment mpi(argc, argv);
  const int rank = mpi.world().rank();
  const bool root = rank == 0;

  CLI::App app{"nmfx: distributed non-negative matrix factorization and its low-rank bias"};
  app.set_version_flag("--version", std::string("nmfx ") + NMFX_VERSION);
  // One line, like every other error; a flag's own check needs no pointer to the help.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    const bool checked = dynamic_cast<const CLI::ValidationError*>(&e) != nullptr;
    return std::string("nmfx: error: ") + e.what() +
           (checked ? "" : "; run with --help for more information") + "\n";
  });
  app.require_subcommand(1);

  nmfx::runner::FitConfig fit;
  auto* fit_cmd = app.add_subcommand(
      "fit", "Factorize X ~ W H, or X ~ W1 W2 ... WL H with --model deep (run under mpirun)");
  const auto fit_options = add_settings<Setting, nmfx::settings::FitConfig>(fit_cmd, nmfx::settings::fit_settings());
  fit_cmd->add_option("-o,--output", fit.output_path, "run file to write (HDF5)")->required();
  fit_cmd->add_flag("--resume", fit.resume, "continue from OUTPUT.checkpoint");

  nmfx::runner::SynthConfig synth;
  auto* synth_cmd = app.add_subcommand("synth", "Make a synthetic low-rank + noise dataset");
  synth_cmd->add_option("--rows", synth.rows, "m")->required()->transform(integer_in(1, LONG_MAX));
  synth_cmd->add_option("--cols", synth.cols, "n")->required()->transform(integer_in(1, LONG_MAX));
  synth_cmd->add_option("--rank", synth.rank, "true rank r (or give --spectrum)")->transform(integer_in(1, INT_MAX));
  synth_cmd->add_option("--spectrum", synth.spectrum,
                        "exact non-negative data with these singular values, e.g. 1,0.5,0.25 (rank = their count)")
      ->delimiter(',');
  synth_cmd->add_option("--basis", synth.basis,
                        "singular vectors of a --spectrum: disjoint (non-negative, disjoint supports) or signs "
                        "(dense: 1 and +-1 sign patterns)")
      ->capture_default_str();
  synth_cmd->add_option("--noise", synth.noise, "noise level")->capture_default_str()->check(finite_nonnegative());
  synth_cmd->add_option("--seed", synth.seed, "random seed")->capture_default_str()->transform(integer_in(0, LONG_MAX));
  synth_cmd->add_option("-o,--output", synth.output_path, "dataset file to write")->required();

  nmfx::runner::ImportConfig import;
  auto* import_cmd = app.add_subcommand("import", "Import a dataset (IDX, image folder, NPY, CSV, HDF5)");
  import_cmd->add_option("--format", import.format, "idx | images | npy | csv | hdf5")
      ->capture_default_str();
  import_cmd->add_option("input", import.input_path,
                         "IDX file (.gz or raw), image folder, .npy, .csv or .h5 file")
      ->required();
  import_cmd->add_option("--labels", import.labels_path,
                         "labels: IDX (idx); one per line, 'name,label' lines or .npy (others)");
  import_cmd->add_option("--dataset", import.dataset, "hdf5: the matrix inside the input (default /X)");
  import_cmd->add_option("--resize", import.resize, "images: resize every image to HxW");
  import_cmd->add_flag("--grayscale", import.grayscale, "images: merge colour to one gray channel");
  import_cmd->add_option("--limit", import.limit, "only the first N samples (0: all)")
      ->capture_default_str()
      ->transform(integer_in(0, LONG_MAX));
  import_cmd->add_option("--dtype", import.dtype, "float64 | float32 (half the size; fit reads it either way)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, nmfx::Precision>{{"float64", nmfx::Precision::double_precision},
                                                 {"float32", nmfx::Precision::single}}))
      ->default_str("float64");
  import_cmd->add_option("-o,--output", import.output_path, "dataset file to write")->required();

  std::string info_path;
  auto* info_cmd = app.add_subcommand("info", "What a dataset or run file holds");
  info_cmd->add_option("file", info_path, "HDF5 file")->required();

  nmfx::runner::EncodeConfig encode;
  auto* encode_cmd = app.add_subcommand("encode", "Non-negative codes of data against a run's H");
  encode_cmd->add_option("run", encode.run_path, "run file with the dictionary /H")->required();
  encode_cmd->add_option("data", encode.data_path, "dataset file")->required();
  encode_cmd->add_option("--dataset", encode.dataset, "matrix inside the data file")->capture_default_str();
  encode_cmd->add_option("-o,--output", encode.output_path, "codes file to write (/W)")->required();
  encode_cmd->add_option("--algo", encode.algorithm,
                         "anls (exact NNLS) | hals | mu | pgd (iterative); default anls up to 256 atoms, hals beyond")
      ->check(CLI::IsMember(nmfx::nmf::encode_rule_names()));
  encode_cmd->add_option("--l1", encode.l1, "L1 penalty on the codes")->capture_default_str()->check(finite_nonnegative());
  encode_cmd->add_option("--max-iter", encode.max_iterations, "iterations at most (hals, mu, pgd)")
      ->capture_default_str()
      ->transform(integer_in(1, LONG_MAX));
  encode_cmd->add_option("--tol", encode.tolerance,
                         "stop when rel_error decreases by less than this fraction (0: off; hals, mu, pgd)")
      ->capture_default_str()
      ->check(finite_nonnegative());
  add_precision(encode_cmd, encode.precision, "X and its product with H");

  nmfx::runner::DecodeConfig decode;
  auto* decode_cmd = app.add_subcommand("decode", "Reconstructions W H from codes and a run's H");
  decode_cmd->add_option("codes", decode.codes_path, "codes file (/W)")->required();
  decode_cmd->add_option("run", decode.run_path, "run file with the dictionary /H")->required();
  decode_cmd->add_option("-o,--output", decode.output_path, "file to write (/X_hat)")->required();
  add_precision(decode_cmd, decode.precision, "the product W H and the written /X_hat");

  nmfx::runner::PcaConfig pca;
  auto* pca_cmd = app.add_subcommand("pca", "PCA baseline: mean-centred truncated SVD");
  pca_cmd->add_option("data", pca.data_path, "dataset file")->required();
  pca_cmd->add_option("-k,--rank", pca.rank, "number of components")->required()->transform(integer_in(1, INT_MAX));
  pca_cmd->add_option("--dataset", pca.dataset, "matrix inside the data file")->capture_default_str();
  pca_cmd->add_option("-o,--output", pca.output_path, "file to write")->required();
  add_precision(pca_cmd, pca.precision, "X and its QR factorization");

  nmfx::autoencoder::Config autoencoder;
  auto* autoencoder_cmd = app.add_subcommand(
      "autoencoder", "Train the shallow non-negative sparse autoencoder of seed 004 (run under mpirun)");
  const auto autoencoder_options = add_settings<nmfx::autoencoder::Setting, nmfx::autoencoder::Config>(
      autoencoder_cmd, nmfx::autoencoder::settings());
  autoencoder_cmd->add_option("-o,--output", autoencoder.output_path, "run file to write (HDF5)")->required();

  nmfx::evaluation::EvaluateConfig evaluate;
  auto* evaluate_cmd = app.add_subcommand(
      "evaluate", "Judge a run's dictionary on held-out data: error, code sparsity, SVM accuracy, dilation");
  evaluate_cmd->add_option("run", evaluate.run_path, "run file (nmfx fit or nmfx autoencoder)")->required();
  evaluate_cmd->add_option("test", evaluate.test_path, "dataset file of held-out samples (with /labels)")->required();
  evaluate_cmd->add_option("--train", evaluate.train_path,
                           "the training dataset file, for its /labels (default: the run's 'data' attribute)");
  evaluate_cmd->add_option("--dataset", evaluate.dataset, "matrix inside the data files")->capture_default_str();
  evaluate_cmd->add_option("--samples", evaluate.samples, "test samples whose codes and reconstructions are kept")
      ->capture_default_str()
      ->transform(integer_in(0, 1000));

  nmfx::sweep::SweepOptions sweep;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "Run a grid of fits from a TOML file: groups of ranks under one mpirun, or one point "
               "per SLURM array task");
  sweep_cmd->add_option("file", sweep.plan_path, "sweep file (TOML), e.g. inputs/sweep-tiny.toml")->required();
  auto* group_opt = sweep_cmd->add_option(
      "--group-size", sweep.group_size,
      "ranks per point: the ranks split into groups that take points from a shared queue (default: all)")
      ->transform(integer_in(1, INT_MAX));
  auto* task_opt = sweep_cmd->add_option("--task", sweep.task,
                                         "run only point N, 0-based (default: $SLURM_ARRAY_TASK_ID when set)")
                       ->transform(integer_in(0, LONG_MAX));
  sweep_cmd->add_option("--data", sweep.overrides.data, "dataset file for every point (replaces the file's)");
  sweep_cmd->add_option("-o,--output", sweep.overrides.output, "folder of the run files (replaces the file's)");
  using SweepAction = nmfx::sweep::SweepOptions::Action;
  auto* count_flag = sweep_cmd->add_flag("--count", "print the number of points");
  auto* list_flag = sweep_cmd->add_flag("--list", "print every point: index, status, name")->excludes(count_flag);
  auto* collect_flag = sweep_cmd->add_flag("--collect", "write OUTPUT/summary.csv and OUTPUT/summary.h5")
                           ->excludes(count_flag)
                           ->excludes(list_flag);
  task_opt->excludes(group_opt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (root) return app.exit(e);
    return e.get_exit_code();
  }

  try {
    if (fit_cmd->parsed()) {
      apply_settings(fit_options, fit);
      fit.command_line = join(argc, argv);
      const int threads = omp_get_max_threads();
      const int cores = mpi.world().min(usable_cores());
      if (root) {
        const int ranks = mpi.world().size();
        std::printf("nmfx %s: %d rank%s x %d thread%s\n", NMFX_VERSION, ranks, ranks > 1 ? "s" : "", threads,
                    threads > 1 ? "s" : "");
        if (cores < threads)
          std::printf("nmfx fit: note: %d threads per rank share %d core%s (mpirun binds each rank to one core "
                      "by default): add --bind-to none or --map-by slot:PE=%d\n",
                      threads, cores, cores > 1 ? "s" : "", threads);
      }
      const auto summary = nmfx::runner::run_fit(MPI_COMM_WORLD, fit, root);
      if (summary.stop_reason == nmfx::nmf::StopReason::interrupted)
        return nmfx::runner::interrupted_exit_code;
      if (summary.stop_reason == nmfx::nmf::StopReason::non_finite) {
        if (root)
          std::fprintf(stderr, "nmfx: error: the iterates overflowed or became NaN after iteration %ld; "
                       "the run file keeps that iteration's factors (stop_reason non_finite)\n",
                       summary.iterations);
        return 1;
      }
    } else if (synth_cmd->parsed()) {
      nmfx::runner::run_synth(MPI_COMM_WORLD, synth, root);
    } else if (import_cmd->parsed()) {
      nmfx::runner::run_import(MPI_COMM_WORLD, import, root);
    } else if (info_cmd->parsed()) {
      nmfx::runner::run_info(MPI_COMM_WORLD, info_path, root);
    } else if (encode_cmd->parsed()) {
      nmfx::runner::run_encode(MPI_COMM_WORLD, encode, root);
    } else if (decode_cmd->parsed()) {
      nmfx::runner::run_decode(MPI_COMM_WORLD, decode, root);
    } else if (pca_cmd->parsed()) {
      nmfx::runner::run_pca(MPI_COMM_WORLD, pca, root);
    } else if (autoencoder_cmd->parsed()) {
      apply_settings(autoencoder_options, autoencoder);
      autoencoder.command_line = join(argc, argv);
      nmfx::autoencoder::run_autoencoder(MPI_COMM_WORLD, autoencoder, root);
    } else if (evaluate_cmd->parsed()) {
      nmfx::evaluation::run_evaluate(MPI_COMM_WORLD, evaluate, root);
    } else if (sweep_cmd->parsed()) {
      sweep.action = *count_flag ? SweepAction::count : *list_flag ? SweepAction::list
                   : *collect_flag ? SweepAction::collect : SweepAction::run;
      if (!*task_opt && !*group_opt) sweep.task = nmfx::sweep::task_from_environment();
      return nmfx::sweep::run_sweep(MPI_COMM_WORLD, sweep);
    }
  } catch (const nmfx::Error& e) {
    if (e.collective()) {
      if (root) std::fprintf(stderr, "nmfx: error: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr, "nmfx: error (rank %d): %s\n", rank, e.what());
    mpi.world().abort(1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nmfx: internal error (rank %d): %s\n", rank, e.what());
    mpi.world().abort(2);
  }
  return 0;
}
