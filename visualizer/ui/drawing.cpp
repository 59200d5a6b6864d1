// visualizer/ui/drawing.cpp — small drawing helpers shared by the diagram views.
#include <cmath>

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

void draw_clipped_text(ImDrawList* draw, ImFont* font, float size, ImVec2 pos, ImU32 colour,
                       const char* begin, const char* end, float width_max) {
  if (width_max <= 0.0f) return;
  const ImVec4 clip(pos.x, pos.y - 2.0f, pos.x + width_max, pos.y + size + 4.0f);
  draw->AddText(font, size, pos, colour, begin, end, 0.0f, &clip);
}

void draw_dashed_line(ImDrawList* draw, ImVec2 a, ImVec2 b, ImU32 colour, float thickness, float dash) {
  const float dx = b.x - a.x;
  const float dy = b.y - a.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (length < 1.0f || dash <= 0.0f) return;
  const float ux = dx / length;
  const float uy = dy / length;
  for (float s = 0.0f; s < length; s += 2.0f * dash) {
    const float e = std::fmin(s + dash, length);
    draw->AddLine(ImVec2(a.x + ux * s, a.y + uy * s), ImVec2(a.x + ux * e, a.y + uy * e), colour, thickness);
  }
}

void draw_arrowhead(ImDrawList* draw, ImVec2 from, ImVec2 tip, ImU32 colour, float size) {
  const float dx = tip.x - from.x;
  const float dy = tip.y - from.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (length < 0.5f) return;
  const float ux = dx / length;
  const float uy = dy / length;
  const ImVec2 back(tip.x - ux * size, tip.y - uy * size);
  const ImVec2 left(back.x - uy * size * 0.55f, back.y + ux * size * 0.55f);
  const ImVec2 right(back.x + uy * size * 0.55f, back.y - ux * size * 0.55f);
  draw->AddTriangleFilled(tip, left, right, colour);
}

}  // namespace smtplab::visualizer::ui
