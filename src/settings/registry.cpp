#include "nmfx/settings/registry.hpp"

#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>

#include "nmfx/core/error.hpp"
#include "nmfx/core/grid.hpp"

namespace nmfx::settings {
namespace {

namespace fs = std::filesystem;

// Values of the FitConfig field types, both ways. Reading checks the range
// of the field's type; numbers must be finite.
Value to_value(bool v) { return v; }
Value to_value(long v) { return v; }
Value to_value(int v) { return long(v); }
Value to_value(std::uint64_t v) { return long(v); }
Value to_value(double v) { return v; }
Value to_value(const std::string& v) { return v; }
Value to_value(const std::vector<int>& v) { return std::vector<long>(v.begin(), v.end()); }

long as_long(const Value& v) { return std::get<long>(v); }

template <class T>
T from_value(const Value& v);
template <>
long from_value<long>(const Value& v) { return as_long(v); }
template <>
int from_value<int>(const Value& v) {
  const long i = as_long(v);
  if (i < INT_MIN || i > INT_MAX) throw Error("value " + std::to_string(i) + " is out of range");
  return int(i);
}
template <>
std::uint64_t from_value<std::uint64_t>(const Value& v) {
  const long i = as_long(v);
  if (i < 0) throw Error("must be >= 0 (got " + std::to_string(i) + ")");
  return std::uint64_t(i);
}
template <>
double from_value<double>(const Value& v) {
  const double d = std::holds_alternative<long>(v) ? double(as_long(v)) : std::get<double>(v);
  if (!std::isfinite(d)) throw Error("must be a finite number (got " + to_text(v) + ")");
  return d;
}
template <>
std::string from_value<std::string>(const Value& v) { return std::get<std::string>(v); }
template <>
bool from_value<bool>(const Value& v) { return std::get<bool>(v); }
template <>
std::vector<int> from_value<std::vector<int>>(const Value& v) {
  std::vector<int> out;
  for (long r : std::get<std::vector<long>>(v)) out.push_back(from_value<int>(Value(r)));
  return out;
}

/// A check of a typed value; throws Error saying what is wrong.
template <class T>
using Check = std::function<void(const T&)>;

template <class T>
Check<T> at_least(T low) {
  return [low](const T& v) {
    if (!(v >= low)) throw Error("must be >= " + to_text(to_value(low)) + " (got " + to_text(to_value(v)) + ")");
  };
}


struct Access {
  std::function<Value(const FitConfig&)> get;
  std::function<void(FitConfig&, const Value&)> set;
};

/// Reads and writes one FitConfig field, checking the value first.
template <class T>
Access field(T FitConfig::*member, Check<T> check = {}) {
  return {[member](const FitConfig& c) { return to_value(c.*member); },
          [member, check](FitConfig& c, const Value& v) {
            T value = from_value<T>(v);
            if (check) check(value);
            c.*member = std::move(value);
          }};
}

/// A rule option of W ('w'), of H ('h'), or of both (one value for the two).
Access rule_option(double nmf::RuleOptions::*member, char side, Check<double> check = {}) {
  return {[member, side](const FitConfig& c) { return Value((side == 'h' ? c.rule_h : c.rule_w).*member); },
          [member, side, check](FitConfig& c, const Value& v) {
            const double value = from_value<double>(v);
            if (check) check(value);
            if (side != 'h') c.rule_w.*member = value;
            if (side != 'w') c.rule_h.*member = value;
          }};
}

Setting make(const char* name, Type type, Effect effect, const char* attribute, const std::string& help,
             Access access) {
  Setting s;
  s.name = name;
  s.type = type;
  s.effect = effect;
  s.attribute = attribute;
  s.help = help;
  s.get = std::move(access.get);
  s.set = std::move(access.set);
  return s;
}

std::vector<Setting> declare() {
  using E = Effect;
  using T = Type;
  const Check<double> non_negative = at_least(0.0);
  std::vector<Setting> s;
  s.push_back(make("data", T::text, E::iterates, "data", "dataset file (HDF5)",
                   field<std::string>(&FitConfig::data_path)));
  s.back().positional = true;
  s.back().file = true;
  s.push_back(make("dataset", T::text, E::iterates, "dataset", "matrix inside the data file",
                   field<std::string>(&FitConfig::dataset)));
  s.push_back(make("precision", T::text, E::iterates, "precision",
                   "single | double: X held and multiplied in float32 (half the memory, SGEMM) or float64; "
                   "factors, updates and sums stay double",
                   field<std::string>(&FitConfig::precision, one_of({"single", "double"}))));
  s.push_back(make("missing", T::text, E::iterates, "missing",
                   "none | nan: NaN entries of X are missing, left out of the objective (masked NMF)",
                   field<std::string>(&FitConfig::missing, one_of({"none", "nan"}))));
  s.push_back(make("holdout", T::number, E::iterates, "holdout",
                   "hide this fraction of X's entries from the fit (chosen by --seed and the entry's index) "
                   "and record the error on them (/history/heldout_rel_error)",
                   field<double>(&FitConfig::holdout, [](const double& v) {
                     if (!(v >= 0 && v < 1)) throw Error("must lie in [0, 1) (got " + to_text(v) + ")");
                   })));
  s.push_back(make("model", T::text, E::iterates, "model", "nmf | deep (X ~ W1 W2 ... WL H)",
                   field<std::string>(&FitConfig::model, one_of({"nmf", "deep"}))));
  // Recorded as the layer ranks of the model ({k} for --model nmf), which
  // is how the run file names both; the attribute "rank" is the rank of the
  // trained model.
  s.push_back(make("ranks", T::integers, E::iterates, "ranks",
                   "deep: layer ranks r1,r2,...,rL, non-increasing (e.g. 50,20,10 or 100,100,100)",
                   {[](const FitConfig& c) {
                      return to_value(c.model == "deep" ? c.ranks : std::vector<int>{c.rank});
                    },
                    field<std::vector<int>>(&FitConfig::ranks).set}));
  s.push_back(make("rank", T::integer, E::iterates, "", "factorization rank k (--model nmf)",
                   field<int>(&FitConfig::rank, at_least(1))));
  s.back().alias = "-k";
  s.push_back(make("deep-loss", T::text, E::iterates, "deep_loss",
                   "deep: global (||X - W1...WL H||) | layer-sum | layer-seq (layer by layer)",
                   field<std::string>(&FitConfig::deep_loss, one_of({"global", "layer-sum", "layer-seq"}))));
  s.push_back(make("pretrain", T::integer, E::iterates, "pretrain",
                   "deep: first train layer by layer, N iterations per layer (0: off)",
                   field<long>(&FitConfig::pretrain_iterations, at_least(0L))));
  s.push_back(make("algo", T::text, E::iterates, "algorithm", "update rule: mu | hals | anls | pgd | als | adam",
                   field<std::string>(&FitConfig::algorithm, one_of(nmf::rule_names()))));
  s.push_back(make("init", T::text, E::iterates, "init",
                   "random | eye | nndsvd | nndsvda | nndsvdar | ssvd (deep: NNDSVD layer by layer) | "
                   "file:RUN.h5 (warm start)",
                   field<std::string>(&FitConfig::init, [](const std::string& v) {
                     if (v.rfind("file:", 0) != 0)
                       one_of({"random", "eye", "nndsvd", "nndsvda", "nndsvdar", "ssvd", "file:RUN.h5"})(v);
                   })));
  s.push_back(make("init-scale", T::number, E::iterates, "init_scale",
                   "factor on the random and eye initial factors (small: the incremental-learning regime)",
                   field<double>(&FitConfig::init_scale, [](const double& v) {
                     if (!(v > 0)) throw Error("must be > 0 (got " + to_text(v) + ")");
                   })));
  s.push_back(make("l1-w", T::number, E::iterates, "l1_w", "L1 penalty on W", rule_option(&nmf::RuleOptions::l1, 'w', non_negative)));
  s.push_back(make("l2-w", T::number, E::iterates, "l2_w", "L2 penalty (l2/2 ||W||^2) on W", rule_option(&nmf::RuleOptions::l2, 'w', non_negative)));
  s.push_back(make("l1-h", T::number, E::iterates, "l1_h", "L1 penalty on H", rule_option(&nmf::RuleOptions::l1, 'h', non_negative)));
  s.push_back(make("l2-h", T::number, E::iterates, "l2_h", "L2 penalty (l2/2 ||H||^2) on H", rule_option(&nmf::RuleOptions::l2, 'h', non_negative)));
  const Check<double> sparseness = [](const double& v) {
    if (v > 1) throw Error("must lie in [0, 1] (got " + to_text(v) + ")");
  };
  s.push_back(make("sparsity-w", T::number, E::iterates, "sparsity_w",
                   "pgd: Hoyer sparseness of every column of W, in [0, 1] (off if < 0)",
                   rule_option(&nmf::RuleOptions::sparsity, 'w', sparseness)));
  s.push_back(make("sparsity-h", T::number, E::iterates, "sparsity_h",
                   "pgd: Hoyer sparseness of every row of H (every atom), in [0, 1] (off if < 0)",
                   rule_option(&nmf::RuleOptions::sparsity, 'h', sparseness)));
  s.push_back(make("step", T::number, E::iterates, "step", "pgd: fixed step size (0: 1/L from the Gram matrix)",
                   rule_option(&nmf::RuleOptions::step, 'b', non_negative)));
  s.push_back(make("lr", T::number, E::iterates, "lr", "adam: learning rate",
                   rule_option(&nmf::RuleOptions::learning_rate, 'b', [](const double& v) {
                     if (!(v > 0)) throw Error("must be > 0 (got " + to_text(v) + ")");
                   })));
  const Check<double> decay = [](const double& v) {
    if (!(v >= 0 && v < 1)) throw Error("must lie in [0, 1) (got " + to_text(v) + ")");
  };
  s.push_back(make("beta1", T::number, E::iterates, "beta1", "adam: first-moment decay",
                   rule_option(&nmf::RuleOptions::beta1, 'b', decay)));
  s.push_back(make("beta2", T::number, E::iterates, "beta2", "adam: second-moment decay",
                   rule_option(&nmf::RuleOptions::beta2, 'b', decay)));
  s.push_back(make("max-iter", T::integer, E::outcome, "max_iter", "iterations at most",
                   field<long>(&FitConfig::max_iterations, at_least(0L))));
  s.push_back(make("tol", T::number, E::outcome, "tol",
                   "stop when rel_error decreases by less than this fraction (0: off)",
                   field<double>(&FitConfig::tolerance, non_negative)));
  s.push_back(make("time-limit", T::number, E::none, "time_limit", "stop after S seconds (0: off)",
                   field<double>(&FitConfig::time_limit, non_negative)));
  s.push_back(make("metrics-every", T::integer, E::iterates, "metrics_every",
                   "effective rank, spectra, sparsity every N iterations (0: off)",
                   field<long>(&FitConfig::metrics_every, at_least(0L))));
  s.push_back(make("snapshots", T::text, E::iterates, "snapshots",
                   "keep H (every layer's code) at these iterations, with their spectra: 0,10,50 | log:N "
                   "(N spaced logarithmically up to the last) | every:N",
                   field<std::string>(&FitConfig::snapshots)));
  s.push_back(make("snapshot-w", T::flag, E::iterates, "snapshot_w", "snapshots keep W (every layer's) too",
                   field<bool>(&FitConfig::snapshot_w)));
  s.push_back(make("early-stop", T::text, E::outcome, "early_stop",
                   "none | plateau (stop at the first effective-rank plateau)",
                   field<std::string>(&FitConfig::early_stop, one_of({"none", "plateau"}))));
  s.push_back(make("plateau-window", T::integer, E::outcome, "plateau_window",
                   "plateau: evaluations over which the effective rank must be flat",
                   field<int>(&FitConfig::plateau_window, at_least(1))));
  s.push_back(make("plateau-tol", T::number, E::outcome, "plateau_tol",
                   "plateau: largest relative change of the effective rank in the window",
                   field<double>(&FitConfig::plateau_tolerance, non_negative)));
  s.push_back(make("test", T::text, E::iterates, "test",
                   "held-out samples (HDF5, the same --dataset and features), encoded against the dictionary "
                   "at every metrics evaluation and at the end: /metrics/test_rel_error",
                   field<std::string>(&FitConfig::test_path)));
  s.back().file = true;
  s.push_back(make("test-algo", T::text, E::iterates, "test_algo",
                   "--test: encoding rule anls (exact NNLS) | hals | mu | pgd; auto: anls up to " +
                       std::to_string(nmf::exact_encode_atoms) + " atoms, hals beyond",
                   field<std::string>(&FitConfig::test_algorithm, [](const std::string& v) {
                     std::vector<std::string> choices = nmf::encode_rule_names();
                     choices.insert(choices.begin(), "auto");
                     one_of(choices)(v);
                   })));
  s.push_back(make("test-max-iter", T::integer, E::iterates, "test_max_iter",
                   "--test: encoding iterations at most (hals, mu, pgd)",
                   field<long>(&FitConfig::test_max_iterations, at_least(1L))));
  s.push_back(make("test-tol", T::number, E::iterates, "test_tol",
                   "--test: encoding stops when rel_error decreases by less than this fraction (0: off; "
                   "hals, mu, pgd)",
                   field<double>(&FitConfig::test_tolerance, non_negative)));
  s.push_back(make("test-l1", T::number, E::iterates, "test_l1", "--test: L1 penalty on the test codes",
                   field<double>(&FitConfig::test_l1, non_negative)));
  s.push_back(make("no-reference", T::flag, E::none, "no_reference",
                   "skip the singular values of X and the Eckart-Young bound",
                   {[](const FitConfig& c) { return Value(!c.reference); },
                    [](FitConfig& c, const Value& v) { c.reference = !std::get<bool>(v); }}));
  // The grid and block a run used are recorded as facts ("grid", "block").
  s.push_back(make("grid", T::text, E::none, "", "process grid PRxPC (default: chosen from the shape)",
                   field<std::string>(&FitConfig::grid, [](const std::string& v) {
                     if (!v.empty()) parse_grid(v);
                   })));
  s.push_back(make("block", T::integer, E::none, "", "block-cyclic block size (default 64)",
                   field<int>(&FitConfig::block, [](const int& v) {
                     if (v < 1 || v > (1 << 20)) throw Error("must lie in [1, 1048576] (got " + std::to_string(v) + ")");
                   })));
  s.push_back(make("progress", T::integer, E::none, "", "progress line every N iterations (0: off)",
                   field<long>(&FitConfig::progress_every, at_least(0L))));
  s.push_back(make("checkpoint-every", T::integer, E::none, "",
                   "write OUTPUT.checkpoint every N iterations (0: only on SIGTERM/SIGUSR1)",
                   field<long>(&FitConfig::checkpoint_every, at_least(0L))));
  s.push_back(make("seed", T::integer, E::iterates, "seed", "random seed", field<std::uint64_t>(&FitConfig::seed)));
  return s;
}

}  // namespace

std::function<void(const std::string&)> one_of(std::vector<std::string> choices) {
  return [choices](const std::string& v) {
    std::string known;
    for (const auto& c : choices) {
      if (v == c) return;
      known += (known.empty() ? "" : ", ") + c;
    }
    throw Error("unknown value '" + v + "' (choose " + known + ")");
  };
}

const std::vector<Setting>& fit_settings() {
  static const std::vector<Setting> settings = declare();
  return settings;
}

const Setting* find_setting(const std::string& name) {
  for (const Setting& s : fit_settings())
    if (s.name == name) return &s;
  return nullptr;
}

std::string to_text(const Value& value, const char* separator) {
  if (auto i = std::get_if<long>(&value)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&value)) {
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, *d);
    return std::string(buffer, r.ptr);
  }
  if (auto s = std::get_if<std::string>(&value)) return *s;
  if (auto b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  std::string out;
  for (long r : std::get<std::vector<long>>(value)) out += (out.empty() ? "" : separator) + std::to_string(r);
  return out;
}

Attribute to_attribute(const Setting& setting, const FitConfig& config) {
  const Value v = setting.get(config);
  if (setting.file) {
    const std::string& path = std::get<std::string>(v);
    return path.empty() ? path : fs::absolute(path).lexically_normal().string();
  }
  if (auto i = std::get_if<long>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto b = std::get_if<bool>(&v)) return long(*b);
  return to_text(v);
}

std::string value_text(const Setting& setting, const Attribute& value) {
  if (auto i = std::get_if<long>(&value)) return setting.type == Type::flag ? (*i ? "true" : "false") : std::to_string(*i);
  if (auto d = std::get_if<double>(&value)) return to_text(*d);
  return "'" + std::get<std::string>(value) + "'";
}

std::string flag_name(const Setting& setting) { return setting.positional ? setting.name : "--" + setting.name; }

}  // namespace nmfx::settings
