// visualizer/ui/inspector_view.cpp — the inspector panel.
//
// [SECTION] Heading
// [SECTION] Explanations and "why now"
// [SECTION] Fields
// [SECTION] Bytes
#include "ui/inspector_view.hpp"

#include <string>

#include "model/event_explanation.hpp"
#include "trace/json.hpp"

namespace smtplab::visualizer::ui {

namespace {

// Our choices: enough bytes for a whole EHLO reply or a short message; longer content
// is cut with a note (the mail panel shows whole messages).
constexpr std::size_t bytes_shown_max = 4096;
constexpr std::size_t hex_rows_max = 24;
constexpr std::size_t hex_width = 16;

void text_coloured(ImU32 colour, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
  ImGui::PopStyleColor();
}

void wrapped_coloured(ImU32 colour, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
}

// [SECTION] Explanations and "why now" ------------------------------------------------

void draw_why_now(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  const auto& v = ctx.visible;
  if (!v.focus_machine) return;
  const auto& inst = model.states().instances()[*v.focus_machine];
  const auto state = model.states().at(*v.focus_machine, v.step, model.events());
  if (!state) return;
  ImGui::Separator();
  ImGui::PushFont(theme.bold);
  text_coloured(theme.accent, "Why now");
  ImGui::PopFont();
  std::string text = "The " + inst.machine + " on " + inst.host + " is in state \"" + state->state + "\"";
  if (!state->from.empty())
    text += ", entered from \"" + state->from + "\" on " + (state->trigger.empty() ? "an event" : "'" + state->trigger + "'") +
            (state->rfc.empty() ? "" : " (" + state->rfc + ")");
  text += ".";
  if (inst.table != nullptr) {
    std::string next;
    for (const Transition& t : inst.table->transitions)
      if (t.from == state->state) next += (next.empty() ? "" : ", ") + std::string(t.trigger);
    if (!next.empty()) text += " From here the table allows: " + next + ".";
  }
  if (!state->legal) text += " This move is not in the transition table: an engine bug worth reporting.";
  wrapped_coloured(theme.text, text);
}

}  // namespace

void InspectorView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  if (model.step_count() == 0) {
    ImGui::TextUnformatted("The trace has no events.");
    return;
  }
  const std::size_t step = ctx.playback.step();
  const TraceEvent& e = model.events()[step];

  // [SECTION] Heading ---------------------------------------------------------------
  ImGui::PushFont(theme.bold);
  const std::string who = e.src == e.dst ? e.src : e.src + " \u2192 " + e.dst;
  std::string heading = (is_error_event(e) ? "\u2717 " : "") + (e.summary.empty() ? std::string(to_string(e.kind)) : e.summary);
  wrapped_coloured(colour_of(theme, e), heading);
  ImGui::PopFont();
  std::string meta = "step ";
  meta.append(std::to_string(step)).append("  \u00b7  ").append(format_clock(e.time_ms));
  meta.append("  \u00b7  ").append(to_string(e.kind)).append("  \u00b7  ").append(who);
  if (e.conn != 0) meta.append("  \u00b7  conn ").append(std::to_string(e.conn));
  wrapped_coloured(theme.text_dim, meta);
  ImGui::Separator();

  // Explanations, most specific first; each with its RFC section.
  for (const ExplanationLine& line : explain_event(e)) {
    const Explanation& x = *line.explanation;
    ImGui::PushFont(theme.bold);
    text_coloured(theme.text, line.label + "  " + std::string(x.title));
    ImGui::PopFont();
    ImGui::SameLine();
    text_coloured(theme.accent, std::string("(").append(x.rfc).append(")"));
    wrapped_coloured(IM_COL32(205, 205, 205, 255), std::string(x.text));
  }
  if (!e.rfc.empty()) {
    text_coloured(theme.text_dim, "The engine cites: " + e.rfc);
  }
  draw_why_now(model, ctx);

  // [SECTION] Fields ----------------------------------------------------------------
  if (!e.fields.empty()) {
    ImGui::Separator();
    if (ImGui::BeginTable("fields", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthFixed, theme.font_size * 6.0f);
      ImGui::TableSetupColumn("value");
      for (const auto& [k, value] : e.fields) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        text_coloured(theme.text_dim, k);
        ImGui::TableNextColumn();
        ImGui::PushFont(theme.mono);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(value.c_str(), value.c_str() + value.size());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
      }
      ImGui::EndTable();
    }
  }

  // [SECTION] Bytes -----------------------------------------------------------------
  if (!e.bytes.empty()) {
    ImGui::Separator();
    const bool utf8 = trace::is_valid_utf8(e.bytes);
    std::string about = "bytes (";
    about.append(std::to_string(e.bytes.size())).append(utf8 ? ")" : ", binary)");
    if (e.kind == EventKind::TlsStep) about.append("  TLS record");
    text_coloured(theme.text_dim, about);
    ImGui::PushFont(theme.mono);
    if (utf8) {
      const std::string shown = visible_bytes(e.bytes, bytes_shown_max);
      wrapped_coloured(theme.text, shown);
    }
    ImGui::PopFont();
    ImGui::Checkbox("hex", &show_hex);
    if (show_hex || !utf8) {
      ImGui::PushFont(theme.mono);
      for (const HexRow& row : hex_rows(e.bytes, hex_width, hex_rows_max)) {
        char offset[16];
        std::snprintf(offset, sizeof offset, "%04zx  ", row.offset);
        text_coloured(theme.text_dim, offset);
        ImGui::SameLine(0, 0);
        ImGui::TextUnformatted(row.hex.c_str());
        ImGui::SameLine(theme.mono_size * 0.6f * (6 + hex_width * 3 + 2));
        text_coloured(IM_COL32(170, 170, 170, 255), row.text);
      }
      if (e.bytes.size() > hex_rows_max * hex_width)
        text_coloured(theme.text_dim, std::string("... ")
                                          .append(std::to_string(e.bytes.size() - hex_rows_max * hex_width))
                                          .append(" more bytes"));
      ImGui::PopFont();
    }
  }
}

}  // namespace smtplab::visualizer::ui
