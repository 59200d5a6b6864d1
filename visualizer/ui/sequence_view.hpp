// visualizer/ui/sequence_view.hpp — the sequence diagram: one lane per host or agent,
// one arrow per event, past bright and future dim, the current step highlighted,
// animated and kept in view.
//
// API: SequenceView view; view.draw(model, context, requests) inside a child region.
// Only the rows on screen are drawn (ImGuiListClipper), so a frame costs the same on a
// 100-event lesson and a 100,000-event trace.
#pragma once

#include <cstddef>

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct SequenceView {
  // View state (STYLE §24): which step the scroll position was last set for, so the
  // diagram follows the playback but a user may scroll away between steps.
  std::size_t scrolled_for_step = static_cast<std::size_t>(-1);
  const void* scrolled_for_model = nullptr;

  void draw(const TraceModel& model, const ViewContext& context, Requests& requests);
};

}  // namespace smtplab::visualizer::ui
