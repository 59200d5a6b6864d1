// visualizer/model/state_at_step.cpp — per-instance state histories.
#include "model/state_at_step.hpp"

#include <algorithm>
#include <tuple>

namespace smtplab::visualizer {

const StateMachine* MachineCatalog::find(std::string_view name) const {
  for (const StateMachine* m : machines_)
    if (m->name == name) return m;
  return nullptr;
}

StateIndex::StateIndex(const std::vector<TraceEvent>& events, const MachineCatalog& catalog) {
  std::map<std::tuple<std::string, std::string, std::uint64_t>, std::size_t> by_key;
  std::map<std::string, Derived*> derived_by_name;
  // Connection closes, so that a finished session leaves the panel.
  std::map<std::uint64_t, std::size_t> close_step;
  for (std::size_t step = 0; step < events.size(); ++step) {
    const TraceEvent& e = events[step];
    if (e.kind == EventKind::ConnClose && e.conn != 0) close_step.try_emplace(e.conn, step);
    if (e.kind != EventKind::StateChange) continue;
    const std::string machine(e.field("machine"));
    if (machine.empty()) continue;
    const auto key = std::make_tuple(machine, e.src, e.conn);
    auto [it, inserted] = by_key.try_emplace(key, instances_.size());
    if (inserted) {
      MachineInstance inst;
      inst.machine = machine;
      inst.host = e.src;
      inst.conn = e.conn;
      inst.table = catalog.find(machine);
      instances_.push_back(std::move(inst));
    }
    MachineInstance& inst = instances_[it->second];
    inst.change_steps.push_back(step);
    if (catalog.find(machine) != nullptr) continue;
    // Derive a table from what the trace shows (a hand-written trace, or an engine
    // whose table is not linked into this build).
    auto [d, fresh] = derived_by_name.try_emplace(machine, nullptr);
    if (fresh) {
      derived_.emplace_back();
      d->second = &derived_.back();
      d->second->name = machine;
    }
    Derived& der = *d->second;
    auto intern = [&der](std::string_view s) -> std::string_view {
      for (const auto& existing : der.strings)
        if (existing == s) return existing;
      der.strings.emplace_back(s);
      return der.strings.back();
    };
    const std::string_view from = intern(e.field("from"));
    const std::string_view to = intern(e.field("to"));
    for (std::string_view s : {from, to})
      if (!s.empty() && std::find(der.states.begin(), der.states.end(), s) == der.states.end())
        der.states.push_back(s);
    const bool known = std::any_of(der.transitions.begin(), der.transitions.end(),
                                   [&](const Transition& t) { return t.from == from && t.to == to; });
    if (!known && !from.empty())
      der.transitions.push_back(Transition{from, intern(e.field("trigger")), to, intern(e.rfc)});
  }
  for (auto& der : derived_) {
    der.machine = StateMachine{der.name, der.name, der.states, der.transitions};
  }
  for (auto& inst : instances_) {
    if (inst.table == nullptr) {
      inst.table = &derived_by_name.at(inst.machine)->machine;
      inst.table_derived = true;
    }
    if (const auto c = close_step.find(inst.conn); inst.conn != 0 && c != close_step.end() &&
                                                   c->second >= inst.change_steps.front())
      inst.close_step = c->second;
  }
}

std::optional<InstanceState> StateIndex::at(std::size_t instance, std::size_t step,
                                            const std::vector<TraceEvent>& events) const {
  if (instance >= instances_.size()) return std::nullopt;
  const auto& steps = instances_[instance].change_steps;
  const auto it = std::upper_bound(steps.begin(), steps.end(), step);
  if (it == steps.begin()) return std::nullopt;  // not started yet
  const TraceEvent& e = events[*(it - 1)];
  InstanceState s;
  s.state = std::string(e.field("to"));
  s.from = std::string(e.field("from"));
  s.trigger = std::string(e.field("trigger"));
  s.changed_at = *(it - 1);
  s.rfc = e.rfc;
  const StateMachine* table = instances_[instance].table;
  if (table != nullptr) {
    const Transition* row = table->find(s.from, s.state);
    s.legal = row != nullptr || s.from.empty();
    if (row != nullptr) {
      if (s.trigger.empty()) s.trigger = std::string(row->trigger);
      if (s.rfc.empty()) s.rfc = std::string(row->rfc);
    }
  }
  return s;
}

std::vector<std::size_t> StateIndex::active_at(std::size_t step) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    const auto& inst = instances_[i];
    if (inst.change_steps.front() > step) continue;
    // Shown from its first move until its connection closes (inclusive, so the final
    // state is visible at the close), or forever when it has no connection.
    if (inst.close_step != static_cast<std::size_t>(-1) && step > inst.close_step) continue;
    out.push_back(i);
  }
  return out;
}

std::optional<std::size_t> StateIndex::focus_at(std::size_t step,
                                                const std::vector<TraceEvent>& events) const {
  if (step >= events.size()) return std::nullopt;
  const TraceEvent& current = events[step];
  const auto active = active_at(step);
  std::optional<std::size_t> best;
  std::size_t best_changed = 0;
  int best_rank = -1;
  for (std::size_t i : active) {
    const auto& inst = instances_[i];
    // Rank: same connection and it is the host that sent the event (2), same
    // connection (1), anything else (0); ties go to the most recent move.
    int rank = 0;
    if (current.conn != 0 && inst.conn == current.conn) rank = inst.host == current.src ? 2 : 1;
    const auto it = std::upper_bound(inst.change_steps.begin(), inst.change_steps.end(), step);
    const std::size_t changed = *(it - 1);
    if (rank > best_rank || (rank == best_rank && changed > best_changed)) {
      best = i;
      best_rank = rank;
      best_changed = changed;
    }
  }
  return best;
}

}  // namespace smtplab::visualizer
