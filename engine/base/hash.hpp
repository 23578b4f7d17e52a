// tollgate — SHA-256 (OpenSSL libcrypto) of strings, files and streams; hex.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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
