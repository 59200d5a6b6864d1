// visualizer/model/trace_model.hpp — the visualizer's model: one trace document and
// every index the views read. Views never change it (STYLE §24: model apart from view).
//
// Standards: none; reads docs/trace-format.md.
//
// API:
//   auto model = TraceModel::create(document, catalog, lesson_markdown);
//   model->document(), events(), timeline(), lanes(), mail(), states()
//   visible_at(model, step, rows)    what the screen shows at a step (for tests, the
//                                    benchmark and the views): the row window, the
//                                    machines and their states, mail present, links used
//   load_trace_text(text, catalog)   a JSON trace, or the reader's message
//
// Building the indexes is O(n log n) once; every per-step question afterwards is a
// binary search or proportional to what is on screen, never to the trace length
// (except mail and machine listings, proportional to the messages and sessions).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/lane_layout.hpp"
#include "model/mail_state.hpp"
#include "model/state_at_step.hpp"
#include "model/timeline.hpp"
#include "trace/document.hpp"

namespace smtplab::visualizer {

// A connection's stretch under TLS: from its first tls_step to its close (RFC 3207 §4.2:
// after the handshake everything on the connection is protected). Drawn as a tunnel.
struct TlsSpan {
  std::uint64_t conn = 0;
  std::size_t lane_a = 0;  // the two lanes of the connection, lane_a <= lane_b
  std::size_t lane_b = 0;
  std::size_t first_step = 0;
  std::size_t last_step = 0;
};

class TraceModel {
 public:
  static std::unique_ptr<TraceModel> create(trace::TraceDocument document,
                                            const MachineCatalog& catalog,
                                            std::string lesson_markdown = {});

  const trace::TraceDocument& document() const { return document_; }
  const std::vector<TraceEvent>& events() const { return document_.events; }
  std::size_t step_count() const { return document_.events.size(); }
  const Timeline& timeline() const { return timeline_; }
  const LaneLayout& lanes() const { return lanes_; }
  const MailIndex& mail() const { return mail_; }
  const StateIndex& states() const { return states_; }
  const std::string& lesson_markdown() const { return lesson_markdown_; }
  const std::vector<TlsSpan>& tls_spans() const { return tls_spans_; }

 private:
  TraceModel(trace::TraceDocument document, const MachineCatalog& catalog, std::string lesson);

  trace::TraceDocument document_;
  Timeline timeline_;
  LaneLayout lanes_;
  MailIndex mail_;
  StateIndex states_;
  std::string lesson_markdown_;
  std::vector<TlsSpan> tls_spans_;
};

struct MachineAtStep {
  std::size_t instance = 0;
  InstanceState state;
  friend bool operator==(const MachineAtStep&, const MachineAtStep&) = default;
};

struct VisibleState {
  std::size_t step = 0;
  TimeMs time_ms = 0;
  std::size_t rows_first = 0;  // the rows a viewport of `rows` lines shows, the
  std::size_t rows_last = 0;   // current step kept in view: [rows_first, rows_last)
  std::vector<MachineAtStep> machines;
  std::optional<std::size_t> focus_machine;
  std::vector<std::size_t> mail_items;   // indexes into mail().items()
  std::vector<std::size_t> links_seen;   // indexes into lanes().links() used so far
  std::size_t packet_link = LaneLayout::npos;  // the link the current event is on
  friend bool operator==(const VisibleState&, const VisibleState&) = default;
};

VisibleState visible_at(const TraceModel& model, std::size_t step, std::size_t rows);

struct LoadResult {
  std::unique_ptr<TraceModel> model;
  std::string error;  // "trace.json: unsupported trace version 7 (...)"
  double run_ms = 0.0;    // start-up figures (issue 3), filled in by the app's loader:
  double model_ms = 0.0;  // running the scenario, and building this model's indexes
};
LoadResult load_trace_text(std::string_view json_text, const MachineCatalog& catalog,
                           std::string lesson_markdown = {});

}  // namespace smtplab::visualizer
