#include "nmfx/io/images.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  return name[0] != '.' && (ext == ".jpg" || ext == ".jpeg" || ext == ".png");
}

std::string failure(const std::string& path) {
  const char* reason = stbi_failure_reason();
  return "cannot decode image '" + path + "': " + (reason ? reason : "unknown reason");
}

}  // namespace

std::vector<std::string> list_images(const std::string& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) throw Error("image folder '" + folder + "' does not exist");
  if (!fs::is_directory(folder, ec)) throw Error("'" + folder + "' is not a folder of images");
  std::vector<std::string> names;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_image_name(name) && fs::is_regular_file(it->status())) names.push_back(name);
  }
  if (ec) throw Error("cannot list image folder '" + folder + "': " + ec.message());
  if (names.empty()) throw Error("image folder '" + folder + "' holds no .jpg, .jpeg or .png file");
  std::sort(names.begin(), names.end());
  return names;
}

ImageShape read_image_shape(const std::string& path) {
  ImageShape s;
  if (!stbi_info(path.c_str(), &s.width, &s.height, &s.channels)) throw Error(failure(path));
  return s;
}

void read_image(const std::string& path, int channels, int height, int width, double* out) {
  int file_width = 0, file_height = 0, file_channels = 0;
  const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &file_width, &file_height, &file_channels, channels),
      stbi_image_free);
  if (!pixels) throw Error(failure(path));
  const std::size_t count = std::size_t(height) * std::size_t(width) * std::size_t(channels);
  const stbi_uc* source = pixels.get();
  std::vector<stbi_uc> resized;
  if (file_height != height || file_width != width) {
    resized.resize(count);
    // Filtered in linear light (sRGB decoded, resampled, encoded again).
    if (!stbir_resize_uint8_srgb(source, file_width, file_height, 0, resized.data(), width, height,
                                 0, channels, STBIR_ALPHA_CHANNEL_NONE, 0))
      throw Error("cannot resize image '" + path + "'");
    source = resized.data();
  }
  for (std::size_t i = 0; i < count; ++i) out[i] = source[i] / 255.0;
}

}  // namespace nmfx::io
