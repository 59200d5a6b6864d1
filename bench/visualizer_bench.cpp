// bench/visualizer_bench.cpp — how long the visualizer takes to build one frame of a
// 100,000-event trace while scrubbing (issue 3: at most 4 ms per frame, with step and
// seek independent of trace length).
//
// Standards: none (a benchmark; figures for notes, never a timed test).
//
// What it measures, all on the CPU and headless (no window, no GPU: ImGui builds its
// draw lists without a renderer, as in imgui's example_null):
//   1. building the model (indexes) for N events;
//   2. visible_at(step) alone, the model's part of a frame, while seeking across the
//      trace;
//   3. a full ImGui frame of the real main window (every panel) while seeking;
//   4. the same at N/10 events, to show the cost does not grow with the trace.
//
// Usage: visualizer_bench [events] [frames]   (defaults 100000 and 2000)
// Link: smtplab_visualizer_ui (brings the model, imgui, smtplab::trace and ::core).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <imgui.h>

#include "model/playback.hpp"
#include "model/trace_model.hpp"
#include "ui/main_window.hpp"

using namespace smtplab;
using namespace smtplab::visualizer;

namespace {

// A synthetic trace shaped like a busy relay: sessions of ~20 events (connect, greeting,
// EHLO, MAIL, RCPT, DATA, content, queue, QUIT, close, with state changes), each with a
// DNS lookup before it, one greylisted recipient in 50, over 6 hosts.
trace::TraceDocument make_trace(std::size_t events_wanted) {
  trace::TraceDocument doc;
  doc.title = "benchmark: synthetic relay trace";
  doc.hosts = {{"client", "192.0.2.10", "mua"},   {"smtp.a.example", "192.0.2.25", "mta"},
               {"ns", "203.0.113.53", "dns"},     {"mx.b.example", "198.51.100.25", "mta"},
               {"mx.c.example", "198.51.100.26", "mta"}, {"mx.d.example", "198.51.100.27", "mta"}};
  TimeMs t = 1'700'000'000'000;
  std::uint64_t conn = 0;
  auto add = [&](EventKind kind, const std::string& src, const std::string& dst, std::string summary,
                 std::string bytes, std::uint64_t c) -> TraceEvent& {
    TraceEvent e;
    e.seq = doc.events.size();
    e.time_ms = (t += 3);
    e.kind = kind;
    e.src = src;
    e.dst = dst;
    e.conn = c;
    e.summary = std::move(summary);
    e.bytes = std::move(bytes);
    doc.events.push_back(std::move(e));
    return doc.events.back();
  };
  const char* mx[] = {"mx.b.example", "mx.c.example", "mx.d.example"};
  while (doc.events.size() < events_wanted) {
    ++conn;
    const std::string server = mx[conn % 3];
    add(EventKind::DnsQuery, "smtp.a.example", "ns", "MX? b.example", "", 0).with("qtype", "MX");
    add(EventKind::DnsAnswer, "ns", "smtp.a.example", "MX 10 " + server, "", 0).with("rcode", "NOERROR");
    add(EventKind::ConnOpen, "smtp.a.example", server, "connect", "", conn).with("result", "ok");
    auto state = [&](const char* from, const char* to) {
      add(EventKind::StateChange, server, server, "", "", conn)
          .with("machine", "smtp_server").with("from", from).with("to", to);
    };
    state("connected", "greeted");
    add(EventKind::SmtpReply, server, "smtp.a.example", "220 " + server + " ESMTP", "220 " + server + " ESMTP\r\n", conn);
    add(EventKind::SmtpCommand, "smtp.a.example", server, "EHLO smtp.a.example", "EHLO smtp.a.example\r\n", conn);
    state("greeted", "ready");
    add(EventKind::SmtpReply, server, "smtp.a.example", "250 " + server, "250-" + server + "\r\n250-PIPELINING\r\n250 SIZE 10485760\r\n", conn);
    add(EventKind::SmtpCommand, "smtp.a.example", server, "MAIL FROM:<a@a.example>", "MAIL FROM:<a@a.example>\r\n", conn);
    state("ready", "mail_given");
    add(EventKind::SmtpReply, server, "smtp.a.example", "250 2.1.0 OK", "250 2.1.0 OK\r\n", conn);
    add(EventKind::SmtpCommand, "smtp.a.example", server, "RCPT TO:<b@b.example>", "RCPT TO:<b@b.example>\r\n", conn);
    const bool greylisted = conn % 50 == 0;
    add(EventKind::SmtpReply, server, "smtp.a.example", greylisted ? "450 4.7.1 Greylisted" : "250 2.1.5 OK",
        greylisted ? "450 4.7.1 Greylisted\r\n" : "250 2.1.5 OK\r\n", conn);
    if (!greylisted) {
      state("mail_given", "rcpt_given");
      add(EventKind::SmtpCommand, "smtp.a.example", server, "DATA", "DATA\r\n", conn);
      state("rcpt_given", "data");
      add(EventKind::SmtpReply, server, "smtp.a.example", "354 go ahead", "354 go ahead\r\n", conn);
      add(EventKind::SmtpCommand, "smtp.a.example", server, "message content", "Subject: hi\r\n\r\nhello\r\n.\r\n", conn);
      state("data", "ready");
      add(EventKind::SmtpReply, server, "smtp.a.example", "250 2.0.0 queued", "250 2.0.0 queued\r\n", conn);
    }
    add(EventKind::SmtpCommand, "smtp.a.example", server, "QUIT", "QUIT\r\n", conn);
    state(greylisted ? "mail_given" : "ready", "closing");
    add(EventKind::SmtpReply, server, "smtp.a.example", "221 2.0.0 Bye", "221 2.0.0 Bye\r\n", conn);
    add(EventKind::ConnClose, "smtp.a.example", server, "close", "", conn);
  }
  doc.events.resize(events_wanted);
  return doc;
}

double cpu_ms(std::clock_t a, std::clock_t b) { return 1000.0 * static_cast<double>(b - a) / CLOCKS_PER_SEC; }

struct FrameFigures {
  double mean_ms = 0;
  double max_ms = 0;
  double cpu_mean_ms = 0;
};

// Seeks to a different step every frame, spread over the whole trace (a scrubbing user).
template <typename Frame>
FrameFigures time_frames(std::size_t steps, std::size_t frames, Frame frame) {
  FrameFigures f;
  std::uint64_t x = 88172645463325252ULL;  // xorshift: deterministic, no std::random_device
  const std::clock_t cpu_start = std::clock();
  double total = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const std::size_t step = static_cast<std::size_t>(x % steps);
    const auto a = std::chrono::steady_clock::now();
    frame(step);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
    total += ms;
    f.max_ms = std::max(f.max_ms, ms);
  }
  f.mean_ms = total / static_cast<double>(frames);
  f.cpu_mean_ms = cpu_ms(cpu_start, std::clock()) / static_cast<double>(frames);
  return f;
}

void run(std::size_t events, std::size_t frames) {
  MachineCatalog catalog;
  trace::TraceDocument doc = make_trace(events);
  const std::clock_t c0 = std::clock();
  const auto model = TraceModel::create(std::move(doc), catalog);
  const std::clock_t c1 = std::clock();
  std::printf("%zu events: model built in %.1f ms CPU (%zu lanes, %zu sessions, %zu errors)\n", events,
              cpu_ms(c0, c1), model->lanes().lanes().size(), model->states().instances().size(),
              model->timeline().count(JumpTarget::Error));

  const FrameFigures model_only = time_frames(model->step_count(), frames, [&](std::size_t step) {
    const VisibleState v = visible_at(*model, step, 40);
    if (v.step != step) std::abort();
  });
  std::printf("  model frame (visible_at) while seeking: mean %.3f ms, max %.3f ms, CPU %.3f ms\n",
              model_only.mean_ms, model_only.max_ms, model_only.cpu_mean_ms);

  // Full ImGui frames of the real main window, headless.
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 900);
  io.DeltaTime = 1.0f / 60.0f;
  ui::Theme theme = ui::make_theme(1.0f);
  ui::load_fonts(theme, ui::default_font_dir);
  ui::apply_style(theme);
  unsigned char* pixels = nullptr;
  int w = 0;
  int h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // the atlas must exist; no GPU upload
  ui::MainWindow window;
  Playback playback(model->step_count());
  std::size_t vertices = 0;
  const FrameFigures full = time_frames(model->step_count(), frames, [&](std::size_t step) {
    playback.seek(step);
    playback.finish_animation();
    ImGui::NewFrame();
    const ui::Requests r = window.draw(model.get(), playback, theme, {});
    ImGui::Render();
    vertices = static_cast<std::size_t>(ImGui::GetDrawData()->TotalVtxCount);
    ui::apply_requests(r, *model, playback);
  });
  ImGui::DestroyContext();
  std::printf("  full ImGui frame (all panels, 1600x900) while seeking: mean %.3f ms, max %.3f ms, "
              "CPU %.3f ms, %zu vertices  [target <= 4 ms]\n",
              full.mean_ms, full.max_ms, full.cpu_mean_ms, vertices);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::size_t frames = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2000;
  if (events == 0 || frames == 0) {
    std::fprintf(stderr, "usage: %s [events>0] [frames>0]\n", argv[0]);
    return 2;
  }
  run(events, frames);
  run(std::max<std::size_t>(1, events / 10), frames);
  return 0;
}
