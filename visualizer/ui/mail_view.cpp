// visualizer/ui/mail_view.cpp — envelope versus headers.
#include "ui/mail_view.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace smtplab::visualizer::ui {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Our choice: the body preview is a teaser, the bytes are in the inspector.
constexpr std::size_t body_preview_max = 600;

}  // namespace

void MailView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  const MailIndex& mail = model.mail();
  const auto& present = ctx.visible.mail_items;
  if (present.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextWrapped("No message is queued or delivered yet at this step. Messages appear here when an MTA "
                       "queues one (queue_change) or an MDA stores one (delivery).");
    ImGui::PopStyleColor();
    return;
  }
  std::size_t chosen = present.back();
  if (std::find(present.begin(), present.end(), selected) != present.end()) chosen = selected;

  const float list_w = ImGui::GetContentRegionAvail().x * 0.27f;
  ImGui::BeginChild("mail_list", ImVec2(list_w, 0), true);
  for (std::size_t index : present) {
    const MailItem& item = mail.items()[index];
    std::string label = (item.place == MailPlace::Queue ? "queue  " : "mailbox  ") + item.location;
    if (!item.folder.empty()) label += "  (" + item.folder + ")";  // RFC 7489 §6.6.2: quarantine
    label += "\n  " + item.id;
    const std::size_t deferred = mail.deferrals_at(item, ctx.visible.step);
    if (deferred > 0) label += "  (deferred " + std::to_string(deferred) + "x)";
    ImGui::PushID(static_cast<int>(index));
    // Selecting an item is view state only; it does not move the playback.
    if (ImGui::Selectable(label.c_str(), index == chosen)) selected = index;
    ImGui::PopID();
  }
  if (mail.truncated()) ImGui::TextWrapped("(more messages than the panel keeps)");
  ImGui::EndChild();
  ImGui::SameLine();

  const MailItem& item = mail.items()[chosen];
  const std::string& message = model.events()[item.message_step].bytes;
  const auto headers = parse_headers(message);
  const auto hidden = envelope_only_recipients(item, headers);
  ImGui::BeginChild("mail_detail", ImVec2(0, 0), false);
  if (ImGui::BeginTable("envelope_headers", 2, ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("Envelope (SMTP: MAIL FROM / RCPT TO)", ImGuiTableColumnFlags_WidthStretch, 0.38f);
    ImGui::TableSetupColumn("Headers (inside the message)", ImGuiTableColumnFlags_WidthStretch, 0.62f);
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushFont(theme.mono);
    ImGui::TextUnformatted(("MAIL FROM:" + item.mail_from).c_str());
    for (const std::string& r : item.rcpt_to) {
      const bool bcc = std::find(hidden.begin(), hidden.end(), r) != hidden.end();
      const std::string line = "RCPT TO:<" + r + ">";
      if (bcc) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme.current);
        ImGui::TextUnformatted((line + "  \u25c0 not in To/Cc: a Bcc").c_str());
        ImGui::PopStyleColor();
      } else {
        ImGui::TextUnformatted(line.c_str());
      }
    }
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextWrapped("The envelope is what the servers act on (RFC 5321 §2.3.1); the headers are what the "
                       "reader sees (RFC 5322 §3.6). They need not agree.");
    ImGui::PopStyleColor();
    ImGui::TableNextColumn();
    ImGui::PushFont(theme.mono);
    for (const HeaderField& h : headers) {
      const std::string name = lower(h.name);
      // Trace fields added on the way (RFC 5321 §4.4) stand out from the author's.
      const bool trace_field = name == "received" || name == "return-path";
      ImGui::PushStyleColor(ImGuiCol_Text, trace_field ? okabe_ito::sky_blue : theme.current);
      ImGui::TextUnformatted((h.name + ":").c_str());
      ImGui::PopStyleColor();
      ImGui::SameLine();
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextUnformatted(h.value.c_str());
      ImGui::PopTextWrapPos();
    }
    const std::string_view body = message_body(message);
    if (!body.empty()) {
      ImGui::Spacing();
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(190, 190, 190, 255));
      const std::string preview(body.substr(0, body_preview_max));
      ImGui::TextWrapped("%s", preview.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::PopFont();
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

}  // namespace smtplab::visualizer::ui
