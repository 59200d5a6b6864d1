// bench/dkim_bench.cpp — signs and verifies 10,000 messages of 4 KiB with RSA-2048
// (rsa-sha256, relaxed/relaxed) and prints messages per second, then has dkimpy
// (Debian python3-dkim) do the same work on the same key and messages, side by side.
//
// Usage: dkim_bench [messages=10000] [dkimpy_messages=1000]
// The key is generated deterministically (seeded generator); nothing is timed in tests.
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "mailauth/dkim.hpp"

using namespace smtplab::mailauth;

namespace {

int seeded_rng(void* context, unsigned char* out, std::size_t size) {
  static_cast<smtplab::Random*>(context)->fill(out, size);
  return 0;
}

std::string make_key_pem() {
  smtplab::SeededRandom random(20240101);
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), seeded_rng, &random, 2048, 65537);
  std::vector<unsigned char> pem(16000);
  mbedtls_pk_write_key_pem(&pk, pem.data(), pem.size());
  mbedtls_pk_free(&pk);
  return reinterpret_cast<const char*>(pem.data());
}

std::string make_message(std::size_t index) {
  std::string message = "From: Alice <alice@a.example>\r\nTo: Bob <bob@b.example>\r\nSubject: Benchmark " +
                        std::to_string(index) + "\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\nMessage-ID: <" +
                        std::to_string(index) + "@a.example>\r\n\r\n";
  while (message.size() < 4096) message += "The quick brown fox jumps over the lazy dog " + std::to_string(index) + ".\r\n";
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const std::size_t py_count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const std::string pem = make_key_pem();
  const auto key = RsaPrivateKey::from_pem(pem);
  if (!key) {
    std::cerr << "key generation failed\n";
    return 1;
  }
  const std::string record = dkim_key_record(*key);
  std::vector<std::string> messages;
  for (std::size_t i = 0; i < count; ++i) messages.push_back(make_message(i));

  DkimSignOptions options;
  options.domain = "a.example";
  options.selector = "bench";
  std::vector<std::string> signed_messages;
  signed_messages.reserve(count);
  auto start = std::chrono::steady_clock::now();
  for (const auto& m : messages) signed_messages.push_back(*dkim_sign(m, *key, options).field + m);
  const double sign_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  DnsAnswer answer;
  answer.status = DnsStatus::Answer;
  smtplab::dns::ResourceRecord rr;
  rr.name = "bench._domainkey.a.example";
  rr.type = smtplab::dns::RecordType::Txt;
  rr.data = smtplab::dns::TxtData{{record}};
  answer.records.push_back(rr);
  std::size_t passed = 0;
  DkimKeyCache keys;  // as an MTA keeps one (dkimpy has no such cache)
  start = std::chrono::steady_clock::now();
  for (const auto& m : signed_messages) {
    DkimVerify verify(m, DkimVerifyOptions{0, dkim_signatures_max, &keys});
    while (auto q = verify.next_query()) verify.on_answer(*q, answer);
    passed += verify.best().result == DkimResult::Pass ? 1 : 0;
  }
  const double verify_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("smtplab  sign   %7.0f msgs/s  (%zu messages of 4 KiB, RSA-2048)\n", count / sign_s, count);
  std::printf("smtplab  verify %7.0f msgs/s  (%zu/%zu pass)\n", count / verify_s, passed, count);

  // dkimpy on the same key and the same kind of messages.
  const auto dir = std::filesystem::temp_directory_path();
  std::ofstream(dir / "smtplab-dkim-bench.pem") << pem;
  std::ofstream(dir / "smtplab-dkim-bench.py")
      << "import dkim, time, sys\n"
         "key = open(sys.argv[1], 'rb').read(); n = int(sys.argv[2]); record = sys.argv[3].encode()\n"
         "def msg(i):\n"
         "    m = ('From: Alice <alice@a.example>\\r\\nTo: Bob <bob@b.example>\\r\\nSubject: Benchmark %d\\r\\n'\n"
         "         'Date: Mon, 1 Jan 2024 12:00:00 +0000\\r\\nMessage-ID: <%d@a.example>\\r\\n\\r\\n' % (i, i))\n"
         "    while len(m) < 4096: m += 'The quick brown fox jumps over the lazy dog %d.\\r\\n' % i\n"
         "    return m.encode()\n"
         "msgs = [msg(i) for i in range(n)]\n"
         "t = time.time(); signed = [dkim.sign(m, b'bench', b'a.example', key, canonicalize=(b'relaxed', b'relaxed')) + m for m in msgs]\n"
         "s = time.time() - t\n"
         "t = time.time(); ok = sum(1 for m in signed if dkim.verify(m, dnsfunc=lambda name, timeout=5: record))\n"
         "v = time.time() - t\n"
         "print('%.0f %.0f %d' % (n / s, n / v, ok))\n";
  const std::string command = "/usr/bin/python3 " + (dir / "smtplab-dkim-bench.py").string() + " " +
                              (dir / "smtplab-dkim-bench.pem").string() + " " + std::to_string(py_count) + " '" +
                              record + "' 2>/dev/null";
  double py_sign = 0, py_verify = 0;
  int py_ok = 0;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    if (std::fscanf(pipe, "%lf %lf %d", &py_sign, &py_verify, &py_ok) != 3) py_sign = 0;
    pclose(pipe);
  }
  if (py_sign <= 0) {
    std::printf("dkimpy   not available (/usr/bin/python3 with python3-dkim)\n");
    return 0;
  }
  std::printf("dkimpy   sign   %7.0f msgs/s  (%zu messages)\n", py_sign, py_count);
  std::printf("dkimpy   verify %7.0f msgs/s  (%d/%zu pass)\n", py_verify, py_ok, py_count);
  std::printf("ratio    sign x%.1f, verify x%.1f (target: verify >= x20)\n", (count / sign_s) / py_sign,
              (count / verify_s) / py_verify);
  return 0;
}
