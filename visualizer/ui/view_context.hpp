// visualizer/ui/view_context.hpp — what every view reads besides the model, and the
// requests a view may make.
//
// Rule (STYLE §24): views never change the model or the playback while drawing. A click
// becomes a Request; the app applies the requests after the frame is built.
#pragma once

#include <cstddef>
#include <optional>

#include "model/playback.hpp"
#include "model/timeline.hpp"
#include "model/trace_model.hpp"
#include "ui/theme.hpp"

namespace smtplab::visualizer::ui {

struct ViewContext {
  const Playback& playback;
  const VisibleState& visible;  // visible_at(model, playback.step(), rows)
  const Theme& theme;
};

struct Requests {
  std::optional<std::size_t> seek_step;
  std::optional<TimeMs> seek_time_ms;
  std::optional<JumpTarget> jump_next;
  std::optional<JumpTarget> jump_previous;
  bool toggle_play = false;
  bool step_forward = false;
  bool step_back = false;
  bool home = false;
  bool end = false;
  std::optional<double> speed;
  int zoom = 0;  // +1 / -1: change the UI scale (fonts are rebuilt between frames)
};

// Draws a string centred or clipped in a box, for the diagram views.
void draw_clipped_text(ImDrawList* draw, ImFont* font, float size, ImVec2 pos, ImU32 colour,
                       const char* begin, const char* end, float width_max);

// Draws a dashed line (replies are dashed, as in UML sequence diagrams).
void draw_dashed_line(ImDrawList* draw, ImVec2 a, ImVec2 b, ImU32 colour, float thickness, float dash);

// An arrowhead at `tip`, pointing in the direction from `from` to `tip`.
void draw_arrowhead(ImDrawList* draw, ImVec2 from, ImVec2 tip, ImU32 colour, float size);

}  // namespace smtplab::visualizer::ui
