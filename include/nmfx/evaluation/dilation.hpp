#pragma once
// Grey-level dilation by the disk of radius 1 (the pixel and its four
// neighbours), the operation whose "max-approximation" seed 004 measures:
// a dictionary approximates dilation well when dilating its atoms and
// reconstructing with the same codes gives the dilated image.
namespace nmfx::evaluation {

/// The shape of an image stored as a vector: height x width x channels,
/// row-major with the channels of a pixel together (as nmfx import stores it).
struct ImageShape {
  long height = 0, width = 0, channels = 1;
  long size() const { return height * width * channels; }
};

/// out = the dilation of `image` by the disk of radius 1, per channel; the
/// outside of the image is ignored (out and image must not overlap).
void dilate(const double* image, const ImageShape& shape, double* out);

/// dilate() for `count` images stored one after another.
void dilate_all(const double* images, long count, const ImageShape& shape, double* out);

}  // namespace nmfx::evaluation
