// tollgate — the reasons cache (see reasons.hpp).
#include "engine/render/reasons.hpp"

#include <bit>

#include "engine/render/render.hpp"

namespace tollgate {
namespace {

template <class T>
void put(std::string& key, const T& v) {
  key.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// The values of the fields given by bit masks (Rule::reads, reads_text), each with whether it is given.
void put_reads(std::string& key, const Facts& f, uint64_t nums, uint32_t texts) {
  for (uint64_t bits = nums; bits; bits &= bits - 1) {
    int s = std::countr_zero(bits);
    bool has = f.has(s);
    put(key, has);
    if (has) put(key, f.num[static_cast<size_t>(s)]);
  }
  for (uint32_t bits = texts; bits; bits &= bits - 1) {
    int t = std::countr_zero(bits);
    bool has = f.has_text(t);
    put(key, has);
    if (has) {
      auto v = f.text(t);
      put(key, v.size());
      key.append(v);
    }
  }
}

}  // namespace

void ReasonsCache::key(const Facts& f, const Decision& d, Day day) {
  uint64_t nums = 0;
  uint32_t texts = 0;
  bool date = false;
  for (size_t i = 0; i < d.fired.size(); ++i)
    for (uint64_t bits = d.fired[i]; bits; bits &= bits - 1) {
      const Rule& r = p_.rules[i * 64 + static_cast<size_t>(std::countr_zero(bits))];
      nums |= r.reads;
      texts |= r.reads_text;
      date |= r.reads_as_of;
    }
  key_.clear();
  put(key_, d.active);
  put(key_, d.klass);
  put(key_, d.fired);
  put(key_, f.kind);
  if (date) put(key_, day);
  put_reads(key_, f, nums, texts);
}

// The fired array of a decision whose combination of rules and facts is new, put together from each fired rule's
// own entry: it depends on the rules in force, the class, the record kind and what that rule reads.
void ReasonsCache::render(const Record& r, const Decision& d, Day day, std::string& out) {
  out = "[";
  bool first = true;
  for (size_t i = 0; i < p_.rules.size(); ++i) {
    if (!d.has_fired(static_cast<int>(i))) continue;
    const Rule& rule = p_.rules[i];
    const Facts& f = r.facts;
    rule_key_.clear();
    put(rule_key_, i);
    put(rule_key_, d.active);
    put(rule_key_, d.klass);
    put(rule_key_, f.kind);
    if (rule.reads_as_of) put(rule_key_, day);
    put_reads(rule_key_, f, rule.reads, rule.reads_text);
    auto it = rules_.find(rule_key_);
    if (it == rules_.end()) {
      if (rules_.size() >= 16384) rules_.clear();  // bounded memory
      std::string entry;
      append_fired_entry(entry, p_, static_cast<int>(i), r, d);
      it = rules_.emplace(rule_key_, std::move(entry)).first;
    }
    if (!first) out += ',';
    first = false;
    out += it->second;
  }
  out += ']';
  append_notes(out, p_, d);  // the notes follow the fired array (render.hpp, JsonLayout); they depend on the same rules
}

const ReasonsCache::Reasons& ReasonsCache::get(const Record& r, const Decision& d, Day day) {
  key(r.facts, d, day);
  auto hit = whole_.find(key_);
  if (hit != whole_.end()) {
    ++hits_;
    return hit->second;
  }
  ++misses_;
  render(r, d, day, text_);
  if (whole_.size() >= 16384) whole_.clear();  // bounded memory
  Reasons reasons{std::make_shared<const std::string>(text_), sha256(text_)};
  return whole_.emplace(key_, std::move(reasons)).first->second;
}

}  // namespace tollgate
