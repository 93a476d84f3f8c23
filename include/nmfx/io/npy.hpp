#pragma once
// NumPy's .npy format (versions 1 to 3): numeric arrays of any byte order,
// C or Fortran order, read row by row. Local to the calling rank.
#include <fstream>
#include <string>
#include <vector>

namespace nmfx::io {

/// An open .npy file. Its first dimension is the samples; the others are
/// flattened in C order into features (an N x H x W [x C] image stack gives
/// N rows of H*W[*C] values).
class NpyFile {
 public:
  /// Reads the header. Error naming the file when it is missing, not .npy,
  /// truncated, or of a type other than bool, integer or float.
  explicit NpyFile(std::string path);

  const std::vector<long>& shape() const { return shape_; }
  long rows() const { return shape_.empty() ? 1 : shape_[0]; }
  /// Values per row (1 for a 1-D array).
  long cols() const;
  /// Reads rows [first_row, first_row + count) converted to double into
  /// `out`, row-major (count x cols()).
  void read_rows(long first_row, long count, double* out);

 private:
  std::string path_;
  std::ifstream in_;
  std::vector<long> shape_;
  char kind_ = 'f';  // 'b' bool, 'i' signed, 'u' unsigned, 'f' float
  int item_size_ = 8;
  bool swap_ = false;     // stored in the other byte order than this machine's
  bool fortran_ = false;  // column-major
  std::streamoff data_offset_ = 0;
};

}  // namespace nmfx::io
