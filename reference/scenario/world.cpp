// scenario/world.cpp — builds the simulated world of a scenario.
#include "scenario/world.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/address.hpp"
#include "dns/zone.hpp"
#include "scenario/loader.hpp"

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

std::string parent_domain(const std::string& name) {
  const auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace

World::World(const Scenario& scenario, std::uint64_t seed, TraceSink& trace, const EngineSeams& seams)
    : scenario_(scenario), sim_(seed, trace) {
  for (const auto& spec : scenario.hosts) sim_.add_host(spec.name, spec.address);

  // DNS: the zones of the scenario, plus A and PTR records for every host (auto_dns).
  auto zones = std::make_shared<dns::Zones>();
  for (const auto& record : scenario.dns) zones->add_zone(record.name);
  for (const auto& record : scenario.dns) {
    // A record's owner may sit under another listed name; add_line finds its zone.
    if (auto error = zones->add_line(record.name + " " + record.type + " " + record.value))
      throw std::invalid_argument(scenario.source + ":" + std::to_string(record.line) + ": " + *error);
  }
  if (scenario.auto_dns) {
    zones->add_zone("in-addr.arpa");
    for (const auto& spec : scenario.hosts) {
      if (spec.address.find(':') != std::string::npos) continue;  // IPv6: no auto records
      if (!zones->zone_of(spec.name)) zones->add_zone(parent_domain(spec.name));
      if (zones->lookup(spec.name, dns::RecordType::A).status != dns::LookupStatus::Answer)
        (void)zones->add_line(spec.name + " A " + spec.address);
      (void)zones->add_line(reverse_name(spec.address) + " PTR " + spec.name);
    }
  }

  Endpoint dns_endpoint{"0.0.0.0", 53};  // nobody: lookups time out
  for (const auto& spec : scenario.hosts) {
    if (spec.role != Role::Dns) continue;
    dns_endpoint = Endpoint{spec.address, 53};
    dns_server_ = std::make_unique<dns::DnsServerAgent>(*sim_.host_by_name(spec.name), zones);
  }

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
        auto store = std::make_unique<mda::MemoryMailStore>();
        auto mta = std::make_unique<mta::Mta>(host, std::move(config), *store, dns_endpoint);
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
