// cli/send_command.cpp — `smtplab send`: the MUA on real TCP. Composes one message and
// sends it with the reference SMTP client, printing the session as a trace.
//
// Standards: RFC 5321 (the client dialogue, smtp/client_session), RFC 5322 (the message,
// message/compose), RFC 3207 (--starttls), RFC 8314 §3 (--tls: TLS from the first
// byte), RFC 4954 (--auth USER:PASS with PLAIN or LOGIN, only inside TLS).
//
// API: smtplab send --server HOST:PORT --from A --to B [--to C] [--subject S]
//      [--body TEXT | --file F] [--starttls] [--tls] [--auth USER:PASS] [--cafile PEM]
//      [--server-name NAME] [--insecure] [--trace-jsonl FILE]
// Exit status: 0 when the server accepted the message for at least one recipient, 1 when
// it refused (or the session failed), 2 for bad options.
//
// Unlike the simulator's Submitter, this client records the wire itself (commands,
// replies, TLS handshake messages): the server may be a foreign one that records nothing.
//
// Not implemented: the system's CA store (trust comes from --cafile, or --insecure),
// MX lookup (the server is given), SCRAM-SHA-256.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <asio.hpp>

#include "commands.hpp"
#include "core/address.hpp"
#include "message/compose.hpp"
#include "net/asio_host.hpp"
#include "serve_trace.hpp"
#include "smtp/client_session.hpp"
#include "tls/pki.hpp"

namespace smtplab::cli {

namespace {

// Our choice: a send that has not finished after this long is abandoned. RFC 5321
// §4.5.3.2 allows a server minutes per step; a person at a terminal wants an answer.
inline constexpr TimeMs send_timeout_default_ms = 60'000;

struct SendOptions {
  std::string server;
  std::string from;
  std::vector<std::string> to;
  std::string subject = "A message from smtplab send";
  std::string body;
  std::string file;
  bool starttls = false;
  bool implicit_tls = false;
  std::string auth;
  std::string cafile;
  std::string server_name;  // the name the certificate must carry; default: HOST
  bool insecure = false;
  std::string helo = "localhost";
  std::string trace_jsonl;
  TimeMs timeout_ms = send_timeout_default_ms;
  bool verbose = false;
};

// One connection: bytes <-> ClientSession, every event recorded (the wire included).
class SendConnection final : public StreamHandler {
 public:
  SendConnection(Host& host, smtp::ClientConfig config, smtp::ClientJob job, std::string peer, bool* done)
      : host_(host), session_(std::move(config), std::move(job)), peer_(std::move(peer)), done_(done) {}
  void on_open(Stream& stream) override {
    conn_ = stream.id();
    pump(stream);
  }
  void on_data(Stream& stream, std::string_view bytes) override {
    session_.receive(bytes);
    pump(stream);
  }
  void on_close(Stream&, CloseReason) override {
    if (!session_.done()) session_.connection_closed();
    emit_dialogue(host_, session_.take_events(), peer_, conn_, /*we_are_server=*/false);
    *done_ = true;
  }
  const smtp::ClientResult& result() const { return session_.result(); }

 private:
  void pump(Stream& stream) {
    emit_dialogue(host_, session_.take_events(), peer_, stream.id(), /*we_are_server=*/false);
    const std::string output = session_.take_output();
    if (!output.empty()) stream.send(output);
    if (session_.done()) stream.close();
  }
  Host& host_;
  smtp::ClientSession session_;
  std::string peer_;
  bool* done_;
  std::uint64_t conn_ = 0;
};

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_send(const SendOptions& o) {
  const auto colon = o.server.rfind(':');
  int port = 0;
  try {
    if (colon != std::string::npos) port = std::stoi(o.server.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
    std::cerr << "smtplab send: --server wants HOST:PORT, got \"" << o.server << "\"\n";
    return 2;
  }
  const Endpoint server{o.server.substr(0, colon), static_cast<std::uint16_t>(port)};

  smtp::ClientJob job;
  const auto from = parse_reverse_path("<" + o.from + ">");
  if (!from.path) {
    std::cerr << "smtplab send: --from: " << from.why << "\n";
    return 2;
  }
  job.mail_from = *from.path;
  for (const auto& to : o.to) {
    const auto rcpt = parse_forward_path("<" + to + ">");
    if (!rcpt.path) {
      std::cerr << "smtplab send: --to " << to << ": " << rcpt.why << "\n";
      return 2;
    }
    job.rcpt_to.push_back(*rcpt.path);
  }

  net::SystemClock clock;
  const TimeMs now_ms = clock.now_ms();
  LiveTrace trace(std::cout, {{o.helo, o.helo, "mua"}, {server.address, server.address, "server"}}, o.trace_jsonl,
                  now_ms, o.verbose);
  asio::io_context io;
  net::AsioHostConfig host_config;
  host_config.name = o.helo;
  net::AsioHost host(io, host_config, trace);

  message::Draft draft;
  draft.from = o.from;
  draft.to = o.to;
  draft.subject = o.subject;
  draft.body = o.file.empty() ? o.body : read_text_file(o.file);
  draft.date_ms = now_ms;
  job.message = message::compose(draft, host.random()).content;

  smtp::ClientConfig config;
  config.helo_name = o.helo;
  // RFC 3207: --starttls requires it (a server that does not offer it is not used);
  // --tls is RFC 8314 implicit TLS.
  config.tls.starttls = o.starttls ? smtp::StartTlsPolicy::Required : smtp::StartTlsPolicy::Never;
  config.tls.implicit = o.implicit_tls;
  config.tls.random = &host.random();
  config.tls.session.role = tls::Role::Client;
  // RFC 6125: the certificate is checked against the name we meant to reach (and sent as
  // SNI, RFC 6066 §3); --server-name gives it when HOST is an address.
  config.tls.session.server_name = o.server_name.empty() ? server.address : o.server_name;
  config.tls.session.now_ms = now_ms;
  // --insecure: encrypt, report a certificate that does not verify, and go on (RFC 7435
  // opportunistic security); otherwise a bad certificate ends the session.
  config.tls.session.verify = o.insecure ? tls::VerifyMode::Opportunistic : tls::VerifyMode::Required;
  if (!o.cafile.empty()) {
    std::string error;
    config.tls.session.trust = tls::TrustAnchors::load(read_text_file(o.cafile), &error);
    if (!config.tls.session.trust) {
      std::cerr << "smtplab send: --cafile: " << error << "\n";
      return 2;
    }
  }
  if (!o.auth.empty()) {
    const auto sep = o.auth.find(':');
    if (sep == std::string::npos) {
      std::cerr << "smtplab send: --auth wants USER:PASS\n";
      return 2;
    }
    config.auth = smtp::ClientAuth{o.auth.substr(0, sep), o.auth.substr(sep + 1), std::nullopt, false};
  }

  bool done = false;
  auto handler = std::make_unique<SendConnection>(host, std::move(config), std::move(job), server.address, &done);
  SendConnection* connection = handler.get();  // owned by the host until after on_close
  smtp::ClientResult result;
  bool have_result = false;
  host.connect(server, std::move(handler));
  host.schedule(o.timeout_ms, [&] {
    std::cerr << "smtplab send: no answer within " << o.timeout_ms << " ms, giving up\n";
    host.stop();
  });
  host.stop_on_signals();
  // One callback at a time, so that the result is copied right after on_close, before
  // the host destroys the handler (which it does from a later callback).
  while (!io.stopped() && io.run_one() != 0) {
    if (done && !have_result) {
      result = connection->result();
      have_result = true;
      host.stop();
    }
  }
  if (!have_result) return 1;

  bool accepted = false;
  for (const auto& rcpt : result.recipients) {
    std::cout << (rcpt.reply.positive() ? "accepted " : "refused  ") << rcpt.rcpt.to_string() << ": "
              << rcpt.reply.first_line(true) << "\n";
    accepted = accepted || rcpt.reply.positive();
  }
  if (result.session_failure)
    std::cout << "session failed: " << result.session_failure->first_line(true)
              << (result.failure_reason.empty() ? "" : " (" + result.failure_reason + ")") << "\n";
  return accepted ? 0 : 1;
}

}  // namespace

void add_send_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<SendOptions>();
  CLI::App* cmd = app.add_subcommand("send", "Send one message to a real SMTP server and show the session");
  cmd->add_option("--server", options->server, "HOST:PORT of the server")->required();
  cmd->add_option("--from", options->from, "Sender address (envelope and From:)")->required();
  cmd->add_option("--to", options->to, "Recipient address (repeatable)")->required();
  cmd->add_option("--subject", options->subject, "Subject")->capture_default_str();
  auto* body = cmd->add_option("--body", options->body, "Body text");
  cmd->add_option("--file", options->file, "Read the body from FILE")->excludes(body);
  cmd->add_flag("--starttls", options->starttls, "Require STARTTLS (RFC 3207)");
  cmd->add_flag("--tls", options->implicit_tls, "TLS from the first byte (RFC 8314, port 465)");
  cmd->add_option("--auth", options->auth, "USER:PASS, AUTH PLAIN or LOGIN inside TLS (RFC 4954)");
  cmd->add_option("--cafile", options->cafile, "CA certificates (PEM) to trust");
  cmd->add_option("--server-name", options->server_name, "Name the certificate must carry (default: HOST)");
  cmd->add_flag("--insecure", options->insecure, "Go on when the certificate does not verify");
  cmd->add_option("--helo", options->helo, "Our name in EHLO")->capture_default_str();
  cmd->add_option("--trace-jsonl", options->trace_jsonl, "Also append each trace event as a JSON line to FILE");
  cmd->add_option("--timeout-ms", options->timeout_ms, "Give up after this long")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--verbose", options->verbose, "Show every line of replies and message contents");
  cmd->callback([options, &action] { action = [options] { return run_send(*options); }; });
}

}  // namespace smtplab::cli
