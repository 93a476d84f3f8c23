#include <catch2/catch.hpp>
#include <algorithm>

#include "helpers.hpp"
#include "nmfx/evaluation/classify.hpp"
#include "nmfx/evaluation/dilation.hpp"

using namespace nmfx;
using namespace nmfx::evaluation;

namespace {

/// Dilation by brute force: the maximum over every pixel at Euclidean
/// distance <= 1 inside the image, per channel.
std::vector<double> reference_dilation(const std::vector<double>& image, const ImageShape& s) {
  std::vector<double> out(image.size());
  for (long y = 0; y < s.height; ++y)
    for (long x = 0; x < s.width; ++x)
      for (long c = 0; c < s.channels; ++c) {
        double v = -1e300;
        for (long yy = 0; yy < s.height; ++yy)
          for (long xx = 0; xx < s.width; ++xx)
            if ((yy - y) * (yy - y) + (xx - x) * (xx - x) <= 1)
              v = std::max(v, image[std::size_t((yy * s.width + xx) * s.channels + c)]);
        out[std::size_t((y * s.width + x) * s.channels + c)] = v;
      }
  return out;
}

/// Samples of three classes around the corners of a simplex (class c near
/// e_c, so each class is linearly separable from the others), or with
/// labels unrelated to the features when `shuffled`.
void blobs(long count, std::uint64_t seed, bool shuffled, std::vector<double>& x, std::vector<double>& labels) {
  x.clear();
  labels.clear();
  for (long i = 0; i < count; ++i) {
    const int c = int(i % 3);
    for (int j = 0; j < 3; ++j)
      x.push_back((j == c ? 1.0 : 0.0) + 0.2 * uniform01(seed, 1, std::uint64_t(i * 3 + j)));
    labels.push_back(shuffled ? double(long(3 * uniform01(seed, 2, std::uint64_t(i)))) : double(c));
  }
}

}  // namespace

TEST_CASE("dilation by the disk of radius 1 matches a brute-force reference", "[evaluation]") {
  for (const ImageShape shape : {ImageShape{5, 7, 1}, ImageShape{4, 3, 3}, ImageShape{1, 1, 1}, ImageShape{1, 6, 2}}) {
    std::vector<double> image(std::size_t(shape.size()));
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = uniform01(4, 7, i) - 0.3;
    std::vector<double> out(image.size());
    dilate(image.data(), shape, out.data());
    CHECK(out == reference_dilation(image, shape));
  }
  // One bright pixel becomes a cross.
  const ImageShape s{3, 3, 1};
  std::vector<double> dot(9, 0.0), out(9);
  dot[4] = 1;
  dilate_all(dot.data(), 1, s, out.data());
  CHECK(out == std::vector<double>{0, 1, 0, 1, 1, 1, 0, 1, 0});
}

TEST_CASE("the linear SVM (liblinear) separates separable classes", "[evaluation]") {
  std::vector<double> train_x, train_y, test_x, test_y;
  blobs(150, 1, false, train_x, train_y);
  blobs(60, 2, false, test_x, test_y);
  CHECK(linear_svm_accuracy(train_x, train_y, test_x, test_y, 3) == 1.0);
  // Labels unrelated to the features: about chance (1/3).
  blobs(150, 1, true, train_x, train_y);
  blobs(300, 2, true, test_x, test_y);
  CHECK(linear_svm_accuracy(train_x, train_y, test_x, test_y, 3) < 0.6);
  CHECK_THROWS_WITH(linear_svm_accuracy({}, {}, test_x, test_y, 3), Catch::Contains("no samples"));
}
