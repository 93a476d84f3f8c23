#pragma once
// The IDX format of MNIST and Fashion-MNIST (gzip-compressed or raw).
#include <cstdint>
#include <string>
#include <vector>

namespace nmfx::io {

/// An unsigned-byte IDX array: its dimensions and its bytes in row-major order.
struct IdxArray {
  std::vector<long> dims;
  std::vector<std::uint8_t> bytes;
};

/// Reads an IDX file of unsigned bytes (type 0x08), gzip or raw. Error naming
/// the file when it is missing, truncated, not IDX or of another type.
IdxArray read_idx(const std::string& path);

}  // namespace nmfx::io
