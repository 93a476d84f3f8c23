#include "nmfx/sweep/plan.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "nmfx/core/error.hpp"

namespace nmfx::sweep {
namespace {

namespace fs = std::filesystem;
using runner::FitConfig;

using settings::Setting;
using Kind = settings::Type;

// The keys are the registry's fit settings (settings::fit_settings()), in
// its order; `output` (the folder of the run files) is the one other key.

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::integer: return "an integer";
    case Kind::number: return "a number";
    case Kind::text: return "a string";
    case Kind::flag: return "true or false";
    case Kind::integers: return "a list of integers";
  }
  return "";
}

std::string type_name(const toml::node& node) {
  std::ostringstream s;
  s << node.type();
  return s.str();
}

/// "FILE:LINE: " for error messages.
std::string where(const std::string& source, const toml::node& node) {
  return source + ":" + std::to_string(node.source().begin.line) + ": ";
}

/// One scalar (or, for `ranks`, one list) of `kind`; Error naming the key.
Value read_value(const toml::node& node, Kind kind, const std::string& key, const std::string& source) {
  auto wrong = [&] {
    return Error(where(source, node) + "'" + key + "' must be " + kind_name(kind) +
                 (kind == Kind::integers ? " (or a list of such lists)" : " (or a list of them)") +
                 ", not " + type_name(node));
  };
  switch (kind) {
    case Kind::integer:
      if (!node.is_integer()) throw wrong();
      return long(*node.value_exact<int64_t>());
    case Kind::number:
      if (node.is_integer()) return long(*node.value_exact<int64_t>());
      if (!node.is_floating_point()) throw wrong();
      return *node.value_exact<double>();
    case Kind::text:
      if (!node.is_string()) throw wrong();
      return *node.value_exact<std::string>();
    case Kind::flag:
      if (!node.is_boolean()) throw wrong();
      return *node.value_exact<bool>();
    case Kind::integers: {
      const toml::array* list = node.as_array();
      if (!list) throw wrong();
      if (list->empty()) throw Error(where(source, node) + "'" + key + "' is an empty list");
      std::vector<long> out;
      for (const toml::node& element : *list) {
        if (!element.is_integer()) throw wrong();
        out.push_back(long(*element.value_exact<int64_t>()));
      }
      return out;
    }
  }
  throw wrong();
}

/// A swept key is a TOML array (for `ranks`: an array of arrays).
bool is_swept(const toml::node& node, Kind kind) {
  const toml::array* list = node.as_array();
  if (!list) return false;
  if (kind != Kind::integers) return true;
  return !list->empty() && list->get(0)->is_array();
}

/// Sets a value; a file setting's as an absolute path (the points may run
/// from another folder).
void set(const Setting& setting, FitConfig& config, const Value& value) {
  if (!setting.file) return setting.set(config, value);
  setting.set(config, fs::absolute(std::get<std::string>(value)).lexically_normal().string());
}

/// A value as a piece of a file name: letters, digits, '.', '+' and '-'.
std::string name_piece(const std::string& key, const Value& value) {
  std::string piece = settings::find_setting(key)->file ? fs::path(std::get<std::string>(value)).stem().string() : to_text(value);
  for (char& c : piece)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') c = '-';
  return key + "-" + piece;
}

}  // namespace

std::string to_text(const Value& value) { return settings::to_text(value, "-"); }

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Setting& s : settings::fit_settings()) k.push_back(s.name);
    return k;
  }();
  return keys;
}

Plan parse_plan(const std::string& text, const std::string& source, const Overrides& overrides) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(source + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " +
                std::string(e.description()));
  }
  Plan plan;
  plan.source = source;
  // Keys in canonical order, whatever the file's order.
  std::map<std::size_t, std::pair<std::string, const toml::node*>> given;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (name == "output") {
      if (!node.is_string())
        throw Error(where(source, node) + "'output' must be a string (a folder), not " + type_name(node));
      plan.output_dir = *node.value_exact<std::string>();
      continue;
    }
    const Setting* setting = settings::find_setting(name);
    if (!setting) {
      std::string known = "output";
      for (const Setting& s : settings::fit_settings()) known += ", " + s.name;
      throw Error(where(source, node) + "unknown key '" + name + "' (known: " + known + ")");
    }
    given[std::size_t(setting - settings::fit_settings().data())] = {name, &node};
  }
  if (!overrides.data.empty()) given.erase(0);  // settings[0] is "data"
  if (!overrides.output.empty()) plan.output_dir = overrides.output;

  FitConfig scratch;
  for (const auto& [position, entry] : given) {
    const auto& [key, node] = entry;
    const Setting& setting = settings::fit_settings()[position];
    std::vector<Value> values;
    if (is_swept(*node, setting.type)) {
      const toml::array& list = *node->as_array();
      if (list.empty())
        throw Error(where(source, *node) + "'" + key + "' is an empty list: give at least one value");
      for (const toml::node& element : list) values.push_back(read_value(element, setting.type, key, source));
    } else {
      values.push_back(read_value(*node, setting.type, key, source));
    }
    for (const Value& v : values) {  // every value is checked now, not when its point runs
      try {
        set(setting, scratch, v);
      } catch (const Error& e) {
        throw Error(where(source, *node) + "'" + key + "': " + e.what());
      }
    }
    if (is_swept(*node, setting.type))
      plan.axes.push_back({key, std::move(values)});
    else
      plan.fixed.emplace_back(key, values.front());
  }
  if (!overrides.data.empty()) plan.fixed.insert(plan.fixed.begin(), {"data", overrides.data});

  auto sets = [&](const std::string& key) {
    for (const auto& [k, v] : plan.fixed) if (k == key) return true;
    for (const Axis& a : plan.axes) if (a.key == key) return true;
    return false;
  };
  if (!sets("data")) throw Error(source + ": no 'data' (the dataset file; or give --data)");
  if (plan.output_dir.empty()) throw Error(source + ": no 'output' (the folder for the run files; or give -o)");
  if (!sets("rank") && !sets("ranks")) throw Error(source + ": no 'rank' (or 'ranks' for Deep NMF)");

  for (const auto& [key, value] : plan.fixed) set(*settings::find_setting(key), plan.base, value);
  return plan;
}

Plan read_plan(const std::string& path, const Overrides& overrides) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error("cannot read the sweep file '" + path + "': it is a folder");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the sweep file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_plan(text.str(), path, overrides);
}

long point_count(const Plan& plan) {
  long n = 1;
  for (const Axis& a : plan.axes) {
    if (n > LONG_MAX / long(a.values.size())) throw Error(plan.source + ": too many points");
    n *= long(a.values.size());
  }
  return n;
}

Point point_at(const Plan& plan, long index) {
  Point p;
  p.index = index;
  p.config = plan.base;
  // Mixed radix, the last axis fastest.
  std::vector<std::size_t> digit(plan.axes.size());
  long rest = index;
  for (std::size_t a = plan.axes.size(); a-- > 0;) {
    const long n = long(plan.axes[a].values.size());
    digit[a] = std::size_t(rest % n);
    rest /= n;
  }
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    const Axis& axis = plan.axes[a];
    const Value& value = axis.values[digit[a]];
    set(*settings::find_setting(axis.key), p.config, value);
    p.values.push_back(to_text(value));
    p.name += (p.name.empty() ? "" : "_") + name_piece(axis.key, value);
  }
  if (p.name.empty()) p.name = "point";
  if (p.name.size() > 200)
    throw Error(plan.source + ": the run file names get too long (" + std::to_string(p.name.size()) +
                " characters); sweep fewer keys or shorter values");
  p.config.output_path = (fs::path(plan.output_dir) / (p.name + ".h5")).string();
  p.config.command_line = "nmfx sweep " + plan.source + " (point " + std::to_string(index) + ": " + p.name + ")";
  return p;
}

std::vector<Point> expand(const Plan& plan) {
  const long n = point_count(plan);
  std::vector<Point> points;
  points.reserve(std::size_t(n));
  std::map<std::string, long> seen;
  for (long i = 0; i < n; ++i) {
    points.push_back(point_at(plan, i));
    const auto [it, fresh] = seen.emplace(points.back().name, i);
    if (!fresh)
      throw Error(plan.source + ": points " + std::to_string(it->second) + " and " + std::to_string(i) +
                  " would both write '" + points.back().name + ".h5' (two values give the same name)");
  }
  return points;
}

}  // namespace nmfx::sweep
