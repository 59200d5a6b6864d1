// core/state_machine.hpp — transition tables as data (STYLE §3).
//
// Standards: none itself; each table cites the RFC section of every transition.
//
// A protocol engine declares its states and its legal transitions once, as a
// StateMachine. The engine's enter_state() checks each move against the table and
// emits a state_change trace event {machine, from, to, trigger, rfc}; the docs'
// state diagrams and the visualizer's state panel are drawn from the same table.
//
// API:
//   StateMachine::find(from, to)   the transition row, or nullptr if the move is illegal
//   StateMachine::transition_event(from, to, trigger)
//                                  the state_change Event for a legal move; an illegal
//                                  one is our own bug and throws std::logic_error
//   Each engine exposes its own table (smtp::server_state_machine(),
//   smtp::client_state_machine()); the views list the ones they draw.
#pragma once

#include <span>
#include <string_view>

#include "core/trace.hpp"

namespace smtplab {

struct Transition {
  std::string_view from;
  std::string_view trigger;  // the command or reply that causes it: "EHLO", "250 to DATA"
  std::string_view to;
  std::string_view rfc;      // "RFC 5321 §4.1.4"
};

struct StateMachine {
  std::string_view name;     // "smtp_server"
  std::string_view title;    // "SMTP server session"
  std::span<const std::string_view> states;  // in the order to draw them
  std::span<const Transition> transitions;

  const Transition* find(std::string_view from, std::string_view to) const {
    for (const auto& t : transitions)
      if (t.from == from && t.to == to) return &t;
    return nullptr;
  }

  // What every engine's enter_state() records: {machine, from, to, trigger, rfc}, with
  // the explanation key "state.<machine>.<to>". Throws std::logic_error when the table
  // has no such move: the table is the whole truth about legal moves (STYLE §3).
  Event transition_event(std::string_view from, std::string_view to, std::string_view trigger) const;
};

}  // namespace smtplab
