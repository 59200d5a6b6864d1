// Golden transcripts: tests/imap/golden/*.txt are IMAP dialogues that read like lessons,
// replayed against imap::ServerSession (STYLE §22).
//
// File format (one directive a line):
//   # text              narration, ignored by the test
//   ! plaintext_login on   the lesson setting: USER/PASS and AUTH without TLS
//   ! message USER TEXT    a message already in USER's INBOX before the session starts
//   C: text             a client line; CRLF is appended
//   C< text             raw client bytes; nothing is appended
//   S: text             one expected server line (CRLF implied)
//   = state NAME        after the client bytes above: the server's state
//   = messages USER N   messages in USER's INBOX now
//   = delay N           the reply delay the server asked for with the last output
// In ! message, C: and C< lines: \r \n \t \\ \xHH are escapes and {c*N} repeats c N times.
// Passwords: bob's is "correct horse", alice's "secret".
//
// Consecutive C lines are one chunk. Each transcript runs three ways: chunk by chunk
// (each chunk's output must equal the S: lines after it), all bytes in one receive(),
// and one byte at a time. All three must produce identical bytes and identical events.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mda/mail_store.hpp"
#include "imap/server_session.hpp"

using namespace smtplab;
using namespace smtplab::imap;

namespace {

class TestUsers : public Authenticator {
 public:
  bool check_password(std::string_view user, std::string_view password) override {
    return (user == "bob" && password == "correct horse") || (user == "alice" && password == "secret");
  }
};

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') {
      const std::size_t star = text.find('*', i);
      const std::size_t close = text.find('}', i);
      if (star != std::string_view::npos && close != std::string_view::npos && star == i + 2) {
        out.append(std::stoul(std::string(text.substr(star + 1, close - star - 1))), text[i + 1]);
        i = close;
        continue;
      }
    }
    if (c != '\\' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    const char e = text[++i];
    if (e == 'r') out += '\r';
    else if (e == 'n') out += '\n';
    else if (e == 't') out += '\t';
    else if (e == 'x' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (e == '\\') {
      out += e;
    } else {
      out += '\\';  // "\Seen" stays a flag name: only \r \n \t \xHH \\ are escapes
      out += e;
    }
  }
  return out;
}

struct Check {
  std::string kind;   // state, messages, delay
  std::string a, b;
};

struct Step {
  std::string client;                 // one chunk of client bytes
  std::vector<std::string> expected;  // server lines, without CRLF
  std::vector<Check> checks;
};

struct Golden {
  std::string name;
  bool plaintext_login = false;
  std::vector<std::pair<std::string, std::string>> messages;  // user, content
  std::vector<std::string> greeting;  // server lines before the first client chunk
  std::vector<Step> steps;
};

Golden load(const std::filesystem::path& path) {
  Golden golden;
  golden.name = path.filename().string();
  std::ifstream in(path);
  std::string line;
  bool last_was_client = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string rest = line.size() > 3 ? line.substr(3) : std::string();
    if (line.rfind("! ", 0) == 0) {
      std::istringstream words(line.substr(2));
      std::string key, value;
      words >> key;
      if (key == "plaintext_login") golden.plaintext_login = true;
      else if (key == "message") {
        std::string user;
        words >> user;
        std::getline(words, value);
        golden.messages.emplace_back(user, unescape(value.substr(1)));
      } else FAIL("unknown setting in " << golden.name << ": " << line);
    } else if (line.rfind("C: ", 0) == 0 || line.rfind("C< ", 0) == 0) {
      if (!last_was_client) golden.steps.push_back({});
      golden.steps.back().client += unescape(rest) + (line[1] == ':' ? "\r\n" : "");
      last_was_client = true;
      continue;
    } else if (line.rfind("S: ", 0) == 0 || line == "S:") {
      (golden.steps.empty() ? golden.greeting : golden.steps.back().expected).push_back(rest);
    } else if (line.rfind("= ", 0) == 0) {
      std::istringstream words(line.substr(2));
      Check check;
      words >> check.kind >> check.a >> check.b;
      REQUIRE(!golden.steps.empty());
      golden.steps.back().checks.push_back(check);
    } else {
      FAIL("bad line in " << golden.name << ": " << line);
    }
    last_was_client = false;
  }
  return golden;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\r\n";
  return out;
}

std::string event_text(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) {
    out += std::string(to_string(e.kind)) + " " + e.summary + " |" + e.bytes + "|";
    for (const auto& [k, v] : e.fields) out += " " + k + "=" + v;
    out += "\n";
  }
  return out;
}

mda::MemoryMailStore make_store(const Golden& golden) {
  mda::MemoryMailStore store;
  for (const auto& [user, content] : golden.messages) REQUIRE(store.deliver(user, "INBOX", content, 0).ok());
  return store;
}

ServerConfig make_config(const Golden& golden) {
  ServerConfig config;
  config.host_name = "imap.b.example";
  config.plaintext_login = golden.plaintext_login;
  return config;
}

struct Run {
  std::string output;
  std::string events;
};

// Chunk by chunk, checking every expectation.
Run run_chunked(const Golden& golden) {
  mda::MemoryMailStore store = make_store(golden);
  TestUsers users;
  ServerSession session(make_config(golden), store, users);
  Run run;
  session.start();
  std::string out = session.take_output();
  CHECK(out == join_lines(golden.greeting));
  run.output += out;
  for (const Step& step : golden.steps) {
    INFO(golden.name << ": after client bytes " << step.client);
    session.receive(step.client);
    const TimeMs delay = session.next_reply_delay_ms();
    out = session.take_output();
    CHECK(out == join_lines(step.expected));
    CHECK(session.next_reply_delay_ms() == 0);
    run.output += out;
    for (const Check& check : step.checks) {
      if (check.kind == "state") CHECK(std::string(to_string(session.state())) == check.a);
      else if (check.kind == "messages") CHECK(store.count(check.a, "INBOX") == std::stoul(check.b));
      else if (check.kind == "delay") CHECK(delay == std::stoll(check.a));
      else FAIL("unknown check " << check.kind);
    }
  }
  run.events = event_text(session.take_events());
  return run;
}

// All client bytes at once, or one byte at a time.
Run run_whole(const Golden& golden, bool byte_by_byte) {
  mda::MemoryMailStore store = make_store(golden);
  TestUsers users;
  ServerSession session(make_config(golden), store, users);
  session.start();
  std::string all;
  for (const Step& step : golden.steps) all += step.client;
  if (byte_by_byte) {
    for (char c : all) session.receive(std::string_view(&c, 1));
  } else {
    session.receive(all);
  }
  return {session.take_output(), event_text(session.take_events())};
}

}  // namespace

TEST_CASE("imap golden transcripts, whole and byte by byte", "[imap][golden]") {
  const std::filesystem::path dir = std::filesystem::path(SMTPLAB_SOURCE_DIR) / "tests/imap/golden";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);
  for (const auto& path : files) {
    const Golden golden = load(path);
    SECTION(golden.name) {
      const Run chunked = run_chunked(golden);
      const Run whole = run_whole(golden, false);
      const Run bytes = run_whole(golden, true);
      // The transcript ends where the server closes; bytes after that are ignored, so
      // the three runs must agree on every byte and every event.
      CHECK(whole.output == chunked.output);
      CHECK(bytes.output == chunked.output);
      CHECK(whole.events == chunked.events);
      CHECK(bytes.events == chunked.events);
    }
  }
}
