// core/state_machine.cpp — the one place where a move along a transition table becomes
// a state_change trace event.
#include "core/state_machine.hpp"

#include <stdexcept>
#include <string>

namespace smtplab {

Event StateMachine::transition_event(std::string_view from, std::string_view to,
                                     std::string_view trigger) const {
  const Transition* row = find(from, to);
  if (row == nullptr)  // our bug, never the peer's
    throw std::logic_error(std::string(name) + ": no transition " + std::string(from) + " -> " + std::string(to));
  Event event;
  event.kind = EventKind::StateChange;
  event.summary = std::string(from) + " -> " + std::string(to);
  event.explain = "state." + std::string(name) + "." + std::string(to);
  event.rfc = std::string(row->rfc);
  event.with("machine", std::string(name))
      .with("from", std::string(from))
      .with("to", std::string(to))
      .with("trigger", std::string(trigger))
      .with("rfc", std::string(row->rfc));
  return event;
}

}  // namespace smtplab
