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

/// The dimensions an IDX file of unsigned bytes (type 0x08, gzip or raw)
/// declares in its header, without reading its data. Error naming the file
/// when it is missing, not IDX, of another type, declares more than 2^40
/// values, or (raw files) declares more values than the file holds.
std::vector<long> read_idx_dims(const std::string& path);

/// Reads an IDX file of unsigned bytes (see read_idx_dims). The data is read
/// in pieces, so a header that declares more values than the (decompressed)
/// data holds is refused after allocating only what the data holds. Error
/// naming the file when it is missing, truncated, not IDX or of another type.
IdxArray read_idx(const std::string& path);

}  // namespace nmfx::io
