// tollgate tests — SHA-256: the one-at-a-time digest against FIPS 180-4's examples, and Sha256Batch (an audit's
// decisions hashed several at once, with ipsec-mb's multi-buffer code where built) against it, digest for digest.
#include <random>

#include "engine/base/hash.hpp"
#include "tests/support.hpp"

using namespace tollgate;

TEST_CASE("sha256: the FIPS 180-4 examples") {
  // FIPS 180-4 (NIST's "SHA-256" example values): "abc", the 448-bit message, and the empty message.
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

namespace {
// Hashes `messages` through a Sha256Batch (flushing whenever it is full, and at the end) and returns the digests
// by tag; checks that each tag is given once.
std::vector<Sha256> batch_digests(Sha256Batch& b, const std::vector<std::string>& messages) {
  std::vector<Sha256> out(messages.size());
  std::vector<int> given(messages.size(), 0);
  auto done = [&](size_t tag, const Sha256& sha) {
    out.at(tag) = sha;
    ++given.at(tag);
  };
  for (size_t i = 0; i < messages.size(); ++i) {
    b.next() = messages[i];
    b.add(i);
    if (b.full()) b.flush(done);
  }
  b.flush(done);
  for (int g : given) CHECK(g == 1);
  return out;
}
}  // namespace

TEST_CASE("Sha256Batch gives each message's SHA-256, whatever its length, in batches of every size") {
  std::mt19937 rng(16);
  std::vector<std::string> messages;
  // Every length to 1,100 bytes (the padding's edges at 55/56/63/64 bytes and their multiples among them), then
  // decision-sized and larger ones, in random bytes (NULs and high bytes included).
  for (size_t len = 0; len <= 1100; ++len) {
    std::string m(len, '\0');
    for (auto& c : m) c = static_cast<char>(rng());
    messages.push_back(std::move(m));
  }
  for (size_t len : {1427u, 4096u, 65537u, 300000u}) messages.push_back(std::string(len, static_cast<char>(len)));
  for (bool multi : {true, false}) {
    CAPTURE(multi);
    Sha256Batch b(multi);
    const std::string how = b.multi_buffer() ? "multi-buffer (ipsec-mb)" : "OpenSSL, one at a time";
    if (multi) MESSAGE(how);
    std::vector<Sha256> got = batch_digests(b, messages);
    size_t wrong = 0;
    for (size_t i = 0; i < messages.size(); ++i) wrong += got[i] != sha256(messages[i]);
    CHECK(wrong == 0);
    // A batch that is not full, and one message alone.
    std::vector<std::string> three(messages.begin() + 60, messages.begin() + 63);
    std::vector<Sha256> got3 = batch_digests(b, three);
    for (size_t i = 0; i < 3; ++i) CHECK(got3[i] == sha256(three[i]));
    CHECK(batch_digests(b, {"abc"})[0] == sha256("abc"));
  }
}

TEST_CASE("Sha256Batch: clear() drops what was added; the next flush gives only what came after") {
  Sha256Batch b;
  b.next() = "dropped";
  b.add(7);
  b.clear();
  CHECK(b.size() == 0);
  b.next() = "abc";
  b.add(1);
  std::vector<std::pair<size_t, Sha256>> got;
  b.flush([&](size_t tag, const Sha256& sha) { got.emplace_back(tag, sha); });
  REQUIRE(got.size() == 1);
  CHECK(got[0].first == 1);
  CHECK(to_hex(got[0].second) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(b.size() == 0);
  for (size_t i = 0; i < Sha256Batch::capacity; ++i) {
    b.next() = "x";
    b.add(i);
  }
  CHECK(b.full());
  CHECK_THROWS_AS(b.next(), std::logic_error);  // (never a buffer past the end)
}
