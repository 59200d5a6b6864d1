// mua/raw_client.hpp — a client that types a script of lines, like a student at a
// telnet or `nc` prompt: it waits for each reply before typing the next command, so a
// lesson can show a student's own (possibly wrong) commands and the server's answers.
//
// Standards: RFC 5321 §4.1 (commands), §4.2 (a reply is complete at the line whose code
// is followed by a space), §4.1.1.4 (after 354 the client sends the message lines and
// the lone "." without waiting), RFC 2920 (with `pipelining`, every line is sent at
// once, as a pipelining client would).
//
// API: RawClient client(host, config); client.start();
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "smtp/reply_parser.hpp"

namespace smtplab::mua {

struct RawClientConfig {
  Endpoint server;
  std::vector<std::string> script;  // lines without CRLF; sent verbatim with CRLF
  bool pipelining = false;          // send the whole script at once
  bool wait_for_greeting = true;
};

class RawClient {
 public:
  RawClient(Host& host, RawClientConfig config);
  void start();
  std::size_t replies_seen() const { return replies_seen_; }
  const std::vector<int>& reply_codes() const { return codes_; }

 private:
  friend class RawConnection;
  Host& host_;
  RawClientConfig config_;
  std::size_t replies_seen_ = 0;
  std::vector<int> codes_;
};

}  // namespace smtplab::mua
