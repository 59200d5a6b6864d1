// dns/server_agent.cpp — datagrams in, AuthoritativeServer, datagrams and trace out.
//
// Standards: RFC 1035 §4.2.1.
#include "dns/server_agent.hpp"

namespace smtplab::dns {

namespace {

std::string hex16(std::uint16_t value) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xF];
  return out;
}

// The explanation key of a response: what a student should read about it.
std::string explain_key(const Message& response) {
  // The keys of core/explain.cpp's DNS section; the ones without an entry yet fall
  // back to "kind.dns_answer" in the views.
  if (response.header.tc) return "dns.TC";
  switch (response.header.rcode) {
    case Rcode::NoError: return response.answers.empty() ? "dns.NODATA" : "dns.answer";
    case Rcode::NxDomain: return "dns.NXDOMAIN";
    case Rcode::ServFail: return "dns.SERVFAIL";
    case Rcode::Refused: return "dns.REFUSED";
    case Rcode::FormErr: return "dns.FORMERR";
    case Rcode::NotImp: return "dns.NOTIMP";
  }
  return "dns.answer";
}

}  // namespace

struct DnsServerAgent::State {
  State(Host& h, std::shared_ptr<const Zones> z, std::uint16_t p) : host(h), server(std::move(z)), port(p) {}

  Host& host;
  AuthoritativeServer server;
  std::uint16_t port;
  FaultHook fault_hook;
  std::uint64_t queries_received = 0;

  void on_datagram(const Endpoint& from, std::string_view bytes) {
    ++queries_received;
    ServerReply reply = server.answer(bytes);
    FaultAction fault = FaultAction::None;
    if (fault_hook && reply.query && reply.query->questions.size() == 1)
      fault = fault_hook(reply.query->questions[0]);
    if (fault != FaultAction::None) {
      Event f;
      f.kind = EventKind::Fault;
      const std::string question = query_summary(reply.query->questions[0]);
      f.summary = fault == FaultAction::Drop ? "DNS fault: no answer to " + question
                                             : "DNS fault: SERVFAIL for " + question;
      f.explain = "fault.dns";
      f.rfc = "RFC 1035 §4.1.1";
      host.emit(std::move(f));
      if (fault == FaultAction::Drop) return;
      reply.bytes = AuthoritativeServer::error_response(bytes, Rcode::ServFail);
      reply.response = decode(reply.bytes).message;
      reply.summary = reply.response ? response_summary(*reply.response) : "SERVFAIL";
      reply.reason = "SERVFAIL injected by a fault: RFC 1035 §4.1.1 \"Server failure - The name server was unable "
                     "to process this query due to a problem with the name server.\"";
      reply.rfc = "RFC 1035 §4.1.1";
    }
    if (reply.bytes.empty() || !reply.response) {
      Event e;
      e.kind = EventKind::Note;
      e.summary = "DNS datagram from " + from.to_string() + " dropped: " + reply.reason;
      e.explain = "dns.dropped";
      e.rfc = reply.rfc;
      host.emit(std::move(e));
      return;
    }
    const Message& response = *reply.response;
    Event e;
    e.kind = EventKind::DnsAnswer;
    e.summary = reply.summary;
    e.bytes = reply.bytes;
    e.with("id", hex16(response.header.id));
    if (!response.questions.empty())
      e.with("qname", response.questions[0].name).with("qtype", to_string(response.questions[0].type));
    e.with("rcode", to_string(response.header.rcode))
        .with("aa", response.header.aa ? "1" : "0")
        .with("tc", response.header.tc ? "1" : "0")
        .with("answers", std::to_string(response.answers.size()))
        .with("reason", reply.reason);
    e.explain = explain_key(response);
    e.rfc = reply.rfc;
    host.emit(std::move(e), from.address);
    host.send_datagram(port, from, reply.bytes);
  }
};

DnsServerAgent::DnsServerAgent(Host& host, std::shared_ptr<const Zones> zones, std::uint16_t port)
    : state_(std::make_shared<State>(host, std::move(zones), port)) {
  std::weak_ptr<State> weak = state_;
  host.bind_datagram(port, [weak](const Endpoint& from, std::string_view bytes) {
    if (auto self = weak.lock()) self->on_datagram(from, bytes);
  });
}

void DnsServerAgent::set_fault_hook(FaultHook hook) { state_->fault_hook = std::move(hook); }

std::uint64_t DnsServerAgent::queries_received() const { return state_->queries_received; }

}  // namespace smtplab::dns
