// visualizer/ui/state_view.hpp — the focused engine's state machine, drawn from its
// transition table (STYLE §3), with the current state filled and the move just taken
// drawn bold, and a line for each other active session.
//
// API: StateView view; view.draw(model, context). The table comes from the model's
// MachineCatalog (the engine's own StateMachine) or, failing that, is derived from the
// trace; either way the view only needs a `const StateMachine&`.
#pragma once

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct StateView {
  void draw(const TraceModel& model, const ViewContext& context);
  // Draws one machine in the rectangle [origin, origin + size).
  void draw_machine(const StateMachine& machine, const InstanceState& state, const Theme& theme,
                    ImVec2 origin, ImVec2 size);
};

}  // namespace smtplab::visualizer::ui
