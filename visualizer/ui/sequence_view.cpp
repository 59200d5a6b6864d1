// visualizer/ui/sequence_view.cpp — the sequence diagram.
//
// [SECTION] Geometry
// [SECTION] Lane headers
// [SECTION] Rows (arrows, local markers, labels)
// [SECTION] Draw
#include "ui/sequence_view.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

namespace smtplab::visualizer::ui {

namespace {

// [SECTION] Geometry ------------------------------------------------------------------

struct Geometry {
  float left = 0.0f;   // screen x of the diagram's left edge
  float width = 0.0f;  // diagram width
  float row_height = 0.0f;
  float lane_x(const LaneLayout& lanes, std::size_t lane) const { return left + lanes.lane_x(lane, width); }
};

// [SECTION] Lane headers --------------------------------------------------------------

// A lane's title (host or agent name) on one line when it fits, else broken after a dot
// a colon or a hyphen into two ("smtp." / "a.example", "mailbox:" / "bob"), at the break that
// makes the wider of the two lines narrowest. Either line may still shrink (to 70%) or
// be clipped; the full name is always in the tooltip.
std::vector<std::string> title_lines(const std::string& title, const Theme& theme, float room) {
  const auto width = [&](const std::string& text) {
    return theme.bold->CalcTextSizeA(theme.font_size, 1e9f, 0.0f, text.c_str()).x;
  };
  if (width(title) <= room) return {title};
  std::vector<std::string> best{title};
  float best_width = width(title);
  for (std::size_t i = 0; i + 1 < title.size(); ++i) {
    if (title[i] != '.' && title[i] != ':' && title[i] != '-') continue;
    std::string first = title.substr(0, i + 1), second = title.substr(i + 1);
    const float wider = std::max(width(first), width(second));
    if (wider < best_width) {
      best_width = wider;
      best = {std::move(first), std::move(second)};
    }
  }
  return best;
}

// The header height the lanes need: two title lines when any title must break.
float lane_header_height(const TraceModel& model, const Theme& theme, const Geometry& g) {
  const auto& lanes = model.lanes().lanes();
  const float one_line = theme.font_size * 2.6f;
  if (lanes.empty()) return one_line;
  const float room = g.width / static_cast<float>(lanes.size()) - 16.0f * theme.scale;
  for (const Lane& lane : lanes) {
    if (title_lines(lane.agent.empty() ? lane.host : lane.agent, theme, room).size() > 1)
      return one_line + theme.font_size * 1.1f;
  }
  return one_line;
}

void draw_lane_headers(const TraceModel& model, const Theme& theme, const Geometry& g, float top,
                       float height) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const auto& lanes = model.lanes().lanes();
  if (lanes.empty()) return;
  const float slot = g.width / static_cast<float>(lanes.size());
  const float pad = 4.0f * theme.scale;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    const float x0 = g.left + slot * static_cast<float>(i) + pad;
    const float x1 = x0 + slot - 2 * pad;
    draw->AddRectFilled(ImVec2(x0, top), ImVec2(x1, top + height), theme.lane_box, 4.0f * theme.scale);
    const std::string title = lane.agent.empty() ? lane.host : lane.agent;
    std::string role = lane.role;
    for (char& c : role) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string subtitle;
    if (lane.agent.empty()) {
      subtitle = role;
      if (!lane.address.empty()) subtitle += (subtitle.empty() ? "" : "  ") + lane.address;
    } else {
      subtitle = "on " + lane.host;
    }
    const float room = x1 - x0 - 2 * pad;
    float y = top + pad;
    for (const std::string& line : title_lines(title, theme, room)) {
      // A line that is still too long shrinks (down to 70%) before it is clipped.
      const float natural = theme.bold->CalcTextSizeA(theme.font_size, 1e9f, 0.0f, line.c_str()).x;
      const float size = natural > room ? std::max(0.7f, room / natural) * theme.font_size : theme.font_size;
      draw_clipped_text(draw, theme.bold, size, ImVec2(x0 + pad, y + (theme.font_size - size)), theme.text,
                        line.c_str(), line.c_str() + line.size(), room);
      y += theme.font_size * 1.1f;
    }
    // When role and address do not both fit, the role alone (the address is in the tooltip).
    const float small = theme.font_size * 0.85f;
    if (lane.agent.empty() && !role.empty() &&
        theme.font->CalcTextSizeA(small, 1e9f, 0.0f, subtitle.c_str()).x > room)
      subtitle = role;
    draw_clipped_text(draw, theme.font, small, ImVec2(x0 + pad, y), theme.text_dim, subtitle.c_str(),
                      subtitle.c_str() + subtitle.size(), room);
    if (ImGui::IsWindowHovered() && mouse.x >= x0 && mouse.x < x1 && mouse.y >= top && mouse.y < top + height) {
      ImGui::BeginTooltip();
      ImGui::TextUnformatted(lane.name.c_str());
      if (!lane.role.empty()) ImGui::Text("role: %s", lane.role.c_str());
      if (!lane.address.empty()) ImGui::Text("address: %s", lane.address.c_str());
      if (!lane.agent.empty()) ImGui::Text("runs on: %s", lane.host.c_str());
      ImGui::EndTooltip();
    }
  }
}

// [SECTION] Rows ----------------------------------------------------------------------

void draw_row(const TraceModel& model, const ViewContext& ctx, const Geometry& g, std::size_t i,
              float y) {
  const Theme& theme = ctx.theme;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const TraceEvent& e = model.events()[i];
  const std::size_t step = ctx.playback.step();
  const bool current = i == step;
  const bool future = i > step;
  const float alpha = future ? 0.30f : 1.0f;
  const bool error = is_error_event(e);
  ImU32 colour = with_alpha(colour_of(theme, e), alpha);
  const ImU32 text_colour = with_alpha(current ? theme.text : (error ? theme.error : theme.text), future ? 0.35f : 0.92f);

  if (current) {
    draw->AddRectFilled(ImVec2(g.left, y), ImVec2(g.left + g.width, y + g.row_height), theme.highlight_row);
  }
  const std::size_t src = model.lanes().src_lane(i);
  const std::size_t dst = model.lanes().dst_lane(i);
  const float xs = g.lane_x(model.lanes(), src);
  const float xd = g.lane_x(model.lanes(), dst);
  const float arrow_y = y + g.row_height * 0.78f;
  const float text_y = y + g.row_height * 0.78f - theme.mono_size - 3.0f * theme.scale;
  const float thickness = (current ? 3.0f : 1.6f) * theme.scale;

  std::string label;
  if (error) label = "\u2717 ";  // a cross, so errors do not rely on colour alone
  // The protocol's name before a mail reader's line, so POP3 and IMAP do not rely on
  // colour alone either ("POP3 RETR 1", "IMAP a3 FETCH 1:* (FLAGS)").
  if (const std::string_view tag = protocol_tag(e); !tag.empty()) (label += tag) += ' ';
  label += e.summary.empty() ? std::string(to_string(e.kind)) : e.summary;

  if (src != dst) {
    // The arrow grows from src to dst while the current step animates.
    const float progress = current ? static_cast<float>(ctx.playback.arrow_progress()) : 1.0f;
    const ImVec2 a(xs, arrow_y);
    const ImVec2 b(xs + (xd - xs) * progress, arrow_y);
    if (e.kind == EventKind::SmtpReply || e.kind == EventKind::DnsAnswer)
      draw_dashed_line(draw, a, b, colour, thickness, 6.0f * theme.scale);
    else
      draw->AddLine(a, b, colour, thickness);
    draw_arrowhead(draw, a, b, colour, 9.0f * theme.scale);
    const float x_text = std::min(xs, xd) + 8.0f * theme.scale;
    const float room = std::max(std::abs(xd - xs) - 12.0f * theme.scale, g.width * 0.45f);
    draw_clipped_text(draw, theme.mono, theme.mono_size, ImVec2(x_text, text_y), text_colour,
                      label.c_str(), label.c_str() + label.size(),
                      std::min(room, g.left + g.width - x_text));
  } else {
    // A local event: a marker on the lane, its label to the right (state changes,
    // policy decisions, queue changes, deliveries).
    const float r = (current ? 6.0f : 4.5f) * theme.scale;
    const ImVec2 c(xs, arrow_y - r * 0.5f);
    if (e.kind == EventKind::StateChange) {
      draw->AddRect(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), colour, 2.0f, 0, 1.5f * theme.scale);
      label = std::string(e.field("machine")) + ": " + std::string(e.field("from")) + " \u2192 " +
              std::string(e.field("to"));
    } else {
      draw->AddCircleFilled(c, r, colour);
    }
    // Right of the lane when it fits, else left of it (the rightmost lanes).
    const float size = theme.mono_size * 0.95f;
    const float text_w = theme.mono->CalcTextSizeA(size, 1e9f, 0.0f, label.c_str()).x;
    float x_text = xs + 12.0f * theme.scale;
    if (x_text + text_w > g.left + g.width && xs - 12.0f * theme.scale - text_w > g.left)
      x_text = xs - 12.0f * theme.scale - text_w;
    draw_clipped_text(draw, theme.mono, size, ImVec2(x_text, text_y + 2.0f * theme.scale),
                      e.kind == EventKind::StateChange ? with_alpha(theme.text_dim, alpha) : text_colour,
                      label.c_str(), label.c_str() + label.size(), g.left + g.width - x_text);
  }
}

}  // namespace

// [SECTION] Draw ----------------------------------------------------------------------

void SequenceView::draw(const TraceModel& model, const ViewContext& ctx, Requests& requests) {
  const Theme& theme = ctx.theme;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  Geometry g;
  g.left = origin.x;
  g.width = avail.x - ImGui::GetStyle().ScrollbarSize;
  g.row_height = theme.mono_size * 1.55f;
  const float header_height = lane_header_height(model, theme, g);
  draw_lane_headers(model, theme, g, origin.y, header_height);
  ImGui::Dummy(ImVec2(avail.x, header_height + 4.0f * theme.scale));

  const std::size_t n = model.step_count();
  ImGui::BeginChild("rows", ImVec2(0, 0), false, ImGuiWindowFlags_NoBackground);
  // Rows are exactly row_height apart, as the clipper assumes.
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0.0f, 0.0f));
  const std::size_t step = ctx.playback.step();
  // Follow the playback: when the step changed since the last frame, scroll so the
  // current row sits a third of the way down (as visible_at's window does).
  if (scrolled_for_step != step || scrolled_for_model != &model) {
    const float view_h = ImGui::GetWindowHeight();
    const float target = static_cast<float>(step) * g.row_height - view_h / 3.0f;
    ImGui::SetScrollY(std::max(0.0f, target));
    scrolled_for_step = step;
    scrolled_for_model = &model;
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 rows_origin = ImGui::GetCursorScreenPos();
  const float win_top = ImGui::GetWindowPos().y;
  const float win_bottom = win_top + ImGui::GetWindowHeight();

  // Lifelines across the visible height.
  for (std::size_t lane = 0; lane < model.lanes().lanes().size(); ++lane) {
    const float x = g.lane_x(model.lanes(), lane);
    draw->AddLine(ImVec2(x, win_top), ImVec2(x, win_bottom), with_alpha(theme.lifeline, 0.6f), 1.0f * theme.scale);
  }

  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(n), g.row_height);
  while (clipper.Step()) {
    // TLS tunnels behind the rows on screen.
    const auto first = static_cast<std::size_t>(clipper.DisplayStart);
    const auto last = static_cast<std::size_t>(clipper.DisplayEnd);
    for (const TlsSpan& span : model.tls_spans()) {
      if (span.last_step < first || span.first_step >= last) continue;
      const float y0 = rows_origin.y + static_cast<float>(std::max(span.first_step, first)) * g.row_height;
      const float y1 = rows_origin.y + static_cast<float>(std::min(span.last_step + 1, last)) * g.row_height;
      const float x0 = g.lane_x(model.lanes(), span.lane_a) - 10.0f * theme.scale;
      const float x1 = g.lane_x(model.lanes(), span.lane_b) + 10.0f * theme.scale;
      draw->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, y1), IM_COL32(204, 121, 167, 30), 6.0f * theme.scale);
      draw->AddRect(ImVec2(x0, y0), ImVec2(x1, y1), IM_COL32(204, 121, 167, 90), 6.0f * theme.scale);
      if (span.first_step >= first) {
        // The caption goes left of the tunnel, where no label of its own rows is drawn
        // (labels run rightwards from their lane), unless the diagram's edge is too close;
        // on a dark plate, so that it stays readable over whatever it covers.
        const char* tag = "TLS tunnel";
        const float size = theme.font_size * 0.8f;
        const ImVec2 extent = theme.font->CalcTextSizeA(size, 1e9f, 0.0f, tag);
        const float pad = 3.0f * theme.scale;
        float x = x0 - extent.x - 2 * pad;
        if (x < g.left) x = x1 + 2 * pad;
        draw->AddRectFilled(ImVec2(x - pad, y0 + 1.0f), ImVec2(x + extent.x + pad, y0 + 3.0f + extent.y),
                            theme.background, 3.0f * theme.scale);
        draw->AddText(theme.font, size, ImVec2(x, y0 + 2.0f), IM_COL32(204, 121, 167, 220), tag);
      }
    }
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const auto i = static_cast<std::size_t>(row);
      const float y = rows_origin.y + static_cast<float>(row) * g.row_height;
      ImGui::SetCursorScreenPos(ImVec2(g.left, y));
      ImGui::PushID(row);
      if (ImGui::InvisibleButton("row", ImVec2(std::max(1.0f, g.width), g.row_height))) requests.seek_step = i;
      if (ImGui::IsItemHovered())
        draw->AddRectFilled(ImVec2(g.left, y), ImVec2(g.left + g.width, y + g.row_height), IM_COL32(255, 255, 255, 12));
      ImGui::PopID();
      draw_row(model, ctx, g, i, y);
    }
  }
  clipper.End();
  ImGui::PopStyleVar();
  ImGui::EndChild();
}

}  // namespace smtplab::visualizer::ui
