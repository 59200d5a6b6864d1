// visualizer/ui/network_view.hpp — the network map: hosts and the links used so far,
// with the current packet moving along its link.
//
// API: NetworkView view; view.draw(model, context).
#pragma once

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct NetworkView {
  void draw(const TraceModel& model, const ViewContext& context);
};

}  // namespace smtplab::visualizer::ui
