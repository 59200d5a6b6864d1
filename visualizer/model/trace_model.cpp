// visualizer/model/trace_model.cpp — building the indexes, and what is visible at a step.
#include "model/trace_model.hpp"

#include <algorithm>
#include <map>

#include "trace/json.hpp"

namespace smtplab::visualizer {

std::unique_ptr<TraceModel> TraceModel::create(trace::TraceDocument document,
                                               const MachineCatalog& catalog,
                                               std::string lesson_markdown) {
  return std::unique_ptr<TraceModel>(
      new TraceModel(std::move(document), catalog, std::move(lesson_markdown)));
}

TraceModel::TraceModel(trace::TraceDocument document, const MachineCatalog& catalog,
                       std::string lesson)
    : document_(std::move(document)),
      timeline_(document_.events),
      lanes_(document_.hosts, document_.events),
      mail_(document_.events),
      states_(document_.events, catalog),
      lesson_markdown_(std::move(lesson)) {
  std::map<std::uint64_t, std::size_t> open_spans;  // conn -> index in tls_spans_
  const auto& events = document_.events;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    if (e.conn == 0) continue;
    if (e.kind == EventKind::TlsStep && !open_spans.contains(e.conn)) {
      TlsSpan span;
      span.conn = e.conn;
      span.lane_a = std::min(lanes_.src_lane(i), lanes_.dst_lane(i));
      span.lane_b = std::max(lanes_.src_lane(i), lanes_.dst_lane(i));
      span.first_step = i;
      span.last_step = events.size() - 1;
      open_spans.emplace(e.conn, tls_spans_.size());
      tls_spans_.push_back(span);
    } else if (e.kind == EventKind::ConnClose) {
      if (const auto it = open_spans.find(e.conn); it != open_spans.end()) {
        tls_spans_[it->second].last_step = i;
        open_spans.erase(it);
      }
    }
  }
}

VisibleState visible_at(const TraceModel& model, std::size_t step, std::size_t rows) {
  VisibleState v;
  const std::size_t n = model.step_count();
  if (n == 0) return v;
  v.step = std::min(step, n - 1);
  v.time_ms = model.timeline().time_at(v.step);
  // Keep the current row a third of the way down, so what comes next is visible too.
  const std::size_t shown = std::min(rows, n);
  const std::size_t above = shown / 3;
  v.rows_first = v.step > above ? v.step - above : 0;
  if (v.rows_first + shown > n) v.rows_first = n - shown;
  v.rows_last = v.rows_first + shown;

  const auto& events = model.events();
  for (std::size_t i : model.states().active_at(v.step)) {
    if (auto s = model.states().at(i, v.step, events); s) v.machines.push_back({i, *s});
  }
  v.focus_machine = model.states().focus_at(v.step, events);
  v.mail_items = model.mail().visible_at(v.step);
  const auto& links = model.lanes().links();
  for (std::size_t i = 0; i < links.size(); ++i)
    if (links[i].first_step <= v.step) v.links_seen.push_back(i);
  v.packet_link = model.lanes().link_of(v.step);
  return v;
}

LoadResult load_trace_text(std::string_view json_text, const MachineCatalog& catalog,
                           std::string lesson_markdown) {
  LoadResult result;
  trace::ParseResult parsed = trace::from_json(json_text);
  if (!parsed.ok()) {
    result.error = std::move(parsed.error);
    return result;
  }
  result.model = TraceModel::create(std::move(*parsed.document), catalog, std::move(lesson_markdown));
  return result;
}

}  // namespace smtplab::visualizer
