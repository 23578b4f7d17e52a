// tollgate — the reasons cache: a decision's fired array (with its notes) rendered once per combination of what it
// depends on, for the batch paths (audit workers, the server) where records repeat.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/lang/program.hpp"
#include "engine/records/record.hpp"

namespace tollgate {

// The `fired` member's text of decisions (render.hpp: the fired array followed by the notes, exactly what
// decision_json_into renders when not given one) and its SHA-256. A record's reasons depend only on the rules in
// force, its class, the rules that fired, the record kind and the fields those rules read (Rule::reads; the as-of
// date only if one of them reads it): that is the key, its values appended as bytes, exactly (never a hash alone).
// Each fired rule's entry is also kept by what that rule reads, so a new combination is put together mostly from
// entries rendered before. Bounded memory (16,384 of each; emptied when full). One per thread, per Program: it
// keeps `p` by reference, and decisions must come from it.
class ReasonsCache {
 public:
  explicit ReasonsCache(const Program& p) : p_(p) {}
  struct Reasons {
    std::shared_ptr<const std::string> text;  // shared with the cache (a trace store Entry keeps it)
    Sha256 sha;
  };
  // The reasons of decision `d` of record `r` judged as of `day`. The reference stays valid until the next call.
  const Reasons& get(const Record& r, const Decision& d, Day day);
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  void key(const Facts& f, const Decision& d, Day day);
  void render(const Record& r, const Decision& d, Day day, std::string& out);
  const Program& p_;
  std::string key_, rule_key_, text_;
  std::unordered_map<std::string, Reasons> whole_;       // by key()
  std::unordered_map<std::string, std::string> rules_;   // one fired rule's entry, by what it depends on
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace tollgate
