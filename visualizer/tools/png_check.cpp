// visualizer/tools/png_check.cpp — checks screenshots for the CTest: each PNG is not
// blank (enough distinct colours, not one flat fill), has the expected size, and
// consecutive images differ.
//
// Usage: smtplab_png_check WIDTHxHEIGHT a.png b.png [...]   exit 0 when all hold.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <stb_image.h>

namespace {

// Our thresholds: a rendered panel layout has hundreds of colours (anti-aliased text);
// a blank or failed render has one or two. Two steps differ in at least the highlighted
// row and the inspector text: thousands of pixels.
constexpr std::size_t distinct_colours_min = 64;
constexpr std::size_t differing_pixels_min = 2000;

struct Image {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgb;
};

bool load(const char* path, Image& image) {
  int channels = 0;
  unsigned char* data = stbi_load(path, &image.width, &image.height, &channels, 3);
  if (data == nullptr) return false;
  image.rgb.assign(data, data + static_cast<std::size_t>(image.width) * image.height * 3);
  stbi_image_free(data);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int width = 0;
  int height = 0;
  if (argc < 3 || std::sscanf(argv[1], "%dx%d", &width, &height) != 2) {
    std::fprintf(stderr, "usage: %s WIDTHxHEIGHT a.png [b.png ...]\n", argv[0]);
    return 2;
  }
  bool ok = true;
  std::vector<Image> images;
  for (int i = 2; i < argc; ++i) {
    Image image;
    if (!load(argv[i], image)) {
      std::fprintf(stderr, "%s: cannot read PNG\n", argv[i]);
      return 1;
    }
    if (image.width != width || image.height != height) {
      std::fprintf(stderr, "%s: %dx%d, expected %dx%d\n", argv[i], image.width, image.height, width, height);
      ok = false;
    }
    std::set<unsigned> colours;
    for (std::size_t p = 0; p + 2 < image.rgb.size() && colours.size() < 100000; p += 3)
      colours.insert((image.rgb[p] << 16) | (image.rgb[p + 1] << 8) | image.rgb[p + 2]);
    std::printf("%s: %dx%d, %zu distinct colours\n", argv[i], image.width, image.height, colours.size());
    if (colours.size() < distinct_colours_min) {
      std::fprintf(stderr, "%s: looks blank (%zu colours)\n", argv[i], colours.size());
      ok = false;
    }
    images.push_back(std::move(image));
  }
  for (std::size_t i = 1; i < images.size(); ++i) {
    const Image& a = images[i - 1];
    const Image& b = images[i];
    if (a.rgb.size() != b.rgb.size()) continue;
    std::size_t differing = 0;
    for (std::size_t p = 0; p + 2 < a.rgb.size(); p += 3)
      if (a.rgb[p] != b.rgb[p] || a.rgb[p + 1] != b.rgb[p + 1] || a.rgb[p + 2] != b.rgb[p + 2]) ++differing;
    std::printf("%s vs %s: %zu pixels differ\n", argv[i + 1], argv[i + 2], differing);
    if (differing < differing_pixels_min) {
      std::fprintf(stderr, "%s and %s are (nearly) identical\n", argv[i + 1], argv[i + 2]);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
