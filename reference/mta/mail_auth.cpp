// mta/mail_auth.cpp — SPF, DKIM and DMARC at end of data, driven over asynchronous DNS.
#include "mta/mail_auth.hpp"

#include "core/address.hpp"
#include "message/header.hpp"

namespace smtplab::mta {

std::string_view to_string(TempErrorAction action) {
  switch (action) {
    case TempErrorAction::Accept: return "accept";
    case TempErrorAction::Defer: return "defer";
  }
  return "unknown";
}

std::string_view to_string(MailAuthAction action) {
  switch (action) {
    case MailAuthAction::Deliver: return "deliver";
    case MailAuthAction::Junk: return "junk";
    case MailAuthAction::Reject: return "reject";
    case MailAuthAction::Defer: return "defer";
  }
  return "unknown";
}

Reply MailAuthOutcome::reply() const {
  if (action == MailAuthAction::Defer) {
    // RFC 3463 §3.8: "X.7.0 Other or undefined security status"; class 4 because a
    // later attempt, with DNS answering, may pass (RFC 5321 §4.2.1: 4yz is transient).
    Reply r;
    r.code = 451;
    r.status = EnhancedStatus{4, 7, 0};
    r.lines = {"Temporary authentication failure: " + reason};
    return r;
  }
  // RFC 7489 §6.6.2 / RFC 3463 §3.8: "X.7.1 Delivery not authorized, message refused".
  return make_reply(ReplyId::PolicyRejected, reason);
}

namespace {

bool any_dkim(const mailauth::AuthResults& results, mailauth::DkimResult wanted) {
  for (const auto& d : results.dkim)
    if (d.result == wanted) return true;
  return false;
}

}  // namespace

MailAuthOutcome decide(const MailAuthConfig& config, mailauth::AuthResults results) {
  using mailauth::DmarcPolicy;
  using mailauth::DmarcResult;
  MailAuthOutcome outcome;
  outcome.results = std::move(results);
  const auto& r = outcome.results;
  const bool dmarc_passed = r.dmarc && r.dmarc->result == DmarcResult::Pass;
  const bool temperror = (r.dmarc && r.dmarc->result == DmarcResult::TempError) ||
                         (r.spf && r.spf->result == mailauth::SpfResult::TempError) ||
                         any_dkim(r, mailauth::DkimResult::TempError);
  // A temporary failure decides only for a message that did not pass: a retry could
  // change a fail into a pass, never the reverse.
  if (temperror && !dmarc_passed && config.temperror == TempErrorAction::Defer) {
    outcome.action = MailAuthAction::Defer;
    outcome.reason = "a DNS lookup failed temporarily (temperror); try again later (RFC 7489 §6.6.3)";
    return outcome;
  }
  if (r.dmarc) {
    // RFC 7489 §6.7: "Mail Receivers SHOULD make a best effort to adhere to the Domain
    // Owner's published DMARC policy". The disposition already has pct applied (§6.6.4).
    switch (r.dmarc->disposition) {
      case DmarcPolicy::Reject:
        outcome.action = MailAuthAction::Reject;
        outcome.reason = "DMARC policy of " + r.dmarc->from_domain +
                         " is reject: neither SPF nor DKIM passed for an aligned domain (RFC 7489 §6.6.2)";
        return outcome;
      case DmarcPolicy::Quarantine:
        outcome.action = MailAuthAction::Junk;
        outcome.reason = "DMARC policy of " + r.dmarc->from_domain +
                         " is quarantine: accepted, delivered to the Junk folder (RFC 7489 §6.3)";
        return outcome;
      case DmarcPolicy::None: break;
    }
  }
  outcome.action = MailAuthAction::Deliver;
  outcome.reason = dmarc_passed ? "DMARC pass: delivered to INBOX (RFC 7489 §6.6.2)"
                   : r.dmarc    ? "DMARC asks for no action (p=none, no policy or outside pct): delivered to "
                                  "INBOX (RFC 7489 §6.7)"
                                : "no DMARC check: delivered to INBOX";
  return outcome;
}

std::string from_domain(std::string_view message) {
  const message::HeaderParse parse = message::parse_header(message);
  const auto fields = parse.header.find_all("From");
  // RFC 7489 §6.6.1: messages with no From, or several, cannot be evaluated; "The case
  // of a syntactically valid multi-valued RFC5322.From field presents a particular
  // challenge" — we do not pick one.
  if (fields.size() != 1) return {};
  const std::string value = fields.front()->value;
  // The address is inside <...> when there is a display name; else the whole value.
  std::string address = value;
  const auto open = value.rfind('<');
  if (open != std::string::npos) {
    const auto close = value.find('>', open);
    if (close == std::string::npos) return {};
    address = value.substr(open + 1, close - open - 1);
  }
  if (address.find(',') != std::string::npos) return {};  // several mailboxes
  const auto at = address.rfind('@');
  if (at == std::string::npos) return {};
  std::string domain = address.substr(at + 1);
  while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t' || domain.back() == '\r' ||
                             domain.back() == '\n' || domain.back() == ')'))
    domain.pop_back();
  // A trailing comment "(Alice)" after a bare address: drop it.
  const auto space = domain.find_first_of(" \t(");
  if (space != std::string::npos) domain.resize(space);
  return ascii_lower(domain);
}

std::string strip_our_auth_results(std::string_view message, std::string_view authserv_id) {
  // Walk the header section field by field (a field is its first line and the
  // continuation lines that start with WSP, RFC 5322 §2.2.3), keeping every field
  // except Authentication-Results whose authserv-id is ours.
  std::string out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    if (message.substr(pos, 2) == "\r\n") break;  // the empty line: the body follows
    std::size_t end = message.find("\r\n", pos);
    if (end == std::string_view::npos) break;
    end += 2;
    while (end < message.size() && (message[end] == ' ' || message[end] == '\t')) {
      const std::size_t next = message.find("\r\n", end);
      if (next == std::string_view::npos) {
        end = message.size();
        break;
      }
      end = next + 2;
    }
    const std::string_view field = message.substr(pos, end - pos);
    const auto colon = field.find(':');
    bool drop = false;
    if (colon != std::string_view::npos &&
        message::field_name_equals(field.substr(0, colon), "Authentication-Results")) {
      // RFC 8601 §2.2: the value starts with the authserv-id, then ";".
      std::string value(field.substr(colon + 1));
      std::string id;
      for (const char c : value) {
        if (c == ';') break;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') id += c;
      }
      drop = ascii_lower(id) == ascii_lower(authserv_id);
    }
    if (!drop) out.append(field);
    pos = end;
  }
  out.append(message.substr(pos));
  return out;
}

std::shared_ptr<MailAuthRun> MailAuthRun::start(MailAuthConfig config, MailAuthInputs inputs, Lookup lookup,
                                                Note note, Done done) {
  auto run = std::make_shared<MailAuthRun>(std::move(config), std::move(inputs), std::move(lookup),
                                           std::move(note), std::move(done));
  run->step();
  return run;
}

MailAuthRun::MailAuthRun(MailAuthConfig config, MailAuthInputs inputs, Lookup lookup, Note note, Done done)
    : config_(std::move(config)),
      inputs_(std::move(inputs)),
      lookup_(std::move(lookup)),
      note_(std::move(note)),
      done_(std::move(done)) {
  results_.authserv_id = inputs_.receiver;
}

void MailAuthRun::flush(std::vector<Event> events) {
  for (auto& event : events)
    if (note_) note_(std::move(event));
}

void MailAuthRun::record(std::string summary, std::string explain, std::string rfc, std::string result) {
  Event event;
  event.kind = EventKind::PolicyCheck;
  event.summary = std::move(summary);
  event.explain = std::move(explain);
  event.rfc = std::move(rfc);
  event.with("rule", "mail_auth").with("result", std::move(result));
  if (note_) note_(std::move(event));
}

void MailAuthRun::ask(const mailauth::DnsQuestion& question) {
  waiting_ = true;
  std::weak_ptr<MailAuthRun> weak = weak_from_this();
  lookup_(question, [weak, question](mailauth::DnsAnswer answer) {
    if (auto self = weak.lock()) self->on_answer(question, std::move(answer));
  });
}

void MailAuthRun::on_answer(const mailauth::DnsQuestion& question, mailauth::DnsAnswer answer) {
  if (!waiting_) return;  // a duplicate callback: ignore
  waiting_ = false;
  switch (stage_) {
    case Stage::Spf: spf_->on_answer(question, std::move(answer)); break;
    case Stage::Dkim: dkim_->on_answer(question, std::move(answer)); break;
    case Stage::Dmarc: dmarc_->on_answer(question, std::move(answer)); break;
    case Stage::Finished: return;
  }
  step();
}

void MailAuthRun::step() {
  // RFC 7489 §6.6.2: SPF and DKIM first ("Perform DKIM signature verification checks",
  // "Perform SPF validation checks"), then DMARC with their results. Each check asks
  // one question at a time; this loop returns whenever a question is out.
  for (;;) {
    switch (stage_) {
      case Stage::Spf: {
        if (!config_.spf) {
          stage_ = Stage::Dkim;
          continue;
        }
        if (!spf_) {
          mailauth::SpfInputs in;
          in.ip = inputs_.client_ip;
          in.helo = inputs_.helo;
          in.mail_from = inputs_.mail_from;
          in.receiver = inputs_.receiver;
          in.timestamp_s = inputs_.now_s;
          spf_.emplace(std::move(in));
        }
        const auto question = spf_->next_query();
        flush(spf_->take_events());
        if (question) return ask(*question);
        results_.spf = spf_->verdict();
        results_.spf_identity = mailauth::SpfIdentity::MailFrom;
        stage_ = Stage::Dkim;
        continue;
      }
      case Stage::Dkim: {
        if (!config_.dkim) {
          stage_ = Stage::Dmarc;
          continue;
        }
        if (!dkim_) {
          mailauth::DkimVerifyOptions options;
          options.now_s = inputs_.now_s;  // RFC 6376 §3.5: x= is checked against virtual time
          dkim_.emplace(inputs_.message, options);
        }
        const auto question = dkim_->next_query();
        flush(dkim_->take_events());
        if (question) return ask(*question);
        results_.dkim = dkim_->results();
        results_.dkim_checked = true;
        stage_ = Stage::Dmarc;
        continue;
      }
      case Stage::Dmarc: {
        if (!config_.dmarc) {
          stage_ = Stage::Finished;
          continue;
        }
        if (!dmarc_) {
          mailauth::DmarcInputs in;
          in.from_domain = from_domain(inputs_.message);
          if (in.from_domain.empty()) {
            // RFC 7489 §6.6.1: without exactly one From domain there is nothing to align.
            mailauth::DmarcVerdict verdict;
            verdict.result = mailauth::DmarcResult::PermError;
            verdict.reason = "no single RFC5322.From domain: DMARC cannot be applied (RFC 7489 §6.6.1)";
            record("DMARC: the message has no single From domain; no policy applied", "mailauth.dmarc.result",
                   "RFC 7489 §6.6.1", "permerror");
            results_.dmarc = verdict;
            stage_ = Stage::Finished;
            continue;
          }
          if (results_.spf)
            in.spf = mailauth::DmarcSpfInput{results_.spf->domain, results_.spf->result};
          for (const auto& d : results_.dkim) in.dkim.push_back(mailauth::DmarcDkimInput{d.domain, d.result});
          in.sample_roll = inputs_.sample_roll;
          dmarc_.emplace(std::move(in), config_.psl.get());
        }
        const auto question = dmarc_->next_query();
        flush(dmarc_->take_events());
        if (question) return ask(*question);
        results_.dmarc = dmarc_->verdict();
        stage_ = Stage::Finished;
        continue;
      }
      case Stage::Finished: {
        const MailAuthOutcome outcome = decide(config_, results_);
        record("mail authentication: " + std::string(to_string(outcome.action)) + " — " + outcome.reason,
               "policy.mail_auth.disposition", "RFC 7489 §6.7", std::string(to_string(outcome.action)));
        if (done_) {
          Done done = std::move(done_);
          done_ = nullptr;
          done(outcome);
        }
        return;
      }
    }
  }
}

}  // namespace smtplab::mta
