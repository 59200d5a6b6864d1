// Tests of the visualizer model (visualizer/model): indexing, playback, lanes, what is
// visible at a step, mail and state derived from the trace. The views only read this,
// so what students see is decided here and checked here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "model/event_explanation.hpp"
#include "model/playback.hpp"
#include "model/trace_model.hpp"
#include "trace/json.hpp"

using namespace smtplab;
using namespace smtplab::visualizer;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string data_path(const std::string& name) {
  return std::string(SMTPLAB_SOURCE_DIR) + "/tests/visualizer/data/" + name;
}

// The hand-made lesson 2 trace: submission with STARTTLS and AUTH, DNS MX and A,
// relay with one greylisted recipient, delivery.
std::unique_ptr<TraceModel> lesson_model(const MachineCatalog& catalog) {
  const std::string text = read_file(data_path("lesson02_submission_relay.json"));
  REQUIRE_FALSE(text.empty());
  LoadResult loaded = load_trace_text(text, catalog);
  INFO(loaded.error);
  REQUIRE(loaded.model != nullptr);
  return std::move(loaded.model);
}

std::size_t find_summary(const TraceModel& model, const std::string& summary) {
  for (std::size_t i = 0; i < model.events().size(); ++i)
    if (model.events()[i].summary == summary) return i;
  FAIL("no event with summary " << summary);
  return 0;
}

TraceEvent synthetic(std::uint64_t seq, TimeMs t, EventKind kind, std::string src, std::string dst) {
  TraceEvent e;
  e.seq = seq;
  e.time_ms = t;
  e.kind = kind;
  e.src = std::move(src);
  e.dst = std::move(dst);
  e.summary = std::string(to_string(kind));
  return e;
}

}  // namespace

TEST_CASE("the hand-made trace is in the canonical layout of trace::to_json", "[visualizer]") {
  const std::string text = read_file(data_path("lesson02_submission_relay.json"));
  const trace::ParseResult parsed = trace::from_json(text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  CHECK(trace::to_json(*parsed.document) == text);
}

TEST_CASE("broken traces give a clear message, not a model", "[visualizer]") {
  MachineCatalog catalog;
  SECTION("wrong version") {
    const LoadResult r = load_trace_text(read_file(data_path("bad_version.json")), catalog);
    CHECK(r.model == nullptr);
    CHECK_THAT(r.error, Catch::Contains("unsupported trace version 2"));
  }
  SECTION("truncated") {
    const LoadResult r = load_trace_text(read_file(data_path("truncated.json")), catalog);
    CHECK(r.model == nullptr);
    CHECK_THAT(r.error, Catch::Contains("truncated or invalid JSON"));
  }
  SECTION("unknown event kind") {
    const LoadResult r = load_trace_text(read_file(data_path("unknown_kind.json")), catalog);
    CHECK(r.model == nullptr);
    CHECK_THAT(r.error, Catch::Contains("dns_lookup") && Catch::Contains("event "));
  }
}

TEST_CASE("layout gives every host and agent a lane, hosts in scenario order", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const LaneLayout& lanes = model->lanes();
  for (const auto& host : model->document().hosts) {
    INFO(host.name);
    CHECK(lanes.lane_of(host.name) != LaneLayout::npos);
  }
  for (const auto& e : model->events()) {
    CHECK(lanes.lane_of(e.src) != LaneLayout::npos);
    CHECK(lanes.lane_of(e.dst) != LaneLayout::npos);
  }
  // Scenario order, with each agent right after its host.
  std::vector<std::string> names;
  for (const auto& lane : lanes.lanes()) names.push_back(lane.name);
  CHECK(names == std::vector<std::string>{"alice-laptop", "smtp.a.example", "smtp.a.example/queue",
                                          "ns", "mx.b.example", "mx.b.example/mda"});
  CHECK(lanes.lanes()[2].agent == "queue");
  CHECK(lanes.lanes()[2].role == "mta");
  // Lanes are spread left to right without overlapping.
  for (std::size_t i = 1; i < lanes.lanes().size(); ++i)
    CHECK(lanes.lane_x(i, 1200.0f) > lanes.lane_x(i - 1, 1200.0f));
  // Per-event lanes match the names.
  const std::size_t ehlo = find_summary(*model, "EHLO alice-laptop");
  CHECK(lanes.src_lane(ehlo) == lanes.lane_of("alice-laptop"));
  CHECK(lanes.dst_lane(ehlo) == lanes.lane_of("smtp.a.example"));
}

TEST_CASE("lanes appear for names only the events mention", "[visualizer]") {
  std::vector<TraceEvent> events = {synthetic(0, 0, EventKind::ConnOpen, "client", "server"),
                                    synthetic(1, 1, EventKind::Delivery, "server/mda", "server/mda")};
  const LaneLayout lanes({}, events);
  REQUIRE(lanes.lanes().size() == 3);
  CHECK(lanes.lanes()[0].name == "client");
  CHECK(lanes.lanes()[1].name == "server");
  CHECK(lanes.lanes()[2].name == "server/mda");
  CHECK(lanes.hosts().size() == 2);
  REQUIRE(lanes.links().size() == 1);
  CHECK(lanes.link_of(0) == 0);
  CHECK(lanes.link_of(1) == LaneLayout::npos);  // local to one host
}

TEST_CASE("an event addressed to a host's address shares the host's lane", "[visualizer]") {
  std::vector<TraceEvent> events = {synthetic(0, 0, EventKind::DnsQuery, "mta", "203.0.113.53"),
                                    synthetic(1, 1, EventKind::DnsAnswer, "ns", "192.0.2.25")};
  const LaneLayout lanes({{"mta", "192.0.2.25", "mta"}, {"ns", "203.0.113.53", "dns"}}, events);
  REQUIRE(lanes.lanes().size() == 2);
  CHECK(lanes.dst_lane(0) == lanes.lane_of("ns"));
  CHECK(lanes.dst_lane(1) == lanes.lane_of("mta"));
  CHECK(lanes.lane_of("203.0.113.53") == lanes.lane_of("ns"));
}

TEST_CASE("jump to next finds the right event", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const Timeline& t = model->timeline();
  const auto& events = model->events();

  const auto reply = t.next(JumpTarget::Reply, 0);
  REQUIRE(reply);
  CHECK(events[*reply].summary == "220 smtp.a.example ESMTP smtplab");

  const auto dns = t.next(JumpTarget::Dns, 0);
  REQUIRE(dns);
  CHECK(events[*dns].summary == "DNS query MX? b.example");
  const auto dns2 = t.next(JumpTarget::Dns, *dns);
  REQUIRE(dns2);
  CHECK(events[*dns2].summary == "DNS query A? mx.b.example");
  CHECK_FALSE(t.next(JumpTarget::Dns, *dns2));

  // The first error is the greylisting 450, and there is nothing wrong before it.
  const auto error = t.next(JumpTarget::Error, 0);
  REQUIRE(error);
  CHECK(events[*error].summary == "450 4.7.1 Greylisted, try again later");
  for (std::size_t i = 0; i < *error; ++i) CHECK_FALSE(is_error_event(events[i]));
  // Then the deferral of the greylisted recipient.
  const auto error2 = t.next(JumpTarget::Error, *error);
  REQUIRE(error2);
  CHECK(events[*error2].kind == EventKind::QueueChange);

  const auto tls = t.next(JumpTarget::Tls, 0);
  REQUIRE(tls);
  CHECK(events[*tls].summary == "TLS ClientHello (SNI smtp.a.example)");

  // previous() is the mirror image.
  CHECK(t.previous(JumpTarget::Dns, *dns2) == dns);
  CHECK_FALSE(t.previous(JumpTarget::Dns, *dns));
  // Every event next() finds matches its target, for every target.
  for (JumpTarget target : all_jump_targets) {
    std::size_t found = 0;
    for (auto s = t.next(target, 0); s; s = t.next(target, *s)) {
      CHECK(matches(target, events[*s]));
      ++found;
    }
    const std::size_t expected = static_cast<std::size_t>(
        std::count_if(events.begin() + 1, events.end(), [&](const TraceEvent& e) { return matches(target, e); }));
    CHECK(found == expected);
  }
}

TEST_CASE("time seeks find the last step at or before a time", "[visualizer]") {
  std::vector<TraceEvent> events = {synthetic(0, 100, EventKind::Note, "a", "a"),
                                    synthetic(1, 200, EventKind::Note, "a", "a"),
                                    synthetic(2, 200, EventKind::Note, "a", "a"),
                                    synthetic(3, 5000, EventKind::Note, "a", "a")};
  const Timeline t(events);
  CHECK(t.step_at_time(0) == 0);
  CHECK(t.step_at_time(100) == 0);
  CHECK(t.step_at_time(199) == 0);
  CHECK(t.step_at_time(200) == 2);
  CHECK(t.step_at_time(4999) == 2);
  CHECK(t.step_at_time(1'000'000) == 3);
  CHECK(t.start_time_ms() == 100);
  CHECK(t.end_time_ms() == 5000);
}

TEST_CASE("step forward then back returns the same visible set", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const std::size_t n = model->step_count();
  Playback playback(n);
  for (std::size_t step = 0; step + 1 < n; ++step) {
    playback.seek(step);
    const VisibleState before = visible_at(*model, playback.step(), 20);
    playback.step_forward();
    const VisibleState after = visible_at(*model, playback.step(), 20);
    CHECK(after.step == step + 1);
    playback.step_back();
    const VisibleState again = visible_at(*model, playback.step(), 20);
    INFO("step " << step);
    CHECK(again == before);
  }
  // And a jump far away and back as well.
  playback.seek(5);
  const VisibleState five = visible_at(*model, playback.step(), 20);
  playback.end();
  playback.seek(5);
  CHECK(visible_at(*model, playback.step(), 20) == five);
}

TEST_CASE("the visible state follows the trace", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const auto& events = model->events();
  SECTION("the current row stays in the window") {
    for (std::size_t step = 0; step < model->step_count(); ++step) {
      const VisibleState v = visible_at(*model, step, 10);
      CHECK(v.rows_first <= step);
      CHECK(step < v.rows_last);
      CHECK(v.rows_last - v.rows_first == 10);
    }
  }
  SECTION("the server's state at RCPT time is rcpt_given, and its move is legal") {
    const std::size_t rcpt_reply = find_summary(*model, "250 2.1.5 Recipient OK");
    const VisibleState v = visible_at(*model, rcpt_reply, 20);
    REQUIRE(v.focus_machine);
    const auto& inst = model->states().instances()[*v.focus_machine];
    CHECK(inst.machine == "smtp_server");
    CHECK(inst.host == "smtp.a.example");
    const auto s = model->states().at(*v.focus_machine, rcpt_reply, events);
    REQUIRE(s);
    CHECK(s->state == "rcpt_given");
    CHECK(s->from == "mail_given");
    CHECK(s->trigger == "RCPT");
    CHECK(s->legal);
  }
  SECTION("a finished session leaves the state panel after its connection closes") {
    const std::size_t last = model->step_count() - 1;
    const VisibleState v = visible_at(*model, last, 20);
    CHECK(v.machines.empty());
  }
  SECTION("the packet travels on the link of the current event") {
    const std::size_t query = find_summary(*model, "DNS query MX? b.example");
    const VisibleState v = visible_at(*model, query, 20);
    REQUIRE(v.packet_link != LaneLayout::npos);
    const Link& link = model->lanes().links()[v.packet_link];
    const auto& hosts = model->lanes().hosts();
    CHECK(((hosts[link.host_a] == "smtp.a.example" && hosts[link.host_b] == "ns") ||
           (hosts[link.host_a] == "ns" && hosts[link.host_b] == "smtp.a.example")));
    // Links appear once used: the MX link is not seen before the relay starts.
    const std::size_t relay_open = find_summary(*model, "connect 198.51.100.25:25");
    CHECK(visible_at(*model, query, 20).links_seen.size() <
          visible_at(*model, relay_open, 20).links_seen.size());
  }
}

TEST_CASE("mail state: queue then mailbox, with the envelope kept apart", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const MailIndex& mail = model->mail();
  const std::size_t enqueue = find_summary(*model, "enqueue Q1: accepted from alice-laptop");
  const std::size_t delivery =
      find_summary(*model, "deliver to bob@b.example: Maildir/new/1700000000.R7.mx");
  CHECK(mail.visible_at(enqueue - 1).empty());
  const auto at_enqueue = mail.visible_at(enqueue);
  REQUIRE(at_enqueue.size() == 1);
  const MailItem& queued = mail.items()[at_enqueue[0]];
  CHECK(queued.place == MailPlace::Queue);
  CHECK(queued.location == "smtp.a.example/queue");
  CHECK(queued.id == "Q1");
  CHECK(queued.mail_from == "<alice@a.example>");
  CHECK(queued.rcpt_to == std::vector<std::string>{"bob@b.example", "carol@b.example"});

  const auto at_delivery = mail.visible_at(delivery);
  REQUIRE(at_delivery.size() == 2);
  const MailItem& stored = mail.items()[at_delivery[1]];
  CHECK(stored.place == MailPlace::Mailbox);
  CHECK(stored.location == "bob@b.example");

  // Headers of the delivered copy: Return-Path first, then two Received fields.
  const auto headers = parse_headers(model->events()[stored.message_step].bytes);
  REQUIRE(headers.size() >= 3);
  CHECK(headers[0].name == "Return-Path");
  CHECK(headers[0].value == "<alice@a.example>");
  CHECK(headers[1].name == "Received");
  CHECK(headers[2].name == "Received");
  // Folded lines were unfolded (RFC 5322 §2.2.3).
  CHECK_THAT(headers[1].value, Catch::Contains("by mx.b.example with ESMTPS id R7"));

  // Carol is in the queued envelope but in no To/Cc header: a Bcc.
  const auto queued_headers = parse_headers(model->events()[queued.message_step].bytes);
  CHECK(envelope_only_recipients(queued, queued_headers) == std::vector<std::string>{"carol@b.example"});

  // The deferral counts only from its step on.
  const std::size_t last = model->step_count() - 1;
  CHECK(mail.deferrals_at(queued, delivery) == 0);
  CHECK(mail.deferrals_at(queued, last) == 1);
}

TEST_CASE("a queue entry disappears after its remove event", "[visualizer]") {
  std::vector<TraceEvent> events;
  events.push_back(synthetic(0, 0, EventKind::QueueChange, "m/queue", "m/queue"));
  events.back().with("action", "enqueue").with("queue_id", "A1").with("rcpt_to", "x@y (pending)");
  events.push_back(synthetic(1, 1, EventKind::Note, "m", "m"));
  events.push_back(synthetic(2, 2, EventKind::QueueChange, "m/queue", "m/queue"));
  events.back().with("action", "remove").with("queue_id", "A1");
  events.push_back(synthetic(3, 3, EventKind::Note, "m", "m"));
  const MailIndex mail(events);
  CHECK(mail.visible_at(0).size() == 1);
  CHECK(mail.visible_at(2).size() == 1);  // shown leaving
  CHECK(mail.visible_at(3).empty());
}

TEST_CASE("a machine the catalog lacks gets a table derived from the trace", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  REQUIRE_FALSE(model->states().instances().empty());
  const MachineInstance& inst = model->states().instances()[0];
  CHECK(inst.table_derived);
  REQUIRE(inst.table != nullptr);
  const std::vector<std::string_view> states(inst.table->states.begin(), inst.table->states.end());
  CHECK(states == std::vector<std::string_view>{"connected", "greeted", "ready", "mail_given",
                                                "rcpt_given", "data", "closing"});
  CHECK(inst.table->find("ready", "mail_given") != nullptr);
  CHECK(inst.table->find("ready", "data") == nullptr);
}

TEST_CASE("a catalog table is used, and an illegal move is flagged", "[visualizer]") {
  static constexpr std::string_view states[] = {"a", "b"};
  static constexpr Transition transitions[] = {{"a", "go", "b", "RFC 0000 §0"}};
  static constexpr StateMachine machine{"toy", "Toy machine", states, transitions};
  MachineCatalog catalog;
  catalog.add(machine);
  std::vector<TraceEvent> events;
  events.push_back(synthetic(0, 0, EventKind::StateChange, "h", "h"));
  events.back().with("machine", "toy").with("from", "a").with("to", "b");
  events.push_back(synthetic(1, 1, EventKind::StateChange, "h", "h"));
  events.back().with("machine", "toy").with("from", "b").with("to", "a");
  const StateIndex index(events, catalog);
  REQUIRE(index.instances().size() == 1);
  CHECK(index.instances()[0].table == &machine);
  const auto first = index.at(0, 0, events);
  REQUIRE(first);
  CHECK(first->legal);
  CHECK(first->trigger == "go");  // from the table when the event has none
  CHECK(first->rfc.empty() == false);
  const auto second = index.at(0, 1, events);
  REQUIRE(second);
  CHECK_FALSE(second->legal);
}

TEST_CASE("playback moves exactly and clamps at both ends", "[visualizer]") {
  Playback p(5);
  CHECK(p.step() == 0);
  p.step_back();
  CHECK(p.step() == 0);
  p.end();
  CHECK(p.step() == 4);
  p.step_forward();
  CHECK(p.step() == 4);
  p.seek(100);
  CHECK(p.step() == 4);
  p.home();
  CHECK(p.step() == 0);

  SECTION("playing advances one step per interval and stops at the end") {
    p.play();
    CHECK(p.playing());
    p.tick(Playback::step_interval_ms * 0.5);
    CHECK(p.step() == 0);
    p.tick(Playback::step_interval_ms * 0.5);
    CHECK(p.step() == 1);
    p.set_speed(2.0);
    p.tick(Playback::step_interval_ms * 0.5);
    CHECK(p.step() == 2);
    p.tick(Playback::step_interval_ms * 100);
    CHECK(p.step() == 4);
    CHECK_FALSE(p.playing());
  }
  SECTION("the arrow animates after a move and finishes") {
    p.seek(2);
    CHECK(p.arrow_progress() == Approx(0.0));
    p.tick(Playback::arrow_animation_ms / 2);
    CHECK(p.arrow_progress() == Approx(0.5));
    p.finish_animation();
    CHECK(p.arrow_progress() == Approx(1.0));
  }
  SECTION("speed is clamped") {
    p.set_speed(1000);
    CHECK(p.speed() == Playback::speed_max);
    p.set_speed(0);
    CHECK(p.speed() == Playback::speed_min);
  }
  SECTION("an empty trace never moves") {
    Playback empty(0);
    empty.play();
    empty.step_forward();
    CHECK(empty.step() == 0);
    CHECK_FALSE(empty.playing());
  }
}

TEST_CASE("the inspector's explanations come from the table", "[visualizer]") {
  MachineCatalog catalog;
  const auto model = lesson_model(catalog);
  const auto& events = model->events();
  auto labels = [](const std::vector<ExplanationLine>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines) out.push_back(l.label);
    return out;
  };
  SECTION("a reply: code, enhanced status") {
    const auto lines = explain_event(events[find_summary(*model, "250 2.1.5 Recipient OK")]);
    const auto l = labels(lines);
    CHECK(std::find(l.begin(), l.end(), "250") != l.end());
    CHECK(std::find(l.begin(), l.end(), "2.1.5") != l.end());
    for (const auto& line : lines) CHECK(line.explanation->rfc.rfind("RFC ", 0) == 0);
  }
  SECTION("an EHLO reply: every keyword") {
    const auto l = labels(explain_event(events[find_summary(*model, "250 smtp.a.example (+5 lines)")]));
    for (const char* k : {"PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS"}) {
      INFO(k);
      CHECK(std::find(l.begin(), l.end(), k) != l.end());
    }
  }
  SECTION("a greylisting reply") {
    const auto lines = explain_event(events[find_summary(*model, "450 4.7.1 Greylisted, try again later")]);
    REQUIRE(lines.size() >= 2);
    CHECK(lines[0].explanation->key == "reply.450");
    CHECK(lines[1].explanation->key == "status.X.7.1");
  }
  SECTION("a DNS query: the record type") {
    const auto lines = explain_event(events[find_summary(*model, "DNS query MX? b.example")]);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0].explanation->key == "dns.MX");
  }
  SECTION("a command: its verb") {
    const auto lines = explain_event(events[find_summary(*model, "RCPT TO:<bob@b.example>")]);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0].explanation->key == "command.RCPT");
  }
}

TEST_CASE("POP3 and IMAP lines are not explained as SMTP", "[visualizer]") {
  // They reuse the smtp_command/smtp_reply kinds with a protocol field; SMTP's QUIT
  // (RFC 5321) is not POP3's QUIT (RFC 1939 §6, which deletes the marked messages).
  auto keys = [](const TraceEvent& e) {
    std::vector<std::string> out;
    for (const auto& l : explain_event(e)) out.push_back(std::string(l.explanation->key));
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const char* k) { return std::find(v.begin(), v.end(), k) != v.end(); };
  TraceEvent smtp_quit;
  smtp_quit.kind = EventKind::SmtpCommand;
  smtp_quit.bytes = "QUIT\r\n";
  CHECK(has(keys(smtp_quit), "command.QUIT"));

  TraceEvent pop3_quit = smtp_quit;
  pop3_quit.explain = "pop3.command";
  pop3_quit.with("protocol", "pop3");
  const auto pop3 = keys(pop3_quit);
  CHECK(has(pop3, "pop3.command"));
  CHECK_FALSE(has(pop3, "command.QUIT"));
  CHECK_FALSE(has(pop3, "kind.smtp_command"));  // "SMTP command" is not what it is

  TraceEvent imap_done;
  imap_done.kind = EventKind::SmtpCommand;
  imap_done.bytes = "DONE\r\n";
  imap_done.with("protocol", "imap");
  CHECK(has(keys(imap_done), "imap.command.DONE"));

  // A POP3 multi-line reply: no SMTP reply code, no EHLO keywords read from its lines.
  TraceEvent capa;
  capa.kind = EventKind::SmtpReply;
  capa.bytes = "+OK Capability list follows\r\nUSER\r\nSTLS\r\nPIPELINING\r\n.\r\n";
  capa.explain = "pop3.reply";
  capa.with("protocol", "pop3");
  const auto reply = keys(capa);
  CHECK(has(reply, "pop3.reply"));
  for (const auto& k : reply) CHECK(k.rfind("ehlo.", 0) != 0);
}

TEST_CASE("a quarantined delivery shows its folder and its Return-Path as MAIL FROM", "[visualizer]") {
  // Lesson 6: DMARC p=quarantine files the message in Junk (RFC 7489 §6.6.2); the MDA's
  // delivery event carries the envelope sender as return_path (RFC 5321 §4.4).
  TraceEvent junk;
  junk.kind = EventKind::Delivery;
  junk.src = "mx.b.example";
  junk.dst = "mx.b.example/mailbox:bob";
  junk.with("user", "bob").with("folder", "Junk").with("return_path", "<carol@c.example>");
  TraceEvent inbox = junk;
  inbox.fields.clear();
  inbox.with("folder", "INBOX").with("mail_from", "<alice@a.example>").with("return_path", "<x@y.example>");
  const MailIndex index(std::vector<TraceEvent>{junk, inbox});
  REQUIRE(index.items().size() == 2);
  CHECK(index.items()[0].folder == "Junk");
  CHECK(index.items()[0].mail_from == "<carol@c.example>");
  CHECK(index.items()[1].folder.empty());  // INBOX is where mail goes anyway
  CHECK(index.items()[1].mail_from == "<alice@a.example>");
}

TEST_CASE("bytes are shown with CRLF visible and as hex", "[visualizer]") {
  CHECK(visible_bytes("250 OK\r\n", 100) == "250 OK\\r\\n\n");
  CHECK(visible_bytes(std::string("a\0b", 3), 100) == "a\\x00b");
  CHECK_THAT(visible_bytes(std::string(50, 'x'), 10), Catch::Contains("40 more bytes"));
  const auto rows = hex_rows("250 OK\r\n", 4, 10);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].hex == "32 35 30 20");
  CHECK(rows[0].text == "250 ");
  CHECK(rows[1].hex == "4F 4B 0D 0A");
  CHECK(rows[1].text == "OK\\r\\n");
  CHECK(hex_rows(std::string(1000, 'x'), 16, 3).size() == 3);
}

TEST_CASE("seeking on a large trace is by index", "[visualizer]") {
  // 200,000 events: building is O(n log n); every per-step query below is a binary
  // search, so the loop of 10,000 seeks stays fast even in a Debug build.
  trace::TraceDocument doc;
  doc.hosts = {{"c", "192.0.2.1", "mua"}, {"s", "192.0.2.2", "mta"}};
  for (std::uint64_t i = 0; i < 200'000; ++i) {
    TraceEvent e = synthetic(i, static_cast<TimeMs>(i * 10), i % 2 ? EventKind::SmtpReply : EventKind::SmtpCommand,
                             i % 2 ? "s" : "c", i % 2 ? "c" : "s");
    e.conn = 1 + i / 1000;
    e.bytes = i % 2 ? (i % 1000 == 999 ? "550 5.1.1 No\r\n" : "250 OK\r\n") : "NOOP\r\n";
    doc.events.push_back(std::move(e));
  }
  MachineCatalog catalog;
  const auto model = TraceModel::create(std::move(doc), catalog);
  const Timeline& t = model->timeline();
  CHECK(t.count(JumpTarget::Error) == 200);
  std::size_t step = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto next = t.next(JumpTarget::Error, step);
    if (!next) break;
    CHECK(*next % 1000 == 999);
    step = *next;
    const VisibleState v = visible_at(*model, t.step_at_time(t.time_at(step)), 40);
    CHECK(v.step == step);
  }
}
