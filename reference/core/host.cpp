// core/host.cpp — small helpers of the host interface.
#include "core/host.hpp"

namespace smtplab {

std::string Endpoint::to_string() const {
  if (address.find(':') != std::string::npos)  // IPv6 literal (RFC 3986 §3.2.2 style)
    return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::Closed: return "closed";
    case CloseReason::Reset: return "reset";
    case CloseReason::Refused: return "refused";
    case CloseReason::TimedOut: return "timed_out";
  }
  return "unknown";
}

}  // namespace smtplab
