// visualizer/ui/network_view.cpp — hosts on an ellipse, links as lines, one packet.
#include "ui/network_view.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace smtplab::visualizer::ui {

void NetworkView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  const auto& lanes = model.lanes();
  const auto& hosts = lanes.hosts();
  if (hosts.empty()) return;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float box_w = std::min(230.0f * theme.scale, avail.x / static_cast<float>(hosts.size() + 1));
  const float box_h = theme.font_size * 2.8f;
  // Hosts left to right in lane order, alternating up and down so links stay visible.
  std::vector<ImVec2> centres(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const float x = origin.x + avail.x * (static_cast<float>(i) + 0.5f) / static_cast<float>(hosts.size());
    const float y = origin.y + avail.y * ((i % 2 == 0) ? 0.30f : 0.70f);
    centres[i] = ImVec2(x, y);
  }
  const auto& links = lanes.links();
  const VisibleState& v = ctx.visible;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const bool seen = std::binary_search(v.links_seen.begin(), v.links_seen.end(), i);
    const ImU32 colour = seen ? IM_COL32(150, 160, 180, 200) : IM_COL32(90, 95, 105, 60);
    draw->AddLine(centres[links[i].host_a], centres[links[i].host_b], colour, (seen ? 2.0f : 1.0f) * theme.scale);
  }
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const ImVec2 c = centres[i];
    const ImVec2 min(c.x - box_w * 0.5f, c.y - box_h * 0.5f);
    const ImVec2 max(c.x + box_w * 0.5f, c.y + box_h * 0.5f);
    draw->AddRectFilled(min, max, theme.lane_box, 5.0f * theme.scale);
    std::string role;
    std::string address;
    for (const Lane& lane : lanes.lanes())
      if (lane.host == hosts[i] && lane.agent.empty()) {
        role = lane.role;
        address = lane.address;
      }
    const float pad = 6.0f * theme.scale;
    draw_clipped_text(draw, theme.bold, theme.font_size, ImVec2(min.x + pad, min.y + pad), theme.text,
                      hosts[i].c_str(), hosts[i].c_str() + hosts[i].size(), box_w - 2 * pad);
    const std::string sub = role + (role.empty() || address.empty() ? "" : "  ") + address;
    draw_clipped_text(draw, theme.mono, theme.mono_size * 0.9f, ImVec2(min.x + pad, min.y + pad + theme.font_size * 1.15f),
                      theme.text_dim, sub.c_str(), sub.c_str() + sub.size(), box_w - 2 * pad);
  }
  // The packet of the current event, moving from its source host to its destination.
  if (v.packet_link != LaneLayout::npos && v.step < model.step_count()) {
    const TraceEvent& e = model.events()[v.step];
    const ImVec2 a = centres[lanes.host_of_lane(lanes.src_lane(v.step))];
    const ImVec2 b = centres[lanes.host_of_lane(lanes.dst_lane(v.step))];
    const float t = static_cast<float>(ctx.playback.arrow_progress());
    // It travels the middle of the link (20% to 70%), so that at rest it sits between
    // the boxes instead of under its destination's.
    const float along = 0.20f + 0.50f * t;
    const ImVec2 p(a.x + (b.x - a.x) * along, a.y + (b.y - a.y) * along);
    draw->AddLine(a, b, with_alpha(colour_of(theme, e), 0.8f), 3.0f * theme.scale);
    draw->AddCircleFilled(p, 9.0f * theme.scale, colour_of(theme, e));
    draw->AddCircle(p, 9.0f * theme.scale, IM_COL32(255, 255, 255, 220), 0, 2.0f * theme.scale);
    const std::string label = e.summary;
    const ImVec2 at(p.x + 14.0f * theme.scale, p.y - theme.mono_size * 1.6f);
    const float label_w = std::min(theme.mono->CalcTextSizeA(theme.mono_size, 1e9f, 0.0f, label.c_str()).x, avail.x * 0.45f);
    draw->AddRectFilled(ImVec2(at.x - 4.0f, at.y - 2.0f), ImVec2(at.x + label_w + 4.0f, at.y + theme.mono_size + 2.0f),
                        IM_COL32(17, 18, 22, 230), 3.0f);
    draw_clipped_text(draw, theme.mono, theme.mono_size, at,
                      theme.text, label.c_str(), label.c_str() + label.size(), avail.x * 0.45f);
  }
  ImGui::Dummy(avail);
}

}  // namespace smtplab::visualizer::ui
