// visualizer/ui/main_window.hpp — the whole screen: toolbar, sequence diagram,
// inspector, state panel, and the tabs (lesson, mail, network map).
//
// API:
//   MainWindow window;
//   Requests r = window.draw(model_or_null, playback, theme, load_error);
//   apply_requests(r, model, playback)   after the frame: moves the playback
//
// With no model (the trace could not be read), the window shows the reader's message
// in place of the diagram; the same message goes to stderr from main().
#pragma once

#include <string>

#include "ui/inspector_view.hpp"
#include "ui/lesson_view.hpp"
#include "ui/mail_view.hpp"
#include "ui/network_view.hpp"
#include "ui/sequence_view.hpp"
#include "ui/state_view.hpp"
#include "ui/toolbar_view.hpp"

namespace smtplab::visualizer::ui {

struct MainWindow {
  ToolbarView toolbar;
  SequenceView sequence;
  InspectorView inspector;
  StateView state;
  LessonView lesson;
  MailView mail;
  NetworkView network;
  // View state: a tab to bring to the front on the next frame ("lesson", "mail",
  // "network"), e.g. from --tab for screenshots; cleared once applied.
  std::string select_tab;

  Requests draw(const TraceModel* model, const Playback& playback, const Theme& theme,
                const std::string& load_error);
};

void apply_requests(const Requests& requests, const TraceModel& model, Playback& playback);

// How many diagram rows fit, for visible_at (an estimate from the theme is enough: the
// window only decides which rows count as "on screen" for the state snapshot).
std::size_t diagram_rows(const Theme& theme, float display_height);

}  // namespace smtplab::visualizer::ui
