// bench/delivery_bench.cpp — how fast the simulator moves mail end to end, and whether
// memory stays flat as messages are delivered.
//
// The world: 50 MUAs and 50 MTAs (100 hosts) plus one DNS server. Each MUA submits to
// its own MTA, which looks up the recipient domain's MX and relays to the recipient's
// MTA, whose MDA stores the message. 10,000 messages, sent in waves so that the number
// in flight stays bounded; deliveries are counted by the mail stores.
//
// Reported: simulated end-to-end deliveries per CPU second, and the resident set size
// after each quarter of the messages (it must not grow with the number delivered).
// The trace is counted, not kept (`--keep-trace` keeps it, to show what that costs).
// Each MTA's resolver caches answers for their TTL (dns::ResolverAgent::enable_cache),
// as a real MTA's resolver does; `--no-dns-cache` asks the server for every lookup
// (three queries per message: MX, A, AAAA).
//
// This is a benchmark program, not a test (STYLE: performance figures come from here).
#include <dlfcn.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dns/server_agent.hpp"
#include "dns/zone.hpp"
#include "mda/mail_store.hpp"
#include "mta/mta.hpp"
#include "mua/submitter.hpp"
#include "sim/simulator.hpp"

using namespace smtplab;

namespace {

constexpr int mta_count = 50;
constexpr int mua_count = 50;
constexpr int messages_default = 10'000;
constexpr int wave_size = 100;           // messages submitted per wave
constexpr TimeMs wave_interval_ms = 1000;

// Counts what it is given and keeps nothing.
class CountingSink final : public TraceSink {
 public:
  bool record(TraceEvent) override { ++count; return true; }
  std::uint64_t count = 0;
};

// A mailbox that counts deliveries and forgets them (the benchmark measures the mail
// system, not the growth of mailboxes).
class CountingStore final : public mda::MailStore {
 public:
  explicit CountingStore(std::uint64_t& delivered) : delivered_(delivered) {}
  mda::StoreResult deliver(std::string_view, std::string_view, std::string_view, TimeMs) override {
    ++delivered_;
    return {std::to_string(delivered_), {}};
  }
  std::vector<std::string> list(std::string_view, std::string_view) const override { return {}; }
  std::optional<std::string> read(std::string_view, std::string_view, std::string_view) const override { return {}; }
  std::size_t count(std::string_view, std::string_view) const override { return 0; }

 private:
  std::uint64_t& delivered_;
};

// Which malloc the program runs on: mimalloc when the build linked it (SMTPLAB_MIMALLOC,
// the default), glibc's otherwise. Printed, because it changes the figures.
std::string allocator_name() {
  using Version = int (*)();
  if (auto version = reinterpret_cast<Version>(dlsym(RTLD_DEFAULT, "mi_version"))) {
    const int v = version();  // e.g. 209 for 2.0.9
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  }
  return "glibc malloc";
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

std::string ip(int a, int b) { return "10." + std::to_string(a) + "." + std::to_string(b) + ".1"; }

}  // namespace

int main(int argc, char** argv) {
  bool keep_trace = false;
  bool dns_cache = true;
  int messages_total = messages_default;  // --messages N: fewer, for callgrind
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep-trace") == 0) keep_trace = true;
    else if (std::strcmp(argv[i], "--no-dns-cache") == 0) dns_cache = false;
    else if (std::strcmp(argv[i], "--messages") == 0 && i + 1 < argc &&
             std::atoi(argv[i + 1]) >= 4 && std::atoi(argv[i + 1]) <= messages_default)
      messages_total = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: delivery_bench [--keep-trace] [--no-dns-cache] [--messages N (4..%d)]\n",
                   messages_default);
      return 2;
    }
  }
  CountingSink counting;
  Trace kept;
  TraceSink& sink = keep_trace ? static_cast<TraceSink&>(kept) : counting;

  sim::Simulator sim(2025, sink);
  std::uint64_t delivered = 0;

  auto zones = std::make_shared<dns::Zones>();
  sim::SimHost& ns = sim.add_host("ns.bench", "10.255.0.53");
  zones->add_zone("bench");
  std::vector<std::unique_ptr<CountingStore>> stores;
  std::vector<std::unique_ptr<mta::Mta>> mtas;
  std::vector<std::unique_ptr<mua::Submitter>> muas;
  std::vector<std::string> mta_addresses;
  for (int i = 0; i < mta_count; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".bench";
    const std::string name = "mx." + domain;
    sim::SimHost& host = sim.add_host(name, ip(1, i));
    mta_addresses.push_back(host.address());
    (void)zones->add_line(domain + " MX 10 " + name);
    (void)zones->add_line(name + " A " + host.address());
    mta::MtaConfig config;
    config.host_name = name;
    config.domains = {domain};
    for (int u = 0; u < 10; ++u) config.users.push_back("u" + std::to_string(u));
    config.relay_from = {ip(2, i)};
    config.ports = {25, 587};
    stores.push_back(std::make_unique<CountingStore>(delivered));
    mtas.push_back(std::make_unique<mta::Mta>(host, config, *stores.back(), Endpoint{ns.address(), 53}));
    if (dns_cache) mtas.back()->resolver().enable_cache();
    mtas.back()->start();
  }
  dns::DnsServerAgent dns_server(ns, zones);
  for (int i = 0; i < mua_count; ++i) {
    sim::SimHost& host = sim.add_host("mua" + std::to_string(i) + ".bench", ip(2, i));
    mua::SubmitterConfig config;
    config.helo_name = host.name();
    config.submit_to = Endpoint{mta_addresses[static_cast<std::size_t>(i % mta_count)], 587};
    muas.push_back(std::make_unique<mua::Submitter>(host, config));
  }

  // Schedule the waves.
  for (int m = 0; m < messages_total; ++m) {
    const int from = m % mua_count;
    const int to_domain = (m * 7 + 3) % mta_count;
    mua::Draft draft;
    draft.from = "u" + std::to_string(m % 10) + "@d" + std::to_string(from % mta_count) + ".bench";
    draft.to = {"u" + std::to_string((m / 10) % 10) + "@d" + std::to_string(to_domain) + ".bench"};
    draft.subject = "message " + std::to_string(m);
    draft.body = "Benchmark message number " + std::to_string(m) + ".\n";
    mua::Submitter* mua = muas[static_cast<std::size_t>(from)].get();
    sim.at(sim::epoch_ms + (m / wave_size) * wave_interval_ms, [mua, draft] { mua->submit(draft); });
  }

  std::printf("delivery_bench: %d hosts (%d MUAs, %d MTAs, 1 DNS), %d messages in waves of %d, trace %s, "
              "DNS cache %s, %s\n",
              mta_count + mua_count + 1, mua_count, mta_count, messages_total, wave_size,
              keep_trace ? "kept in memory" : "counted, not kept", dns_cache ? "on" : "off",
              allocator_name().c_str());
  const double start_cpu = cpu_seconds();
  std::uint64_t next_report = messages_total / 4;
  while (sim.step()) {
    if (delivered >= next_report) {
      std::printf("  delivered %6llu  rss %6ld KiB  cpu %.2f s\n", static_cast<unsigned long long>(delivered),
                  rss_kib(), cpu_seconds() - start_cpu);
      next_report += messages_total / 4;
    }
  }
  const double cpu = cpu_seconds() - start_cpu;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("delivered %llu of %d end to end in %.3f CPU s: %.0f deliveries per CPU second\n",
              static_cast<unsigned long long>(delivered), messages_total, cpu,
              static_cast<double>(delivered) / cpu);
  std::printf("trace events: %llu; peak RSS %ld KiB; virtual time %.1f s\n",
              static_cast<unsigned long long>(keep_trace ? kept.events().size() : counting.count),
              usage.ru_maxrss, static_cast<double>(sim.now() - sim::epoch_ms) / 1000.0);
  return delivered == static_cast<std::uint64_t>(messages_total) ? 0 : 1;
}
