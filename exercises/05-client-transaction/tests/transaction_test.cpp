// exercises/05-client-transaction/tests/transaction_test.cpp — the graded tests of
// exercise 5. Each TEST_CASE is worth the points in its [points=N] tag, all or nothing.
//
// Standards: RFC 5321 §3.1, §3.2, §3.3, §4.1.1.1-4, §4.2; RFC 2920 §3.1.
// API: Catch2 v2 test cases; run them with `smtplab grade exercises/05-client-transaction`.
// Not implemented: STARTTLS and AUTH (the session keeps those decisions).
//
// How the protocol tests work (STYLE §22): a real smtp::ClientSession, with your
// transaction_step in its seam, talks to a scripted server that answers each command
// with the reply the test chose. The whole dialogue is written down as a transcript
// ("S: 220 ...", "C: EHLO ..."), and a failure shows the expected transcript next to
// yours, followed by what happened to each recipient.
#include <catch2/catch.hpp>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "exercise.hpp"

namespace smtp = smtplab::smtp;
namespace student = smtplab::student;

namespace {

// Our choice: a dialogue of this exercise needs far fewer rounds; a step that never
// reaches QUIT stops here instead of looping.
constexpr int rounds_max = 64;

// What the scripted server answers. A reply with several lines has them separated by
// '\n'; the hyphens of a multi-line reply (RFC 5321 §4.2.1) are added here.
struct Script {
  std::string greeting = "220 mx.b.example ESMTP";
  std::string ehlo = "250 mx.b.example\n250 8BITMIME";
  std::string helo = "250 mx.b.example";
  std::string mail = "250 2.1.0 sender ok";
  std::map<std::string, std::string> rcpt;  // "<bob@b.example>" -> reply; default 250
  std::string rcpt_default = "250 2.1.5 recipient ok";
  std::string data = "354 end with <CRLF>.<CRLF>";
  std::string content = "250 2.0.0 queued as 1";
  std::string quit = "221 2.0.0 bye";
};

struct Dialogue {
  std::string transcript;  // "S: ...\nC: ...\n", then one line per recipient
  bool done = false;
};

// Wire form of a scripted reply: "250-a\r\n250 b\r\n".
std::string wire(const std::string& reply, std::string& transcript) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = reply.find('\n', start);
    lines.push_back(reply.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (i + 1 < lines.size() && line.size() >= 4) line[3] = '-';
    out += line + "\r\n";
    transcript += "S: " + line + "\n";
  }
  return out;
}

std::string upper_verb(const std::string& line) {
  std::string verb;
  for (char c : line) {
    if (c == ' ' || c == ':') break;
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return verb;
}

smtplab::Path path(const char* text) { return *smtplab::parse_forward_path(text).path; }

// Runs one dialogue with `step` in the client's seam.
Dialogue run(const Script& script, const std::vector<std::string>& recipients, smtp::TransactionStepFn step,
             bool pipelining = false) {
  smtp::ClientConfig config;
  config.helo_name = "a.example";
  config.seams.transaction_step = step;
  smtp::ClientJob job;
  job.mail_from = *smtplab::parse_reverse_path("<alice@a.example>").path;
  for (const std::string& r : recipients) job.rcpt_to.push_back(path(r.c_str()));
  job.message = "Subject: hello\r\n\r\nHi Bob.\r\n";
  smtp::ClientSession client(config, job);

  Dialogue d;
  std::string ehlo = script.ehlo;
  if (pipelining) ehlo += "\n250 PIPELINING";
  client.receive(wire(script.greeting, d.transcript));
  std::string buffer;
  bool in_data = false;
  bool quit = false;
  for (int round = 0; round < rounds_max && !client.done(); ++round) {
    buffer += client.take_output();
    std::string replies;
    std::size_t eol;
    // The server reads every complete line it has (several when pipelined) and answers
    // each in order, then sends all its answers at once.
    while ((eol = buffer.find("\r\n")) != std::string::npos) {
      const std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 2);
      d.transcript += "C: " + line + "\n";
      if (in_data) {
        if (line == ".") {
          in_data = false;
          replies += wire(script.content, d.transcript);
        }
        continue;
      }
      const std::string verb = upper_verb(line);
      if (verb == "EHLO") replies += wire(ehlo, d.transcript);
      else if (verb == "HELO") replies += wire(script.helo, d.transcript);
      else if (verb == "MAIL") replies += wire(script.mail, d.transcript);
      else if (verb == "RCPT") {
        const std::string who = line.substr(line.find(':') + 1);
        const auto it = script.rcpt.find(who);
        replies += wire(it != script.rcpt.end() ? it->second : script.rcpt_default, d.transcript);
      } else if (verb == "DATA") {
        replies += wire(script.data, d.transcript);
        in_data = script.data.rfind("354", 0) == 0;
      } else if (verb == "QUIT") {
        replies += wire(script.quit, d.transcript);
        quit = true;
      } else {
        replies += wire("500 5.5.2 command not recognized", d.transcript);
      }
    }
    if (replies.empty()) {
      // The client sent nothing and waits: the server has nothing to say either, so
      // the dialogue is stuck; closing it ends the session.
      if (!client.done()) client.connection_closed();
      d.transcript += "(the client waits for a reply nobody will send: connection closed)\n";
      break;
    }
    client.receive(replies);
    if (quit && !client.done()) client.connection_closed();
  }
  // What the client sent in its last breath (a QUIT after a failure) is part of the
  // dialogue too.
  buffer += client.take_output();
  std::size_t eol;
  while ((eol = buffer.find("\r\n")) != std::string::npos) {
    d.transcript += "C: " + buffer.substr(0, eol) + "\n";
    buffer.erase(0, eol + 2);
  }
  d.done = client.done();
  for (const smtp::RecipientResult& r : client.result().recipients)
    d.transcript += "outcome " + r.rcpt.to_string() + ": " + std::to_string(r.reply.code) + "\n";
  if (client.result().session_failure)
    d.transcript += "session failure: " + std::to_string(client.result().session_failure->code) + "\n";
  return d;
}

// The expected dialogue: the same script with the reference transaction step.
Dialogue expected(const Script& script, const std::vector<std::string>& recipients, bool pipelining = false) {
  return run(script, recipients, &smtp::transaction_step, pipelining);
}

smtplab::Reply reply(int code) {
  smtplab::Reply r;
  r.code = code;
  r.lines = {"text"};
  return r;
}

}  // namespace

TEST_CASE("one recipient: EHLO, MAIL, RCPT, DATA, the message, QUIT", "[points=3]") {
  // RFC 5321 §3.3: "There are three steps to SMTP mail transactions ... MAIL ... RCPT
  // ... DATA"; the greeting and EHLO come first (§3.1, §4.1.1.1).
  const std::string golden =
      "S: 220 mx.b.example ESMTP\n"
      "C: EHLO a.example\n"
      "S: 250-mx.b.example\n"
      "S: 250 8BITMIME\n"
      "C: MAIL FROM:<alice@a.example>\n"
      "S: 250 2.1.0 sender ok\n"
      "C: RCPT TO:<bob@b.example>\n"
      "S: 250 2.1.5 recipient ok\n"
      "C: DATA\n"
      "S: 354 end with <CRLF>.<CRLF>\n"
      "C: Subject: hello\n"
      "C: \n"
      "C: Hi Bob.\n"
      "C: .\n"
      "S: 250 2.0.0 queued as 1\n"
      "C: QUIT\n"
      "S: 221 2.0.0 bye\n"
      "outcome <bob@b.example>: 250\n";
  const Dialogue d = run(Script{}, {"<bob@b.example>"}, &student::transaction_step);
  CHECK(d.transcript == golden);
  CHECK(d.done);
}

TEST_CASE("EHLO answered 502: fall back to HELO", "[points=2]") {
  // RFC 5321 §3.2: the client "SHOULD" fall back to HELO when EHLO is not recognised.
  Script script;
  script.ehlo = "502 5.5.1 EHLO not implemented";
  const Dialogue d = run(script, {"<bob@b.example>"}, &student::transaction_step);
  CHECK(d.transcript == expected(script, {"<bob@b.example>"}).transcript);
  CHECK(d.transcript.find("C: HELO a.example\n") != std::string::npos);
}

TEST_CASE("a 554 greeting: QUIT at once, every recipient fails with it", "[points=2]") {
  // RFC 5321 §3.1: after a 554 greeting "the client SMTP ... SHOULD wait for the QUIT".
  Script script;
  script.greeting = "554 5.7.1 no service for you";
  const Dialogue d = run(script, {"<bob@b.example>"}, &student::transaction_step);
  CHECK(d.transcript == expected(script, {"<bob@b.example>"}).transcript);
  CHECK(d.transcript.find("outcome <bob@b.example>: 554\n") != std::string::npos);
}

TEST_CASE("a refused recipient fails alone; the others get the reply to end of data", "[points=3]") {
  // RFC 5321 §4.1.1.3 and §3.3: each RCPT is answered on its own.
  Script script;
  script.rcpt["<nobody@b.example>"] = "550 5.1.1 no such user";
  script.rcpt["<later@b.example>"] = "452 4.2.2 mailbox full";
  const std::vector<std::string> to = {"<bob@b.example>", "<nobody@b.example>", "<later@b.example>"};
  const Dialogue d = run(script, to, &student::transaction_step);
  CHECK(d.transcript == expected(script, to).transcript);
  CHECK(d.transcript.find("outcome <bob@b.example>: 250\n"
                          "outcome <nobody@b.example>: 550\n"
                          "outcome <later@b.example>: 452\n") != std::string::npos);
}

TEST_CASE("no recipient accepted: no DATA, just QUIT", "[points=2]") {
  // RFC 5321 §3.3: without a successful RCPT, DATA would only earn a 503 or 554.
  Script script;
  script.rcpt_default = "550 5.1.1 no such user";
  const std::vector<std::string> to = {"<x@b.example>", "<y@b.example>"};
  const Dialogue d = run(script, to, &student::transaction_step);
  CHECK(d.transcript == expected(script, to).transcript);
  CHECK(d.transcript.find("C: DATA") == std::string::npos);
}

TEST_CASE("MAIL refused: no RCPT, QUIT; every recipient fails with MAIL's reply", "[points=2]") {
  Script script;
  script.mail = "553 5.1.8 bad sender domain";
  const std::vector<std::string> to = {"<bob@b.example>", "<carol@b.example>"};
  const Dialogue d = run(script, to, &student::transaction_step);
  CHECK(d.transcript == expected(script, to).transcript);
  CHECK(d.transcript.find("C: RCPT") == std::string::npos);
}

TEST_CASE("DATA or the message refused: the transaction fails, with that reply", "[points=2]") {
  // RFC 5321 §4.1.1.4: DATA must be answered 354 to go on; the reply to end of data is
  // the outcome of every accepted recipient.
  Script refused_data;
  refused_data.data = "451 4.3.0 try again later";
  Dialogue d = run(refused_data, {"<bob@b.example>"}, &student::transaction_step);
  CHECK(d.transcript == expected(refused_data, {"<bob@b.example>"}).transcript);
  Script refused_content;
  refused_content.content = "554 5.6.0 message refused";
  d = run(refused_content, {"<bob@b.example>"}, &student::transaction_step);
  CHECK(d.transcript == expected(refused_content, {"<bob@b.example>"}).transcript);
}

TEST_CASE("pipelined: read every RCPT reply before DATA", "[points=3]") {
  // RFC 2920 §3.1: the client "MUST check the responses in order"; DATA ends the group
  // and is sent only once every RCPT reply is in.
  Script script;
  script.rcpt["<nobody@b.example>"] = "550 5.1.1 no such user";
  const std::vector<std::string> to = {"<bob@b.example>", "<nobody@b.example>", "<carol@b.example>"};
  const Dialogue d = run(script, to, &student::transaction_step, true);
  CHECK(d.transcript == expected(script, to, true).transcript);
  CHECK(d.transcript.find("outcome <carol@b.example>: 250\n") != std::string::npos);
}

TEST_CASE("pipelined and MAIL refused: read the RCPT replies, then QUIT", "[points=2]") {
  Script script;
  script.mail = "550 5.7.1 sender rejected";
  script.rcpt_default = "503 5.5.1 need MAIL first";
  const std::vector<std::string> to = {"<bob@b.example>", "<carol@b.example>"};
  const Dialogue d = run(script, to, &student::transaction_step, true);
  CHECK(d.transcript == expected(script, to, true).transcript);
  CHECK(d.transcript.find("outcome <bob@b.example>: 550\n") != std::string::npos);
}

TEST_CASE("each step on its own: the reply codes decide", "[points=2]") {
  // RFC 5321 §4.2.1: the first digit carries the meaning (2 done, 3 go on, 4 not now,
  // 5 no); 251 "will forward" accepts a recipient as well as 250.
  smtp::TransactionView view;
  view.reply_to = smtp::TransactionReplyTo::Rcpt;
  view.rcpt_count = 2;
  view.rcpt_sent = 1;
  view.rcpt_index = 0;
  smtp::TransactionStep step = student::transaction_step(view, reply(251));
  CHECK(step.recipient == smtp::RecipientVerdict::Accepted);
  CHECK(step.send == smtp::NextCommand::Rcpt);
  view.rcpt_sent = 2;
  view.rcpt_index = 1;
  view.rcpt_accepted = 0;
  step = student::transaction_step(view, reply(452));
  CHECK(step.recipient == smtp::RecipientVerdict::Refused);
  CHECK(step.send == smtp::NextCommand::Quit);  // nobody accepted: no DATA
  view.reply_to = smtp::TransactionReplyTo::Data;
  step = student::transaction_step(view, reply(250));  // not 354: no content
  CHECK(step.send == smtp::NextCommand::Quit);
  CHECK(step.failed);
  view.reply_to = smtp::TransactionReplyTo::Content;
  step = student::transaction_step(view, reply(250));
  CHECK(step.send == smtp::NextCommand::Quit);
  CHECK_FALSE(step.failed);
}
