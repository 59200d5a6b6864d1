// visualizer/ui/theme.hpp — colours, fonts and sizes, chosen for a projector and for
// colour-blind viewers.
//
// Standards: none. The palette is Okabe & Ito's "Color Universal Design" set (8 colours
// distinguishable with protanopia, deuteranopia and tritanopia); no meaning is carried
// by colour alone: replies are dashed, errors carry a cross and a bold label.
//
// API:
//   Theme theme = make_theme(scale);      sizes for a UI scale (1.0 = 17 px text)
//   load_fonts(theme, font_dir)           DejaVu Sans / Sans Mono / Sans Bold, or
//                                         ImGui's default font with a message
//   apply_style(theme)                    ImGui colours and spacing
//   colour_of(theme, event)               the protocol colour of an event
//   protocol_tag(event)                   "POP3" / "IMAP" for a mail reader's line, else ""
#pragma once

#include <string>
#include <string_view>

#include <imgui.h>

#include "core/trace.hpp"

namespace smtplab::visualizer::ui {

// Okabe-Ito, as 0xAABBGGRR for ImDrawList (IM_COL32 order is R, G, B, A).
namespace okabe_ito {
inline constexpr ImU32 orange = IM_COL32(230, 159, 0, 255);
inline constexpr ImU32 sky_blue = IM_COL32(86, 180, 233, 255);
inline constexpr ImU32 bluish_green = IM_COL32(0, 158, 115, 255);
inline constexpr ImU32 yellow = IM_COL32(240, 228, 66, 255);
inline constexpr ImU32 blue = IM_COL32(0, 114, 178, 255);
inline constexpr ImU32 vermillion = IM_COL32(213, 94, 0, 255);
inline constexpr ImU32 reddish_purple = IM_COL32(204, 121, 167, 255);
inline constexpr ImU32 grey = IM_COL32(160, 160, 160, 255);
}  // namespace okabe_ito

// POP3 and IMAP (lesson 8) travel as smtp_command/smtp_reply events with a protocol
// field. Okabe-Ito's eight colours are all taken, so the mail readers' protocols use two
// from Paul Tol's colour-blind-safe "light" scheme, chosen far in lightness and hue from
// SMTP's sky blue and orange. Colour is not the only cue: their labels start with the
// protocol's name, and replies are dashed as for SMTP.
namespace tol_light {
inline constexpr ImU32 pink = IM_COL32(255, 170, 187, 255);  // POP3
inline constexpr ImU32 pear = IM_COL32(187, 204, 51, 255);   // IMAP
}  // namespace tol_light

struct Theme {
  float scale = 1.0f;
  float font_size = 17.0f;     // px at this scale
  float mono_size = 16.0f;
  ImFont* font = nullptr;      // DejaVu Sans
  ImFont* bold = nullptr;      // DejaVu Sans Bold
  ImFont* mono = nullptr;      // DejaVu Sans Mono
  std::string font_message;    // set when the TTFs were missing

  ImU32 background = IM_COL32(17, 18, 22, 255);
  ImU32 panel = IM_COL32(24, 26, 32, 255);
  ImU32 lane_box = IM_COL32(44, 52, 68, 255);
  ImU32 lifeline = IM_COL32(120, 126, 140, 255);
  ImU32 text = IM_COL32(235, 235, 235, 255);
  ImU32 text_dim = IM_COL32(150, 150, 150, 255);
  ImU32 highlight_row = IM_COL32(255, 255, 255, 28);
  ImU32 accent = okabe_ito::sky_blue;
  ImU32 error = okabe_ito::vermillion;
  ImU32 current = okabe_ito::orange;
};

Theme make_theme(float scale);
// Rebuilds io.Fonts for theme.scale. The caller recreates the font texture afterwards.
void load_fonts(Theme& theme, const std::string& font_dir);
void apply_style(const Theme& theme);

ImU32 colour_of(const Theme& theme, const TraceEvent& event);
// "POP3" or "IMAP" for a mail reader's command or reply, else "" (SMTP and the rest).
std::string_view protocol_tag(const TraceEvent& event);
ImU32 with_alpha(ImU32 colour, float alpha);  // alpha in 0..1, multiplies

// "22:13:20.030" in UTC, from milliseconds since the epoch (pure arithmetic, no clock).
std::string format_clock(TimeMs time_ms);

inline constexpr const char* default_font_dir = "/usr/share/fonts/truetype/dejavu";

}  // namespace smtplab::visualizer::ui
