// Conformance: every vector of ${SMTPLAB_CONFORMANCE_DIR}/dns/dns-wire-vectors.json
// (RFC 1035 examples and dnspython 2.3.0 encodings) must pass. When the folder is
// absent the test says so and skips; the vectors are never copied into the repository.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dns/wire.hpp"

using namespace smtplab::dns;

namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::optional<nlohmann::json> load_vectors() {
  const std::filesystem::path path = std::filesystem::path(SMTPLAB_CONFORMANCE_DIR) / "dns" / "dns-wire-vectors.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::uint16_t parse_id(const std::string& text) { return static_cast<std::uint16_t>(std::stoul(text, nullptr, 16)); }

}  // namespace

TEST_CASE("every DNS wire conformance vector passes", "[dns][wire][conformance]") {
  const auto vectors = load_vectors();
  if (!vectors) {
    WARN("SKIPPED: " << SMTPLAB_CONFORMANCE_DIR << "/dns/dns-wire-vectors.json is absent");
    return;
  }
  REQUIRE(vectors->is_array());
  std::size_t checked = 0;
  for (const auto& v : *vectors) {
    const std::string name = v.at("name");
    INFO("vector " << name);
    // The RFC 1035 §4.1.4 figure: names decoded at given offsets of one buffer.
    if (v.contains("data")) {
      const std::string wire = from_hex(v["data"].at("wire_hex"));
      for (const auto& n : v["data"].at("names")) {
        const NameDecode d = decode_name(wire, n.at("offset").get<std::size_t>());
        REQUIRE_FALSE(d.error.has_value());
        CHECK(absolute_name(d.name) == n.at("decoded").get<std::string>());
        CHECK(d.bytes_consumed == n.at("bytes_consumed").get<std::size_t>());
      }
      ++checked;
      continue;
    }
    const std::string wire = from_hex(v.at("wire_hex"));
    // Malformed: the name at `offset` must be rejected, and so must annotate() say so.
    if (name.starts_with("malformed")) {
      const NameDecode d = decode_name(wire, v.at("offset").get<std::size_t>());
      CHECK(d.error.has_value());
      if (d.error) CHECK_FALSE(d.error->reason.empty());
      const Annotations notes = annotate(wire);
      REQUIRE_FALSE(notes.empty());
      ++checked;
      continue;
    }
    const DecodeResult r = decode(wire);
    REQUIRE(r.message.has_value());
    const Message& m = *r.message;
    // Re-encoding what we decoded gives dnspython's bytes exactly: same compression.
    CHECK(encode(m) == wire);
    if (name.starts_with("query")) {
      CHECK(m.header.id == parse_id(v.at("id")));
      REQUIRE(m.questions.size() == 1);
      // Our own query builder produces the same bytes for the same question.
      CHECK(encode(make_query(m.header.id, m.questions[0].name, m.questions[0].type)) == wire);
    }
    if (v.contains("expect")) {
      const auto& e = v["expect"];
      if (e.contains("id")) CHECK(m.header.id == parse_id(e["id"]));
      if (e.contains("flags")) CHECK(m.header.flags_text() == e["flags"].get<std::string>());
      if (e.contains("rcode")) {
        if (e["rcode"].is_string())
          CHECK(to_string(m.header.rcode) == e["rcode"].get<std::string>());
        else
          CHECK(static_cast<int>(m.header.rcode) == e["rcode"].get<int>());
      }
      if (e.contains("answer")) {
        REQUIRE(m.answers.size() == e["answer"].size());
        for (std::size_t i = 0; i < m.answers.size(); ++i)
          CHECK(m.answers[i].to_string() == e["answer"][i].get<std::string>());
      }
      if (e.contains("txt_strings")) {
        REQUIRE(m.answers.size() == 1);
        const auto* txt = std::get_if<TxtData>(&m.answers[0].data);
        REQUIRE(txt != nullptr);
        CHECK(txt->strings == e["txt_strings"].get<std::vector<std::string>>());
        CHECK(txt->joined() == e["joined"].get<std::string>());
      }
    }
    ++checked;
  }
  CHECK(checked == vectors->size());
}
