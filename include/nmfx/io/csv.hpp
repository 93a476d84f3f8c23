#pragma once
// Text tables of numbers (CSV) and label files. Local to the calling rank.
#include <functional>
#include <string>
#include <vector>

namespace nmfx::io {

/// What read_csv found.
struct CsvShape {
  long rows = 0, cols = 0;
  bool header = false;
};

/// Reads a CSV file of numbers: cells separated by commas (spaces around
/// them ignored), one sample per line, empty lines skipped. The first line is
/// a header, and skipped, when any of its cells is not a number. Calls
/// `on_row(row, values)` for every data row in order (row counts from 0).
/// Error naming the file, line, row and column of a cell that is not a
/// number, and the line of a row with another number of cells.
CsvShape read_csv(const std::string& path,
                  const std::function<void(long row, const std::vector<double>& values)>& on_row);

/// Integer labels from a file: a .npy array (1-D, integers), or text with
/// one label per line (in sample order) or one 'name,label' pair per line
/// (comma or white space between, e.g. CelebA's identity_CelebA.txt); a first
/// line whose label is not an integer is a header.
struct LabelFile {
  std::vector<std::string> names;  // empty unless the file names its samples
  std::vector<long> labels;
};
LabelFile read_labels(const std::string& path);

}  // namespace nmfx::io
