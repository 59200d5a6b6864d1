// visualizer/screenshot.hpp — the current OpenGL framebuffer to a PNG file.
//
// API: bool write_framebuffer_png(path, width, height, error)
// Reads the back buffer with glReadPixels (available in OpenGL 3.3 and WebGL2) and
// writes it with stb_image_write, flipped so that row 0 is the top.
#pragma once

#include <string>

namespace smtplab::visualizer {

bool write_framebuffer_png(const std::string& path, int width, int height, std::string& error);

}  // namespace smtplab::visualizer
