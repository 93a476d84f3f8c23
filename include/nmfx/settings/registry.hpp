#pragma once
// The settings of a fit, each declared once. The command line (`nmfx fit`
// flags), the sweep file's TOML keys, the run file's attributes, the resume
// check and the sweep's "already done with these settings" check are all
// generated from the one table `fit_settings()`. Adding a setting means one
// entry there, a field in FitConfig, and the code that uses it.
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "nmfx/nmf/encode.hpp"
#include "nmfx/nmf/rules.hpp"

namespace nmfx::settings {

/// The settings of one fit as given (flags, a sweep file, defaults). Checked
/// one by one when set through the registry, and together by make_plan.
struct FitConfig {
  std::string data_path;
  std::string dataset = "/X";
  std::string precision = "double";  // single | double: X and its products
  std::string missing = "none";      // none | nan: NaN entries of X are missing (masked NMF)
  double holdout = 0;                // fraction of X's entries hidden from the fit, in [0, 1)
  std::string output_path;
  int rank = 0;                      // k (model nmf)
  std::string model = "nmf";         // nmf | deep
  std::vector<int> ranks;            // deep: r1 >= r2 >= ... >= rL
  std::string deep_loss = "global";  // deep: global | layer-sum | layer-seq
  long pretrain_iterations = 0;      // deep: layer-by-layer iterations per layer first
  std::string algorithm = "hals";
  nmf::RuleOptions rule_w, rule_h;  // penalties, steps, Adam settings per factor
  std::string init = "random";      // random | eye | nndsvd | nndsvda | nndsvdar | ssvd | file:RUN.h5
  double init_scale = 1;            // factor on the random and eye initializations
  long max_iterations = 100;
  double tolerance = 0;
  double time_limit = 0;
  std::uint64_t seed = 0;
  std::string grid;           // "PRxPC", empty: chosen from the matrix shape
  int block = 0;              // 0: the default block size
  long progress_every = 10;   // a progress line every N iterations (0: never)
  long metrics_every = 10;    // low-rank-bias metrics every N iterations (0: never)
  std::string snapshots;      // "" (none) | "0,10,50" | "log:N" | "every:N": iterations whose factors are kept
  bool snapshot_w = false;    // snapshots keep W (every layer's) too, not only the codes
  std::string early_stop = "none";  // none | plateau
  int plateau_window = 5;     // evaluations
  double plateau_tolerance = 0.01;
  bool reference = true;      // sigma(X) and the Eckart-Young bound, once per run
  // --test: held-out samples encoded against the dictionary at every
  // evaluation, and how (as `nmfx encode`; "auto": anls up to
  // nmf::exact_encode_atoms atoms, hals beyond).
  std::string test_path;
  std::string test_algorithm = "auto";
  long test_max_iterations = nmf::EncodeOptions{}.max_iterations;
  double test_tolerance = nmf::EncodeOptions{}.tolerance;
  double test_l1 = 0;
  long checkpoint_every = 0;  // OUTPUT.checkpoint every N iterations (0: only on a signal)
  bool resume = false;        // continue from OUTPUT.checkpoint
  std::string command_line;
};

/// A setting's value: an integer, a number, a text, a flag or a list of
/// integers.
using Value = std::variant<long, double, std::string, bool, std::vector<long>>;

enum class Type { integer, number, text, flag, integers };

/// What a setting changes, which decides where it must match.
enum class Effect {
  /// The iterates (and recorded metrics): a checkpoint continues only with
  /// the same value, and a finished run counts only for the same value.
  iterates,
  /// Where the run stops (max-iter, tol, ...): --resume may change it; a
  /// finished run counts only for the same value.
  outcome,
  /// Neither (printing, checkpoint frequency, layout choices checked as
  /// facts of the run instead).
  none,
};

struct Setting {
  std::string name;       // the flag without "--", and the TOML key
  std::string alias;      // a short flag ("-k") or ""
  Type type;
  std::string help;
  Effect effect;
  std::string attribute;  // the run-file attribute; "" when not recorded
  bool positional = false;  // a command-line operand (the data file), not a flag
  bool file = false;        // a file path: compared by identity, recorded absolute
  std::function<Value(const FitConfig&)> get;
  /// Sets the value; Error (naming the problem, not the setting) when it is
  /// out of range.
  std::function<void(FitConfig&, const Value&)> set;
};

/// Every fit setting in the canonical order (data and model first, the seed
/// last: a sweep's points of one seed list are repetitions of one setting).
const std::vector<Setting>& fit_settings();

/// The setting named `name` (flag / TOML key), or nullptr.
const Setting* find_setting(const std::string& name);

/// A value as text: integers in decimal, numbers in their shortest exact
/// form, flags true/false, lists joined by `separator`.
std::string to_text(const Value& value, const char* separator = ",");

/// The value as the run file stores it: integers and flags (0/1) as
/// integers, numbers as numbers, texts and lists (comma-joined) as text.
using Attribute = std::variant<long, double, std::string>;
Attribute to_attribute(const Setting& setting, const FitConfig& config);

/// A recorded value for messages: numbers as they are, flags true/false,
/// texts quoted.
std::string value_text(const Setting& setting, const Attribute& value);

/// A check that a text is one of `choices`: Error "unknown value 'v'
/// (choose a, b, c)" otherwise (for settings tables).
std::function<void(const std::string&)> one_of(std::vector<std::string> choices);

/// "--name" (or "name" for an operand) for messages.
std::string flag_name(const Setting& setting);

}  // namespace nmfx::settings
