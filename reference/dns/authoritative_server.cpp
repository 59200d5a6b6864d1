// dns/authoritative_server.cpp — answering one query from the zones.
//
// Standards: RFC 1035 §4.1.1, §4.2.1, §3.3.9; RFC 3596 §3; RFC 2308 §3; RFC 2181 §9;
//            RFC 9619 §2.
//
// The order of the checks below is the order a student should read them in: can we
// read it at all, is it a query, is it a kind of query we serve, is it well formed, is
// the name ours, and only then what the zone says.
#include "dns/authoritative_server.hpp"

#include "core/limits.hpp"

namespace smtplab::dns {

namespace {

// The header of a response to `query`. RFC 1035 §4.1.1 on ID: "This identifier is
// copied the corresponding reply and can be used by the requester to match up replies
// to outstanding queries"; on RD: "this bit may be set in a query and is copied into
// the response". OPCODE, too, is "copied into the response".
Header response_header(const Header& query, Rcode rcode) {
  Header h;
  h.id = query.id;
  h.qr = true;
  h.opcode = query.opcode;
  h.rd = query.rd;
  h.ra = false;  // we never recurse
  h.rcode = rcode;
  return h;
}

std::string short_data(const ResourceRecord& rr) {
  if (const auto* mx = std::get_if<MxData>(&rr.data))
    return std::to_string(mx->preference) + " " + (mx->exchange.empty() ? "." : mx->exchange);
  if (const auto* n = std::get_if<NameData>(&rr.data)) return n->name;
  return rr.data_text();
}

ServerReply reply_with(std::string reason, std::string rfc) {
  ServerReply r;
  r.reason = std::move(reason);
  r.rfc = std::move(rfc);
  return r;
}

}  // namespace

AuthoritativeServer::AuthoritativeServer(std::shared_ptr<const Zones> zones) : zones_(std::move(zones)) {}

std::string AuthoritativeServer::error_response(std::string_view query_bytes, Rcode rcode) {
  const DecodeResult d = decode(query_bytes);
  if (!d.id) return {};
  Header q;
  if (d.header) q = *d.header;
  q.id = *d.id;
  Message m;
  m.header = response_header(q, rcode);
  if (d.message && d.message->questions.size() == 1) m.questions = d.message->questions;
  return encode(m);
}

ServerReply AuthoritativeServer::answer(std::string_view query_bytes) const {
  const DecodeResult decoded = decode(query_bytes);

  // 1. Unreadable: without an id there is nobody we could answer.
  if (!decoded.id) return reply_with("fewer than 2 octets: no ID to answer to; dropped", "RFC 1035 §4.1.1");

  // 2. Never answer a response: two servers answering each other would loop forever.
  if (decoded.header && decoded.header->qr)
    return reply_with("QR=1: this is a response, not a query; dropped", "RFC 1035 §4.1.1");

  // 3. Malformed: RFC 1035 §4.1.1 RCODE 1, "Format error - The name server was unable
  //    to interpret the query."
  if (!decoded.message) {
    ServerReply r = reply_with("FORMERR: " + decoded.error->reason, "RFC 1035 §4.1.1");
    r.bytes = error_response(query_bytes, Rcode::FormErr);
    if (auto d = decode(r.bytes); d.message) r.response = std::move(d.message);
    r.summary = "FORMERR";
    return r;
  }
  const Message& query = *decoded.message;
  ServerReply r;
  r.query = query;
  Message response;
  response.header = response_header(query.header, Rcode::NoError);
  response.questions = query.questions;
  auto finish = [&](std::string reason, std::string rfc) {
    r.reason = std::move(reason);
    r.rfc = std::move(rfc);
    r.bytes = encode(response);
    // RFC 1035 §4.2.1: "Messages carried by UDP are restricted to 512 bytes (not
    // counting the IP or UDP headers). Longer messages are truncated and the TC bit is
    // set in the header." RFC 2181 §9 refines it: additional data is optional, so drop
    // it first without setting TC; only when the answer itself does not fit set TC and
    // send the question alone, so the asker retries over TCP.
    if (r.bytes.size() > limits::dns_udp_message_max && !response.additionals.empty()) {
      response.additionals.clear();
      r.bytes = encode(response);
    }
    if (r.bytes.size() > limits::dns_udp_message_max) {
      response.answers.clear();
      response.authorities.clear();
      response.header.tc = true;
      r.bytes = encode(response);
      r.reason += "; the response exceeds 512 octets, so it is truncated (TC=1) (RFC 1035 §4.2.1)";
    }
    r.summary = response_summary(response);
    r.response = std::move(response);
    return r;
  };

  // 4. Kinds of query: RFC 1035 §4.1.1 RCODE 4, "Not Implemented - The name server does
  //    not support the requested kind of query." Only OPCODE 0 (QUERY) is served.
  if (query.header.opcode != Opcode::Query) {
    response.header.rcode = Rcode::NotImp;
    return finish("NOTIMP: only standard queries (OPCODE 0) are served", "RFC 1035 §4.1.1");
  }
  // 5. RFC 9619 §2: a query with OPCODE 0 "MUST NOT include a QDCOUNT parameter whose
  //    value is greater than 1", and without a question there is nothing to answer.
  if (query.questions.size() != 1) {
    response.header.rcode = Rcode::FormErr;
    response.questions.clear();
    return finish("FORMERR: a query carries exactly one question, not " + std::to_string(query.questions.size()),
                  "RFC 9619 §2");
  }
  const Question& q = query.questions[0];
  // 6. RFC 1035 §4.1.1 RCODE 5, "Refused - The name server refuses to perform the
  //    specified operation for policy reasons": we serve class IN only, and only the
  //    names of our zones.
  if (q.klass != class_in) {
    response.header.rcode = Rcode::Refused;
    return finish("REFUSED: only class IN is served", "RFC 1035 §4.1.1");
  }
  const ZoneAnswer za = zones_->lookup(q.name, q.type);
  switch (za.status) {
    case LookupStatus::NotAuthoritative:
      response.header.rcode = Rcode::Refused;
      return finish("REFUSED: " + absolute_name(q.name) + " is in none of this server's zones", "RFC 1035 §4.1.1");
    case LookupStatus::CnameLoop:
      response.header.rcode = Rcode::ServFail;
      return finish("SERVFAIL: the CNAME chain from " + absolute_name(q.name) + " loops or is longer than " +
                        std::to_string(cname_chain_max) + " (RFC 1034 §3.6.2: \"CNAME loops signalled as an error\")",
                    "RFC 1034 §3.6.2");
    case LookupStatus::NxDomain:
    case LookupStatus::NoData:
    case LookupStatus::Answer: break;
  }
  // 7. From here on we speak for the zone: RFC 1035 §4.1.1 AA, "this bit is valid in
  //    responses, and specifies that the responding name server is an authority for
  //    the domain name in question section."
  response.header.aa = true;
  response.answers = za.answers;
  if (za.status != LookupStatus::Answer) {
    if (za.soa) response.authorities.push_back(*za.soa);
    if (za.status == LookupStatus::NxDomain) {
      response.header.rcode = Rcode::NxDomain;
      return finish("NXDOMAIN: " + absolute_name(za.canonical_name) +
                        " does not exist; the zone's SOA goes in the authority section (RFC 2308 §3)",
                    "RFC 2308 §2.1");
    }
    return finish("NODATA: " + absolute_name(za.canonical_name) + " exists but has no " + to_string(q.type) +
                      " record; NOERROR, an empty answer and the zone's SOA (RFC 2308 §2.2)",
                  "RFC 2308 §2.2");
  }
  // 8. RFC 1035 §3.3.9: "MX records cause type A additional section processing for the
  //    host specified by EXCHANGE"; RFC 3596 §3 adds AAAA. We add what our own zones
  //    know; the asker may use it or ask again.
  for (const auto& rr : za.answers) {
    const auto* mx = std::get_if<MxData>(&rr.data);
    if (mx == nullptr || mx->exchange.empty()) continue;
    for (const RecordType t : {RecordType::A, RecordType::Aaaa}) {
      const ZoneAnswer extra = zones_->lookup(mx->exchange, t);
      if (extra.status != LookupStatus::Answer) continue;
      for (const auto& a : extra.answers)
        if (a.type == t) response.additionals.push_back(a);
    }
  }
  return finish(to_string(q.type) + " " + absolute_name(q.name) + ": " + std::to_string(za.answers.size()) +
                    " record(s) from zone " + absolute_name(za.zone),
                "RFC 1034 §4.3.2");
}

std::string query_summary(const Question& question) {
  return to_string(question.type) + "? " + (question.name.empty() ? "." : question.name);
}

std::string response_summary(const Message& response) {
  const std::string qname =
      response.questions.empty() ? "" : (response.questions[0].name.empty() ? "." : response.questions[0].name);
  const std::string qtype = response.questions.empty() ? "" : to_string(response.questions[0].type);
  std::string out;
  if (response.header.rcode != Rcode::NoError) {
    out = to_string(response.header.rcode);
    if (!qname.empty()) out += " " + qname;
  } else {
    std::string data;
    for (const auto& rr : response.answers) {
      if (response.questions.empty() ||
          (rr.type != response.questions[0].type && response.questions[0].type != RecordType::Any))
        continue;
      if (!data.empty()) data += ", ";
      data += short_data(rr);
    }
    if (!data.empty())
      out = qtype + " " + qname + ": " + data;
    else if (response.header.tc)
      out = qtype + " " + qname;
    else
      out = "NODATA " + qtype + " " + qname;
    for (const auto& rr : response.answers)
      if (rr.type == RecordType::Cname)
        out += " (via CNAME " + (rr.name.empty() ? "." : rr.name) + " -> " + short_data(rr) + ")";
  }
  if (response.header.tc) out += " (truncated)";
  return out;
}

}  // namespace smtplab::dns
