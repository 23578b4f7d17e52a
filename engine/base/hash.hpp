// tollgate — SHA-256 (OpenSSL libcrypto) of strings, files and streams; hex.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- hashing -------------------------------------------------------------------------------------------------
std::string sha256_hex(std::string_view data);
using Sha256 = std::array<uint8_t, 32>;
Sha256 sha256(std::string_view data);
std::string to_hex(const uint8_t* data, size_t size);
inline std::string to_hex(const Sha256& h) { return to_hex(h.data(), h.size()); }
void append_hex(std::string& out, const Sha256& h);  // the same, appended
// A text many records share (a party's screening evidence, say) with its SHA-256, computed once: passed around
// by pointer so a log that repeats it is neither copied nor hashed again. `serial` is unique in the process (never
// reused, unlike an address): the trace store's writer knows the texts it has stored by it.
uint64_t next_text_serial();
struct HashedText {
  explicit HashedText(std::string t) : text(std::move(t)), sha(sha256(text)), serial(next_text_serial()) {}
  std::string text;
  Sha256 sha;
  uint64_t serial;
};
// SHA-256 of many messages at once: an audit worker's decisions, 32 at a time. With Intel's multi-buffer library
// (ipsec-mb, Debian's libipsec-mb-dev, x86-64 only; TOLLGATE_IPSEC_MB) the CPU's vector units hash up to 16 messages
// side by side: on this AVX-512 machine a 1,427-byte decision in 0.35 us against OpenSSL's 0.85 us one at a time, a
// 690-byte one in 0.25 against 0.44 (bench/bench_sha256). Without the library, or on a CPU it does not support, each
// message is hashed with OpenSSL. The digests are SHA-256 (FIPS 180-4) either way, byte for byte: tested against
// OpenSSL for every length to 1,100 bytes and more.
// Use: write a message into next() (overwriting it), add() it with a tag; when full() (and at the end), flush()
// hashes the messages added and calls done(tag, digest) for each, in the order added. A buffer next() gave stays
// valid until flush().
class Sha256Batch {
 public:
  static constexpr size_t capacity = 32;  // twice AVX-512's 16 lanes: a lane freed early takes the next message
  // `multi_buffer` false: OpenSSL one at a time (tests compare the two).
  explicit Sha256Batch(bool multi_buffer = true);
  ~Sha256Batch();
  Sha256Batch(const Sha256Batch&) = delete;
  Sha256Batch& operator=(const Sha256Batch&) = delete;
  // The buffer for the next message (not when full()), to be overwritten whole: assigned, or resized and every byte
  // written (as decision_json_into does). It still holds an earlier message: resizing it to a like size fills in
  // no bytes that are then written again.
  std::string& next() {
    if (count_ == capacity) throw std::logic_error("Sha256Batch::next() when full: flush() first");
    return buffers_[count_];
  }
  void add(size_t tag) { tags_[count_++] = tag; }  // next()'s buffer holds the message; `tag` names it at flush()
  bool full() const { return count_ == capacity; }
  size_t size() const { return count_; }
  void clear() { count_ = 0; }  // drops the messages added (after an exception: no digest is given for them)
  template <class Done>
  void flush(Done&& done) {
    hash_all();
    const size_t n = count_;
    count_ = 0;
    for (size_t i = 0; i < n; ++i) done(tags_[i], digests_[i]);
  }
  bool multi_buffer() const { return mgr_ != nullptr; }  // whether ipsec-mb hashes (false: OpenSSL)

 private:
  void hash_all();
  std::array<std::string, capacity> buffers_;
  std::array<size_t, capacity> tags_{};
  std::array<Sha256, capacity> digests_{};
  size_t count_ = 0;
  void* mgr_ = nullptr;  // IMB_MGR, or null
};

// SHA-256 (hex) of a file's bytes, read a megabyte at a time; `bytes` gets its size. Throws if unreadable.
std::string sha256_file(const std::string& path, uint64_t* bytes = nullptr);
// SHA-256 of data given in pieces (a file hashed as it is read).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view data);
  Sha256 final();  // once
  uint64_t bytes() const { return bytes_; }

 private:
  void* ctx_;  // EVP_MD_CTX
  uint64_t bytes_ = 0;
};

}  // namespace tollgate
