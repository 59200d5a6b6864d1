// cli/serve_command.cpp — `smtplab serve`: the reference MTA and MDA on real TCP, so that
// swaks, curl, Python's smtplib or a mail client can talk to them.
//
// Standards: RFC 5321 (SMTP, port 2525 here instead of 25), RFC 6409 (submission, 2587
// instead of 587: STARTTLS and AUTH required), RFC 8314 §3.3 (implicit TLS, 2465 instead
// of 465; pop3s 2995 instead of 995, imaps 2993 instead of 993), RFC 3207 (STARTTLS),
// RFC 4954 (AUTH PLAIN and LOGIN), RFC 1939 (POP3, 2110 instead of 110) with RFC 2595
// §4 (STLS), RFC 3501 (IMAP4rev1, 2143 instead of 143) with §6.2.1 (STARTTLS).
//
// API: smtplab serve [--data DIR] [--bind ADDR] [--smtp-port N] [--submission-port N]
//      [--smtps-port N] [--pop3-port N] [--imap-port N] [--pop3s-port N] [--imaps-port N]
//      [--allow-plaintext-login] [--cert PEM --key PEM] [--trace-jsonl FILE]
//      [--idle-timeout-ms N] [--workers N]
//
// Performance (docs/real-mode.md §Performance): the queue's fsyncs and the Maildir's run
// on a pool of worker threads (net/worker_pool.hpp, --workers), never on the thread that
// answers the clients; each 250 still waits for the fsyncs of its own message.
//
// POP3 and IMAP read the same Maildir the MDA writes (INBOX, and Junk as the Maildir++
// folder .Junk), with the same users. Passwords are refused before TLS (RFC 2595 §2.2,
// RFC 3501 §6.2.3 LOGINDISABLED) unless --allow-plaintext-login.
//
// With no arguments: a demo on 127.0.0.1 for the domain lab.example with the users alice
// and bob (passwords in docs/real-mode.md), everything kept under a new temporary folder
// printed at start: maildir/ (one Maildir per user), queue/ (fsynced, one directory per
// listener), tls/ (a demo CA and a host certificate, generated on first use). Stops
// cleanly on SIGINT or SIGTERM.
//
// Not implemented: users from a config file (the demo users only), SPF/DKIM checks of
// incoming mail, relaying through a real resolver (set --dns to one), privileged ports.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <asio.hpp>

#include "commands.hpp"
#include "core/reply.hpp"
#include "imap/server_session.hpp"
#include "mda/maildir_store.hpp"
#include "mda/notifying_store.hpp"
#include "mta/directory_queue.hpp"
#include "mta/mta.hpp"
#include "net/asio_host.hpp"
#include "net/session_pump.hpp"
#include "net/worker_pool.hpp"
#include "pop3/server_session.hpp"
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
  // The retrieval ports: the standard ones (110, 143, 995, 993) plus 2000, unprivileged.
  std::uint16_t pop3_port = 2110;
  std::uint16_t imap_port = 2143;
  std::uint16_t pop3s_port = 2995;
  std::uint16_t imaps_port = 2993;
  bool plaintext_login = false;
  std::string cert_path, key_path;
  std::string trace_jsonl;
  std::string dns = "127.0.0.1:53";
  TimeMs idle_timeout_ms = mta::server_idle_timeout_default_ms;
  TimeMs pop3_idle_timeout_ms = pop3::autologout_default_ms;
  TimeMs imap_idle_timeout_ms = imap::autologout_default_ms;
  std::size_t connections_max = net::connections_max_default;
  std::size_t workers = net::worker_threads_default;
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

// The users of POP3 and IMAP are the MTA's users (smtp/user_db.hpp): one password for
// sending and reading, as on most real servers.
class UserDbAuthenticator final : public pop3::Authenticator, public imap::Authenticator {
 public:
  explicit UserDbAuthenticator(const smtp::UserDb& users) : users_(users) {}
  bool check_password(std::string_view user, std::string_view password) override {
    return users_.check(user, password);
  }

 private:
  const smtp::UserDb& users_;
};

class ImapConnection;

// The live IMAP connections, so that a delivery can reach the sessions of its user.
// RFC 2177 §3: while a client idles, "the server is now free to send untagged EXISTS
// ... responses at any time". Used on the io thread only (deliveries post to it).
class ImapRegistry {
 public:
  void add(ImapConnection* connection) { connections_.push_back(connection); }
  void remove(ImapConnection* connection) { std::erase(connections_, connection); }
  void delivered(const std::string& user, const std::string& folder);

 private:
  std::vector<ImapConnection*> connections_;  // in the order they connected
};

// A SessionPump for IMAP that the registry can find: it knows its stream, so that it can
// push output that no client command asked for (net/session_pump.hpp leaves that to the
// owner).
class ImapConnection final : public StreamHandler {
 public:
  ImapConnection(ImapRegistry& registry, Host& host, std::unique_ptr<imap::ServerSession> session,
                 TimeMs idle_timeout_ms)
      : registry_(registry), pump_(host, std::move(session), idle_timeout_ms) {
    registry_.add(this);
  }
  ~ImapConnection() override { registry_.remove(this); }
  ImapConnection(const ImapConnection&) = delete;
  ImapConnection& operator=(const ImapConnection&) = delete;

  void on_open(Stream& stream) override {
    stream_ = &stream;
    pump_.on_open(stream);
  }
  void on_data(Stream& stream, std::string_view bytes) override {
    stream_ = &stream;
    pump_.on_data(stream, bytes);
  }
  void on_close(Stream& stream, CloseReason reason) override {
    stream_ = nullptr;
    pump_.on_close(stream, reason);
  }

  // The MDA stored mail for `user`. The engine rereads its selected folder and, if it
  // grew, says "* n EXISTS" (RFC 3501 §7.3.1); the folder is not compared here because
  // the engine reports only growth of the one it has selected.
  void delivered(const std::string& user) {
    if (stream_ == nullptr || pump_.engine().user() != user) return;
    pump_.engine().mailbox_changed();
    pump_.flush();
  }

 private:
  ImapRegistry& registry_;
  net::SessionPump<imap::ServerSession> pump_;
  Stream* stream_ = nullptr;  // valid from on_open to on_close
};

void ImapRegistry::delivered(const std::string& user, const std::string& folder) {
  (void)folder;  // see ImapConnection::delivered
  // A copy: telling one session may close its stream, and the host may then let go of
  // its connection while we walk the list.
  const std::vector<ImapConnection*> connections = connections_;
  for (ImapConnection* connection : connections)
    if (std::find(connections_.begin(), connections_.end(), connection) != connections_.end())
      connection->delivered(user);
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
  // RFC 2177 §3: an IMAP client in IDLE hears of new mail as it arrives. The MTA's MDA
  // delivers through this wrapper (on a worker thread); its observer, added below, posts
  // the news to the io thread, where the registry tells that user's IMAP sessions. Both
  // outlive the host, whose connections unregister when they are destroyed.
  mda::NotifyingStore notifying_store(store);
  ImapRegistry imap_registry;

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
  notifying_store.add_observer([&io, &imap_registry](const std::string& user, const std::string& folder) {
    asio::post(io, [&imap_registry, user, folder] { imap_registry.delivered(user, folder); });
  });
  // The disk work (queue commits, Maildir deliveries) runs here; joined after io.run().
  net::WorkerPool workers(io, o.workers);

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
  base.server.auth_mechanisms = {smtp::AuthMechanism::Plain, smtp::AuthMechanism::Login,
                                 smtp::AuthMechanism::ScramSha256};  // RFC 7677

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
    // RFC 5321 §4.1.1.4 still holds: the 250 waits for this message's fsyncs; only the
    // other clients no longer wait for them (mta/directory_queue.hpp).
    queue->set_offload(workers.offload());
    config.offload = workers.offload();  // Maildir deliveries too (mta.hpp)
    const std::size_t recovered = queue->recovered();
    auto mta = std::make_unique<mta::Mta>(host, std::move(config), notifying_store, *dns, std::move(queue));
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
  // POP3 and IMAP: one engine per connection, pumped by net::SessionPump, over the
  // same Maildir and users. Their inactivity timers have their own minimums (RFC 1939 §3:
  // 10 minutes for POP3; RFC 3501 §5.4: 30 minutes for IMAP), which are the defaults of
  // --pop3-idle-timeout-ms and --imap-idle-timeout-ms.
  UserDbAuthenticator authenticator(*users);
  struct RetrievalListener {
    const char* role;
    std::uint16_t port;
    bool imap;
    bool implicit_tls;
  };
  const RetrievalListener retrieval[] = {{"pop3", o.pop3_port, false, false},
                                         {"imap", o.imap_port, true, false},
                                         {"pop3s", o.pop3s_port, false, true},
                                         {"imaps", o.imaps_port, true, true}};
  for (const auto& l : retrieval) {
    if (l.port == 0) continue;
    net::AsioHost& h = host;
    const TimeMs idle_ms = l.imap ? o.imap_idle_timeout_ms : o.pop3_idle_timeout_ms;
    StreamHandlerFactory factory;
    if (l.imap) {
      imap::ServerConfig config;
      config.host_name = o.host_name;
      config.tls = imap::ServerTlsConfig{identity, &host.random(), now_ms};
      config.implicit_tls = l.implicit_tls;  // RFC 8314 §3.3: imaps starts in TLS
      config.plaintext_login = o.plaintext_login;
      factory = [&h, &store, &authenticator, &imap_registry, config, idle_ms]() -> std::unique_ptr<StreamHandler> {
        return std::make_unique<ImapConnection>(
            imap_registry, h, std::make_unique<imap::ServerSession>(config, store, authenticator), idle_ms);
      };
    } else {
      pop3::ServerConfig config;
      config.host_name = o.host_name;
      config.tls = pop3::ServerTlsConfig{identity, &host.random(), now_ms};
      config.implicit_tls = l.implicit_tls;  // RFC 8314 §3.3: pop3s starts in TLS
      config.plaintext_login = o.plaintext_login;
      factory = [&h, &store, &authenticator, config, idle_ms]() -> std::unique_ptr<StreamHandler> {
        return std::make_unique<net::SessionPump<pop3::ServerSession>>(
            h, std::make_unique<pop3::ServerSession>(config, store, authenticator), idle_ms);
      };
    }
    try {
      host.listen(l.port, std::move(factory));
    } catch (const std::system_error& e) {
      std::cerr << "smtplab serve: cannot listen on " << o.bind_address << ":" << l.port << " (" << l.role
                << "): " << e.what() << "\n";
      return 2;
    }
    std::cout << "listening: " << l.role << " " << o.bind_address << ":" << l.port << "\n";
  }
  std::cout << "users: alice, bob (see docs/real-mode.md); domain " << o.domain << "; Ctrl-C stops\n"
            << std::flush;

  host.stop_on_signals([](int signal) {
    std::cout << "smtplab serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n" << std::flush;
  });
  io.run();
  // Work still on a worker finishes on disk; its reply is never sent (the client did not
  // get a 250, and a committed file is recovered at the next start).
  workers.join();
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
  cmd->add_option("--pop3-port", options->pop3_port, "POP3 port (STLS offered; 0: off)")->capture_default_str();
  cmd->add_option("--imap-port", options->imap_port, "IMAP port (STARTTLS offered; 0: off)")->capture_default_str();
  cmd->add_option("--pop3s-port", options->pop3s_port, "Implicit-TLS POP3 port (0: off)")->capture_default_str();
  cmd->add_option("--imaps-port", options->imaps_port, "Implicit-TLS IMAP port (0: off)")->capture_default_str();
  cmd->add_flag("--allow-plaintext-login", options->plaintext_login,
                "Let POP3 USER/PASS and IMAP LOGIN send passwords before TLS (insecure; lessons only)");
  cmd->add_option("--cert", options->cert_path, "Certificate chain (PEM), with --key");
  cmd->add_option("--key", options->key_path, "Private key (PEM), with --cert");
  cmd->add_option("--trace-jsonl", options->trace_jsonl, "Also append each trace event as a JSON line to FILE");
  cmd->add_option("--dns", options->dns, "DNS resolver for relaying, HOST:PORT")->capture_default_str();
  cmd->add_option("--idle-timeout-ms", options->idle_timeout_ms, "Close a client silent this long (RFC 5321 §4.5.3.2.7: 5 min)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--pop3-idle-timeout-ms", options->pop3_idle_timeout_ms,
                  "Log out a POP3 client silent this long (RFC 1939 §3: at least 10 min)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--imap-idle-timeout-ms", options->imap_idle_timeout_ms,
                  "Log out an IMAP client silent this long (RFC 3501 §5.4: at least 30 min)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--connections-max", options->connections_max, "Streams at once; beyond: 421 4.3.2")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--workers", options->workers, "Threads for the disk work (fsync of queue and Maildir)")
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
