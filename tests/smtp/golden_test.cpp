// Golden transcripts: tests/smtp/golden/*.txt are SMTP dialogues that read like lessons,
// replayed against ServerSession (STYLE §22).
//
// File format (one directive a line):
//   # text            narration, ignored by the test
//   ! key value       server settings, before the first C: line:
//                       size_max N, recipients_max N, pipelining off, enhanced off,
//                       8bitmime off, connect 554|421 (policy refuses the connection),
//                       auth PLAIN LOGIN (mechanisms), auth_before_tls on (the lesson
//                       setting: AUTH without TLS); alice's password is "correct horse"
//                       random SEED: the host's random source, SeededRandom(SEED), which
//                       SCRAM-SHA-256 needs for its server nonce (it lives in the TLS
//                       settings, so STARTTLS is advertised too, with no certificate:
//                       such a transcript must not send STARTTLS)
//   C: text           a client line; CRLF is appended
//   C< text           raw client bytes; nothing is appended
//   S: text           one expected server reply line (CRLF implied)
//   = state NAME      after the client bytes above: the server's state
//   = messages N      messages stored so far
//   = content TEXT    the last stored message contains TEXT
// In C: and C< lines: \r \n \t \\ \xHH are escapes and {c*N} repeats c N times.
//
// Consecutive C lines are one chunk. Each transcript runs three ways: chunk by chunk
// (every chunk's output must equal the S: lines after it), all bytes in one receive(),
// and one byte at a time. All three must produce identical bytes and identical events.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "smtp/auth.hpp"
#include "smtp/server_session.hpp"
#include "smtp/user_db.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

// A policy for the lessons: b.example is ours, with bob, carol and postmaster; messages
// are kept in memory so that the transcript can check what was stored.
class LessonPolicy : public ServerPolicy {
 public:
  std::optional<Reply> refuse_connect;
  std::vector<std::string> messages;

  std::optional<Reply> on_connect(const Session&) override { return refuse_connect; }
  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  bool is_local_user(const Mailbox& mailbox) const override {
    const std::string user = ascii_lower(mailbox.local_part);
    return user == "bob" || user == "carol";
  }
  bool check_password(const Session&, std::string_view user, std::string_view password) override {
    return users().check(user, password);
  }
  std::optional<ScramCredentials> find_scram_credentials(const Session&, std::string_view user) override {
    return users().find_scram(user);
  }
  static const MemoryUserDb& users() {
    static const MemoryUserDb db = [] {
      SeededRandom random(0);
      MemoryUserDb d;
      d.add("alice", hash_password("correct horse", random, 1000));
      // SCRAM-SHA-256 keys for the same password (RFC 7677 §4: at least 4096 iterations).
      d.add_scram("alice", *make_scram_credentials("correct horse", random, scram_iterations_min));
      return d;
    }();
    return db;
  }
  Reply on_message(const Session&, const Transaction& tx) override {
    messages.push_back(tx.content);
    return make_reply(ReplyId::MessageAccepted, "queued as " + std::to_string(messages.size()));
  }
};

struct Check {
  std::string key;
  std::string value;
};

struct Step {
  std::string client;                // bytes to send (empty for the greeting step)
  std::string expected;              // server bytes expected after them
  std::vector<Check> checks;
};

struct Golden {
  std::map<std::string, std::string> options;
  std::vector<Step> steps;           // steps[0] is the greeting
};

std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') {
      static const std::regex repeat(R"(^\{(.)\*(\d+)\})");
      std::smatch m;
      const std::string rest = text.substr(i);
      if (std::regex_search(rest, m, repeat)) {
        out.append(std::stoul(m[2].str()), m[1].str()[0]);
        i += m[0].length() - 1;
        continue;
      }
    }
    if (c != '\\' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    const char e = text[++i];
    switch (e) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '\\': out += '\\'; break;
      case 'x':
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
        break;
      default: FAIL("unknown escape \\" << e);
    }
  }
  return out;
}

Golden load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  Golden golden;
  golden.steps.emplace_back();
  std::string line;
  bool last_was_client = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string tag = line.substr(0, 2);
    const std::string rest = line.size() > 3 ? line.substr(3) : std::string();
    if (tag == "C:" || tag == "C<") {
      if (!last_was_client) golden.steps.emplace_back();
      golden.steps.back().client += unescape(rest) + (tag == "C:" ? "\r\n" : "");
      last_was_client = true;
      continue;
    }
    last_was_client = false;
    if (tag == "S:") {
      golden.steps.back().expected += rest + "\r\n";
    } else if (line[0] == '!') {
      const std::size_t space = line.find(' ', 2);
      golden.options[line.substr(2, space - 2)] = line.substr(space + 1);
    } else if (line[0] == '=') {
      const std::size_t space = line.find(' ', 2);
      golden.steps.back().checks.push_back({line.substr(2, space - 2), line.substr(space + 1)});
    } else {
      FAIL("unknown directive in " << file << ": " << line);
    }
  }
  return golden;
}

struct Run {
  std::string output;
  std::vector<std::string> events;  // kind, summary and bytes of every event
  std::vector<std::string> messages;
};

ServerConfig config_for(const Golden& golden, SeededRandom& random) {
  ServerConfig config;
  config.host_name = "mx.b.example";
  for (const auto& [key, value] : golden.options) {
    if (key == "size_max") config.message_size_max = std::stoul(value);
    else if (key == "recipients_max") config.recipients_max = std::stoul(value);
    else if (key == "pipelining") config.advertise_pipelining = value != "off";
    else if (key == "enhanced") config.advertise_enhanced_status_codes = value != "off";
    else if (key == "8bitmime") config.advertise_8bitmime = value != "off";
    else if (key == "auth_before_tls") config.auth_before_tls = value == "on";
    else if (key == "random") {
      random = SeededRandom(std::stoull(value));
      config.tls = ServerTlsConfig{nullptr, &random, 0};
    }
    else if (key == "auth") {
      std::istringstream names(value);
      for (std::string name; names >> name;)
        if (auto mechanism = parse_auth_mechanism(name)) config.auth_mechanisms.push_back(*mechanism);
    }
  }
  return config;
}

void configure(LessonPolicy& policy, const Golden& golden) {
  if (auto it = golden.options.find("connect"); it != golden.options.end())
    policy.refuse_connect = make_reply(it->second == "554" ? ReplyId::NoServiceHere : ReplyId::TooManyConnections);
}

void collect(ServerSession& server, Run& run) {
  run.output += server.take_output();
  for (const Event& e : server.take_events())
    run.events.push_back(std::string(to_string(e.kind)) + "|" + e.summary + "|" + e.bytes);
}

enum class Mode { Chunks, AllAtOnce, ByteAtATime };

Run replay(const Golden& golden, Mode mode) {
  LessonPolicy policy;
  configure(policy, golden);
  SeededRandom random(0);
  ServerSession server(config_for(golden, random), policy);
  Run run;
  server.start("192.0.2.10", "client.example");
  collect(server, run);
  if (mode == Mode::Chunks) CHECK(run.output == golden.steps[0].expected);

  std::string everything;
  for (std::size_t i = 1; i < golden.steps.size(); ++i) {
    const Step& step = golden.steps[i];
    if (mode == Mode::Chunks) {
      const std::size_t before = run.output.size();
      server.receive(step.client);
      collect(server, run);
      INFO("after client bytes: " << step.client);
      CHECK(run.output.substr(before) == step.expected);
      for (const Check& check : step.checks) {
        INFO("check " << check.key << " " << check.value);
        if (check.key == "state") CHECK(std::string(to_string(server.state())) == check.value);
        else if (check.key == "messages") CHECK(policy.messages.size() == std::stoul(check.value));
        else if (check.key == "content") {
          REQUIRE_FALSE(policy.messages.empty());
          CHECK_THAT(policy.messages.back(), Catch::Matchers::Contains(unescape(check.value)));
        } else FAIL("unknown check " << check.key);
      }
    } else {
      everything += step.client;
    }
  }
  if (mode == Mode::AllAtOnce) {
    server.receive(everything);
    collect(server, run);
  } else if (mode == Mode::ByteAtATime) {
    for (char c : everything) {
      server.receive(std::string_view(&c, 1));
      collect(server, run);
    }
  }
  run.messages = policy.messages;
  return run;
}

std::vector<std::filesystem::path> golden_files() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(SMTPLAB_SOURCE_DIR) / "tests/smtp/golden";
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("golden transcripts replay exactly, chunked, all at once and byte by byte", "[golden]") {
  const auto files = golden_files();
  REQUIRE(files.size() >= 12);
  for (const auto& file : files) {
    SECTION(file.filename().string()) {
      const Golden golden = load(file);
      REQUIRE(golden.steps.size() >= 2);
      std::string expected_all;
      for (const Step& step : golden.steps) expected_all += step.expected;

      const Run chunks = replay(golden, Mode::Chunks);
      const Run whole = replay(golden, Mode::AllAtOnce);
      const Run bytes = replay(golden, Mode::ByteAtATime);
      CHECK(chunks.output == expected_all);
      CHECK(whole.output == expected_all);
      CHECK(bytes.output == expected_all);
      CHECK(whole.events == chunks.events);
      CHECK(bytes.events == chunks.events);
      CHECK(whole.messages == chunks.messages);
      CHECK(bytes.messages == chunks.messages);
    }
  }
}
