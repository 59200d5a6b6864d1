// visualizer/ui/mail_view.hpp — mailboxes and queues at the current step; a message
// shows its envelope (MAIL FROM, RCPT TO) beside its headers, so the difference is
// visible: Bcc recipients, the Return-Path added at delivery, the Received chain.
//
// API: MailView view; view.draw(model, context).
#pragma once

#include <cstddef>

#include "ui/view_context.hpp"

namespace smtplab::visualizer::ui {

struct MailView {
  // View state: the chosen item (index into model.mail().items()); npos = the newest.
  std::size_t selected = static_cast<std::size_t>(-1);

  void draw(const TraceModel& model, const ViewContext& context);
};

}  // namespace smtplab::visualizer::ui
