// core/line_reader.cpp — see line_reader.hpp for the contract.
#include "core/line_reader.hpp"

namespace smtplab {

LineStatus LineReader::next(std::string_view& input, Line& out) {
  const std::size_t lf = input.find('\n');
  const std::string_view chunk = input.substr(0, lf == std::string_view::npos ? input.size() : lf);

  if (!overflow_) {
    // The line so far, plus its ending (at least LF; CRLF counts 2), must fit.
    if (partial_.size() + chunk.size() + 1 > line_length_max_) {
      overflow_ = true;
      partial_.clear();
    } else {
      partial_.append(chunk);
    }
  }

  if (lf == std::string_view::npos) {
    input.remove_prefix(input.size());
    return LineStatus::NeedMore;
  }
  input.remove_prefix(lf + 1);

  if (overflow_) {
    overflow_ = false;
    partial_.clear();
    return LineStatus::TooLong;
  }
  out.crlf = !partial_.empty() && partial_.back() == '\r';
  if (out.crlf) partial_.pop_back();
  out.text = std::move(partial_);
  partial_.clear();
  return LineStatus::Complete;
}

}  // namespace smtplab
