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
  // Each string is built in place with append, not with chains of operator+ (every
  // transition of every engine comes through here, so temporaries add up).
  Event event;
  event.kind = EventKind::StateChange;
  event.summary.reserve(from.size() + 4 + to.size());
  event.summary.append(from).append(" -> ").append(to);
  event.explain.reserve(7 + name.size() + to.size());
  event.explain.append("state.").append(name).append(".").append(to);
  event.rfc = row->rfc;
  event.with("machine", std::string(name))
      .with("from", std::string(from))
      .with("to", std::string(to))
      .with("trigger", std::string(trigger))
      .with("rfc", std::string(row->rfc));
  return event;
}

}  // namespace smtplab
