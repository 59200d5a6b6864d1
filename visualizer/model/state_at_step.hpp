// visualizer/model/state_at_step.hpp — every engine's state at any step, from the
// state_change events, and the transition tables the state panel draws.
//
// Standards: none itself; the tables cite RFC 5321 §4.1.4 and friends (STYLE §3:
// transitions are data, the same table drives the engine and this panel).
//
// API:
//   MachineCatalog catalog;                  the known tables (smtp_server, ...)
//   catalog.add(machine)                     register a table (main() does it when the
//                                            engines are linked)
//   catalog.find(name)                       the table, or nullptr
//   StateIndex index(events, catalog);       tables for machines the catalog lacks are
//                                            derived from the trace itself
//   index.instances()                        one per (machine, host, connection)
//   index.at(instance, step)                 its state then, and the move that led there
//   index.active_at(step), focus_at(step)    which instances to show, and the main one
//
// An instance's state at step N is the "to" of its last state_change at or before N:
// a binary search over that instance's changes, so stepping back is exact and cheap.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/state_machine.hpp"
#include "core/trace.hpp"

namespace smtplab::visualizer {

class MachineCatalog {
 public:
  void add(const StateMachine& machine) { machines_.push_back(&machine); }
  const StateMachine* find(std::string_view name) const;
  const std::vector<const StateMachine*>& all() const { return machines_; }

 private:
  std::vector<const StateMachine*> machines_;  // not owned: the tables are static data
};

struct MachineInstance {
  std::string machine;     // "smtp_server"
  std::string host;        // the event's src ("mx.b.example")
  std::uint64_t conn = 0;  // connection id, 0 when none
  std::vector<std::size_t> change_steps;  // its state_change events, in order
  std::size_t close_step = static_cast<std::size_t>(-1);  // conn_close of its connection
  const StateMachine* table = nullptr;    // from the catalog, or derived
  bool table_derived = false;             // true when drawn from what the trace showed
};

struct InstanceState {
  std::string state;        // current state ("" before the first change)
  std::string from;         // the state before the last move
  std::string trigger;      // field "trigger" of the last move, when given
  std::string rfc;          // the move's RFC section (event's rfc, else the table's)
  std::size_t changed_at = 0;  // step of the last move
  bool legal = true;        // false when the table has no such row (a bug to show)
  friend bool operator==(const InstanceState&, const InstanceState&) = default;
};

class StateIndex {
 public:
  StateIndex() = default;
  StateIndex(const std::vector<TraceEvent>& events, const MachineCatalog& catalog);
  // Tables hold string_views into derived_ storage: no copying or moving.
  StateIndex(const StateIndex&) = delete;
  StateIndex& operator=(const StateIndex&) = delete;

  const std::vector<MachineInstance>& instances() const { return instances_; }
  std::optional<InstanceState> at(std::size_t instance, std::size_t step,
                                  const std::vector<TraceEvent>& events) const;
  std::vector<std::size_t> active_at(std::size_t step) const;
  // The instance most related to the event at `step`: one on the same connection and
  // host (a server explains its replies), else the one that moved most recently.
  std::optional<std::size_t> focus_at(std::size_t step, const std::vector<TraceEvent>& events) const;

 private:
  // A machine the catalog does not know: states and moves as seen in the trace, in
  // order of first appearance. std::deque keeps the strings' addresses stable.
  struct Derived {
    std::string name;
    std::deque<std::string> strings;
    std::vector<std::string_view> states;
    std::vector<Transition> transitions;
    StateMachine machine;
  };
  std::vector<MachineInstance> instances_;
  std::deque<Derived> derived_;
};

}  // namespace smtplab::visualizer
