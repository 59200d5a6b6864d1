// Tests of smtp/commands, smtp/extensions and the transition tables as data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "smtp/client_session.hpp"
#include "smtp/client_transitions.hpp"
#include "smtp/commands.hpp"
#include "smtp/extensions.hpp"
#include "smtp/server_transitions.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

TEST_CASE("parse_command splits verb and argument, case-insensitively", "[commands]") {
  Command c = parse_command("mail FROM:<a@b.example> SIZE=10");
  CHECK(c.verb == Verb::Mail);
  CHECK(c.verb_text == "MAIL");
  CHECK(c.argument == "FROM:<a@b.example> SIZE=10");
  c = parse_command("QUIT  ");
  CHECK(c.verb == Verb::Quit);
  CHECK(c.argument.empty());
  c = parse_command("EhLo client.example");
  CHECK(c.verb == Verb::Ehlo);
  CHECK(c.argument == "client.example");
  CHECK(parse_command("").verb == Verb::Unknown);
  CHECK(parse_command("MAILFROM:<a@b>").verb == Verb::Unknown);
  CHECK(parse_command("BDAT 100 LAST").verb == Verb::Unknown);  // CHUNKING: not implemented
  CHECK(parse_command("starttls").verb == Verb::Starttls);
  CHECK(parse_command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").argument == "PLAIN AGFsaWNlAHNlY3JldA==");
}

TEST_CASE("esmtp parameters follow RFC 5321 §4.1.2", "[commands]") {
  ParameterParse p = parse_esmtp_parameters("SIZE=100 body=8BITMIME X-FLAG");
  REQUIRE(p.why.empty());
  REQUIRE(p.parameters.size() == 3);
  CHECK(p.parameters[0].keyword == "SIZE");
  CHECK(p.parameters[0].value == "100");
  CHECK(p.parameters[1].keyword == "BODY");
  CHECK(p.parameters[2].keyword == "X-FLAG");
  CHECK(p.parameters[2].value.empty());
  CHECK_FALSE(parse_esmtp_parameters("-X=1").why.empty());
  CHECK_FALSE(parse_esmtp_parameters("SIZE=").why.empty());
  CHECK_FALSE(parse_esmtp_parameters("A=b=c").why.empty());
  CHECK_FALSE(parse_esmtp_parameters("A=\x01").why.empty());
  CHECK_FALSE(parse_esmtp_parameters("SIZE=1 size=2").why.empty());
  CHECK(parse_esmtp_parameters("").parameters.empty());
}

TEST_CASE("the command table follows RFC 2920 §3.1 for pipelining", "[commands]") {
  for (Verb v : {Verb::Mail, Verb::Rcpt, Verb::Rset})
    CHECK(find_command(v)->pipelining == PipeliningRule::AnyPosition);
  for (Verb v : {Verb::Ehlo, Verb::Data, Verb::Vrfy, Verb::Expn, Verb::Quit, Verb::Noop})
    CHECK(find_command(v)->pipelining == PipeliningRule::EndsGroup);
  CHECK(find_command(Verb::Unknown) == nullptr);
  for (const CommandSpec& spec : command_table()) {
    CHECK(to_string(spec.verb) == spec.name);
    CHECK_FALSE(spec.rfc.empty());
    CHECK_FALSE(spec.allowed.empty());
  }
}

TEST_CASE("sequence_reply names what is missing (RFC 5321 §4.1.4)", "[commands]") {
  CHECK(sequence_reply(Verb::Mail, ServerState::Greeted).lines[0] == "Send HELO or EHLO first");
  CHECK(sequence_reply(Verb::Rcpt, ServerState::Ready).lines[0] == "Need MAIL before RCPT");
  CHECK(sequence_reply(Verb::Data, ServerState::MailGiven).lines[0] == "Need RCPT before DATA");
  CHECK(sequence_reply(Verb::Mail, ServerState::RcptGiven).lines[0] == "Sender already specified");
  CHECK(sequence_reply(Verb::Ehlo, ServerState::Refused).code == 503);
}

namespace {

bool has_state(const StateMachine& machine, std::string_view name) {
  return std::find(machine.states.begin(), machine.states.end(), name) != machine.states.end();
}

}  // namespace

TEST_CASE("transition tables name only their own states, and every state is drawn", "[transitions]") {
  for (const StateMachine* machine : {&server_state_machine(), &client_state_machine()}) {
    INFO(machine->name);
    for (const Transition& t : machine->transitions) {
      CHECK(has_state(*machine, t.from));
      CHECK(has_state(*machine, t.to));
      CHECK(t.rfc.substr(0, 4) == "RFC ");
      CHECK_FALSE(t.trigger.empty());
      CHECK(t.from != t.to);
    }
  }
  for (ServerState s : {ServerState::Connected, ServerState::Greeted, ServerState::Refused, ServerState::Ready,
                        ServerState::MailGiven, ServerState::RcptGiven, ServerState::Data, ServerState::Closing})
    CHECK(has_state(server_state_machine(), to_string(s)));
  for (ClientState s : {ClientState::AwaitGreeting, ClientState::SentEhlo, ClientState::SentHelo,
                        ClientState::SentMail, ClientState::SentRcpt, ClientState::SentData,
                        ClientState::SentContent, ClientState::SentQuit, ClientState::Done})
    CHECK(has_state(client_state_machine(), to_string(s)));
  // Every command that moves the server has a row for that move.
  CHECK(server_state_machine().find("ready", "mail_given") != nullptr);
  CHECK(server_state_machine().find("ready", "data") == nullptr);
}

TEST_CASE("EHLO keywords come from the extension table", "[extensions]") {
  ServerConfig config;
  config.message_size_max = 5000;
  CHECK(ehlo_keyword_lines(config) ==
        std::vector<std::string>{"SIZE 5000", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES"});
  config.advertise_pipelining = false;
  config.advertise_8bitmime = false;
  CHECK(ehlo_keyword_lines(config) == std::vector<std::string>{"SIZE 5000", "ENHANCEDSTATUSCODES"});
  for (const ExtensionInfo& e : extension_table()) CHECK(to_string(e.id) == e.keyword);

  Reply reply;
  reply.code = 250;
  reply.lines = {"mx.b.example greets you", "size 1000", "pipelining", "AUTH PLAIN LOGIN"};
  const EhloReply ehlo = parse_ehlo_reply(reply);
  CHECK(ehlo.domain == "mx.b.example");
  CHECK(ehlo.greeting == "greets you");
  CHECK(ehlo.has("PIPELINING"));
  CHECK(ehlo.has("Size"));
  CHECK_FALSE(ehlo.has("8BITMIME"));
  CHECK(ehlo.size_max() == std::optional<std::size_t>(1000));
  REQUIRE(ehlo.find("auth") != nullptr);
  CHECK(ehlo.find("auth")->params == std::vector<std::string>{"PLAIN", "LOGIN"});
}
