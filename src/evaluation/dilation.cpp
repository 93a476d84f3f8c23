#include "nmfx/evaluation/dilation.hpp"

#include <algorithm>

namespace nmfx::evaluation {

void dilate(const double* image, const ImageShape& s, double* out) {
  const long c = s.channels;
  for (long y = 0; y < s.height; ++y)
    for (long x = 0; x < s.width; ++x)
      for (long ch = 0; ch < c; ++ch) {
        const auto at = [&](long yy, long xx) { return image[(yy * s.width + xx) * c + ch]; };
        double v = at(y, x);
        if (y > 0) v = std::max(v, at(y - 1, x));
        if (y + 1 < s.height) v = std::max(v, at(y + 1, x));
        if (x > 0) v = std::max(v, at(y, x - 1));
        if (x + 1 < s.width) v = std::max(v, at(y, x + 1));
        out[(y * s.width + x) * c + ch] = v;
      }
}

void dilate_all(const double* images, long count, const ImageShape& shape, double* out) {
  const long size = shape.size();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < count; ++i) dilate(images + i * size, shape, out + i * size);
}

}  // namespace nmfx::evaluation
