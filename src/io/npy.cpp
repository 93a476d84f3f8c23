#include "nmfx/io/npy.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace {

/// The text after "'key':" in a .npy header dictionary, spaces skipped.
std::string value_of(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  const auto colon = at == std::string::npos ? at : header.find(':', at);
  if (colon == std::string::npos)
    throw Error("'" + path + "' has no '" + key + "' in its .npy header");
  return header.substr(header.find_first_not_of(' ', colon + 1));
}

bool little_endian_machine() {
  const std::uint16_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

template <class T>
double as_double(const unsigned char* bytes) {
  T v;
  std::memcpy(&v, bytes, sizeof v);
  return double(v);
}

}  // namespace

NpyFile::NpyFile(std::string path) : path_(std::move(path)), in_(path_, std::ios::binary) {
  const std::string name = "'" + path_ + "'";
  if (!in_) throw Error("cannot open " + name);
  unsigned char magic[8] = {}, length[4] = {};
  if (!in_.read(reinterpret_cast<char*>(magic), 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw Error(name + " is not a .npy file (bad magic string)");
  const int major = magic[6];
  if (major < 1 || major > 3)
    throw Error(name + " has unsupported .npy version " + std::to_string(major));
  const int length_size = major == 1 ? 2 : 4;  // little-endian header length
  if (!in_.read(reinterpret_cast<char*>(length), length_size))
    throw Error(name + " is truncated (.npy header)");
  std::size_t header_length = 0;
  for (int b = length_size - 1; b >= 0; --b) header_length = header_length * 256 + length[b];
  std::error_code size_error;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path_, size_error);
  if (size_error || header_length > file_bytes)
    throw Error(name + " is truncated or corrupt (.npy header longer than the file)");
  std::string header(header_length, '\0');
  if (!in_.read(header.data(), std::streamsize(header_length)))
    throw Error(name + " is truncated (.npy header)");
  data_offset_ = 6 + 2 + length_size + std::streamoff(header_length);

  const std::string descr = value_of(header, "descr", path_);
  const std::string type = descr.substr(1, descr.find('\'', 1) - 1);
  kind_ = type.size() >= 3 ? type[1] : '?';
  item_size_ = type.size() >= 3 ? std::atoi(type.c_str() + 2) : 0;
  const bool known = (kind_ == 'b' && item_size_ == 1) ||
                     (kind_ == 'f' && (item_size_ == 4 || item_size_ == 8)) ||
                     ((kind_ == 'i' || kind_ == 'u') &&
                      (item_size_ == 1 || item_size_ == 2 || item_size_ == 4 || item_size_ == 8));
  if (descr[0] != '\'' || !known)
    throw Error(name + " holds dtype " + descr.substr(0, descr.find_first_of(",}")) +
                "; nmfx imports bool, integer and float32/float64 arrays");
  swap_ =
      (type[0] == '>' && little_endian_machine()) || (type[0] == '<' && !little_endian_machine());
  fortran_ = value_of(header, "fortran_order", path_).rfind("True", 0) == 0;

  std::string dims = value_of(header, "shape", path_);
  dims = dims.substr(1, dims.find(')') - 1);
  std::replace(dims.begin(), dims.end(), ',', ' ');
  const char* p = dims.c_str();
  for (char* end = nullptr;; p = end) {
    const long d = std::strtol(p, &end, 10);
    if (end == p) break;
    if (d < 0) throw Error(name + " has a negative dimension in its .npy shape");
    shape_.push_back(d);
  }
  long count = 1, count_bytes = 0;
  for (long d : shape_)
    if (__builtin_mul_overflow(count, d, &count))
      throw Error(name + " has an impossible .npy shape (too many values)");
  if (__builtin_mul_overflow(count, long(item_size_), &count_bytes) ||
      file_bytes < std::uintmax_t(data_offset_) + std::uintmax_t(count_bytes))
    throw Error(name + " is truncated (the data of its " + std::to_string(count) +
                " values ends early)");
}

long NpyFile::cols() const {
  long n = 1;
  for (std::size_t d = 1; d < shape_.size(); ++d) n *= shape_[d];
  return n;
}

void NpyFile::read_rows(long first_row, long count, double* out) {
  const long n = cols(), m = rows();
  std::vector<unsigned char> bytes(std::size_t(count * n * item_size_));
  auto read = [&](std::streamoff item, long items, unsigned char* to) {
    in_.seekg(data_offset_ + item * item_size_);
    if (!in_.read(reinterpret_cast<char*>(to), std::streamsize(items * item_size_)))
      throw Error("cannot read '" + path_ + "' (truncated?)");
  };
  if (!fortran_ || shape_.size() < 2) {
    read(std::streamoff(first_row) * n, count * n, bytes.data());
  } else {
    // Column-major: the values of one feature are contiguous over the rows.
    // Feature f (C order over shape[1..]) is column `column` of the file.
    std::vector<long> index(shape_.size());
    std::vector<unsigned char> run(std::size_t(count * item_size_));
    for (long f = 0; f < n; ++f) {
      long column = 0, scale = 1, rest = f;
      for (std::size_t d = shape_.size() - 1; d >= 1; --d) {
        index[d] = rest % shape_[d];
        rest /= shape_[d];
      }
      for (std::size_t d = 1; d < shape_.size(); ++d) {
        column += index[d] * scale;
        scale *= shape_[d];
      }
      read(std::streamoff(column) * m + first_row, count, run.data());
      for (long r = 0; r < count; ++r)
        std::copy_n(run.data() + r * item_size_, item_size_,
                    bytes.data() + (r * n + f) * item_size_);
    }
  }
  for (long i = 0; i < count * n; ++i) {
    unsigned char* v = bytes.data() + i * item_size_;
    if (swap_) std::reverse(v, v + item_size_);
    switch (kind_ * 16 + item_size_) {
      case 'b' * 16 + 1:
        out[i] = *v != 0;
        break;
      case 'f' * 16 + 4:
        out[i] = as_double<float>(v);
        break;
      case 'f' * 16 + 8:
        out[i] = as_double<double>(v);
        break;
      case 'i' * 16 + 1:
        out[i] = as_double<std::int8_t>(v);
        break;
      case 'i' * 16 + 2:
        out[i] = as_double<std::int16_t>(v);
        break;
      case 'i' * 16 + 4:
        out[i] = as_double<std::int32_t>(v);
        break;
      case 'i' * 16 + 8:
        out[i] = as_double<std::int64_t>(v);
        break;
      case 'u' * 16 + 1:
        out[i] = as_double<std::uint8_t>(v);
        break;
      case 'u' * 16 + 2:
        out[i] = as_double<std::uint16_t>(v);
        break;
      case 'u' * 16 + 4:
        out[i] = as_double<std::uint32_t>(v);
        break;
      default:
        out[i] = as_double<std::uint64_t>(v);
        break;
    }
  }
}

}  // namespace nmfx::io
