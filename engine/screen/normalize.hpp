// tollgate — party names normalized for screening (docs/screening.md §2), with ICU from Debian (libicu-dev).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// A name as the matcher sees it: ordered tokens (ASCII, lower case), the legal-form words dropped, and whether
// Chinese characters were transliterated to pinyin.
struct NormalName {
  std::vector<std::string> tokens;         // e.g. "Huawei Technologies Co., Ltd." -> {"huawei", "technology"}
  std::vector<std::string> legal_forms;    // the words dropped as legal forms: {"co", "ltd"}
  bool transliterated = false;             // Han characters were turned into pinyin (ICU Han-Latin/Names)
  std::string key() const;                 // tokens joined by one space: the cache key and the resolution key
};

// Normalizes party names. Steps, in order: Unicode NFKC with case folding (compatibility decomposition: full-width
// forms, ligatures, ﬁ, ① ...); Chinese words (ICU dictionary word breaks) to pinyin, runs of single-character words
// joined (华为 -> "huawei"); any other script to Latin and Latin to ASCII (é -> e, ß -> ss); punctuation as
// separators ("&" -> "and", apostrophes removed, runs of single letters joined: "S.A." -> "sa"); legal forms and
// "the"/"of"/"and" dropped (Co., Ltd., Limited, Inc., GmbH, youxian gongsi ... unless nothing else is left);
// plural and pinyin forms of common business words mapped to one English form (technologies, keji -> technology).
// Not thread-safe (ICU transliterators are used in place): one Normalizer per thread.
class Normalizer {
 public:
  Normalizer();   // ICU is set up on the first non-ASCII name (throws std::runtime_error then if ICU is broken)
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;
  NormalName normalize(std::string_view utf8) const;  // invalid UTF-8 bytes become U+FFFD and then separators

 private:
  struct Icu;
  Icu& icu() const;
  static std::unique_ptr<Icu> make_icu();
  mutable std::unique_ptr<Icu> icu_;
};

// True for words common to many company names (places, industries: "beijing", "technology", "group"): they weigh
// less in a match than distinctive words ("huawei", "biren"). docs/screening.md §3 lists them.
bool generic_word(std::string_view token);
// True for place names among the generic words ("beijing", "hong", "kong", "china").
bool place_word(std::string_view token);
// The one spelling of a word that normalize() maps (technologies, keji -> technology); others as they are.
std::string canonical_word(const std::string& token);

}  // namespace tollgate
