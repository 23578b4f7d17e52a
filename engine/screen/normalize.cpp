// tollgate — party-name normalization with ICU (see normalize.hpp and docs/screening.md §2).
#include "engine/screen/normalize.hpp"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace tollgate {
namespace {

// Legal forms dropped anywhere in a name (English, German, French, Russian romanized, pinyin).
const std::unordered_set<std::string_view> legal_anywhere = {
    "co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "company", "gmbh", "llc", "llp", "plc",
    "pte", "pvt", "pty", "jsc", "ojsc", "cjsc", "pjsc", "ooo", "oao", "zao", "pao", "sarl", "sas", "srl", "spa",
    "mbh", "bhd", "sdn", "lp", "youxiangongsi", "youxian", "gongsi", "gufen", "zeren", "youxianzerengongsi",
    "gufenyouxiangongsi", "zerengongsi"};
// Legal forms that are also common words or syllables: dropped only as a name's last word.
const std::unordered_set<std::string_view> legal_at_end = {"sa", "ag", "ab", "as", "bv", "nv", "kk", "oy", "kg"};
const std::unordered_set<std::string_view> stop_words = {"the", "of", "and"};

// One spelling for the common business words: plurals, abbreviations and their pinyin.
const std::unordered_map<std::string_view, std::string_view> same_word = {
    {"technologies", "technology"}, {"tech", "technology"}, {"keji", "technology"}, {"jishu", "technology"},
    {"industries", "industry"}, {"chanye", "industry"}, {"gongye", "industry"}, {"electronics", "electronic"},
    {"dianzi", "electronic"}, {"systems", "system"}, {"holdings", "holding"}, {"konggu", "holding"},
    {"sciences", "science"}, {"kexue", "science"}, {"communications", "communication"}, {"tongxin", "communication"},
    {"networks", "network"}, {"services", "service"}, {"devices", "device"}, {"intl", "international"},
    {"guoji", "international"}, {"xinxi", "information"}, {"kaifa", "development"}, {"zhineng", "intelligent"},
    {"jituan", "group"}, {"bandaoti", "semiconductor"}, {"jisuanji", "computer"}, {"yanjiusuo", "institute"},
    {"daxue", "university"}, {"zhizao", "manufacturing"}, {"mfg", "manufacturing"}, {"materials", "material"},
    {"instruments", "instrument"}, {"solutions", "solution"}, {"products", "product"}, {"trade", "trading"},
    {"maoyi", "trading"}, {"jicheng", "integrated"}, {"dianlu", "circuit"}, {"circuits", "circuit"},
    {"jisuan", "computing"}, {"sheji", "design"}, {"designs", "design"}, {"dev", "development"}, {"labs", "lab"},
    {"laboratories", "lab"}, {"laboratory", "lab"}, {"shiyanshi", "lab"}, {"touzi", "investment"}, {"xianjin", "advanced"}, {"investments", "investment"}};

const std::unordered_set<std::string_view> generic_words = {
    "technology", "information", "industry", "international", "group", "holding", "electronic", "science",
    "intelligent", "intelligence", "development", "trading", "semiconductor", "computing", "computer", "system",
    "network", "communication", "research", "institute", "university", "integrated", "circuit", "manufacturing",
    "microelectronics", "digital", "data", "cloud", "global", "service", "software", "equipment", "device",
    "capital", "investment", "import", "export", "enterprise", "industrial", "precision", "material",
    "engineering", "instrument", "design", "lab", "center", "centre", "advanced", "solution", "product", "new", "energy", "power", "optical", "micro", "smart",
    "china", "chinese"};
// Places: generic words that a party often adds to a name ("SMIC Beijing"), so they weigh little on both sides.
const std::unordered_set<std::string_view> place_words = {"china", "chinese", "beijing", "shanghai", "shenzhen", "hangzhou", "chengdu", "tianjin", "wuxi", "guangzhou",
    "nanjing", "wuhan", "suzhou", "hefei", "xian", "xiamen", "dongguan", "hong", "kong", "hk", "singapore",
    "taiwan", "asia", "pacific", "usa", "america", "europe", "national"};

bool ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ASCII text (already case-folded) into tokens: alphanumeric runs; "&" is "and"; apostrophes vanish; runs of
// single letters join ("s a" -> "sa", "a k a" -> "aka").
std::vector<std::string> ascii_tokens(const std::string& s) {
  std::vector<std::string> raw;
  std::string cur;
  for (char c : s) {
    if (ascii_alnum(c)) { cur += c; continue; }
    if (c == '\'') continue;
    if (!cur.empty()) raw.push_back(std::move(cur)), cur.clear();
    if (c == '&') raw.emplace_back("and");
  }
  if (!cur.empty()) raw.push_back(std::move(cur));
  std::vector<std::string> out;
  for (size_t i = 0; i < raw.size();) {
    if (raw[i].size() == 1 && raw[i][0] >= 'a' && i + 1 < raw.size() && raw[i + 1].size() == 1 && raw[i + 1][0] >= 'a') {
      std::string joined;
      while (i < raw.size() && raw[i].size() == 1 && raw[i][0] >= 'a') joined += raw[i++];
      out.push_back(std::move(joined));
    } else {
      out.push_back(std::move(raw[i++]));
    }
  }
  return out;
}

}  // namespace

bool generic_word(std::string_view token) { return generic_words.count(token) > 0 || place_words.count(token) > 0; }
bool place_word(std::string_view token) { return place_words.count(token) > 0; }

std::string canonical_word(const std::string& token) {
  auto it = same_word.find(token);
  return it == same_word.end() ? token : std::string(it->second);
}

std::string NormalName::key() const {
  std::string k;
  for (const auto& t : tokens) {
    if (!k.empty()) k += ' ';
    k += t;
  }
  return k;
}

struct Normalizer::Icu {
  const icu::Normalizer2* nfkc_cf = nullptr;
  std::unique_ptr<icu::Transliterator> han;      // Han-Latin/Names; Latin-ASCII
  std::unique_ptr<icu::Transliterator> other;    // Any-Latin; Latin-ASCII; made on first use (slow to build)
  std::unique_ptr<icu::BreakIterator> words;     // Chinese dictionary word breaks
  icu::UnicodeSet han_set;
  // Pinyin of the Chinese words seen (names repeat 有限公司, 科技, 北京 ...): Han-Latin is ICU's slow step. Bounded.
  std::unordered_map<std::u16string, icu::UnicodeString> pinyin_cache;
  static constexpr size_t pinyin_cache_max = 100000;

  const icu::UnicodeString& pinyin(const icu::UnicodeString& w) {
    std::u16string key(w.getBuffer(), static_cast<size_t>(w.length()));
    auto it = pinyin_cache.find(key);
    if (it != pinyin_cache.end()) return it->second;
    if (pinyin_cache.size() >= pinyin_cache_max) pinyin_cache.clear();
    icu::UnicodeString p(w);
    han->transliterate(p);
    p.findAndReplace(u" ", u"");
    return pinyin_cache.emplace(std::move(key), std::move(p)).first->second;
  }

  // Chinese text as words: each word's pinyin without inner spaces; runs of one-character words joined.
  icu::UnicodeString pinyin_words(const icu::UnicodeString& u) {
    words->setText(u);
    icu::UnicodeString out;
    icu::UnicodeString run;  // joined single-character Han words
    int run_chars = 0;
    bool after_word = false;  // the text so far ends with a Han word of several characters
    auto flush = [&] {
      if (run.isEmpty()) return;
      if (run_chars == 1 && after_word) {  // a lone character ends the word before it: 计算|机 -> "jisuanji"
        out.trim();
        out.append(run).append(u' ');
      } else {
        out.append(u' ').append(run).append(u' ');
      }
      run.remove(), run_chars = 0, after_word = false;
    };
    int32_t p = words->first();
    for (int32_t q = words->next(); q != icu::BreakIterator::DONE; p = q, q = words->next()) {
      icu::UnicodeString w(u, p, q - p);
      if (!han_set.containsSome(w)) {
        flush();
        out.append(w);
        after_word = false;
        continue;
      }
      int32_t chars = w.countChar32();
      w = pinyin(w);
      if (chars == 1) {
        run.append(w), ++run_chars;
      } else {
        flush();
        out.append(u' ').append(w).append(u' ');
        after_word = true;
      }
    }
    flush();
    return out;
  }
};

Normalizer::Normalizer() = default;

// ICU is set up the first time a name is not ASCII (creating the Han-Latin transliterator costs about 0.15 s of
// CPU: a Normalizer per thread that only ever sees ASCII names never pays it).
Normalizer::Icu& Normalizer::icu() const {
  if (!icu_) icu_ = make_icu();
  return *icu_;
}

std::unique_ptr<Normalizer::Icu> Normalizer::make_icu() {
  auto icu_ = std::make_unique<Icu>();
  UErrorCode st = U_ZERO_ERROR;
  icu_->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(st);
  icu_->han.reset(icu::Transliterator::createInstance("Han-Latin/Names; Latin-ASCII", UTRANS_FORWARD, st));
  icu_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale("zh"), st));
  icu_->han_set.applyPattern(u"[:Han:]", st);
  if (U_FAILURE(st) || !icu_->nfkc_cf || !icu_->han || !icu_->words)
    throw std::runtime_error(std::string("ICU set-up failed: ") + u_errorName(st));
  icu_->han_set.freeze();
  return icu_;
}

Normalizer::~Normalizer() = default;

NormalName Normalizer::normalize(std::string_view utf8) const {
  NormalName n;
  std::string ascii;
  bool plain = std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (plain) {  // the common case, without ICU: ASCII case folding is lower-casing, NFKC changes nothing
    ascii.assign(utf8);
    for (char& c : ascii) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  } else {
    Icu& ic = icu();
    UErrorCode st = U_ZERO_ERROR;
    icu::UnicodeString u = ic.nfkc_cf->normalize(
        icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))), st);
    if (U_FAILURE(st)) u.remove();
    if (ic.han_set.containsSome(u)) {
      u = ic.pinyin_words(u);
      n.transliterated = true;
    }
    bool ascii_now = true;
    for (int32_t k = 0; k < u.length() && ascii_now; ++k) ascii_now = u.charAt(k) < 0x80;
    if (!ascii_now && !ic.other) {
      UErrorCode st2 = U_ZERO_ERROR;
      ic.other.reset(icu::Transliterator::createInstance("Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, st2));
      if (U_FAILURE(st2) || !ic.other) throw std::runtime_error(std::string("ICU Any-Latin: ") + u_errorName(st2));
    }
    if (!ascii_now) ic.other->transliterate(u);
    u.toUTF8String(ascii);
  }
  std::vector<std::string> toks = ascii_tokens(ascii);
  std::vector<std::string> kept;
  for (size_t i = 0; i < toks.size(); ++i) {
    const std::string& t = toks[i];
    bool legal = legal_anywhere.count(t) || (i + 1 == toks.size() && i > 0 && legal_at_end.count(t));
    if (legal) n.legal_forms.push_back(t);
    else if (!stop_words.count(t)) kept.push_back(t);
  }
  if (kept.empty()) kept = toks;  // a name made only of such words keeps them
  for (auto& t : kept) {
    auto it = same_word.find(t);
    n.tokens.push_back(it == same_word.end() ? std::move(t) : std::string(it->second));
  }
  return n;
}

}  // namespace tollgate
