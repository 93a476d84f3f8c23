#include "nmfx/io/idx.hpp"

#include <zlib.h>

#include <memory>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

void read_exactly(gzFile f, void* out, std::size_t n, const std::string& path) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const unsigned chunk = n > (1u << 30) ? (1u << 30) : unsigned(n);
    const int got = gzread(f, p, chunk);
    if (got <= 0) throw Error("'" + path + "' is truncated or corrupt (IDX data ends early)");
    p += got;
    n -= std::size_t(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open '" + path + "'");
  unsigned char magic[4];
  read_exactly(f.get(), magic, 4, path);
  if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4)
    throw Error("'" + path + "' is not an IDX file (bad magic number)");
  if (magic[2] != 0x08)
    throw Error("'" + path + "' holds IDX type 0x" + std::to_string(magic[2]) +
                "; nmfx imports unsigned-byte IDX (type 0x08)");
  IdxArray a;
  long total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char be[4];
    read_exactly(f.get(), be, 4, path);
    const long n = (long(be[0]) << 24) | (long(be[1]) << 16) | (long(be[2]) << 8) | long(be[3]);
    if (n <= 0 || total > (1L << 40) / n) throw Error("'" + path + "' has an impossible IDX shape");
    a.dims.push_back(n);
    total *= n;
  }
  a.bytes.resize(std::size_t(total));
  read_exactly(f.get(), a.bytes.data(), a.bytes.size(), path);
  return a;
}

}  // namespace nmfx::io
