// visualizer/ui/lesson_view.cpp — a small Markdown reader, and the run's verdicts.
#include "ui/lesson_view.hpp"

#include <string>
#include <string_view>

namespace smtplab::visualizer::ui {

namespace {

void draw_markdown(std::string_view text, const Theme& theme) {
  bool in_code = false;
  std::string paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    ImGui::TextWrapped("%s", paragraph.c_str());
    paragraph.clear();
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? text.npos : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    if (line.starts_with("```")) {
      flush();
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      ImGui::PushFont(theme.mono);
      ImGui::TextUnformatted(line.data(), line.data() + line.size());
      ImGui::PopFont();
      continue;
    }
    if (line.empty()) {
      flush();
      ImGui::Spacing();
      continue;
    }
    if (line.starts_with("#")) {
      flush();
      std::size_t level = line.find_first_not_of('#');
      std::string title(line.substr(level == std::string_view::npos ? line.size() : level));
      ImGui::PushFont(theme.bold);
      ImGui::PushStyleColor(ImGuiCol_Text, theme.accent);
      ImGui::TextWrapped("%s", title.c_str() + (title.starts_with(" ") ? 1 : 0));
      ImGui::PopStyleColor();
      ImGui::PopFont();
      continue;
    }
    if (line.starts_with("- ") || line.starts_with("* ")) {
      flush();
      ImGui::Bullet();
      ImGui::SameLine();
      const std::string item(line.substr(2));
      ImGui::TextWrapped("%s", item.c_str());
      continue;
    }
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += line;
  }
  flush();
}

}  // namespace

void LessonView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  if (!model.lesson_markdown().empty()) {
    draw_markdown(model.lesson_markdown(), theme);
    return;
  }
  const auto& doc = model.document();
  ImGui::PushFont(theme.bold);
  ImGui::TextWrapped("%s", doc.title.empty() ? "(untitled trace)" : doc.title.c_str());
  ImGui::PopFont();
  ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
  ImGui::TextWrapped("source %s   seed %llu   %zu events%s", doc.source.c_str(),
                     static_cast<unsigned long long>(doc.seed), doc.events.size(),
                     doc.truncated ? "   (trace truncated at its limit)" : "");
  ImGui::PopStyleColor();
  for (const auto& x : doc.expectations) {
    ImGui::PushStyleColor(ImGuiCol_Text, x.ok ? okabe_ito::bluish_green : theme.error);
    ImGui::TextUnformatted(x.ok ? "\u2713 pass" : "\u2717 FAIL");
    ImGui::PopStyleColor();
    ImGui::SameLine();
    ImGui::TextWrapped("%s%s%s", x.description.c_str(), x.detail.empty() ? "" : " \u2014 ", x.detail.c_str());
  }
}

}  // namespace smtplab::visualizer::ui
