// visualizer/ui/inspector_view.hpp — the selected event: what it means (from the
// explanation table, with RFC sections), why it came now (the session's state), its
// parsed fields and its raw bytes (text with CRLF visible, and hex).
//
// API: InspectorView view; view.draw(model, context).
#pragma once

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct InspectorView {
  bool show_hex = true;  // view state: the hex dump can be folded away

  void draw(const TraceModel& model, const ViewContext& context);
};

}  // namespace smtplab::visualizer::ui
