#include "nmfx/io/idx.hpp"

#include <cstdio>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Reads up to n bytes; returns how many there were.
std::size_t read_some(gzFile f, void* out, std::size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  std::size_t done = 0;
  while (done < n) {
    const unsigned chunk = unsigned(std::min<std::size_t>(n - done, 1u << 30));
    const int got = gzread(f, p + done, chunk);
    if (got <= 0) break;
    done += std::size_t(got);
  }
  return done;
}

void read_exactly(gzFile f, void* out, std::size_t n, const std::string& path) {
  if (read_some(f, out, n) != n)
    throw Error("'" + path + "' is truncated or corrupt (IDX data ends early)");
}

std::string declared(const std::vector<long>& dims, long total) {
  std::string text;
  for (long d : dims) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return "its IDX header declares " + text + " = " + std::to_string(total) + " values";
}

/// Opens `path` and reads its header; the stream is left at the data.
GzFile open_idx(const std::string& path, std::vector<long>& dims, long& total) {
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open '" + path + "'");
  unsigned char magic[4];
  read_exactly(f.get(), magic, 4, path);
  if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4)
    throw Error("'" + path + "' is not an IDX file (bad magic number)");
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    throw Error("'" + path + "' holds IDX type " + type + "; nmfx imports unsigned-byte IDX (type 0x08)");
  }
  total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char be[4];
    read_exactly(f.get(), be, 4, path);
    const long n = (long(be[0]) << 24) | (long(be[1]) << 16) | (long(be[2]) << 8) | long(be[3]);
    dims.push_back(n);
    if (n > 0 && total > (1L << 40) / n)
      throw Error("'" + path + "' has an impossible IDX shape (more than 2^40 values)");
    total *= n;
  }
  // Uncompressed: the file's length bounds the data.
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(path, ec);
  const long header_bytes = 4 + 4 * long(magic[3]);
  if (gzdirect(f.get()) && !ec && long(file_bytes) - header_bytes < total)
    throw Error("'" + path + "' is truncated or corrupt: " + declared(dims, total) +
                " but the file holds " + std::to_string(long(file_bytes) - header_bytes));
  return f;
}

}  // namespace

std::vector<long> read_idx_dims(const std::string& path) {
  std::vector<long> dims;
  long total = 0;
  open_idx(path, dims, total);
  return dims;
}

IdxArray read_idx(const std::string& path) {
  IdxArray a;
  long total = 0;
  const GzFile f = open_idx(path, a.dims, total);
  // Grow with the data actually found, so that a lying header costs nothing.
  constexpr std::size_t piece = std::size_t(1) << 26;
  while (a.bytes.size() < std::size_t(total)) {
    const std::size_t have = a.bytes.size();
    const std::size_t want = std::min(std::size_t(total) - have, piece);
    a.bytes.resize(have + want);
    const std::size_t got = read_some(f.get(), a.bytes.data() + have, want);
    if (got < want)
      throw Error("'" + path + "' is truncated or corrupt: " + declared(a.dims, total) +
                  " but its data ends after " + std::to_string(have + got));
  }
  return a;
}

}  // namespace nmfx::io
