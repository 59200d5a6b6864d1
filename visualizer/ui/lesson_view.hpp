// visualizer/ui/lesson_view.hpp — the lesson's lesson.md beside the animation, or,
// for a saved trace, its title, seed and expectation results.
//
// API: LessonView view; view.draw(model, context). The Markdown subset shown: headings
// (#), bullet lists (- or *), fenced code (```), paragraphs; inline marks are shown as
// typed.
#pragma once

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct LessonView {
  void draw(const TraceModel& model, const ViewContext& context);
};

}  // namespace smtplab::visualizer::ui
