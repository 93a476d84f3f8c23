#include "nmfx/io/csv.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "nmfx/core/error.hpp"
#include "nmfx/io/npy.hpp"

namespace nmfx::io {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\"");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\"") - first + 1);
}

/// The cells of a line split at `separator`, trimmed (quotes removed).
std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  for (std::size_t at; (at = line.find(separator, start)) != std::string::npos; start = at + 1)
    cells.push_back(trim(line.substr(start, at - start)));
  cells.push_back(trim(line.substr(start)));
  return cells;
}

bool parse_number(const std::string& cell, double& value) {
  char* end = nullptr;
  value = std::strtod(cell.c_str(), &end);
  return !cell.empty() && *end == '\0';
}

bool parse_integer(const std::string& cell, long& value) {
  char* end = nullptr;
  value = std::strtol(cell.c_str(), &end, 10);
  return !cell.empty() && *end == '\0';
}

std::ifstream open_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open '" + path + "'");
  return in;
}

LabelFile read_npy_labels(const std::string& path) {
  NpyFile npy(path);
  if (npy.shape().size() != 1) throw Error("labels '" + path + "' are not a 1-D array");
  std::vector<double> values(std::size_t(npy.rows()));
  if (!values.empty()) npy.read_rows(0, npy.rows(), values.data());
  LabelFile out;
  for (double v : values) {
    if (v != std::floor(v)) throw Error("labels '" + path + "' are not integers");
    out.labels.push_back(long(v));
  }
  return out;
}

}  // namespace

CsvShape read_csv(const std::string& path,
                  const std::function<void(long row, const std::vector<double>& values)>& on_row) {
  std::ifstream in = open_text(path);
  CsvShape shape;
  std::vector<double> values;
  long line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (trim(line).empty()) continue;
    const std::vector<std::string> cells = split(line, ',');
    values.resize(cells.size());
    long bad = -1;  // the first cell that is not a number
    for (std::size_t c = 0; c < cells.size() && bad < 0; ++c)
      if (!parse_number(cells[c], values[c])) bad = long(c);
    const bool first = shape.rows == 0 && !shape.header;
    if (first) shape.cols = long(cells.size());
    if (first && bad >= 0) {
      shape.header = true;
      continue;
    }
    const std::string where = "'" + path + "' line " + std::to_string(line_number);
    if (long(cells.size()) != shape.cols)
      throw Error(where + " has " + std::to_string(cells.size()) + " cells; expected " +
                  std::to_string(shape.cols) + " like the first line");
    if (bad >= 0)
      throw Error(where + " (row " + std::to_string(shape.rows) + ", column " +
                  std::to_string(bad) + "): '" + cells[std::size_t(bad)] + "' is not a number");
    on_row(shape.rows++, values);
  }
  if (shape.rows == 0) throw Error("'" + path + "' holds no rows of numbers");
  return shape;
}

LabelFile read_labels(const std::string& path) {
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0)
    return read_npy_labels(path);
  std::ifstream in = open_text(path);
  LabelFile out;
  long line_number = 0, fields = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const std::string text = trim(line);
    if (text.empty()) continue;
    std::vector<std::string> cells;
    if (text.find(',') != std::string::npos) {
      cells = split(text, ',');
    } else {
      const auto gap = text.find_first_of(" \t");
      cells.push_back(text.substr(0, gap));
      if (gap != std::string::npos) cells.push_back(trim(text.substr(gap)));
    }
    const std::string where = "labels '" + path + "' line " + std::to_string(line_number);
    if (cells.size() > 2) throw Error(where + ": expected 'label' or 'name,label'");
    long label = 0;
    const bool header = fields == 0 && !parse_integer(cells.back(), label);
    if (fields == 0) fields = long(cells.size());
    if (header) continue;
    if (long(cells.size()) != fields) throw Error(where + ": mixes 'label' and 'name,label' lines");
    if (!parse_integer(cells.back(), label))
      throw Error(where + ": '" + cells.back() + "' is not an integer label");
    if (fields == 2) out.names.push_back(cells[0]);
    out.labels.push_back(label);
  }
  if (out.labels.empty()) throw Error("labels '" + path + "' holds no labels");
  return out;
}

}  // namespace nmfx::io
