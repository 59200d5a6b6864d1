// visualizer/ui/main_window.cpp — layout of the panels and keyboard shortcuts.
//
// [SECTION] Layout
// [SECTION] Keyboard
// [SECTION] Applying requests
#include "ui/main_window.hpp"

#include <algorithm>

namespace smtplab::visualizer::ui {

namespace {

bool begin_panel(const char* id, const char* title, ImVec2 size, const Theme& theme) {
  const bool open = ImGui::BeginChild(id, size, true);
  if (title != nullptr) {
    ImGui::PushFont(theme.bold);
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextUnformatted(title);
    ImGui::PopStyleColor();
    ImGui::PopFont();
  }
  return open;
}

// [SECTION] Keyboard ------------------------------------------------------------------

void read_keyboard(Requests& r) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) r.toggle_play = true;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) r.step_forward = true;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) r.step_back = true;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Home), false)) r.home = true;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_End), false)) r.end = true;
}

}  // namespace

std::size_t diagram_rows(const Theme& theme, float display_height) {
  const float row = theme.mono_size * 1.55f;
  return static_cast<std::size_t>(std::max(1.0f, display_height * 0.62f / row));
}

// [SECTION] Layout --------------------------------------------------------------------

Requests MainWindow::draw(const TraceModel* model, const Playback& playback, const Theme& theme,
                          const std::string& load_error) {
  Requests requests;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("smtplab-visualizer", nullptr, flags);
  if (model == nullptr) {
    // A trace that cannot be read: say why, in the window (and main() on stderr).
    ImGui::PushFont(theme.bold);
    ImGui::PushStyleColor(ImGuiCol_Text, theme.error);
    ImGui::TextUnformatted("\u2717 This trace cannot be shown");
    ImGui::PopStyleColor();
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::PushFont(theme.mono);
    ImGui::TextWrapped("%s", load_error.c_str());
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
    ImGui::TextWrapped("smtplab-visualizer opens JSON traces of format \"smtplab-trace\" version 1 "
                       "(docs/trace-format.md), scenario files and lesson folders.");
    ImGui::PopStyleColor();
    ImGui::End();
    return requests;
  }
  const VisibleState visible = visible_at(*model, playback.step(), diagram_rows(theme, viewport->WorkSize.y));
  const ViewContext ctx{playback, visible, theme};
  read_keyboard(requests);

  toolbar.draw(*model, ctx, requests);
  if (!theme.font_message.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.9f, 0.6f, 0.0f, 1.0f), "(%s)", theme.font_message.c_str());
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float top_h = avail.y * 0.68f;
  const float left_w = avail.x * 0.56f;
  if (begin_panel("sequence", "Sequence", ImVec2(left_w, top_h), theme)) sequence.draw(*model, ctx, requests);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float right_w = avail.x - left_w - gap;
  const float inspector_h = top_h * 0.60f;
  if (begin_panel("inspector", "Inspector", ImVec2(right_w, inspector_h), theme)) inspector.draw(*model, ctx);
  ImGui::EndChild();
  if (begin_panel("state", "State", ImVec2(right_w, top_h - inspector_h - ImGui::GetStyle().ItemSpacing.y), theme))
    state.draw(*model, ctx);
  ImGui::EndChild();
  ImGui::EndGroup();

  if (begin_panel("tabs", nullptr, ImVec2(0, 0), theme)) {
    if (ImGui::BeginTabBar("bottom_tabs")) {
      auto tab_flags = [this](const char* name) {
        return select_tab == name ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
      };
      const ImGuiTabItemFlags lesson_flags = tab_flags("lesson");
      const ImGuiTabItemFlags mail_flags = tab_flags("mail");
      const ImGuiTabItemFlags network_flags = tab_flags("network");
      select_tab.clear();
      if (ImGui::BeginTabItem(model->lesson_markdown().empty() ? "Run" : "Lesson", nullptr, lesson_flags)) {
        ImGui::BeginChild("lesson_scroll");
        lesson.draw(*model, ctx);
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Mail (envelope vs headers)", nullptr, mail_flags)) {
        mail.draw(*model, ctx);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Network map", nullptr, network_flags)) {
        network.draw(*model, ctx);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  ImGui::EndChild();
  ImGui::End();
  return requests;
}

// [SECTION] Applying requests -----------------------------------------------------------

void apply_requests(const Requests& r, const TraceModel& model, Playback& playback) {
  if (r.seek_step) {
    playback.pause();
    playback.seek(*r.seek_step);
  }
  if (r.seek_time_ms) {
    playback.pause();
    playback.seek(model.timeline().step_at_time(*r.seek_time_ms));
  }
  if (r.jump_next) {
    if (const auto s = model.timeline().next(*r.jump_next, playback.step())) {
      playback.pause();
      playback.seek(*s);
    }
  }
  if (r.jump_previous) {
    if (const auto s = model.timeline().previous(*r.jump_previous, playback.step())) {
      playback.pause();
      playback.seek(*s);
    }
  }
  if (r.step_forward) playback.step_forward();
  if (r.step_back) playback.step_back();
  if (r.home) playback.home();
  if (r.end) playback.end();
  if (r.toggle_play) playback.toggle();
  if (r.speed) playback.set_speed(*r.speed);
}

}  // namespace smtplab::visualizer::ui
