// scenario/world.hpp — a scenario made real: the simulator with its hosts, and the
// agents (DNS server, MTAs with their mail stores, MUAs, raw clients) running on them.
//
// TLS: a demo CA is made deterministically from the seed; every MTA gets a certificate
// it issues (or an expired, self-signed or wrong-name one, per `certificate`), and every
// host trusts that CA.
//
// API:
//   World world(scenario, seed, trace);   // builds everything and schedules the sends
//   world.run();                          // until nothing is left to do (or the limit)
//   world.store_of_domain("b.example")    // for expectations
//   world.mta_named("smtp.a.example")
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "dns/server_agent.hpp"
#include "mda/mail_store.hpp"
#include "mta/mta.hpp"
#include "mua/raw_client.hpp"
#include "mua/submitter.hpp"
#include "scenario/reader.hpp"
#include "scenario/retrieval.hpp"
#include "scenario/scenario.hpp"
#include "scenario/seams.hpp"
#include "scenario/starttls_stripper.hpp"
#include "tls/pki.hpp"
#include "sim/simulator.hpp"

namespace smtplab::scenario {

class World {
 public:
  // `seams`: the engines' replaceable functions (a student's, for run --student).
  World(const Scenario& scenario, std::uint64_t seed, TraceSink& trace, const EngineSeams& seams = {});
  ~World();

  void run();

  sim::Simulator& simulator() { return sim_; }
  mta::Mta* mta_named(std::string_view name);
  mda::MailStore* store_of_domain(std::string_view domain);
  Reader* reader_named(std::string_view name);
  std::string host_name_of(std::string_view address) const;

 private:
  Endpoint resolve_endpoint(const std::string& text, int line) const;

  const Scenario& scenario_;
  sim::Simulator sim_;
  std::unique_ptr<dns::DnsServerAgent> dns_server_;
  std::map<std::string, std::unique_ptr<mda::MemoryMailStore>> stores_;  // by host name
  std::map<std::string, std::unique_ptr<mta::Mta>> mtas_;                  // by host name
  std::map<std::string, std::unique_ptr<mua::Submitter>> muas_;            // by host name
  std::vector<std::unique_ptr<mua::RawClient>> raw_clients_;
  std::vector<std::unique_ptr<StartTlsStripper>> strippers_;
  // POP3/IMAP (lesson 08): the store wrappers that tell IMAP IDLE about deliveries, the
  // mail hosts' retrieval services, and the readers, by host name.
  std::map<std::string, std::unique_ptr<NotifyingStore>> notifying_stores_;
  std::vector<std::unique_ptr<RetrievalService>> retrieval_services_;
  std::map<std::string, std::unique_ptr<Reader>> readers_;
  // The scenario's demo CA (made from the seed) and the trust anchors every host uses.
  tls::PemPair demo_ca_;
  std::shared_ptr<const tls::TrustAnchors> trust_;
};

}  // namespace smtplab::scenario
