// visualizer/ui/theme.cpp — palette, fonts, ImGui style.
#include "ui/theme.hpp"

#include <cstdio>
#include <fstream>

#include "model/timeline.hpp"

namespace smtplab::visualizer::ui {

Theme make_theme(float scale) {
  Theme t;
  // A projector at 1600x900 seen from the back of a room needs ~17 px text at least.
  t.scale = scale;
  t.font_size = 17.0f * scale;
  t.mono_size = 16.0f * scale;
  return t;
}

namespace {

bool file_exists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in.good();
}

// Latin-1 (§ and accented names), general punctuation (– — • …), arrows (→ ←), and
// the check/cross marks used for expectations and errors.
constexpr ImWchar glyph_ranges[] = {
    0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x21FF, 0x2500, 0x257F, 0x25A0, 0x25FF,
    0x2713, 0x2718, 0,
};

}  // namespace

void load_fonts(Theme& theme, const std::string& font_dir) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  const std::string sans = font_dir + "/DejaVuSans.ttf";
  const std::string bold = font_dir + "/DejaVuSans-Bold.ttf";
  const std::string mono = font_dir + "/DejaVuSansMono.ttf";
  theme.font_message.clear();
  if (file_exists(sans) && file_exists(mono)) {
    theme.font = io.Fonts->AddFontFromFileTTF(sans.c_str(), theme.font_size, nullptr, glyph_ranges);
    theme.bold = file_exists(bold)
                     ? io.Fonts->AddFontFromFileTTF(bold.c_str(), theme.font_size, nullptr, glyph_ranges)
                     : theme.font;
    theme.mono = io.Fonts->AddFontFromFileTTF(mono.c_str(), theme.mono_size, nullptr, glyph_ranges);
  }
  if (theme.font == nullptr || theme.mono == nullptr) {
    // ImGui's built-in font is 13 px and ASCII only; scale it so it stays readable.
    ImFontConfig config;
    config.SizePixels = 13.0f * theme.scale;
    theme.font = theme.bold = theme.mono = io.Fonts->AddFontDefault(&config);
    theme.font_message = "DejaVu fonts not found in " + font_dir +
                         " (package fonts-dejavu-core); using ImGui's default font";
  }
  io.Fonts->Build();
}

void apply_style(const Theme& theme) {
  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.WindowRounding = 0.0f;
  style.ChildRounding = 3.0f;
  style.FrameRounding = 3.0f;
  style.GrabRounding = 3.0f;
  style.TabRounding = 3.0f;
  style.WindowPadding = ImVec2(6, 6);
  style.FramePadding = ImVec2(7, 4);
  style.ItemSpacing = ImVec2(7, 5);
  style.ScrollbarSize = 14.0f;
  style.WindowBorderSize = 0.0f;
  style.ChildBorderSize = 1.0f;
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(theme.background);
  c[ImGuiCol_ChildBg] = ImGui::ColorConvertU32ToFloat4(theme.panel);
  c[ImGuiCol_Border] = ImVec4(0.30f, 0.33f, 0.40f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.17f, 0.24f, 0.36f, 1.0f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.0f, 0.45f, 0.70f, 1.0f);  // Okabe-Ito blue
  c[ImGuiCol_ButtonActive] = ImVec4(0.0f, 0.55f, 0.80f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.14f, 0.17f, 0.24f, 1.0f);
  c[ImGuiCol_SliderGrab] = ImVec4(0.34f, 0.71f, 0.91f, 1.0f);
  c[ImGuiCol_SliderGrabActive] = ImVec4(0.90f, 0.62f, 0.0f, 1.0f);
  c[ImGuiCol_Tab] = ImVec4(0.17f, 0.24f, 0.36f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.0f, 0.45f, 0.70f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.0f, 0.55f, 0.80f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.17f, 0.24f, 0.36f, 1.0f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.0f, 0.45f, 0.70f, 0.8f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.17f, 0.20f, 0.27f, 1.0f);
  style.ScaleAllSizes(theme.scale);
  ImGui::GetStyle() = style;
}

ImU32 with_alpha(ImU32 colour, float alpha) {
  const ImU32 a = (colour >> IM_COL32_A_SHIFT) & 0xFF;
  const auto scaled = static_cast<ImU32>(static_cast<float>(a) * alpha);
  return (colour & ~IM_COL32_A_MASK) | (scaled << IM_COL32_A_SHIFT);
}

ImU32 colour_of(const Theme& theme, const TraceEvent& event) {
  using namespace okabe_ito;
  if (is_error_event(event)) return theme.error;
  if (const std::string_view tag = protocol_tag(event); !tag.empty())
    return tag == "POP3" ? tol_light::pink : tol_light::pear;
  switch (event.kind) {
    case EventKind::SmtpCommand: return sky_blue;
    case EventKind::SmtpReply: return orange;
    case EventKind::DnsQuery:
    case EventKind::DnsAnswer: return bluish_green;
    case EventKind::TlsStep: return reddish_purple;
    case EventKind::AuthStep: return yellow;
    case EventKind::QueueChange:
    case EventKind::Delivery: return IM_COL32(80, 160, 230, 255);  // Okabe-Ito blue, lightened for a dark background
    case EventKind::PolicyCheck: return yellow;
    case EventKind::Bounce:
    case EventKind::Fault: return vermillion;
    case EventKind::ConnOpen:
    case EventKind::ConnClose: return IM_COL32(200, 200, 200, 255);
    case EventKind::StateChange:
    case EventKind::Note: return grey;
  }
  return grey;
}

std::string_view protocol_tag(const TraceEvent& event) {
  if (event.kind != EventKind::SmtpCommand && event.kind != EventKind::SmtpReply) return {};
  const std::string_view protocol = event.field("protocol");
  if (protocol == "pop3") return "POP3";
  if (protocol == "imap") return "IMAP";
  return {};
}

std::string format_clock(TimeMs time_ms) {
  const TimeMs day_ms = 24LL * 3600 * 1000;
  TimeMs in_day = time_ms % day_ms;
  if (in_day < 0) in_day += day_ms;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(in_day / 3'600'000), static_cast<long long>(in_day / 60'000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return buffer;
}

}  // namespace smtplab::visualizer::ui
