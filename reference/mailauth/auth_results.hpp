// mailauth/auth_results.hpp — the Authentication-Results header field: how a receiving
// MTA records what SPF, DKIM and DMARC concluded, for the MDA and the reader.
//
// Standards: RFC 8601 §2.2 (syntax: authserv-id, then "method=result ptype.property=
//            value" clauses; "none" when nothing was checked), §2.7.1 (dkim results,
//            header.d, header.i, header.s), §2.7.2 (spf: smtp.mailfrom, smtp.helo),
//            RFC 6008 §4 (header.b: the first 8 characters of the signature), RFC 7489
//            §11.2 (dmarc, header.from), RFC 8601 §5 (remove forged fields bearing our
//            authserv-id before adding ours — the MTA's job).
//
// API:
//   AuthResults r{.authserv_id = "mx.b.example"}; r.spf = ...; r.dkim = ...; r.dmarc = ...;
//   authentication_results_value(r)  "mx.b.example; spf=pass smtp.mailfrom=a@a.example; ..."
//   authentication_results_field(r)  "Authentication-Results: ...\r\n", folded
//
// Not implemented: the version number after the authserv-id (1 is implied), iprev and
// auth methods, reason= properties (the comment carries the short reason instead).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/spf_check.hpp"

namespace smtplab::mailauth {

struct AuthResults {
  std::string authserv_id;                // RFC 8601 §2.5: the receiving host's name
  std::optional<SpfVerdict> spf;          // with identity: smtp.mailfrom or smtp.helo
  SpfIdentity spf_identity = SpfIdentity::MailFrom;
  std::vector<DkimSignatureResult> dkim;  // one clause each; none -> "dkim=none"
  bool dkim_checked = false;              // to write "dkim=none" when there were no signatures
  std::optional<DmarcVerdict> dmarc;
};

std::string authentication_results_value(const AuthResults& results);
std::string authentication_results_field(const AuthResults& results);

}  // namespace smtplab::mailauth
