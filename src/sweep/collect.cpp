#include "nmfx/sweep/collect.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "nmfx/core/error.hpp"
#include "nmfx/core/mpi.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/io/output.hpp"
#include "nmfx/sweep/state.hpp"

namespace nmfx::sweep {
namespace {

namespace fs = std::filesystem;

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// Numbers exactly (shortest round-trip form); NaN as an empty cell.
std::string csv_number(double v) { return std::isnan(v) ? "" : to_text(v); }
std::string csv_count(long v) { return v < 0 ? "" : std::to_string(v); }

/// Rank selection: per group of points whose swept settings other than the
/// rank agree, 1 for the finished point with the lowest held-out error (of
/// the hidden entries, else of the test set), 0 for the group's others, -1
/// where no point of the group has one.
std::vector<long> best_ranks(const Plan& plan, const std::vector<Point>& points,
                             const std::vector<PointState>& states) {
  std::vector<std::string> group(points.size());  // the swept values but the rank
  for (std::size_t i = 0; i < points.size(); ++i)
    for (std::size_t a = 0; a < plan.axes.size(); ++a)
      if (plan.axes[a].key != "rank" && plan.axes[a].key != "ranks") group[i] += points[i].values[a] + "\n";
  auto error = [&](std::size_t i) {
    const RunRecord& r = states[i].record;
    if (states[i].status != Status::done) return RunRecord::none;
    return std::isnan(r.heldout_rel_error) ? r.test_rel_error : r.heldout_rel_error;
  };
  std::vector<long> best(points.size(), -1);
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (std::isnan(error(i))) continue;
    best[i] = 1;
    for (std::size_t j = 0; j < points.size() && best[i] == 1; ++j)
      if (j != i && !std::isnan(error(j)) && group[j] == group[i] &&
          (error(j) < error(i) || (error(j) == error(i) && j < i)))
        best[i] = 0;
  }
  for (std::size_t i = 0; i < points.size(); ++i)  // the group's other points: 0
    if (best[i] < 0)
      for (std::size_t j = 0; j < points.size(); ++j)
        if (best[j] >= 0 && group[j] == group[i]) best[i] = 0;
  return best;
}

std::string summary_csv(const Plan& plan, const std::vector<Point>& points, const std::vector<PointState>& states,
                        const std::vector<long>& best) {
  std::string csv = "index,name";
  for (const Axis& a : plan.axes) csv += "," + csv_cell(a.key);
  csv += ",status,stop_reason,iterations,rel_error,rel_residual,heldout_rel_error,best_rank,svd_rel_error,"
         "effective_rank,first_plateau,seconds,seconds_per_iteration,test_rel_error,test_rel_residual,run_file,"
         "message\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    const PointState& s = states[i];
    const RunRecord& r = s.record;
    csv += std::to_string(p.index) + "," + csv_cell(p.name);
    for (const std::string& v : p.values) csv += "," + csv_cell(v);
    csv += "," + std::string(status_name(s.status)) + "," + csv_cell(r.stop_reason) + "," + csv_count(r.iterations) +
           "," + csv_number(r.rel_error) + "," + csv_number(r.rel_residual) + "," + csv_number(r.heldout_rel_error) +
           "," + csv_count(best[i]) + "," + csv_number(r.svd_rel_error) +
           "," + csv_number(r.effective_rank) + "," + csv_count(r.first_plateau) + "," + csv_number(r.seconds) +
           "," + csv_number(r.seconds_per_iteration) + "," + csv_number(r.test_rel_error) + "," +
           csv_number(r.test_rel_residual) + "," + csv_cell(p.config.output_path) + "," +
           csv_cell(s.message) + "\n";
  }
  return csv;
}

void write_summary_h5(const std::string& path, const Plan& plan, const std::vector<Point>& points,
                      const std::vector<PointState>& states, const std::vector<long>& best) {
  io::AtomicOutput output(MPI_COMM_SELF, path);
  io::File out = io::File::create(MPI_COMM_SELF, output.temporary_path());
  const hsize_t n = points.size();
  auto strings = [&](const std::string& name, auto field) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < points.size(); ++i) v.push_back(field(points[i], states[i]));
    out.write_strings(name, v);
  };
  auto integers = [&](const std::string& name, auto field) {
    std::vector<long> v;
    for (std::size_t i = 0; i < points.size(); ++i) v.push_back(field(points[i], states[i]));
    out.write_replicated(name, {n}, v.data());
  };
  auto numbers = [&](const std::string& name, double RunRecord::*field) {
    std::vector<double> v;
    for (const PointState& s : states) v.push_back(s.record.*field);
    out.write_replicated(name, {n}, v.data());
  };
  integers("/index", [](const Point& p, const PointState&) { return p.index; });
  strings("/name", [](const Point& p, const PointState&) { return p.name; });
  strings("/status", [](const Point&, const PointState& s) { return std::string(status_name(s.status)); });
  strings("/stop_reason", [](const Point&, const PointState& s) { return s.record.stop_reason; });
  integers("/iterations", [](const Point&, const PointState& s) { return s.record.iterations; });
  numbers("/rel_error", &RunRecord::rel_error);
  numbers("/rel_residual", &RunRecord::rel_residual);
  numbers("/heldout_rel_error", &RunRecord::heldout_rel_error);
  out.write_replicated("/best_rank", {n}, best.data());
  numbers("/svd_rel_error", &RunRecord::svd_rel_error);
  numbers("/effective_rank", &RunRecord::effective_rank);
  integers("/first_plateau", [](const Point&, const PointState& s) { return s.record.first_plateau; });
  numbers("/seconds", &RunRecord::seconds);
  numbers("/seconds_per_iteration", &RunRecord::seconds_per_iteration);
  numbers("/test_rel_error", &RunRecord::test_rel_error);
  numbers("/test_rel_residual", &RunRecord::test_rel_residual);
  strings("/run_file", [](const Point& p, const PointState&) { return p.config.output_path; });
  strings("/message", [](const Point&, const PointState& s) { return s.message; });
  // The swept parameters: integers and numbers as such, the rest as text.
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    const Axis& axis = plan.axes[a];
    const std::string name = "/parameters/" + axis.key;
    out.make_parents(name);
    const long radix_after = [&] {
      long r = 1;
      for (std::size_t b = a + 1; b < plan.axes.size(); ++b) r *= long(plan.axes[b].values.size());
      return r;
    }();
    auto value_of = [&](const Point& p) -> const Value& {
      return axis.values[std::size_t(p.index / radix_after % long(axis.values.size()))];
    };
    const Value& first = axis.values.front();
    const bool all_integers = std::all_of(axis.values.begin(), axis.values.end(),
                                          [](const Value& v) { return std::holds_alternative<long>(v); });
    const bool all_numbers = std::all_of(axis.values.begin(), axis.values.end(), [](const Value& v) {
      return std::holds_alternative<long>(v) || std::holds_alternative<double>(v);
    });
    if (all_integers) {
      integers(name, [&](const Point& p, const PointState&) { return std::get<long>(value_of(p)); });
    } else if (all_numbers && !std::holds_alternative<std::string>(first)) {
      std::vector<double> v;
      for (const Point& p : points) {
        const Value& x = value_of(p);
        v.push_back(std::holds_alternative<long>(x) ? double(std::get<long>(x)) : std::get<double>(x));
      }
      out.write_replicated(name, {n}, v.data());
    } else {
      strings(name, [&](const Point& p, const PointState&) { return to_text(value_of(p)); });
    }
  }
  out.write_attribute("sweep", plan.source);
  out.write_attribute("output", plan.output_dir);
  out.write_attribute("points", long(points.size()));
  std::string swept;
  for (const Axis& a : plan.axes) swept += (swept.empty() ? "" : " ") + a.key;
  out.write_attribute("swept", swept);
  for (const auto& [key, value] : plan.fixed) {  // the settings every point shares
    if (auto i = std::get_if<long>(&value))
      out.write_attribute(key, *i);
    else if (auto d = std::get_if<double>(&value))
      out.write_attribute(key, *d);
    else
      out.write_attribute(key, to_text(value));
  }
  out.close();
  output.commit();
}

}  // namespace

Tally collect(MPI_Comm comm, const Plan& plan, const std::vector<Point>& points) {
  const int rank = Communicator(comm).rank();
  long counts[4] = {0, 0, 0, 0};
  collectively(comm, [&] {
    if (rank != 0) return;
    std::vector<PointState> states;
    for (const Point& p : points) {
      states.push_back(inspect(p, true));
      ++counts[int(states.back().status)];
    }
    const fs::path folder(plan.output_dir);
    const std::vector<long> best = best_ranks(plan, points, states);
    io::write_text_atomically((folder / "summary.csv").string(), summary_csv(plan, points, states, best));
    write_summary_h5((folder / "summary.h5").string(), plan, points, states, best);
  });
  Communicator(comm).broadcast(counts, 4);
  return {counts[int(Status::done)], counts[int(Status::interrupted)], counts[int(Status::failed)],
          counts[int(Status::missing)]};
}

}  // namespace nmfx::sweep
