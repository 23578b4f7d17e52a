// SHA-256 of decision-sized messages (engine/base/hash.hpp): one at a time with OpenSSL (sha256()), and in a
// Sha256Batch (an audit worker's way: ipsec-mb's multi-buffer code where built, else OpenSSL). Prints the median of
// ROUNDS rounds, in nanoseconds a message, for a decision without screening (690 bytes, as a generated log's
// average) and with it (1,427 bytes).
//   bench_sha256 [MESSAGES] [ROUNDS]     (defaults: 200000, 7)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/base/hash.hpp"

int main(int argc, char** argv) {
  using namespace tollgate;
  using clock = std::chrono::steady_clock;
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 200000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 7;
  Sha256Batch batch(true), serial(false);
  std::printf("Sha256Batch: %s\n", batch.multi_buffer() ? "multi-buffer (ipsec-mb)" : "OpenSSL (no ipsec-mb)");
  for (size_t size : {690u, 1427u}) {
    std::vector<std::string> messages(256);  // different bytes, sizes within 8 bytes
    for (size_t i = 0; i < messages.size(); ++i) {
      messages[i].assign(size + i % 8, 'a');
      for (size_t k = 0; k < messages[i].size(); k += 7) messages[i][k] = static_cast<char>('a' + (i + k) % 26);
    }
    uint64_t sink = 0;
    auto time = [&](auto&& one_round) {
      std::vector<double> ns;
      for (int r = 0; r < rounds; ++r) {
        auto t0 = clock::now();
        one_round();
        ns.push_back(std::chrono::duration<double, std::nano>(clock::now() - t0).count() / static_cast<double>(n));
      }
      std::sort(ns.begin(), ns.end());
      return ns[ns.size() / 2];
    };
    double one = time([&] {
      for (size_t i = 0; i < n; ++i) sink += sha256(messages[i % messages.size()])[0];
    });
    auto batched = [&](Sha256Batch& b) {
      return time([&] {
        auto done = [&](size_t, const Sha256& sha) { sink += sha[0]; };
        for (size_t i = 0; i < n; ++i) {
          b.next() = messages[i % messages.size()];  // (the copy an audit does not make: it renders into next())
          b.add(i);
          if (b.full()) b.flush(done);
        }
        b.flush(done);
      });
    };
    double multi = batched(batch), openssl_batch = batched(serial);
    std::printf("%5zu bytes: sha256() %6.1f ns, Sha256Batch %6.1f ns (%.2fx), Sha256Batch without ipsec-mb %6.1f ns"
                "  [%llu]\n", size, one, multi, one / multi, openssl_batch, static_cast<unsigned long long>(sink % 10));
  }
}
