// scenario/world.cpp — builds the simulated world of a scenario.
#include "scenario/world.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/address.hpp"
#include "dns/zone.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/key_gen.hpp"
#include "mta/fault_policy.hpp"
#include "scenario/loader.hpp"
#include "smtp/auth.hpp"
#include "smtp/user_db.hpp"

namespace smtplab::scenario {

namespace {

// "198.51.100.25" -> "25.100.51.198.in-addr.arpa" (RFC 1035 §3.5).
std::string reverse_name(const std::string& address) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = address.find('.', start);
    parts.push_back(address.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *it + ".";
  return out + "in-addr.arpa";
}

// Our choice: the demo PKI's generator is seeded from the scenario's seed mixed with
// this constant, so that certificates depend on the seed but drawing them does not
// change the simulator's own random sequence (Message-IDs, TLS randoms).
constexpr std::uint64_t pki_seed_mix = 0x9e3779b97f4a7c15ULL;
constexpr TimeMs day_ms = 24LL * 3600 * 1000;
// Our choice, like pki_seed_mix: DKIM keys come from their own generator, seeded from
// the scenario's seed, so that adding a signing key changes no other random draw.
constexpr std::uint64_t dkim_seed_mix = 0xd1b54a32d192ed03ULL;

// "relaxed/simple" -> header and body canonicalization (RFC 6376 §3.4).
mailauth::DkimCanon canon_part(const std::string& text, bool body) {
  const auto slash = text.find('/');
  const std::string part = body ? text.substr(slash + 1) : text.substr(0, slash);
  return part == "simple" ? mailauth::DkimCanon::Simple : mailauth::DkimCanon::Relaxed;
}

// The certificate an MTA presents, as its scenario asks (docs/scenario-format.md).
tls::PemPair make_certificate(const tls::PemPair& ca, const HostSpec& spec, TimeMs now_ms, Random& random) {
  if (spec.certificate == "self-signed") {
    // Made by the host itself, with no CA anyone trusts behind it (RFC 5280 §6.1: no
    // path to a trust anchor). A CA certificate cannot serve as the TLS certificate
    // itself (its key usage is certificate signing only), so the host makes its own
    // one-off CA and signs its certificate with it, as `openssl req -x509` setups do.
    const tls::PemPair own_ca = tls::make_ca(tls::demo_request(spec.name + " self-signed CA", now_ms), random);
    tls::PemPair pair = tls::make_host_certificate(own_ca, tls::demo_request(spec.name, now_ms), random);
    pair.certificate_pem += own_ca.certificate_pem;  // sent as the chain; still untrusted
    return pair;
  }
  tls::CertificateRequest request = tls::demo_request(spec.name, now_ms);
  if (spec.certificate == "expired") {
    // RFC 5280 §4.1.2.5: notAfter in the past.
    request.not_before_ms = now_ms - 400 * day_ms;
    request.not_after_ms = now_ms - 35 * day_ms;
  } else if (spec.certificate == "wrong-name") {
    // RFC 6125 §6.4: valid, from our CA, but for another name.
    request = tls::demo_request("www." + spec.name, now_ms);
  }
  return tls::make_host_certificate(ca, request, random);
}

smtp::StartTlsPolicy starttls_policy(const std::string& text) {
  if (text == "required" || text == "require") return smtp::StartTlsPolicy::Required;
  if (text == "off") return smtp::StartTlsPolicy::Never;
  return smtp::StartTlsPolicy::Opportunistic;
}

std::string parent_domain(const std::string& name) {
  const auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace

World::World(const Scenario& scenario, std::uint64_t seed, TraceSink& trace, const EngineSeams& seams)
    : scenario_(scenario), sim_(seed, trace) {
  for (const auto& spec : scenario.hosts) sim_.add_host(spec.name, spec.address);

  // The demo PKI (RFC 5280): one CA per scenario, deterministic from the seed.
  SeededRandom pki_random(seed ^ pki_seed_mix);
  demo_ca_ = tls::make_ca(tls::demo_request("smtplab demo CA", sim::epoch_ms), pki_random);
  trust_ = tls::TrustAnchors::load(demo_ca_.certificate_pem);

  // DNS: the zones of the scenario, plus A and PTR records for every host (auto_dns).
  auto zones = std::make_shared<dns::Zones>();
  // [[fault]] kind = "dns", answer = "nxdomain" (sim/faults.hpp): the name's records are
  // left out, and it is not made a zone of its own, so that asking for it gives
  // NXDOMAIN (RFC 1035 §4.1.1 RCODE 3). A name with other names under it would still
  // exist as an empty non-terminal (NODATA, RFC 8020 §2): use a leaf name.
  auto nx_name = [&](const std::string& name) {
    for (const auto& fault : scenario.faults.dns)
      if (fault.kind == sim::DnsFaultKind::NxDomain && ascii_lower(fault.name) == ascii_lower(name)) return true;
    return false;
  };
  for (const auto& record : scenario.dns) zones->add_zone(nx_name(record.name) ? parent_domain(record.name) : record.name);
  for (const auto& record : scenario.dns) {
    if (nx_name(record.name)) continue;
    // A record's owner may sit under another listed name; add_line finds its zone.
    if (auto error = zones->add_line(record.name + " " + record.type + " " + record.value))
      throw std::invalid_argument(scenario.source + ":" + std::to_string(record.line) + ": " + *error);
  }
  // RFC 6376 §5: the signing keys of the MTAs with dkim_sign, from the scenario (key =
  // PEM) or made from the seed; RFC 6376 §3.6.2.1: the public key is published as TXT at
  // <selector>._domainkey.<domain> unless publish = false.
  std::map<std::string, mailauth::RsaPrivateKey> dkim_keys;  // by host name
  SeededRandom dkim_random(seed ^ dkim_seed_mix);
  for (const auto& spec : scenario.hosts) {
    if (spec.role != Role::Mta || !spec.dkim_sign) continue;
    const auto& sign = *spec.dkim_sign;
    const std::string where = scenario.source + ":" + std::to_string(sign.line) + ": ";
    const std::string pem = sign.key_pem.empty() ? mailauth::generate_rsa_key_pem(sign.key_bits, dkim_random)
                                                 : sign.key_pem;
    std::string why;
    auto key = mailauth::RsaPrivateKey::from_pem(pem, &why);
    if (!key) throw std::invalid_argument(where + "dkim_sign key: " + why);
    if (sign.publish) {
      const std::string name = sign.selector + "._domainkey." + sign.domain;
      if (!zones->zone_of(name)) zones->add_zone(sign.domain);
      if (auto error = zones->add_line(name + " TXT " + mailauth::dkim_key_record(*key)))
        throw std::invalid_argument(where + "publishing the DKIM key: " + *error);
    }
    dkim_keys.emplace(spec.name, std::move(*key));
  }

  if (scenario.auto_dns) {
    zones->add_zone("in-addr.arpa");
    for (const auto& spec : scenario.hosts) {
      if (spec.address.find(':') != std::string::npos) continue;  // IPv6: no auto records
      if (!zones->zone_of(spec.name)) zones->add_zone(parent_domain(spec.name));
      if (!nx_name(spec.name) && zones->lookup(spec.name, dns::RecordType::A).status != dns::LookupStatus::Answer)
        (void)zones->add_line(spec.name + " A " + spec.address);
      (void)zones->add_line(reverse_name(spec.address) + " PTR " + spec.name);
    }
  }

  Endpoint dns_endpoint{"0.0.0.0", 53};  // nobody: lookups time out
  for (const auto& spec : scenario.hosts) {
    if (spec.role != Role::Dns) continue;
    dns_endpoint = Endpoint{spec.address, 53};
    dns_server_ = std::make_unique<dns::DnsServerAgent>(*sim_.host_by_name(spec.name), zones);
    // DNS faults (sim/faults.hpp DnsFault) for this server: SERVFAIL and timeouts go
    // through the agent's fault hook (which records the fault event); NXDOMAIN is
    // already in the zones, and the hook only says so in the trace.
    std::vector<sim::DnsFault> mine;
    for (const auto& fault : scenario.faults.dns)
      if (fault.server.empty() || fault.server == spec.name) mine.push_back(fault);
    if (!mine.empty()) {
      auto counter = std::make_shared<sim::DnsFaultCounter>(mine);
      Host* dns_host = sim_.host_by_name(spec.name);
      dns_server_->set_fault_hook([counter, mine, dns_host](const dns::Question& question) {
        for (const auto& fault : mine)
          if (fault.kind == sim::DnsFaultKind::NxDomain && ascii_lower(fault.name) == ascii_lower(question.name)) {
            Event event;
            event.kind = EventKind::Fault;
            event.summary = "DNS fault: " + question.name + " was removed from the zone, so the answer is NXDOMAIN";
            event.explain = "fault.dns";
            event.rfc = "RFC 1035 §4.1.1";
            event.with("fault", "dns").with("answer", "nxdomain").with("name", question.name);
            dns_host->emit(std::move(event));
          }
        const sim::DnsFault* fault = counter->match(question.name);
        if (fault == nullptr) return dns::DnsServerAgent::FaultAction::None;
        return fault->kind == sim::DnsFaultKind::Timeout ? dns::DnsServerAgent::FaultAction::Drop
                                                          : dns::DnsServerAgent::FaultAction::ServFail;
      });
    }
  }
  // The simulator's own faults (host down, crash, link, refuse, reset). The loader has
  // already refused the ones that are not implemented.
  sim_.set_faults(scenario.faults);

  for (const auto& spec : scenario.hosts) {
    Host& host = *sim_.host_by_name(spec.name);
    switch (spec.role) {
      case Role::Mta: {
        mta::MtaConfig config;
        config.host_name = spec.name;
        config.domains = spec.domains;
        config.users = spec.users;
        for (const auto& allowed : spec.relay_from) {
          // Host names are accepted for readability and turned into addresses here.
          const sim::SimHost* by_name = sim_.host_by_name(allowed);
          config.relay_from.push_back(by_name != nullptr ? by_name->address() : allowed);
        }
        config.relay = spec.relay == "open" ? mta::RelayPolicy::Open : mta::RelayPolicy::Closed;
        if (!spec.ports.empty()) config.ports = spec.ports;
        if (spec.message_size_max) config.server.message_size_max = *spec.message_size_max;
        if (spec.pipelining) config.server.advertise_pipelining = *spec.pipelining;
        config.seams = seams.smtp;
        config.order_mx = seams.order_mx;
        // Sender authentication (mta/mail_auth.hpp) and DKIM signing (RFC 6376 §5).
        for (const auto& check : spec.mail_auth) {
          if (check == "spf") config.mail_auth.spf = true;
          if (check == "dkim") config.mail_auth.dkim = true;
          if (check == "dmarc") config.mail_auth.dmarc = true;
        }
        config.mail_auth.temperror =
            spec.mail_auth_temperror == "defer" ? mta::TempErrorAction::Defer : mta::TempErrorAction::Accept;
        if (spec.dkim_sign) {
          mta::DkimSignConfig sign;
          sign.domain = spec.dkim_sign->domain;
          sign.selector = spec.dkim_sign->selector;
          sign.key = dkim_keys.at(spec.name);
          sign.header_canon = canon_part(spec.dkim_sign->canonicalization, false);
          sign.body_canon = canon_part(spec.dkim_sign->canonicalization, true);
          sign.headers = spec.dkim_sign->headers;
          config.dkim_sign = std::move(sign);
        }
        // [[fault]] kind = "reply" for this host (mta/fault_policy.hpp).
        std::vector<mta::ReplyFaultRule> rules;
        for (const auto& fault : scenario.faults.replies) {
          if (fault.host != spec.name) continue;
          auto stage = mta::parse_fault_stage(fault.stage);
          auto reply = mta::parse_fault_reply(fault.reply);
          if (stage && reply) rules.push_back({*stage, *reply, fault.first_attempts, fault.probability_per_million});
        }
        // [[fault]] kind = "tls" for this host: its side of the handshake goes wrong.
        std::vector<mta::TlsFaultRule> tls_rules;
        std::shared_ptr<const tls::Identity> bad_identity;
        for (const auto& fault : scenario.faults.tls) {
          if (fault.host != spec.name) continue;
          const bool bad_certificate = fault.kind == sim::TlsFaultKind::BadCertificate;
          tls_rules.push_back({bad_certificate ? mta::TlsFaultKind::BadCertificate : mta::TlsFaultKind::HandshakeFailure,
                               fault.first_attempts, fault.probability_per_million});
          if (bad_certificate && !bad_identity) {
            // A self-signed certificate for the host's own name: no trusted CA behind it.
            HostSpec self_signed = spec;
            self_signed.certificate = "self-signed";
            const tls::PemPair pair = make_certificate(demo_ca_, self_signed, sim::epoch_ms, pki_random);
            std::string error;
            bad_identity = tls::Identity::load(pair.certificate_pem, pair.key_pem, &error);
            if (!bad_identity) throw std::runtime_error("fault certificate for " + spec.name + ": " + error);
          }
        }
        if (!rules.empty() || !tls_rules.empty())
          config.reply_faults =
              std::make_shared<mta::ReplyFaults>(std::move(rules), std::move(tls_rules), std::move(bad_identity));
        // RFC 3207: STARTTLS offered unless "off"; "require" answers 530 until TLS.
        if (spec.starttls != "off") {
          const tls::PemPair certificate = make_certificate(demo_ca_, spec, sim::epoch_ms, pki_random);
          smtp::ServerTlsConfig tls_config;
          std::string error;
          // The chain a server sends: its certificate, then the CA's (RFC 5246 §7.4.2).
          const std::string chain = certificate.certificate_pem +
                                    (spec.certificate == "self-signed" ? std::string() : demo_ca_.certificate_pem);
          // (A self-signed certificate carries its own issuer in certificate_pem.)
          tls_config.identity = tls::Identity::load(chain, certificate.key_pem, &error);
          if (!tls_config.identity) throw std::runtime_error("demo certificate for " + spec.name + ": " + error);
          tls_config.now_ms = sim::epoch_ms;
          config.server.tls = std::move(tls_config);
          config.server.tls_required = spec.starttls == "require";
        }
        config.tls_client = starttls_policy(spec.tls_client);
        config.trust = trust_;
        // RFC 4954: AUTH PLAIN, LOGIN and SCRAM-SHA-256 (RFC 7677), inside TLS unless
        // auth_before_tls. SCRAM is offered only with STARTTLS on: its nonce comes from the
        // TLS random source (smtp::auth_mechanism_usable).
        if (spec.auth || !spec.passwords.empty())
          config.server.auth_mechanisms = {smtp::AuthMechanism::Plain, smtp::AuthMechanism::Login,
                                           smtp::AuthMechanism::ScramSha256};
        config.server.auth_before_tls = spec.auth_before_tls;
        if (!spec.passwords.empty()) {
          auto users = std::make_shared<smtp::MemoryUserDb>();
          // Stored hashed (RFC 8018 PBKDF2), salted from the PKI generator: deterministic.
          for (const auto& [user, password] : spec.passwords)
            users->add(user, smtp::hash_password(password, pki_random));
          config.user_db = std::move(users);
          config.has_users = true;
        }
        auto store = std::make_unique<mda::MemoryMailStore>();
        // POP3 and IMAP (lesson 08) read the store the MDA delivers into; deliveries go
        // through a NotifyingStore so that an IMAP session in IDLE hears of them at once
        // (RFC 2177 §3). Logins use the host's passwords; plaintext only with
        // auth_before_tls, as for SMTP AUTH.
        mda::MailStore* delivery_store = store.get();
        if (spec.pop3 || spec.imap) {
          RetrievalConfig retrieval;
          retrieval.pop3 = spec.pop3;
          retrieval.imap = spec.imap;
          if (config.server.tls) retrieval.identity = config.server.tls->identity;
          retrieval.plaintext_login = spec.auth_before_tls;
          retrieval.users = config.user_db;
          auto notifying = std::make_unique<NotifyingStore>(*store);
          delivery_store = notifying.get();
          auto service = std::make_unique<RetrievalService>(host, *notifying, std::move(retrieval));
          service->start();
          retrieval_services_.push_back(std::move(service));
          notifying_stores_.emplace(spec.name, std::move(notifying));
        }
        auto mta = std::make_unique<mta::Mta>(host, std::move(config), *delivery_store, dns_endpoint);
        mta->start();
        stores_.emplace(spec.name, std::move(store));
        mtas_.emplace(spec.name, std::move(mta));
        break;
      }
      case Role::Mua: {
        mua::SubmitterConfig config;
        config.helo_name = spec.name;
        config.submit_to = resolve_endpoint(spec.submit_to, spec.line);
        config.seams = seams.smtp;
        // RFC 3207 / RFC 8314: the MUA checks its submission server's certificate against
        // the demo CA; "require" refuses to submit without TLS (and a good certificate).
        config.tls.starttls = starttls_policy(spec.mua_starttls);
        config.tls.session.trust = trust_;
        config.tls.session.server_name = host_name_of(config.submit_to.address);
        config.tls.session.verify = config.tls.starttls == smtp::StartTlsPolicy::Required
                                        ? tls::VerifyMode::Required
                                        : tls::VerifyMode::Opportunistic;
        if (!spec.password.empty()) {
          // auth_mechanism: the loader allows only names smtp::parse_auth_mechanism knows.
          const auto mechanism = spec.mua_auth_mechanism.empty() ? std::nullopt
                                                                 : smtp::parse_auth_mechanism(spec.mua_auth_mechanism);
          config.auth = smtp::ClientAuth{spec.user, spec.password, mechanism, false};
        }
        muas_.emplace(spec.name, std::make_unique<mua::Submitter>(host, std::move(config)));
        break;
      }
      case Role::RawClient: {
        mua::RawClientConfig config;
        config.server = resolve_endpoint(spec.connect, spec.line);
        config.script = spec.script;
        config.pipelining = spec.script_pipelining;
        auto client = std::make_unique<mua::RawClient>(host, std::move(config));
        mua::RawClient* raw = client.get();
        raw_clients_.push_back(std::move(client));
        sim_.at(sim::epoch_ms + spec.at_ms, [raw] { raw->start(); });
        break;
      }
      case Role::StartTlsStripper: {
        const Endpoint upstream = resolve_endpoint(spec.upstream, spec.line);
        auto stripper = std::make_unique<StartTlsStripper>(host, upstream);
        stripper->start(upstream.port);  // it poses as the server: same port
        strippers_.push_back(std::move(stripper));
        break;
      }
      case Role::Reader: {
        // [[host.read]] sessions, each started at its own time (docs/scenario-format.md).
        auto reader = std::make_unique<Reader>(host, trust_);
        Reader* raw = reader.get();
        for (const auto& read : spec.reads) {
          ReaderSession session;
          session.protocol = read.protocol == "imap" ? ReaderProtocol::Imap : ReaderProtocol::Pop3;
          const bool has_port = read.server.find(':') != std::string::npos;
          const std::uint16_t port = session.protocol == ReaderProtocol::Imap ? imap_port : pop3_port;
          session.server = resolve_endpoint(has_port ? read.server : read.server + ":" + std::to_string(port), read.line);
          session.server_name = host_name_of(session.server.address);
          session.user = read.user;
          session.password = read.password;
          session.actions = read.actions;
          session.starttls = read.starttls;
          if (read.idle_max_ms) session.idle_max_ms = *read.idle_max_ms;
          raw->add(std::move(session));
          const std::size_t index = raw->sessions().size() - 1;
          sim_.at(sim::epoch_ms + read.at_ms, [raw, index] { raw->start(index); });
        }
        readers_.emplace(spec.name, std::move(reader));
        break;
      }
      case Role::Dns:
        break;
    }
  }

  for (const auto& send : scenario.sends) {
    std::string from_host = send.from_host;
    if (from_host.empty()) {
      // The MUA whose user is the sender; else the first MUA.
      for (const auto& spec : scenario.hosts)
        if (spec.role == Role::Mua && ascii_lower(spec.user) == ascii_lower(send.draft.from)) from_host = spec.name;
      if (from_host.empty())
        for (const auto& spec : scenario.hosts)
          if (spec.role == Role::Mua) { from_host = spec.name; break; }
    }
    mua::Submitter* mua = muas_.at(from_host).get();
    const mua::Draft draft = send.draft;
    sim_.at(sim::epoch_ms + send.at_ms, [mua, draft] { mua->submit(draft); });
  }
}

World::~World() = default;

Endpoint World::resolve_endpoint(const std::string& text, int line) const {
  // "mx.b.example:25", "198.51.100.25:25", "mx.b.example" (port 25).
  std::string host = text;
  std::uint16_t port = 25;
  const auto colon = text.rfind(':');
  if (colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    try {
      const int value = std::stoi(text.substr(colon + 1));
      if (value < 1 || value > 65535) throw std::out_of_range("port");
      port = static_cast<std::uint16_t>(value);
    } catch (const std::exception&) {
      throw std::invalid_argument(scenario_.source + ":" + std::to_string(line) + ": '" + text +
                                  "' is not host:port");
    }
  }
  for (const auto& spec : scenario_.hosts)
    if (spec.name == host || spec.address == host) return Endpoint{spec.address, port};
  throw std::invalid_argument(scenario_.source + ":" + std::to_string(line) + ": no host named '" + host +
                              "' in this scenario");
}

void World::run() { sim_.run(sim::epoch_ms + scenario_.duration_ms, scenario_events_max); }

mta::Mta* World::mta_named(std::string_view name) {
  auto it = mtas_.find(std::string(name));
  return it == mtas_.end() ? nullptr : it->second.get();
}

Reader* World::reader_named(std::string_view name) {
  auto it = readers_.find(std::string(name));
  return it == readers_.end() ? nullptr : it->second.get();
}

mda::MailStore* World::store_of_domain(std::string_view domain) {
  for (auto& [name, mta] : mtas_)
    if (mta->is_local_domain(domain)) return stores_.at(name).get();
  return nullptr;
}

std::string World::host_name_of(std::string_view address) const {
  for (const auto& spec : scenario_.hosts)
    if (spec.address == address) return spec.name;
  return std::string(address);
}

}  // namespace smtplab::scenario
