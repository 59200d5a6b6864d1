// visualizer/ui/toolbar_view.hpp — playback controls: first / back / play / forward /
// last, speed, a scrubber over virtual time, and "jump to next" by kind (Shift-click:
// previous). Keyboard: space, left, right, home, end (handled by MainWindow).
//
// API: ToolbarView view; view.draw(model, context, requests).
#pragma once

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct ToolbarView {
  void draw(const TraceModel& model, const ViewContext& context, Requests& requests);
};

}  // namespace smtplab::visualizer::ui
