// visualizer/ui/state_view.cpp — state machine panel.
//
// [SECTION] Box layout
// [SECTION] Machine drawing
// [SECTION] Panel
#include "ui/state_view.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace smtplab::visualizer::ui {

namespace {

// [SECTION] Box layout ----------------------------------------------------------------

struct Box {
  ImVec2 min;
  ImVec2 max;
  ImVec2 centre() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
};

// Where the segment from the centre of `box` towards `outside` leaves the box.
ImVec2 border_point(const Box& box, ImVec2 outside) {
  const ImVec2 c = box.centre();
  const float dx = outside.x - c.x;
  const float dy = outside.y - c.y;
  const float hw = (box.max.x - box.min.x) * 0.5f;
  const float hh = (box.max.y - box.min.y) * 0.5f;
  if (std::fabs(dx) < 1e-3f && std::fabs(dy) < 1e-3f) return c;
  const float tx = std::fabs(dx) > 1e-3f ? hw / std::fabs(dx) : 1e9f;
  const float ty = std::fabs(dy) > 1e-3f ? hh / std::fabs(dy) : 1e9f;
  const float t = std::min(tx, ty);
  return ImVec2(c.x + dx * t, c.y + dy * t);
}

std::size_t index_of(const StateMachine& m, std::string_view state) {
  for (std::size_t i = 0; i < m.states.size(); ++i)
    if (m.states[i] == state) return i;
  return m.states.size();
}

}  // namespace

// [SECTION] Machine drawing -------------------------------------------------------------

void StateView::draw_machine(const StateMachine& machine, const InstanceState& state,
                             const Theme& theme, ImVec2 origin, ImVec2 size) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const std::size_t n = machine.states.size();
  if (n == 0) return;
  // A grid in drawing order: 4 columns fit "rcpt_given" at 17 px in a 700 px panel.
  const std::size_t columns = std::min<std::size_t>(4, n);
  const std::size_t rows = (n + columns - 1) / columns;
  const float gap_x = 26.0f * theme.scale;
  // Fit the rows in the height we have: boxes shrink (down to a line and a bit) and gaps
  // close up before anything spills over the text below (a machine with 10 states needs
  // three rows).
  const float gap_min = 6.0f * theme.scale;
  const float fr = static_cast<float>(rows);
  const float box_h = std::clamp((size.y - gap_min * (fr - 1.0f)) / fr, theme.font_size * 1.3f, theme.font_size * 2.0f);
  const float gap_y = rows > 1 ? std::clamp((size.y - fr * box_h) / (fr - 1.0f), gap_min, 26.0f * theme.scale) : 0.0f;
  const float box_w = (size.x - gap_x * static_cast<float>(columns - 1)) / static_cast<float>(columns);
  std::vector<Box> boxes(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float x = origin.x + static_cast<float>(i % columns) * (box_w + gap_x);
    const float y = origin.y + static_cast<float>(i / columns) * (box_h + gap_y);
    boxes[i] = Box{ImVec2(x, y), ImVec2(x + box_w, y + box_h)};
  }
  const std::size_t current = index_of(machine, state.state);
  const std::size_t previous = index_of(machine, state.from);

  // Every legal move, faint, under the boxes.
  for (const Transition& t : machine.transitions) {
    const std::size_t a = index_of(machine, t.from);
    const std::size_t b = index_of(machine, t.to);
    if (a >= n || b >= n || a == b) continue;
    const ImVec2 pa = border_point(boxes[a], boxes[b].centre());
    const ImVec2 pb = border_point(boxes[b], boxes[a].centre());
    draw->AddLine(pa, pb, IM_COL32(110, 116, 130, 110), 1.2f * theme.scale);
  }
  // The move just taken, bold, with its arrowhead.
  if (current < n && previous < n && current != previous) {
    const ImVec2 pa = border_point(boxes[previous], boxes[current].centre());
    const ImVec2 pb = border_point(boxes[current], boxes[previous].centre());
    draw->AddLine(pa, pb, theme.current, 3.5f * theme.scale);
    draw_arrowhead(draw, pa, pb, theme.current, 12.0f * theme.scale);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Box& b = boxes[i];
    const bool is_current = i == current;
    const bool is_previous = i == previous && !is_current;
    draw->AddRectFilled(b.min, b.max, is_current ? theme.current : theme.lane_box, 4.0f * theme.scale);
    if (is_previous) draw->AddRect(b.min, b.max, theme.current, 4.0f * theme.scale, 0, 2.0f * theme.scale);
    const std::string label(machine.states[i]);
    const ImVec2 text_size = theme.bold->CalcTextSizeA(theme.font_size, box_w, 0.0f, label.c_str());
    const ImVec2 pos(b.min.x + std::max(6.0f, (box_w - text_size.x) * 0.5f), b.min.y + (box_h - theme.font_size) * 0.5f);
    draw_clipped_text(draw, is_current ? theme.bold : theme.font, theme.font_size, pos,
                      is_current ? IM_COL32(20, 20, 20, 255) : theme.text, label.c_str(),
                      label.c_str() + label.size(), box_w - 8.0f);
  }
}

// [SECTION] Panel ---------------------------------------------------------------------

void StateView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  const auto& v = ctx.visible;
  if (!v.focus_machine) {
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextWrapped("No engine has reported a state yet at this step (state_change events carry machine, from, to).");
    ImGui::PopStyleColor();
    return;
  }
  const MachineInstance& inst = model.states().instances()[*v.focus_machine];
  const auto state = model.states().at(*v.focus_machine, v.step, model.events());
  if (!state || inst.table == nullptr) return;
  ImGui::PushFont(theme.bold);
  std::string title = std::string(inst.table->title) + " on " + inst.host;
  if (inst.conn != 0) title += "  (conn " + std::to_string(inst.conn) + ")";
  ImGui::TextUnformatted(title.c_str());
  ImGui::PopFont();
  if (inst.table_derived) {
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextUnformatted("(table derived from the trace)");
    ImGui::PopStyleColor();
  }

  const float footer = theme.font_size * 3.6f;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(avail.x - 8.0f * theme.scale, std::max(avail.y - footer, theme.font_size * 5.0f));
  draw_machine(*inst.table, *state, theme, ImVec2(origin.x + 4.0f * theme.scale, origin.y + 6.0f * theme.scale),
               ImVec2(size.x, size.y - 12.0f * theme.scale));
  ImGui::Dummy(size);

  ImGui::PushFont(theme.mono);
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(200, 200, 200, 255));
  if (!state->from.empty()) {
    const std::string move = "last move: " + state->from + " \u2192 " + state->state +
                             (state->trigger.empty() ? "" : " on '" + state->trigger + "'") +
                             (state->rfc.empty() ? "" : "  (" + state->rfc + ")");
    ImGui::TextUnformatted(move.c_str());
  }
  // Other sessions alive at this step, one line each.
  std::string others;
  for (const MachineAtStep& m : v.machines) {
    if (m.instance == *v.focus_machine) continue;
    const auto& o = model.states().instances()[m.instance];
    others += (others.empty() ? "also: " : "   ") + o.machine + "@" + o.host + "=" + m.state.state;
  }
  if (!others.empty()) ImGui::TextUnformatted(others.c_str());
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

}  // namespace smtplab::visualizer::ui
