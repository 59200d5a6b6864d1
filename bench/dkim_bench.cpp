// bench/dkim_bench.cpp — signs and verifies 10,000 messages of 4 KiB with RSA-2048
// (rsa-sha256, relaxed/relaxed) and prints messages per second, then has dkimpy
// (Debian python3-dkim) do the same work on the same key and messages, side by side.
//
// Usage: dkim_bench [messages=10000] [dkimpy_messages=1000] [verify_rounds=1]
// verify_rounds > 1 verifies the signed messages that many times (for a profiler: e.g.
// `perf record dkim_bench 200 0 100` spends its time in verification, not signing).
// The key is generated deterministically (seeded generator); nothing is timed in tests.
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <nettle/bignum.h>
#include <nettle/rsa.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "mailauth/dkim.hpp"

using namespace smtplab::mailauth;

namespace {

// Verifications per timed chunk: the fastest chunk is reported besides the whole run.
constexpr std::size_t verify_chunk = 100;

// One timed verification run: messages per second over the whole run and in its fastest
// chunk of verify_chunk messages (the machine may be shared), and how many passed.
struct VerifyRun {
  std::size_t count = 0;
  std::size_t passed = 0;
  double rate = 0;
  double best_chunk_s = 0;
  double best_chunk_rate = 0;
};

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

// Times one step of verification over every message and returns microseconds per
// message in the fastest chunk of verify_chunk messages (the machine is shared).
template <typename Step>
double us_per_message(const std::vector<std::string>& messages, Step step) {
  double best_us = 1e12;
  auto chunk_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    step(messages[i]);
    if ((i + 1) % verify_chunk == 0) {
      const auto now = std::chrono::steady_clock::now();
      best_us = std::min(best_us, std::chrono::duration<double, std::micro>(now - chunk_start).count());
      chunk_start = now;
    }
  }
  return best_us / static_cast<double>(verify_chunk);
}

// Where the time of one verification goes: each step of DkimVerify run alone over the
// same messages, down to the bare RSA public operation s^e mod n that
// RsaPublicKey::verify hands to GMP (mpz_powm), which is the floor no change of ours can
// go below. sha256 is crypto.hpp's, i.e. nettle's.
void print_time_split(const std::vector<std::string>& signed_messages, const RsaPrivateKey& private_key,
                      double verify_s_per_message) {
  const auto public_key = RsaPublicKey::from_der(private_key.public_der());
  std::vector<std::string> hashes, signatures;
  for (const auto& m : signed_messages) {
    const auto parts = split_message(m);
    const auto parse = parse_dkim_signature(std::string_view(parts.fields.front().raw).substr(15));
    signatures.push_back(parse.signature->signature);
    hashes.push_back(sha256(m.substr(0, 200)));
  }
  std::size_t sink = 0;  // printed, so that no step is optimized away
  const double split_us = us_per_message(signed_messages, [&](const std::string& m) { sink += split_message(m).fields.size(); });
  const double parse_us = us_per_message(signed_messages, [&](const std::string& m) {
    const std::size_t end = m.find("\r\nFrom:");
    sink += parse_dkim_signature(std::string_view(m).substr(15, end - 15)).signature.has_value();
  });
  const double canon_us = us_per_message(signed_messages, [&](const std::string& m) {
    sink += canonicalize_body(std::string_view(m).substr(m.find("\r\n\r\n") + 4), DkimCanon::Relaxed).size();
  });
  const double sha_us = us_per_message(signed_messages, [&](const std::string& m) { sink += sha256(m).size(); });
  std::size_t index = 0;
  const double rsa_us = us_per_message(signed_messages, [&](const std::string&) {
    sink += public_key->verify(hashes[index], signatures[index]) ? 0 : 1;  // hash mismatch: the full RSA work, then fail
    ++index;
  });
  // The bare RSA public operation s^e mod n (RFC 8017 §5.2.2 RSAVP1), no padding check,
  // on n and e exported from mbedTLS's parse as crypto.cpp does, with the signatures
  // already as GMP integers: what RsaPublicKey::verify spends in mpz_powm.
  const std::string der = private_key.public_der();
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  mbedtls_pk_parse_public_key(&pk, reinterpret_cast<const unsigned char*>(der.data()), der.size());
  const mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk);
  const std::size_t k = mbedtls_rsa_get_len(rsa);
  std::vector<unsigned char> n_bytes(k), e_bytes(k);
  mbedtls_rsa_export_raw(rsa, n_bytes.data(), k, nullptr, 0, nullptr, 0, nullptr, 0, e_bytes.data(), k);
  mbedtls_pk_free(&pk);
  mpz_t n, e, m;
  mpz_inits(n, e, m, nullptr);
  nettle_mpz_set_str_256_u(n, k, n_bytes.data());
  nettle_mpz_set_str_256_u(e, k, e_bytes.data());
  const std::size_t count = signatures.size();
  const auto signature_values = std::make_unique<mpz_t[]>(count);
  for (std::size_t i = 0; i < count; ++i) {
    mpz_init(signature_values[i]);
    nettle_mpz_set_str_256_u(signature_values[i], signatures[i].size(),
                             reinterpret_cast<const std::uint8_t*>(signatures[i].data()));
  }
  index = 0;
  const double modexp_us = us_per_message(signed_messages, [&](const std::string&) {
    mpz_powm(m, signature_values[index], e, n);
    sink += mpz_odd_p(m) ? 1 : 0;
    ++index;
  });
  for (std::size_t i = 0; i < count; ++i) mpz_clear(signature_values[i]);
  mpz_clears(n, e, m, nullptr);
  std::printf("time split per verification (us, fastest chunk of 100): total %.1f; RSA public op (GMP mpz_powm) "
              "%.1f; RsaPublicKey::verify (RFC 8017 §8.2.2 around mpz_powm) %.1f; sha256 of 4 KiB (nettle) %.1f; relaxed body "
              "canonicalization %.1f; split_message %.1f; DKIM-Signature parse %.1f (checksum %zu)\n",
              verify_s_per_message * 1e6, modexp_us, rsa_us, sha_us, canon_us, split_us, parse_us, sink);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const std::size_t py_count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const std::size_t verify_rounds = argc > 3 ? std::max<std::size_t>(1, std::strtoul(argv[3], nullptr, 10)) : 1;
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
  // Two runs over the same messages: as the MTA verifies (every step recorded as a trace
  // event, for the lessons) and verdicts only (record_steps off), which is the work
  // dkimpy does. Each message is copied into its DkimVerify before the clock runs, in
  // chunks, since dkimpy is not timed copying its input either.
  const auto run = [&](bool record_steps) {
    VerifyRun out;
    DkimKeyCache keys;  // as an MTA keeps one (dkimpy has no such cache)
    double total_s = 0;
    out.best_chunk_s = 1e9;
    const std::size_t verify_count = signed_messages.size() * verify_rounds;
    std::vector<std::string> inputs;
    for (std::size_t first = 0; first < verify_count; first += verify_chunk) {
      const std::size_t n = std::min(verify_chunk, verify_count - first);
      inputs.clear();
      for (std::size_t i = first; i < first + n; ++i) inputs.push_back(signed_messages[i % count]);
      const auto chunk_start = std::chrono::steady_clock::now();
      for (std::string& input : inputs) {
        DkimVerifyOptions verify_options{0, dkim_signatures_max, &keys};
        verify_options.record_steps = record_steps;
        DkimVerify verify(std::move(input), verify_options);
        while (auto q = verify.next_query()) verify.on_answer(*q, answer);
        out.passed += verify.best().result == DkimResult::Pass ? 1 : 0;
      }
      const double chunk_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - chunk_start).count();
      total_s += chunk_s;
      if (n == verify_chunk) out.best_chunk_s = std::min(out.best_chunk_s, chunk_s);
    }
    out.count = verify_count;
    out.rate = static_cast<double>(verify_count) / total_s;
    out.best_chunk_rate = static_cast<double>(verify_chunk) / out.best_chunk_s;
    return out;
  };
  const VerifyRun traced = run(true);
  const VerifyRun verdicts = run(false);
  std::printf("smtplab  sign   %7.0f msgs/s  (%zu messages of 4 KiB, RSA-2048)\n", count / sign_s, count);
  std::printf("smtplab  verify %7.0f msgs/s  (%zu/%zu pass); fastest chunk of %zu: %.0f msgs/s  [with the trace of each step]\n",
              traced.rate, traced.passed, traced.count, verify_chunk, traced.best_chunk_rate);
  std::printf("smtplab  verify %7.0f msgs/s  (%zu/%zu pass); fastest chunk of %zu: %.0f msgs/s  [verdicts only, as dkimpy]\n",
              verdicts.rate, verdicts.passed, verdicts.count, verify_chunk, verdicts.best_chunk_rate);
  const double best_verify_rate = traced.best_chunk_rate;
  print_time_split(signed_messages, *key, 1.0 / best_verify_rate);

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
         "t = time.time(); ok = 0; best = 1e9; c = t\n"
         "for i, m in enumerate(signed):\n"
         "    ok += 1 if dkim.verify(m, dnsfunc=lambda name, timeout=5: record) else 0\n"
         "    if (i + 1) % 100 == 0: e = time.time(); best = min(best, e - c); c = e\n"
         "v = time.time() - t\n"
         "print('%.0f %.0f %d %.0f' % (n / s, n / v, ok, 100 / best))\n";
  const std::string command = "/usr/bin/python3 " + (dir / "smtplab-dkim-bench.py").string() + " " +
                              (dir / "smtplab-dkim-bench.pem").string() + " " + std::to_string(py_count) + " '" +
                              record + "' 2>/dev/null";
  double py_sign = 0, py_verify = 0, py_best = 0;
  int py_ok = 0;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    if (std::fscanf(pipe, "%lf %lf %d %lf", &py_sign, &py_verify, &py_ok, &py_best) != 4) py_sign = 0;
    pclose(pipe);
  }
  if (py_sign <= 0) {
    std::printf("dkimpy   not available (/usr/bin/python3 with python3-dkim)\n");
    return 0;
  }
  std::printf("dkimpy   sign   %7.0f msgs/s  (%zu messages)\n", py_sign, py_count);
  std::printf("dkimpy   verify %7.0f msgs/s  (%d/%zu pass); fastest chunk of 100: %.0f msgs/s\n", py_verify, py_ok,
              py_count, py_best);
  std::printf("ratio    sign x%.1f; verify, verdicts only (the same work as dkimpy) x%.1f, fastest chunks x%.1f "
              "(target: verify >= x20)\n",
              (count / sign_s) / py_sign, verdicts.rate / py_verify, verdicts.best_chunk_rate / py_best);
  std::printf("ratio    verify with the trace of each step (as the MTA runs it) x%.1f, fastest chunks x%.1f\n",
              traced.rate / py_verify, traced.best_chunk_rate / py_best);
  return 0;
}
