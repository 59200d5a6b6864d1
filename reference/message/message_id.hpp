// message/message_id.hpp — a unique Message-ID from the run's random source.
//
// Standards: RFC 5322 §3.6.4 (msg-id = "<" id-left "@" id-right ">"; "The message
// identifier (msg-id) itself MUST be a globally unique identifier for a message.").
//
// API:
//   make_message_id(random, "a.example")  -> "<3f2a...9c01@a.example>"
//
// The left part is 128 random bits in lowercase hex: dot-atom-text (RFC 5322 §3.2.3)
// and unique enough that two messages never share one. Drawing from the Random& the
// host gives (the simulator's seeded generator) keeps the id deterministic per seed.
//
// Not implemented: domain literals as id-right.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace smtplab::message {

// An id-right that is not dot-atom-text (empty, or with spaces, brackets, ...) is
// replaced by "invalid", the name RFC 6761 §6.4 reserves for names that must not
// resolve, so the result is always a syntactically valid msg-id.
std::string make_message_id(Random& random, std::string_view domain);

// RFC 5322 §3.2.3 dot-atom-text: 1*atext *("." 1*atext).
bool is_dot_atom_text(std::string_view text);

}  // namespace smtplab::message
