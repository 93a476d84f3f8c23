#pragma once
// Image files (JPEG and PNG, decoded with stb_image from libstb) as rows of a
// data matrix. Every function here is local to the calling rank.
#include <string>
#include <vector>

namespace nmfx::io {

/// The JPEG and PNG files directly in `folder` (by extension, any case;
/// hidden files skipped), as file names in sorted (byte) order. Error when
/// the folder is missing or unreadable or holds no such file.
std::vector<std::string> list_images(const std::string& folder);

/// What an image file declares in its header.
struct ImageShape {
  int height = 0, width = 0;
  int channels = 0;  // in the file: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA
};

/// Reads an image's header only. Error naming the file when it is
/// unreadable or not an image stb_image can decode.
ImageShape read_image_shape(const std::string& path);

/// Decodes an image to `channels` (1: gray, 3: RGB; alpha is dropped),
/// resized to height x width when its own size differs, and writes its
/// height * width * channels values, scaled to [0, 1], to `out` in row-major
/// (y, x, channel) order. Error naming the file when it is unreadable or corrupt.
void read_image(const std::string& path, int channels, int height, int width, double* out);

}  // namespace nmfx::io
