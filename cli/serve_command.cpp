// cli/serve_command.cpp — `smtplab serve`: the reference MTA and MDA on real TCP, so that
// swaks, curl, Python's smtplib or a mail client can talk to them.
//
// Standards: RFC 5321 (SMTP, port 2525 here instead of 25), RFC 6409 (submission, 2587
// instead of 587: STARTTLS and AUTH required), RFC 8314 §3.3 (implicit TLS, 2465 instead
// of 465), RFC 3207 (STARTTLS), RFC 4954 (AUTH PLAIN and LOGIN).
//
// API: smtplab serve [--data DIR] [--bind ADDR] [--smtp-port N] [--submission-port N]
//      [--smtps-port N] [--cert PEM --key PEM] [--trace-jsonl FILE] [--idle-timeout-ms N]
//
// With no arguments: a demo on 127.0.0.1 for the domain lab.example with the users alice
// and bob (passwords in docs/real-mode.md), everything kept under a new temporary folder
// printed at start: maildir/ (one Maildir per user), queue/ (fsynced, one directory per
// listener), tls/ (a demo CA and a host certificate, generated on first use). Stops
// cleanly on SIGINT or SIGTERM.
//
// Not implemented: users from a config file (the demo users only), SPF/DKIM checks of
// incoming mail, relaying through a real resolver (set --dns to one), privileged ports.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <asio.hpp>

#include "commands.hpp"
#include "core/reply.hpp"
#include "mda/maildir_store.hpp"
#include "mta/directory_queue.hpp"
#include "mta/mta.hpp"
#include "net/asio_host.hpp"
#include "serve_trace.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"

namespace smtplab::cli {

namespace {

namespace fs = std::filesystem;

// The demo's users and passwords, documented in docs/real-mode.md. They are hashed in
// memory at start (smtp/user_db.hpp) and never written anywhere.
struct DemoUser {
  const char* name;
  const char* password;
};
inline constexpr DemoUser demo_users[] = {{"alice", "alice-demo-password"}, {"bob", "bob-demo-password"}};

struct ServeOptions {
  std::string data_dir;
  std::string bind_address = "127.0.0.1";
  std::string domain = "lab.example";
  std::string host_name;  // default: the domain
  std::uint16_t smtp_port = 2525;
  std::uint16_t submission_port = 2587;
  std::uint16_t smtps_port = 2465;
  std::string cert_path, key_path;
  std::string trace_jsonl;
  std::string dns = "127.0.0.1:53";
  TimeMs idle_timeout_ms = mta::server_idle_timeout_default_ms;
  std::size_t connections_max = net::connections_max_default;
  bool verbose = false;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  fs::permissions(path, perms);
}

// The certificate: --cert/--key when given, else tls/host.pem and tls/host.key under the
// data folder, made on first use by the demo PKI (a CA in tls/ca.pem that a client can
// be told to trust).
std::shared_ptr<const tls::Identity> load_identity(const ServeOptions& o, const fs::path& data, Random& random,
                                                   TimeMs now_ms) {
  fs::path cert = o.cert_path, key = o.key_path;
  if (cert.empty()) {
    const fs::path dir = data / "tls";
    cert = dir / "host.pem";
    key = dir / "host.key";
    if (!fs::exists(cert) || !fs::exists(key)) {
      fs::create_directories(dir);
      const tls::PemPair ca = tls::make_ca(tls::demo_request("smtplab demo CA", now_ms), random);
      tls::CertificateRequest request = tls::demo_request(o.host_name, now_ms);
      request.dns_names = {o.host_name, "localhost"};
      const tls::PemPair host = tls::make_host_certificate(ca, request, random);
      write_file(dir / "ca.pem", ca.certificate_pem, fs::perms::owner_read | fs::perms::owner_write);
      // The private keys are for the owner only.
      write_file(dir / "ca.key", ca.key_pem, fs::perms::owner_read | fs::perms::owner_write);
      write_file(cert, host.certificate_pem + ca.certificate_pem, fs::perms::owner_read | fs::perms::owner_write);
      write_file(key, host.key_pem, fs::perms::owner_read | fs::perms::owner_write);
      std::cout << "generated a demo CA and certificate in " << dir.string() << " (trust " << (dir / "ca.pem").string()
                << ")\n";
    }
  }
  std::string error;
  auto identity = tls::Identity::load(read_file(cert), read_file(key), &error);
  if (!identity) throw std::runtime_error("cannot load the certificate " + cert.string() + ": " + error);
  return identity;
}

std::optional<Endpoint> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  try {
    const int port = std::stoi(text.substr(colon + 1));
    if (port <= 0 || port > 65535) return std::nullopt;
    return Endpoint{text.substr(0, colon), static_cast<std::uint16_t>(port)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int run_serve(const ServeOptions& options) {
  ServeOptions o = options;
  if (o.host_name.empty()) o.host_name = o.domain;
  const auto dns = parse_endpoint(o.dns);
  if (!dns) {
    std::cerr << "smtplab serve: --dns wants HOST:PORT, got \"" << o.dns << "\"\n";
    return 2;
  }

  fs::path data = o.data_dir;
  if (data.empty()) {
    // A new temporary folder each time: the demo never mixes runs unless asked (--data).
    std::string pattern = (fs::temp_directory_path() / "smtplab-serve-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "smtplab serve: cannot create a temporary folder\n";
      return 2;
    }
    data = pattern;
  }
  fs::create_directories(data);
  std::cout << "smtplab serve: data in " << data.string() << "\n";

  net::SystemClock clock;
  net::SystemRandom random;
  const TimeMs now_ms = clock.now_ms();
  const auto identity = load_identity(o, data, random, now_ms);

  auto users = std::make_shared<smtp::MemoryUserDb>();
  for (const auto& user : demo_users) users->add(user.name, smtp::hash_password(user.password, random));

  mda::MaildirStore store(data / "maildir", o.host_name);

  // Our lane is named by the host name only: the peers are on loopback too, and would
  // otherwise share our lane.
  LiveTrace trace(std::cout, {{o.host_name, o.host_name, "mta"}}, o.trace_jsonl, now_ms, o.verbose);
  asio::io_context io;
  net::AsioHostConfig host_config;
  host_config.name = o.host_name;
  host_config.bind_address = o.bind_address;
  host_config.connections_max = o.connections_max;
  // RFC 5321 §3.8: "421 4.3.2 Service not available" is the reply of a server that
  // cannot take one more client; the host sends it to connections beyond the cap.
  host_config.overload_bytes = make_reply(ReplyId::ServiceNotAvailable).format(true);
  net::AsioHost host(io, host_config, trace);

  // One MTA per listener, because each port has its own rules (RFC 6409 submission
  // requires TLS; RFC 8314 port 465 starts in TLS). They share the Maildir and the users;
  // each has its own queue directory.
  mta::MtaConfig base;
  base.host_name = o.host_name;
  base.domains = {o.domain};
  for (const auto& user : demo_users) base.users.push_back(user.name);
  base.relay_from = {};  // relaying only for authenticated users (MtaPolicy)
  base.idle_timeout_ms = o.idle_timeout_ms;
  base.trace_client_wire = true;  // the next hop may be a foreign server
  base.user_db = users;
  base.has_users = true;
  base.server.tls = smtp::ServerTlsConfig{identity, &host.random(), now_ms};
  base.server.auth_mechanisms = {smtp::AuthMechanism::Plain, smtp::AuthMechanism::Login};

  struct Listener {
    const char* role;
    std::uint16_t port;
  };
  const Listener listeners[] = {{"smtp", o.smtp_port}, {"submission", o.submission_port}, {"smtps", o.smtps_port}};
  std::vector<std::unique_ptr<mta::Mta>> mtas;
  for (const auto& l : listeners) {
    if (l.port == 0) continue;  // --X-port 0 turns a listener off
    mta::MtaConfig config = base;
    config.ports = {l.port};
    const std::string role = l.role;
    // RFC 6409 §4.3 / RFC 3207 §4: the submission server answers 530 5.7.0 until TLS.
    if (role == "submission") config.server.tls_required = true;
    // RFC 8314 §3.3: "submissions" speaks TLS from the first byte.
    if (role == "smtps") config.server.implicit_tls = true;
    // RFC 6409 §4.3 (and RFC 8314 §3.3 for submissions): AUTH before MAIL, even for
    // mail to local users.
    config.submission_ports = (role == "smtp") ? std::vector<std::uint16_t>{} : std::vector<std::uint16_t>{l.port};
    auto queue = std::make_unique<mta::DirectoryQueue>(data / "queue" / role);
    const std::size_t recovered = queue->recovered();
    auto mta = std::make_unique<mta::Mta>(host, std::move(config), store, *dns, std::move(queue));
    try {
      mta->start();
    } catch (const std::system_error& e) {
      std::cerr << "smtplab serve: cannot listen on " << o.bind_address << ":" << l.port << " (" << l.role
                << "): " << e.what() << "\n";
      return 2;
    }
    std::cout << "listening: " << l.role << " " << o.bind_address << ":" << l.port;
    if (recovered) std::cout << " (" << recovered << " queued messages recovered)";
    std::cout << "\n";
    mtas.push_back(std::move(mta));
  }
  std::cout << "users: alice, bob (see docs/real-mode.md); domain " << o.domain << "; Ctrl-C stops\n"
            << std::flush;

  host.stop_on_signals([](int signal) {
    std::cout << "smtplab serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n" << std::flush;
  });
  io.run();
  std::uint64_t accepted = 0, delivered = 0;
  for (const auto& mta : mtas) {
    accepted += mta->accepted_count();
    delivered += mta->delivered_count();
  }
  std::cout << "smtplab serve: stopped; " << accepted << " messages accepted, " << delivered
            << " delivered; data kept in " << data.string() << "\n";
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the reference MTA and MDA on real TCP (a demo on 127.0.0.1)");
  cmd->add_option("--data", options->data_dir, "Folder for the Maildir, the queue and the certificates (default: new temp folder)");
  cmd->add_option("--bind", options->bind_address, "Address to listen on")->capture_default_str();
  cmd->add_option("--domain", options->domain, "Mail domain delivered here")->capture_default_str();
  cmd->add_option("--host-name", options->host_name, "Our host name (greeting, Received); default: the domain");
  cmd->add_option("--smtp-port", options->smtp_port, "SMTP port (STARTTLS offered; 0: off)")->capture_default_str();
  cmd->add_option("--submission-port", options->submission_port, "Submission port (STARTTLS and AUTH required; 0: off)")
      ->capture_default_str();
  cmd->add_option("--smtps-port", options->smtps_port, "Implicit-TLS submission port (0: off)")->capture_default_str();
  cmd->add_option("--cert", options->cert_path, "Certificate chain (PEM), with --key");
  cmd->add_option("--key", options->key_path, "Private key (PEM), with --cert");
  cmd->add_option("--trace-jsonl", options->trace_jsonl, "Also append each trace event as a JSON line to FILE");
  cmd->add_option("--dns", options->dns, "DNS resolver for relaying, HOST:PORT")->capture_default_str();
  cmd->add_option("--idle-timeout-ms", options->idle_timeout_ms, "Close a client silent this long (RFC 5321 §4.5.3.2.7: 5 min)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--connections-max", options->connections_max, "Streams at once; beyond: 421 4.3.2")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--verbose", options->verbose, "Show every line of replies and message contents");
  cmd->callback([options, &action] {
    if (options->cert_path.empty() != options->key_path.empty())
      throw CLI::ValidationError("--cert and --key", "are given together or not at all");
    action = [options] { return run_serve(*options); };
  });
}

}  // namespace smtplab::cli
