#pragma once
// A sweep file (TOML): the settings every fit shares plus lists of values for
// the swept keys, expanded into points (the cartesian product) in a stable,
// documented order. Keys are the `nmfx fit` flag names (rank, algo, seed,
// max-iter, ...); parsing is local (no MPI).
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "nmfx/runner/fit.hpp"

namespace nmfx::sweep {

using settings::Value;

/// A value as text: integers in decimal, numbers in their shortest exact
/// form, lists joined by '-'.
std::string to_text(const Value& value);

/// A swept key and the values to try, in the order the file lists them.
struct Axis {
  std::string key;
  std::vector<Value> values;
};

/// A parsed sweep. `axes` follow the canonical key order (setting_keys);
/// the first axis varies slowest, the last fastest.
struct Plan {
  std::string source;                                // the sweep file
  std::string output_dir;                            // where run files go
  std::vector<std::pair<std::string, Value>> fixed;  // settings every point shares
  std::vector<Axis> axes;                            // swept settings
  runner::FitConfig base;                            // defaults + fixed settings
};

/// One fit of a sweep.
struct Point {
  long index = 0;                   // 0-based, in sweep order
  std::string name;                 // file stem, e.g. "rank-5_algo-hals_seed-1"
  std::vector<std::string> values;  // each axis's value (to_text), in axis order
  runner::FitConfig config;         // output_path: output_dir/name.h5
};

/// What the command line may replace in a sweep file (empty: keep the file's).
struct Overrides {
  std::string data;    // one dataset file for every point
  std::string output;  // the output folder
};

/// Every setting key a sweep file may use, in the canonical (sweep) order;
/// `output` (the folder) is the one other key.
const std::vector<std::string>& setting_keys();

/// Parses the text of a sweep file named `source`. Error, one line naming
/// the file, the line and the key, on TOML syntax errors, unknown keys,
/// wrong types, empty lists and missing data / output / rank.
Plan parse_plan(const std::string& text, const std::string& source, const Overrides& overrides = {});

/// Reads and parses a sweep file (Error when it is missing or unreadable).
Plan read_plan(const std::string& path, const Overrides& overrides = {});

/// The number of points (the product of the axis lengths).
long point_count(const Plan& plan);

/// Point `index` (0 <= index < point_count).
Point point_at(const Plan& plan, long index);

/// Every point, in order. Error when two points would share a run file name.
std::vector<Point> expand(const Plan& plan);

}  // namespace nmfx::sweep
