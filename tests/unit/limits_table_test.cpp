// What the memory store is built on: SipHash (checked against OpenSSL's SIPHASH MAC and the
// paper's vector) and the open-addressing TAT table (checked against std::unordered_map).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <random>
#include <string>
#include <unordered_map>

#include "limits/siphash.hpp"
#include "limits/tat_table.hpp"

using namespace mcpx::limits;

namespace {

// OpenSSL's SIPHASH with an 8-byte output, read as a little-endian word.
std::uint64_t openssl_siphash(const sip_key& key, std::string_view in, unsigned c, unsigned d) {
  std::array<unsigned char, 16> kb{};
  for (int i = 0; i < 8; ++i) {
    kb[i] = static_cast<unsigned char>(key.k0 >> (8 * i));
    kb[8 + i] = static_cast<unsigned char>(key.k1 >> (8 * i));
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  std::size_t size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c),
                         OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d), OSSL_PARAM_construct_end()};
  unsigned char out[8] = {};
  std::size_t n = 0;
  const bool ok = EVP_MAC_init(ctx, kb.data(), kb.size(), params) == 1 &&
                  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(in.data()), in.size()) == 1 &&
                  EVP_MAC_final(ctx, out, &n, sizeof out) == 1 && n == 8;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  EXPECT_TRUE(ok);
  std::uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= std::uint64_t{out[i]} << (8 * i);
  return r;
}

}  // namespace

TEST(siphash, matches_the_reference_vector) {
  // Key 00 01 .. 0f, empty message: the first vector of the SipHash-2-4 reference code.
  const sip_key k{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  EXPECT_EQ((siphash<2, 4>(k, "")), 0x726fdb47dd0e0e31ull);
}

TEST(siphash, matches_openssl_for_every_length_and_both_variants) {
  std::mt19937_64 rng(7);
  for (std::size_t len = 0; len <= 80; ++len) {
    const sip_key k{rng(), rng()};
    std::string in(len, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    EXPECT_EQ((siphash<1, 3>(k, in)), openssl_siphash(k, in, 1, 3)) << len;
    EXPECT_EQ((siphash<2, 4>(k, in)), openssl_siphash(k, in, 2, 4)) << len;
  }
}

TEST(tat_table, finds_what_was_inserted_and_forgets_what_was_erased) {
  tat_table t;
  EXPECT_EQ(t.find(1), nullptr);
  t.insert(1, 10);
  t.insert(17, 20);  // same home slot as 1 in a table of 16
  t.insert(33, 30);
  ASSERT_NE(t.find(17), nullptr);
  EXPECT_EQ(t.find(17)->tat, 20);
  t.erase(t.find(1));
  // The run closed up behind the hole: the others are still found.
  ASSERT_NE(t.find(17), nullptr);
  ASSERT_NE(t.find(33), nullptr);
  EXPECT_EQ(t.find(33)->tat, 30);
  EXPECT_EQ(t.find(1), nullptr);
  EXPECT_EQ(t.size(), 2u);
}

TEST(tat_table, agrees_with_a_map_under_random_inserts_and_erases) {
  // Few distinct keys with clustered homes (small numbers, and runs that wrap past the end),
  // so runs are long and backward shifts frequent.
  std::mt19937_64 rng(11);
  tat_table t;
  std::unordered_map<std::uint64_t, std::int64_t> want;
  for (int step = 0; step < 200'000; ++step) {
    const std::uint64_t key = rng() % 4 == 0 ? rng() : (rng() % 300) * 64 + (rng() % 3) - 1;
    tat_table::slot* s = t.find(key);
    auto it = want.find(key);
    ASSERT_EQ(s != nullptr, it != want.end()) << step;
    if (s) {
      ASSERT_EQ(s->tat, it->second);
      if (rng() % 2) {
        t.erase(s);
        want.erase(it);
      } else {
        s->tat += 1;
        it->second += 1;
      }
    } else {
      const auto tat = static_cast<std::int64_t>(rng() >> 2);
      t.insert(key, tat);
      want.emplace(key, tat);
    }
    ASSERT_EQ(t.size(), want.size());
  }
  for (const auto& [key, tat] : want) {
    ASSERT_NE(t.find(key), nullptr);
    EXPECT_EQ(t.find(key)->tat, tat);
  }
}
