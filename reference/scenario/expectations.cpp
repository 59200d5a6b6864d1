// scenario/expectations.cpp — see expectations.hpp.
#include "scenario/expectations.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "message/header.hpp"

namespace smtplab::scenario {

bool glob_match(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

namespace {

std::string where(const Scenario& scenario, const ExpectSpec& expect) {
  return scenario.source + ":" + std::to_string(expect.line);
}

trace::ExpectationResult check_mailbox(const Scenario& scenario, World& world, const ExpectSpec& expect) {
  trace::ExpectationResult result;
  const auto at = expect.mailbox.rfind('@');
  const std::string user = expect.mailbox.substr(0, at);
  const std::string domain = at == std::string::npos ? std::string() : expect.mailbox.substr(at + 1);
  result.description = "mailbox " + expect.mailbox + " (" + expect.folder + ")";
  if (expect.count) result.description += " has " + std::to_string(*expect.count) + " message(s)";
  for (const auto& [name, glob] : expect.headers) result.description += ", " + name + ": " + glob;
  if (!expect.body.empty()) result.description += ", body: " + expect.body;

  mda::MailStore* store = world.store_of_domain(domain);
  if (store == nullptr) {
    result.detail = where(scenario, expect) + ": no MTA in this scenario serves the domain '" + domain + "'";
    return result;
  }
  std::vector<std::string> messages;
  for (const auto& id : store->list(user, expect.folder))
    if (auto content = store->read(user, expect.folder, id)) messages.push_back(std::move(*content));
  if (expect.count && messages.size() != *expect.count) {
    result.detail = "found " + std::to_string(messages.size()) + " message(s)";
    return result;
  }
  if (expect.headers.empty() && expect.body.empty()) {
    result.ok = true;
    result.detail = "found " + std::to_string(messages.size());
    return result;
  }
  // Some message must match every header pattern (and the body pattern).
  std::string closest;
  for (const auto& content : messages) {
    const message::HeaderParse parsed = message::parse_header(content);
    bool all = true;
    for (const auto& [name, glob] : expect.headers) {
      bool any = false;
      for (const auto* field : parsed.header.find_all(name)) any = any || glob_match(glob, field->value);
      if (!any) {
        all = false;
        const auto* first = parsed.header.find(name);
        closest = first ? name + " is \"" + first->value + "\"" : "no " + name + " field";
        break;
      }
    }
    if (all && !expect.body.empty()) {
      const std::string body = content.substr(std::min(parsed.body_offset, content.size()));
      if (!glob_match(expect.body, body)) {
        all = false;
        closest = "the body does not match";
      }
    }
    if (all) {
      result.ok = true;
      return result;
    }
  }
  result.detail = messages.empty() ? "the mailbox is empty" : "no message matches (" + closest + ")";
  return result;
}

trace::ExpectationResult check_replies(const World& world, const ExpectSpec& expect,
                                       const std::vector<TraceEvent>& events) {
  trace::ExpectationResult result;
  result.description = "replies seen";
  if (!expect.host.empty()) result.description += " from " + expect.host;
  result.description += ":";
  for (const auto& r : expect.replies) result.description += " \"" + r + "\"";
  (void)world;
  std::string missing;
  for (const auto& wanted : expect.replies) {
    bool seen = false;
    for (const auto& e : events) {
      if (e.kind != EventKind::SmtpReply) continue;
      if (!expect.host.empty() && e.src != expect.host) continue;
      // Any line of the reply may match (an EHLO reply's second line, for instance).
      std::size_t start = 0;
      while (!seen && start < e.bytes.size()) {
        const auto end = e.bytes.find("\r\n", start);
        const std::string line = e.bytes.substr(start, end == std::string::npos ? std::string::npos : end - start);
        seen = line.rfind(wanted, 0) == 0;
        if (end == std::string::npos) break;
        start = end + 2;
      }
      if (seen) break;
    }
    if (!seen) missing += (missing.empty() ? "" : ", ") + ("\"" + wanted + "\"");
  }
  result.ok = missing.empty();
  if (!result.ok) result.detail = "never seen: " + missing;
  return result;
}

trace::ExpectationResult check_queue_empty(const Scenario& scenario, World& world, const ExpectSpec& expect) {
  trace::ExpectationResult result;
  result.description = "queue of " + expect.host + " is empty at the end";
  mta::Mta* mta = world.mta_named(expect.host);
  if (mta == nullptr) {
    result.detail = where(scenario, expect) + ": no MTA named '" + expect.host + "'";
    return result;
  }
  const std::size_t size = mta->queue().size();
  result.ok = size == 0;
  if (!result.ok) result.detail = std::to_string(size) + " message(s) still queued";
  return result;
}

trace::ExpectationResult check_queued(const Scenario& scenario, World& world, const ExpectSpec& expect) {
  trace::ExpectationResult result;
  result.description = "queue of " + expect.host + " still holds " +
                       (expect.count ? std::to_string(*expect.count) : std::string("at least one")) +
                       " message(s) at the end";
  mta::Mta* mta = world.mta_named(expect.host);
  if (mta == nullptr) {
    result.detail = where(scenario, expect) + ": no MTA named '" + expect.host + "'";
    return result;
  }
  const std::size_t size = mta->queue().size();
  result.ok = expect.count ? size == *expect.count : size > 0;
  result.detail = std::to_string(size) + " message(s) queued";
  return result;
}

// What a reader's sessions achieved: every session (of `protocol`, when given) started,
// logged in and ended cleanly, and together they retrieved `retrieved` messages and saw
// `idle_news` arrivals in IDLE.
trace::ExpectationResult check_reader(const Scenario& scenario, World& world, const ExpectSpec& expect) {
  trace::ExpectationResult result;
  result.description = "reader " + expect.host + (expect.protocol.empty() ? "" : " (" + expect.protocol + ")");
  if (expect.retrieved) result.description += " retrieved " + std::to_string(*expect.retrieved) + " message(s)";
  if (expect.idle_news) result.description += ", saw " + std::to_string(*expect.idle_news) + " arrival(s) in IDLE";
  Reader* reader = world.reader_named(expect.host);
  if (reader == nullptr) {
    result.detail = where(scenario, expect) + ": no host named '" + expect.host + "' with role = \"reader\"";
    return result;
  }
  std::size_t retrieved = 0, idle_news = 0, sessions = 0;
  std::string trouble;
  for (std::size_t i = 0; i < reader->sessions().size(); ++i) {
    if (!expect.protocol.empty() && to_string(reader->sessions()[i].protocol) != expect.protocol) continue;
    ++sessions;
    const ReaderOutcome& outcome = reader->outcomes()[i];
    retrieved += outcome.retrieved;
    idle_news += outcome.idle_news;
    if (trouble.empty() && !outcome.finished) trouble = "a session did not finish";
    if (trouble.empty() && !outcome.failure.empty()) trouble = outcome.failure;
  }
  result.detail = std::to_string(sessions) + " session(s), " + std::to_string(retrieved) + " retrieved, " +
                  std::to_string(idle_news) + " arrival(s) in IDLE";
  if (!trouble.empty()) result.detail += "; " + trouble;
  result.ok = sessions > 0 && trouble.empty() && (!expect.retrieved || retrieved == *expect.retrieved) &&
              (!expect.idle_news || idle_news == *expect.idle_news);
  return result;
}

}  // namespace

std::vector<trace::ExpectationResult> check_expectations(const Scenario& scenario, World& world,
                                                         const std::vector<TraceEvent>& events) {
  std::vector<trace::ExpectationResult> results;
  for (const auto& expect : scenario.expects) {
    switch (expect.kind) {
      case ExpectKind::Mailbox: results.push_back(check_mailbox(scenario, world, expect)); break;
      case ExpectKind::Replies: results.push_back(check_replies(world, expect, events)); break;
      case ExpectKind::QueueEmpty: results.push_back(check_queue_empty(scenario, world, expect)); break;
      case ExpectKind::Queued: results.push_back(check_queued(scenario, world, expect)); break;
      case ExpectKind::Reader: results.push_back(check_reader(scenario, world, expect)); break;
    }
  }
  return results;
}

}  // namespace smtplab::scenario
