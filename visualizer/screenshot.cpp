// visualizer/screenshot.cpp — glReadPixels + stb_image_write.
#include "screenshot.hpp"

#include <algorithm>
#include <vector>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <stb_image_write.h>

namespace smtplab::visualizer {

bool write_framebuffer_png(const std::string& path, int width, int height, std::string& error) {
  if (width <= 0 || height <= 0) {
    error = "empty framebuffer";
    return false;
  }
  const auto w = static_cast<std::size_t>(width);
  const auto h = static_cast<std::size_t>(height);
  std::vector<unsigned char> pixels(w * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  if (glGetError() != GL_NO_ERROR) {
    error = "glReadPixels failed";
    return false;
  }
  // OpenGL's row 0 is the bottom; PNG's is the top.
  std::vector<unsigned char> flipped(pixels.size());
  for (std::size_t y = 0; y < h; ++y)
    std::copy_n(pixels.data() + (h - 1 - y) * w * 4, w * 4, flipped.data() + y * w * 4);
  // Opaque: the alpha of the framebuffer is not meaningful for a screenshot.
  for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
  if (stbi_write_png(path.c_str(), width, height, 4, flipped.data(), width * 4) == 0) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace smtplab::visualizer
