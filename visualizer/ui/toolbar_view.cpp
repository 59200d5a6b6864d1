// visualizer/ui/toolbar_view.cpp — the playback toolbar.
#include "ui/toolbar_view.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace smtplab::visualizer::ui {

void ToolbarView::draw(const TraceModel& model, const ViewContext& ctx, Requests& requests) {
  const Theme& theme = ctx.theme;
  const Playback& p = ctx.playback;
  ImGui::PushFont(theme.bold);
  const std::string& title = model.document().title;
  ImGui::TextUnformatted(title.empty() ? "smtplab trace" : title.c_str());
  ImGui::PopFont();
  ImGui::SameLine(0, 24.0f * theme.scale);
  if (ImGui::Button("|<")) requests.home = true;
  ImGui::SameLine();
  if (ImGui::Button("< step")) requests.step_back = true;
  ImGui::SameLine();
  if (ImGui::Button(p.playing() ? " Pause " : " Play  ")) requests.toggle_play = true;
  ImGui::SameLine();
  if (ImGui::Button("step >")) requests.step_forward = true;
  ImGui::SameLine();
  if (ImGui::Button(">|")) requests.end = true;
  ImGui::SameLine();
  float speed = static_cast<float>(p.speed());
  ImGui::SetNextItemWidth(110.0f * theme.scale);
  if (ImGui::SliderFloat("##speed", &speed, static_cast<float>(Playback::speed_min),
                         static_cast<float>(Playback::speed_max), "%.2fx", ImGuiSliderFlags_Logarithmic))
    requests.speed = speed;
  ImGui::SameLine();

  // The scrubber is over virtual time; seeking maps the time to the last step at or
  // before it (Timeline::step_at_time, a binary search).
  const Timeline& t = model.timeline();
  const TimeMs start = t.start_time_ms();
  const TimeMs end = t.end_time_ms();
  long long offset = static_cast<long long>(ctx.visible.time_ms - start);
  const long long span = static_cast<long long>(end - start);
  // The width left of the "next:" buttons, measured rather than guessed, so the overlay
  // text fits at any --scale; when it does not, it drops its least useful parts.
  const ImGuiStyle& style = ImGui::GetStyle();
  float jump_width = ImGui::CalcTextSize("next:").x + style.ItemSpacing.x;
  for (JumpTarget target : {JumpTarget::Reply, JumpTarget::Dns, JumpTarget::Tls, JumpTarget::Error})
    jump_width += ImGui::CalcTextSize(std::string(to_string(target)).c_str()).x + 2 * style.FramePadding.x +
                  style.ItemSpacing.x;
  const float slider_width = std::max(120.0f * theme.scale, ImGui::GetContentRegionAvail().x - jump_width);
  const std::size_t last = model.step_count() == 0 ? 0 : model.step_count() - 1;
  const std::string clock = format_clock(ctx.visible.time_ms);
  char overlay[96];
  std::snprintf(overlay, sizeof overlay, "step %zu / %zu   %s  (+%.3f s)", p.step(), last, clock.c_str(),
                static_cast<double>(offset) / 1000.0);
  const float text_room = slider_width - 2 * style.FramePadding.x;
  if (ImGui::CalcTextSize(overlay).x > text_room)
    std::snprintf(overlay, sizeof overlay, "step %zu / %zu  %s", p.step(), last, clock.c_str());
  if (ImGui::CalcTextSize(overlay).x > text_room) std::snprintf(overlay, sizeof overlay, "%zu / %zu", p.step(), last);
  ImGui::SetNextItemWidth(slider_width);
  const long long zero = 0;
  if (ImGui::SliderScalar("##time", ImGuiDataType_S64, &offset, &zero, &span, overlay))
    requests.seek_time_ms = start + offset;
  ImGui::SameLine();
  ImGui::TextUnformatted("next:");
  const bool backwards = ImGui::GetIO().KeyShift;
  for (JumpTarget target : {JumpTarget::Reply, JumpTarget::Dns, JumpTarget::Tls, JumpTarget::Error}) {
    ImGui::SameLine();
    const std::string label(to_string(target));
    const bool none = backwards ? !t.previous(target, p.step()) : !t.next(target, p.step());
    if (target == JumpTarget::Error) ImGui::PushStyleColor(ImGuiCol_Button, with_alpha(theme.error, 0.75f));
    if (none) ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.45f);
    if (ImGui::Button(label.c_str())) {
      if (backwards)
        requests.jump_previous = target;
      else
        requests.jump_next = target;
    }
    if (none) ImGui::PopStyleVar();
    if (target == JumpTarget::Error) ImGui::PopStyleColor();
  }
}

}  // namespace smtplab::visualizer::ui
