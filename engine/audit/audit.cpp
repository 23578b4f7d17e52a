// tollgate — batch audit (see audit.hpp). The pipeline:
//
//   reader thread ──batches of raw rows──▶ N workers ──entries + tallies, by batch index──▶ calling thread
//                                        (parse, judge, render,          (appends in index order, commits
//                                         hash; each its own cache)       every commit_rows with the position)
//
// Batches carry an index; the writer takes them strictly in order, so the store's rows, hashes and chain do not
// depend on the number of workers or on scheduling. The number of batches in flight is bounded, so memory is too.
#include "engine/audit/audit.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <set>
#include <thread>
#if defined(__linux__)
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <cstring>
#include <unordered_map>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "engine/base/date.hpp"
#include "engine/base/files.hpp"
#include "engine/base/country.hpp"
#include "engine/base/hash.hpp"
#include "engine/render/reasons.hpp"
#include "engine/render/render.hpp"
#include "engine/records/stream.hpp"

namespace tollgate {
namespace {

// CPU seconds of the calling thread (for TOLLGATE_AUDIT_STATS, where a run's time goes).
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
std::mutex stats_m;
std::string stats_text;
void note_cpu(const char* who) {
  if (!std::getenv("TOLLGATE_AUDIT_STATS")) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %.2f s CPU\n", thread_cpu());
  std::lock_guard lk(stats_m);
  stats_text += std::string(who) + buf;
}

using Clock = std::chrono::steady_clock;

// The deciding rule of each flagged decision read back from a store, named from its stored fired array (which the
// chain covers): the first fired verdict rule giving the listed verdict with the listed review, else the first
// giving the verdict (deciding_rule(), on what was stored). The citation is the stored one.
void name_deciding_rules(const Program& p, std::vector<Listed>& listed) {
  std::unordered_map<std::string_view, const Rule*> by_id;
  for (const Rule& r : p.rules) by_id.emplace(r.id, &r);
  for (Listed& l : listed) {
    auto fired = nlohmann::json::parse("{\"fired\":" + l.fired + "}", nullptr, false);
    l.fired.clear();
    if (fired.is_discarded()) continue;
    bool exact = false;
    for (const auto& f : fired["fired"]) {
      if (!f.is_object() || !f["rule"].is_string()) continue;
      auto it = by_id.find(f["rule"].get_ref<const std::string&>());
      if (it == by_id.end() || it->second->kind != RuleKind::verdict || to_string(it->second->verdict) != l.verdict)
        continue;
      const bool same_review = to_string(it->second->review) == l.review;
      if (!l.rule.empty() && (exact || !same_review)) continue;
      l.rule = it->first;
      l.citation = f["citation"].is_string() ? f["citation"].get<std::string>() : it->second->citation;
      exact = same_review;
    }
  }
}

// With a store, the single writer is the pipeline's narrowest part: when threads outnumber cores, the workers yield
// to it (a lower priority within the process; nothing is asked of the rest of the machine).
void lower_priority() {
#if defined(__linux__)
  static const int by = [] {
    const char* e = std::getenv("TOLLGATE_WORKER_NICE");
    return e ? std::atoi(e) : 10;
  }();
  int tid = static_cast<int>(syscall(SYS_gettid));
  errno = 0;
  int now = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (errno == 0) setpriority(PRIO_PROCESS, static_cast<id_t>(tid), std::min(19, now + by));
#endif
}

// Threads carry their role's name (top -H, perf --comm).
void name_thread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

InputFormat format_of(const std::string& path, const ReadOptions& read) {
  // Not records at all (binary, UTF-16 without a byte order mark, empty, a header alone): a file-level error, as in
  // check. Spreadsheet exports and .xlsx are read through decode.hpp.
  if (std::string why = input_file_problem(path, read); !why.empty()) throw std::runtime_error(why);
  InputFormat fmt = DecodedInput(path, nullptr, read).format();
  if (fmt == InputFormat::json)
    throw std::runtime_error("'" + path + "' is a JSON document; audit streams JSONL (one object per line) and CSV: "
                             "convert it with  jq -c '.[]' " + path + " > log.jsonl");
  return fmt;
}

// Counts by class, destination, month and chip, kept as numbers while records stream (a row adds to four array
// slots: no strings, no hashing); they become Tallies (dimension -> key -> tally, by name) once per commit.
constexpr size_t k_error_class = 255;
constexpr size_t k_no_destination = country_slots, k_unread_destination = country_slots + 1;
constexpr int k_no_month = -1;

struct Counts {
  std::array<Tally, 256> klass{};                     // by class; k_error_class: rejected records
  std::array<Tally, country_slots + 2> dest{};        // by country index; no destination; unread
  std::map<int, Tally> month;                         // by month_index(); k_no_month
  std::map<std::string, Tally, std::less<>> chip;     // by name, or (fab order), (inline spec), (error)
  // By note rule index: the decisions that carry that note (a decision counts under each of its notes, or none).
  std::map<int, Tally> note;
  bool any = false;

  void clear() {
    if (!any) return;
    klass.fill(Tally{});
    dest.fill(Tally{});
    month.clear();
    chip.clear();
    note.clear();
    any = false;
  }
  void add(const Counts& o) {
    if (!o.any) return;
    for (size_t i = 0; i < klass.size(); ++i) klass[i] += o.klass[i];
    for (size_t i = 0; i < dest.size(); ++i) dest[i] += o.dest[i];
    for (const auto& [k, t] : o.month) month[k] += t;
    for (const auto& [k, t] : o.chip) {
      auto it = chip.find(k);
      if (it == chip.end()) it = chip.emplace(k, Tally{}).first;
      it->second += t;
    }
    for (const auto& [k, t] : o.note) note[k] += t;
    any = true;
  }
  // Adds these counts to `t`, by name (notes by their rule id in `program`).
  void spread(Tallies& t, const Program& program) const {
    if (!any) return;
    auto dim = [&](const char* name) -> TallyMap& {
      auto d = t.find(std::string_view(name));
      if (d == t.end()) d = t.emplace(name, TallyMap{}).first;
      return d->second;
    };
    auto add = [](TallyMap& m, std::string_view key, const Tally& v) {
      auto k = m.find(key);
      if (k == m.end()) k = m.emplace(std::string(key), Tally{}).first;
      k->second += v;
    };
    TallyMap &all = dim("all"), &by_class = dim("classification"), &by_dest = dim("destination"),
             &by_month = dim("month"), &by_chip = dim("chip");
    Tally total;
    for (size_t i = 0; i < klass.size(); ++i)
      if (klass[i].total()) {
        total += klass[i];
        add(by_class, i == k_error_class ? "(error)" : klass_name(static_cast<int>(i)), klass[i]);
      }
    add(all, "total", total);
    for (size_t i = 0; i < dest.size(); ++i)
      if (dest[i].total())
        add(by_dest, i == k_no_destination ? std::string("(none)")
                     : i == k_unread_destination ? std::string("(unread)")
                                                 : country_code(static_cast<int>(i)), dest[i]);
    for (const auto& [m, v] : month) add(by_month, m == k_no_month ? std::string("(no date)") : format_month(m), v);
    for (const auto& [c, v] : chip) add(by_chip, c, v);
    if (!note.empty()) {
      TallyMap& by_note = dim("note");
      for (const auto& [r, v] : note) add(by_note, program.rules[static_cast<size_t>(r)].id, v);
    }
  }
};

void bump(Tally& t, int slot, int64_t fee) {
  ++t.n[slot];
  t.fee_cents += fee;
}

// What the reader read of one input: the SHA-256 and number of the bytes it read, and the file's size once it had
// read them. A run's identity is the bytes it read: they must be the bytes its key was made of.
struct InputRead {
  uint32_t file = 0;
  std::string sha256;
  uint64_t bytes = 0, size_now = 0;
};

// An input opened for the reader (with a store), hashing every byte it reads, once, and reading no further than the
// size the run saw at its start. Seeking ahead (a resumed run) hashes the bytes skipped; finish() reads and hashes
// whatever the reader left, and says what was read.
class HashedInput {
 public:
  HashedInput(const std::string& path, uint64_t limit) : path_(path), limit_(limit) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
    cookie_io_functions_t io{&HashedInput::read, nullptr, &HashedInput::seek, nullptr};
    file_ = fopencookie(this, "rb", io);
    if (!file_) {
      ::close(fd_);
      throw std::runtime_error("cannot read '" + path + "'");
    }
  }
  ~HashedInput() {
    std::fclose(file_);
    ::close(fd_);
  }
  HashedInput(const HashedInput&) = delete;
  HashedInput& operator=(const HashedInput&) = delete;
  std::FILE* file() { return file_; }
  std::shared_ptr<InputRead> finish(uint32_t file) {
    hash_to(limit_);
    auto out = std::make_shared<InputRead>();
    out->file = file;
    out->bytes = hashed_;
    out->sha256 = to_hex(hash_.final());
    struct stat st {};
    out->size_now = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
    return out;
  }

 private:
  // Hashes the file from where the hash stopped to `to` (or the file's end, if it now ends before).
  bool hash_to(uint64_t to) {
    std::string buf;
    while (hashed_ < to) {
      buf.resize(std::min<uint64_t>(1 << 20, to - hashed_));
      ssize_t got = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(hashed_));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      hash_.update(std::string_view(buf.data(), static_cast<size_t>(got)));
      hashed_ += static_cast<uint64_t>(got);
    }
    return true;
  }
  static ssize_t read(void* cookie, char* buf, size_t n) {
    auto* self = static_cast<HashedInput*>(cookie);
    if (self->pos_ >= self->limit_) return 0;
    if (self->pos_ > self->hashed_ && !self->hash_to(self->pos_)) return 0;  // the file ends before: cut short
    n = static_cast<size_t>(std::min<uint64_t>(n, self->limit_ - self->pos_));
    ssize_t got;
    do got = ::pread(self->fd_, buf, n, static_cast<off_t>(self->pos_));
    while (got < 0 && errno == EINTR);
    if (got <= 0) return got;
    uint64_t end = self->pos_ + static_cast<uint64_t>(got);
    if (end > self->hashed_) {
      self->hash_.update(std::string_view(buf + (self->hashed_ - self->pos_), end - self->hashed_));
      self->hashed_ = end;
    }
    self->pos_ = end;
    return got;
  }
  static int seek(void* cookie, off64_t* off, int whence) {
    auto* self = static_cast<HashedInput*>(cookie);
    int64_t to = whence == SEEK_SET ? *off : whence == SEEK_CUR ? static_cast<int64_t>(self->pos_) + *off : -1;
    if (to < 0) return -1;  // SEEK_END is not needed by the reader
    self->pos_ = static_cast<uint64_t>(to);
    *off = to;
    return 0;
  }

  std::string path_;
  uint64_t limit_, pos_ = 0, hashed_ = 0;
  int fd_ = -1;
  std::FILE* file_ = nullptr;
  Sha256Stream hash_;
};

struct Batch {
  uint64_t index = 0;
  uint32_t file = 0;
  InputFormat fmt = InputFormat::csv;
  const std::vector<std::string>* header = nullptr;  // owned by the reader, alive until the run ends
  uint64_t header_id = 0;
  std::string text;                                  // the rows, back to back
  struct Row {
    size_t at, size;
    uint64_t line;
  };
  std::vector<Row> rows;
  std::string header_error;  // a CSV file whose header cannot be read: one reject, no rows
  uint64_t header_line = 0;
  TraceStore::Position end;  // where to continue after this batch
  uint64_t bytes = 0;        // input bytes this batch covers (progress)
  std::shared_ptr<InputRead> input_read;  // the last batch of an input read with a store: what was read of it
};

// A batch's entries. Results are recycled (writer -> pool -> workers) with their strings' capacity, so that the
// steady state allocates nothing and no thread frees what another allocated (measured: glibc's arena locks cost
// a tenth of the time otherwise).
struct Result {
  std::vector<Entry> entries;  // the first `used` are this batch's (without a store: only those the summary lists)
  size_t used = 0;
  std::string texts;                    // the entries' texts, back to back (Entry::TextRef)
  uint64_t decisions = 0, rejects = 0;  // records of this batch
  Counts delta;
  TraceStore::Position end;
  uint64_t bytes = 0;
  uint64_t rows_in = 0;  // rows the batch brought (a CSV header that cannot be read: one); decisions + rejects
  std::shared_ptr<InputRead> input_read;
};

// A bounded hand-off between threads.
template <class T>
class Queue {
 public:
  explicit Queue(size_t cap) : cap_(cap) {}
  bool push(T v) {
    std::unique_lock lk(m_);
    not_full_.wait(lk, [&] { return q_.size() < cap_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(v));
    not_empty_.notify_one();
    return true;
  }
  bool pop(T& v) {
    std::unique_lock lk(m_);
    not_empty_.wait(lk, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    v = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lk(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  size_t cap_;
  bool closed_ = false;
};

// Results by batch index, taken in order.
class Reorder {
 public:
  void put(uint64_t index, std::unique_ptr<Result> r) {
    std::lock_guard lk(m_);
    done_.emplace(index, std::move(r));
    cv_.notify_all();
  }
  // Waits for batch `index`; false if the producers finished (or failed) without it.
  bool take(uint64_t index, std::unique_ptr<Result>& r) {
    std::unique_lock lk(m_);
    cv_.wait(lk, [&] { return done_.count(index) || finished_; });
    auto it = done_.find(index);
    if (it == done_.end()) return false;
    r = std::move(it->second);
    done_.erase(it);
    return true;
  }
  void finish() {
    std::lock_guard lk(m_);
    finished_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::map<uint64_t, std::unique_ptr<Result>> done_;
  bool finished_ = false;
};

Tally& at(Tallies& t, const char* dim, std::string_view key) {
  auto d = t.find(std::string_view(dim));
  if (d == t.end()) d = t.emplace(dim, TallyMap{}).first;
  auto k = d->second.find(key);
  if (k == d->second.end()) k = d->second.emplace(std::string(key), Tally{}).first;
  return k->second;
}

void merge(Tallies& into, const Tallies& from) {
  for (const auto& [dim, keys] : from)
    for (const auto& [key, t] : keys) at(into, dim.c_str(), key) += t;
}

// Without a store, the writer keeps the summary's first list_limit flagged records and rejects; once a list is full
// it says so, and workers stop preparing entries for it.
struct ListsFull {
  std::atomic<bool> flagged{false}, rejects{false};
};

class Worker {
 public:
  Worker(const Program& p, const Catalog& c, const AuditOptions& o, const ListsFull& full)
      : p_(p), catalog_(c), o_(o), full_(full), store_(!o.db.empty()), chip_names_{"(fab order)", "(inline spec)", "(error)"},
        chip_counts_(3) {
    if (o.parties) parties_ = std::make_unique<PartyScreen>(o.parties, store_);  // no store: verdicts only
    for (size_t i = 0; i < p_.rules.size(); ++i)
      if (p_.rules[i].kind == RuleKind::note) note_rules_[i / 64] |= uint64_t{1} << (i % 64);
  }

  void run(const Batch& b, Result& out) {
    out.used = 0;
    if (out.texts.capacity() > (8u << 20)) std::string().swap(out.texts);  // a rare huge batch does not stay
    out.texts.clear();
    out.decisions = out.rejects = 0;
    listed_flagged_ = listed_rejects_ = 0;
    out.delta.clear();
    out.delta.any = true;
    judge(b, out);
    // Months and chips were counted here by number; the batch's counts carry them by key.
    for (size_t id : chips_touched_) {
      out.delta.chip.emplace(chip_names_[id], chip_counts_[id]);
      chip_counts_[id] = Tally{};
    }
    chips_touched_.clear();
    for (const auto& [m, t] : months_) out.delta.month.emplace(m, t);
    months_.clear();
    last_month_ = nullptr;
  }

  const ReasonsCache& reasons() const { return reasons_; }

 private:
  static Entry& next(Result& out) {
    if (out.used == out.entries.size()) out.entries.emplace_back();
    Entry& e = out.entries[out.used++];
    e.reject = false;
    e.rulesets_key = nullptr;
    e.fee_total_cents = 0;
    e.rule = -1;
    e.id = e.as_of = e.subject = e.fees = e.rulesets = TextRef{};
    e.code = e.field = e.message = e.raw = e.json = TextRef{};
    e.screening = {};  // (its owner, screening_keep, is replaced only when it changes)
    return e;
  }
  static TextRef put(Result& out, std::string_view s) {
    TextRef r{static_cast<uint32_t>(out.texts.size()), static_cast<uint32_t>(s.size())};
    out.texts.append(s);
    return r;
  }

  // Counting a record: its class, destination, month and chip.
  void tally(Counts& c, size_t klass, size_t dest, const Record& r, size_t chip, int slot, int64_t fee) {
    bump(c.klass[klass], slot, fee);
    bump(c.dest[dest], slot, fee);
    if (!r.has_date) {
      bump(months_[k_no_month], slot, fee);
    } else {
      if (r.date != last_day_ || !last_month_) {
        last_day_ = r.date;
        last_month_ = &months_[month_index(r.date)];
      }
      bump(*last_month_, slot, fee);
    }
    if (!chip_counts_[chip].total()) chips_touched_.push_back(chip);
    bump(chip_counts_[chip], slot, fee);
  }
  static size_t destination_key(const Record& r) {
    return r.facts.has(s_destination) ? static_cast<size_t>(r.facts.num[s_destination]) : k_no_destination;
  }
  enum : size_t { chip_fab_order, chip_inline, chip_error };
  size_t chip_key(const Record& r) {
    if (r.kind == RecordKind::fab_order) return chip_fab_order;
    if (!r.facts.has_text(t_chip_name)) return chip_inline;
    std::string_view name = r.facts.text(t_chip_name);
    auto it = chip_ids_.find(name);
    if (it != chip_ids_.end()) return it->second;
    size_t id = chip_names_.size();
    chip_names_.emplace_back(name);
    chip_counts_.emplace_back();
    chip_ids_.emplace(std::string(name), id);
    return id;
  }

  // The as-of date's text, kept from the record before (a log's records come in date order).
  const std::string& as_of_text(Day day) {
    if (day != as_of_day_ || as_of_text_.empty()) {
      as_of_day_ = day;
      as_of_text_ = format_date(day);
    }
    return as_of_text_;
  }

  void judge(const Batch& b, Result& out) {
    hashes_.clear();  // (decisions of a batch whose judging threw: that batch is not written)
    out.end = b.end;
    out.bytes = b.bytes;
    out.input_read = b.input_read;
    out.rows_in = b.header_error.empty() ? b.rows.size() : 1;
    if (!b.header_error.empty()) {
      Record r;
      r.line = b.header_line;
      reject(out, b.file, r, "input", "tollgate.input.csv", "",
             "bad CSV header: " + b.header_error + "; no row of this file could be read", "");
      return;
    }
    auto read_at = [&](size_t k, Record& into) {
      const auto& row = b.rows[k];
      read_row(b.fmt, *b.header, b.header_id, std::string_view(b.text.data() + row.at, row.size), row.line,
               &catalog_, store_, into);
    };
    // With --lists, each row is read one step ahead of its judging, and the cache lines its parties' screening will
    // read are fetched while the row before it is judged (PartyScreen::Ahead): the names' table slots when the row
    // is read, the parties' evaluations once the row before is evaluated, their stored parts while the row before's
    // decision is hashed. (Two rows ahead was measured too, and was no faster: docs/screening.md §7.)
    const size_t n = b.rows.size();
    auto read_ahead = [&](size_t k) {
      Record& into = ring_[k % ring_.size()];
      PartyScreen::Ahead& a = ahead_[k % ring_.size()];
      read_at(k, into);
      a.roles = 0;
      if (into.ok) parties_->ahead_slots(into.facts, into.kind, a);
    };
    if (parties_ && n) {
      read_ahead(0);
      parties_->ahead_evals(ahead_[0]);
    }
    for (size_t k = 0; k < n; ++k) {
      const auto& row = b.rows[k];
      std::string_view text(b.text.data() + row.at, row.size);
      PartyScreen::Ahead* ahead_next = parties_ && k + 1 < n ? &ahead_[(k + 1) % ring_.size()] : nullptr;
      if (ahead_next) read_ahead(k + 1);
      if (!parties_) read_at(k, rec_);
      Record& r = parties_ ? ring_[k % ring_.size()] : rec_;
      if (!r.ok) {  // (a row a rewriting reader rejected keeps the row it read, not the line that carried it)
        reject(out, b.file, r, "input", r.error.code, r.error.field, r.error.message,
               r.rewriter_reject ? std::string_view(r.rejected_raw) : text);
        continue;
      }
      if (!o_.as_of && !r.has_date) {
        reject(out, b.file, r, "input", "tollgate.input.missing", "date",
               "the record has no date and no --as-of was given", text);
        continue;
      }
      Day day = o_.as_of ? *o_.as_of : r.date;
      Decision d = evaluate(p_, r.facts, r.base_cents, day, EvalOptions{o_.include_proposed, o_.include_unenforced}, &cache_);
      if (ahead_next) parties_->ahead_evals(*ahead_next);
      const PartyOutcome* screened =
          parties_ ? &parties_->apply(r.facts, r.kind, day, d, &ahead_[k % ring_.size()]) : nullptr;
      if (d.failed) {
        reject(out, b.file, r, "evaluation", d.error().code, d.error().field, d.error().message, text);
        continue;
      }
      ++out.decisions;
      tally(out.delta, static_cast<size_t>(d.klass), destination_key(r), r, chip_key(r), verdict_slot(d.verdict),
            d.fee_total_cents);
      for (size_t w = 0; w < note_rules_.size(); ++w)  // the notes it carries (`notes`, docs/records.md), by rule
        for (uint64_t bits = d.fired[w] & note_rules_[w]; bits; bits &= bits - 1)
          bump(out.delta.note[static_cast<int>(w * 64) + std::countr_zero(bits)], verdict_slot(d.verdict),
               d.fee_total_cents);
      // Without a store, only what the summary lists is kept: records that need a licence or are prohibited.
      bool flagged = d.verdict >= Verdict::license_required;
      if (!store_ && (!flagged || full_.flagged.load(std::memory_order_relaxed) || listed_flagged_++ >= o_.list_limit))
        continue;
      Entry& e = next(out);
      e.file = b.file;
      e.line = r.line;
      e.id = put(out, r.id);
      e.type = to_string(r.kind);
      e.as_of = put(out, as_of_text(day));
      record_subject_into(subject_, r);
      e.subject = put(out, subject_);
      e.classification = klass_name(d.klass);
      e.verdict = to_string(d.verdict);
      e.review = to_string(d.review);
      e.exception = to_string(d.exception);
      e.fee_total_cents = d.fee_total_cents;
      if (!store_) e.rule = deciding_rule(p_, d);  // (with a store, named from the stored fired array at the end)
      // Without a store nothing is rendered or hashed: verdicts and tallies only.
      if (store_) keep(out, e, r, d, day, screened, ahead_next);
    }
    hash_decisions(out);
  }

  // The stored parts of decision `d` of record `r` into entry `e`: its input's hash, its fired rules, its fees and
  // rulesets, its screening member's parts; its JSON rendered for hashing with the next decisions' (e.sha then).
  void keep(Result& out, Entry& e, const Record& r, const Decision& d, Day day, const PartyOutcome* screened,
            const PartyScreen::Ahead* ahead_next) {
    JsonLayout layout;
    e.input_sha = sha256(r.canonical);
    // The fired rules' reasons depend only on the rules in force, the class and the facts the rules read:
    // rendered once per such combination (a log repeats them) and reused (engine/render/reasons.hpp).
    const ReasonsCache::Reasons& reasons = reasons_.get(r, d, day);
    auto rs = rulesets_text_.find(d.active);
    // The screening member follows the notes; the store keeps it in its parts (each party's evidence once).
    // The JSON is hashed with the next decisions' (Sha256Batch: several at once), its digest put in e.sha then.
    std::string& json = hashes_.next();
    decision_json_into(json, p_, r, d, &layout, reasons.text.get(), &e.input_sha,
                       rs != rulesets_text_.end() ? &rs->second : nullptr,
                       screened ? screened->pieces() : std::array<std::string_view, 6>{});
    hashes_.add(out.used - 1);
    if (screened && ahead_next) parties_->ahead_texts(*ahead_next);  // (while this decision is copied)
    if (screened) {
      e.screening = screened->parts;
      e.screening_serials = screened->serials;
      if (e.screening_keep != screened->keep) e.screening_keep = screened->keep;  // (rarely: no refcount per row)
    }
    auto part = [&](size_t from, size_t end) { return put(out, std::string_view(json).substr(from, end - from)); };
    e.fees = part(layout.fees_begin, layout.fees_end);
    e.fired = reasons.text;
    e.fired_sha = reasons.sha;
    // The rulesets array is the same for every record judged in one stretch of time: send its text only the
    // first time this worker meets that stretch (the writer then knows it by its key).
    if (rs == rulesets_text_.end()) {
      e.rulesets = part(layout.rulesets_begin, layout.rulesets_end);
      rulesets_text_.emplace(d.active, std::string(e.rulesets.in(out.texts.data())));
    }
    e.rulesets_key = d.active;
    if (hashes_.full()) hash_decisions(out);
  }

  // The decisions rendered since the last call get their SHA-256 (e.sha), several hashed at once.
  void hash_decisions(Result& out) {
    hashes_.flush([&](size_t entry, const Sha256& sha) { out.entries[entry].sha = sha; });
  }

  void reject(Result& out, uint32_t file, const Record& r, const char* stage, const std::string& code,
              const std::string& field, const std::string& message, std::string_view raw) {
    ++out.rejects;
    tally(out.delta, k_error_class, r.ok ? destination_key(r) : k_unread_destination, r, chip_error, Tally::error, 0);
    if (!store_ && (full_.rejects.load(std::memory_order_relaxed) || listed_rejects_++ >= o_.list_limit)) return;
    Entry& e = next(out);
    e.reject = true;
    e.file = file;
    e.line = r.line;
    e.id = put(out, r.id);
    e.stage = stage;
    e.code = put(out, code);
    e.field = put(out, field);
    e.message = put(out, message);
    if (!store_) return;  // the summary lists it; only the store keeps the raw row, the error's JSON and its hash
    std::string json = error_json(r, code, field, message);
    e.raw = put(out, raw);
    e.json = put(out, json);
    e.sha = sha256(json + "\n" + std::string(raw));
  }

  const Program& p_;
  std::array<uint64_t, max_rules / 64> note_rules_{};  // bit per rule index: a note rule
  const Catalog& catalog_;
  const AuditOptions& o_;
  const ListsFull& full_;
  bool store_;
  Record rec_;
  std::array<Record, 2> ring_;               // with --lists: the row being judged and the next, by row % 2
  std::array<PartyScreen::Ahead, 2> ahead_;  // their parties looked up ahead
  std::unordered_map<const void*, std::string> rulesets_text_;  // by stretch of time; sent once to the writer
  ReasonsCache reasons_{p_};
  std::string subject_;
  ClassCache cache_;
  std::unique_ptr<PartyScreen> parties_;  // with --lists: this worker's screener (its caches are its own)
  Sha256Batch hashes_;  // the decisions' JSON, hashed a few dozen at a time
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, SvHash, std::equal_to<>> chip_ids_;
  std::vector<std::string> chip_names_;
  std::vector<Tally> chip_counts_;  // by chip id, this batch
  std::vector<size_t> chips_touched_;
  std::map<int, Tally> months_;     // this batch
  Day last_day_ = -1, as_of_day_ = -1;
  Tally* last_month_ = nullptr;     // months_'s slot for last_day_
  std::string as_of_text_;
  size_t listed_flagged_ = 0, listed_rejects_ = 0;  // of this batch, without a store
};

}  // namespace

int AuditSummary::exit_code() const {
  auto all = tallies.find(std::string_view("all"));
  Tally t;
  if (all != tallies.end()) {
    auto k = all->second.find(std::string_view("total"));
    if (k != all->second.end()) t = k->second;
  }
  if (t.n[Tally::prohibited]) return 4;
  if (t.n[Tally::error]) return 2;
  if (t.n[Tally::license_required]) return 3;
  return 0;
}

std::string audit_run_key(const Program& program, const std::string& catalog_sha256, const AuditOptions& o,
                          const std::vector<InputInfo>& inputs) {
  nlohmann::ordered_json j;
  j["engine"] = engine_version;
  for (const auto& rs : program.rulesets) j["rulesets"].push_back({rs.id, rs.sha256});
  j["catalog"] = catalog_sha256;
  j["as_of"] = o.as_of ? format_date(*o.as_of) : "";
  j["include_proposed"] = o.include_proposed;
  if (o.include_unenforced) j["include_unenforced"] = true;  // (absent when false: earlier runs keep their keys)
  if (o.parties) {  // (absent without --lists, likewise)
    for (const auto& l : o.parties->lists) j["lists"].push_back(l.sha256);
    j["resolutions"] = o.parties->resolutions ? o.parties->resolutions->sha256 : "";
  }
  for (const auto& in : inputs) j["inputs"].push_back(in.sha256);
  // How each input is read, CSV or JSON lines (by its name and first bytes): the same bytes read the other way are
  // other records, never "already audited" (listed when one is not CSV: earlier CSV runs keep their keys).
  if (std::any_of(inputs.begin(), inputs.end(), [](const InputInfo& in) { return in.format != InputFormat::csv; }))
    for (const auto& in : inputs) j["formats"].push_back(in.format == InputFormat::csv ? "csv" : "jsonl");
  // How the inputs are read (absent when plain: earlier runs keep their keys).
  if (o.read.columns) j["columns_sha256"] = o.read.columns->sha256;
  if (o.read.decimal_comma) j["decimal_comma"] = true;
  if (!o.read.sheet.empty()) j["sheet"] = o.read.sheet;
  return sha256_hex(j.dump());
}

namespace {
std::string group_digits_(uint64_t n) {
  std::string d = std::to_string(n), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return out;
}

uint64_t tally_total(const Tallies& t) {
  auto all = t.find(std::string_view("all"));
  if (all == t.end()) return 0;
  auto k = all->second.find(std::string_view("total"));
  return k == all->second.end() ? 0 : k->second.total();
}

// Thrown by the writer when a speculative start turns out wrong (see AuditRun::open_store).
struct SpeculationFailed {};
// Thrown by the writer when an input's bytes as read are not those the run is keyed by.
struct InputChanged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the reader, the workers and the writer share while a run's rows flow through the pipeline.
struct Pipeline {
  explicit Pipeline(unsigned n) : jobs(n), in_flight(1 + static_cast<size_t>(n)), work(in_flight), workers_left(n) {}
  unsigned jobs;
  // Batches queued for the workers; six times that read but not yet written (measured: a smaller window makes the
  // writer wait for the batch next in order while later ones are done).
  const size_t in_flight;
  Queue<std::shared_ptr<Batch>> work;
  Reorder done;
  std::atomic<uint64_t> window{0};  // batches read but not yet written: bounds memory
  std::mutex window_m;
  std::condition_variable window_cv;
  std::atomic<bool> stop{false};
  std::string reader_error;
  std::atomic<uint64_t> batches_total{UINT64_MAX};
  std::vector<std::unique_ptr<std::vector<std::string>>> headers;  // CSV headers, one per input read
  std::mutex pool_m;
  std::vector<std::unique_ptr<Result>> pool;  // results recycled by the writer for the workers
  ListsFull lists_full;
  std::atomic<unsigned> workers_left;
  std::mutex worker_error_m;
  std::string worker_error;
  std::thread reader;
  std::vector<std::thread> workers;
};

// One audit, in its stages: describe the inputs, open or resume the store, start the reader and the workers, write
// the results in order, finish the run. run() calls them in that order.
class AuditRun {
 public:
  AuditRun(const Program& program, const Catalog& catalog, const std::string& catalog_sha256, const AuditOptions& o,
           bool may_speculate)
      : program_(program), catalog_(catalog), catalog_sha256_(catalog_sha256), o_(o), may_speculate_(may_speculate) {}
  ~AuditRun() {
    if (hasher_.joinable()) hasher_.join();
  }
  AuditSummary run();

 private:
  void describe_inputs();
  bool open_store();  // true: the same audit is already complete in the store, and sum_ reports it
  void start_hashing();
  bool look_up_run();  // true: already complete
  void begin_new_run();
  void ensure_run();
  void start_reader(Pipeline& p);
  bool read_input(Pipeline& p, uint32_t f, uint64_t& index);  // false: the pipeline stopped
  void start_workers(Pipeline& p);
  void work(Pipeline& p);
  bool write_in_order(Pipeline& p);  // false: the speculative start was wrong; nothing was written
  void take(Pipeline& p, Result& r);
  void list_unstored(Pipeline& p, const Result& r);
  void commit();
  void check_input_read(const InputRead& got);
  void refuse_changed_resume();
  AuditSummary finish_run(Pipeline& p);

  const Program& program_;
  const Catalog& catalog_;
  const std::string& catalog_sha256_;
  const AuditOptions& o_;
  bool may_speculate_;
  Clock::time_point t0_ = Clock::now();
  AuditSummary sum_;
  uint64_t total_bytes_ = 0;
  std::unique_ptr<TraceStore> store_;
  TraceStore::Position start_;
  // Speculation (see open_store): the inputs hashed on another thread while judging starts.
  std::thread hasher_;
  std::string hash_error_;
  bool speculative_ = false, run_ready_ = true;
  // The writer's state: counts since the last commit, where the run continues, progress.
  Counts counted_;
  Tallies delta_;
  TraceStore::Position pos_;
  uint64_t pending_rows_ = 0, commits_ = 0, bytes_done_ = 0;
  Clock::time_point last_commit_, last_progress_, pipeline0_, pipeline1_;
  Clock::duration writer_waited_{};
};

// The inputs' formats and sizes (a JSON document is refused before anything is stored), the rulesets and options.
void AuditRun::describe_inputs() {
#if defined(__GLIBC__)
  // Batches are allocated and freed all run long: keep the memory instead of returning it to the system and
  // faulting it back in (measured: a tenth of the time went to page faults). (glibc's malloc only: a no-op where
  // the program is linked with jemalloc, CMakeLists.txt, whose arenas keep their memory themselves.)
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
  sum_.engine = engine_version;
  sum_.db = o_.db;
  if (o_.inputs.empty()) throw std::runtime_error("no input logs given");
  // Each log once: a log given twice (or through another path or link) would have its records judged, stored and
  // counted twice.
  if (std::string dup = duplicate_input(o_.inputs); !dup.empty()) throw std::runtime_error(dup);
  for (const auto& path : o_.inputs) {
    // Standard input and pipes cannot be audited: a log is read twice (its format first, then its rows), hashed and
    // measured (the run's key, the progress bar, --resume), which a stream does not allow.
    const char* stream_advice = ": save it to a file and audit that, or judge a stream with `tollgate check -`";
    if (path == "-")
      throw std::runtime_error(std::string("audit reads log files, not standard input ('-'): it measures, hashes and "
                                           "can resume its inputs") + stream_advice);
    std::error_code fec;
    const auto st = std::filesystem::status(path, fec);
    if (!fec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
      throw std::runtime_error("'" + path + "' is not a regular file (" +
                               (std::filesystem::is_directory(st) ? "a folder" : "a pipe, socket or device") +
                               "): audit reads log files, which it measures, hashes and can resume" + stream_advice);
    InputInfo in;
    in.path = path;
    {
      // The format first, so that a JSON document is refused before anything is stored.
      std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "rb"), &std::fclose);
      if (!fp) throw std::runtime_error("cannot read '" + path + "'");
      in.format = format_of(path, o_.read);
    }
    // With a store, the inputs' hashes key the run (the same audit is found, an interrupted one resumed) and the
    // store keeps them: open_store. Without one, nothing is hashed: verdicts and tallies only (hashing the input was
    // a seventh of such a run).
    std::error_code ec;
    in.bytes = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error("cannot read '" + path + "': " + ec.message());
    total_bytes_ += in.bytes;
    sum_.inputs.push_back(in);
  }
  for (const auto& rs : program_.rulesets) sum_.rulesets.emplace_back(rs.id, rs.sha256);
  nlohmann::ordered_json opts;
  opts["as_of"] = o_.as_of ? nlohmann::ordered_json(format_date(*o_.as_of)) : nlohmann::ordered_json(nullptr);
  opts["include_proposed"] = o_.include_proposed;
  if (o_.include_unenforced) opts["include_unenforced"] = true;
  if (o_.parties) opts["screening"] = nlohmann::ordered_json::parse("{" + o_.parties->lists_json + "}");
  if (o_.read.columns) opts["columns"] = {{"path", o_.read.columns->path}, {"sha256", o_.read.columns->sha256}};
  if (o_.read.decimal_comma) opts["decimal_comma"] = true;
  if (!o_.read.sheet.empty()) opts["sheet"] = o_.read.sheet;
  sum_.options_json = opts.dump();
}

// Records a new run (status running) in the store.
void AuditRun::begin_new_run() {
  RunRecord r;
  r.run_key = sum_.run_key;
  r.engine = engine_version;
  nlohmann::ordered_json rs = nlohmann::ordered_json::array();
  for (const auto& [id, sha] : sum_.rulesets) rs.push_back({{"id", id}, {"sha256", sha}});
  r.rulesets = rs.dump();
  r.catalog_sha256 = catalog_sha256_;
  nlohmann::ordered_json ins = nlohmann::ordered_json::array();
  for (const auto& in : sum_.inputs) ins.push_back({{"path", in.path}, {"sha256", in.sha256}, {"bytes", in.bytes}});
  r.inputs = ins.dump();
  r.options = sum_.options_json;
  r.started_at = sum_.started_at;
  sum_.run = store_->begin_run(r);
}

// Speculation: hashing the inputs takes a while (0.9 s for a 10-million-row log) and only then is it known whether
// this audit is new. When no run in the store has inputs of these very sizes, it cannot be an earlier one (the same
// bytes have the same size): judging starts at once, from the start, while a thread hashes the inputs; the writer
// waits for the hash before it writes anything (ensure_run). Should the hash still match a run, the speculative
// work is dropped and the audit starts over the careful way.
void AuditRun::start_hashing() {
  sum_.started_at = utc_now();
  hasher_ = std::thread([this] {
    name_thread("tollgate-hash");
    try {
      for (auto& in : sum_.inputs) in.sha256 = sha256_file(in.path);  // (the reader reads path and bytes only)
    } catch (const std::exception& e) {
      hash_error_ = e.what();
    }
    note_cpu("hasher");
  });
}

// The careful way: hash the inputs, then find this audit's earlier run. Reports a complete one (true), resumes an
// interrupted one with --resume (refuses without it), or begins a new run.
bool AuditRun::look_up_run() {
  for (auto& in : sum_.inputs) in.sha256 = sha256_file(in.path);
  sum_.run_key = audit_run_key(program_, catalog_sha256_, o_, sum_.inputs);
  auto prior = store_->find_run(sum_.run_key);
  if (prior) store_->check_sealed(prior->run);  // what is reported or resumed is what the chain sealed
  if (!prior && o_.resume) refuse_changed_resume();
  if (prior && prior->status == "complete") {
    // The same audit (same rules, catalog, options and input bytes) is already in the store: report it.
    sum_.run = prior->run;
    sum_.reused = true;
    sum_.started_at = prior->started_at;
    sum_.finished_at = prior->finished_at;
    sum_.head = prior->head;
    sum_.seal = store_->last_seal(prior->run);
    sum_.tallies = store_->tallies(prior->run);
    sum_.flagged = store_->flagged(prior->run, o_.list_limit);
    name_deciding_rules(program_, sum_.flagged);
    sum_.rejects = store_->rejected(prior->run, o_.list_limit);
    sum_.decisions = prior->decisions;
    sum_.rejected = prior->rejects;
    sum_.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    return true;
  }
  if (prior && !o_.resume)
    throw std::runtime_error("run " + std::to_string(prior->run) + " of this same audit was interrupted after " +
                             std::to_string(prior->decisions + prior->rejects) + " records; add --resume to finish it");
  if (prior) {
    sum_.run = prior->run;
    sum_.resumed = true;
    sum_.started_at = prior->started_at;
    sum_.tallies = store_->tallies(prior->run);
    sum_.decisions = prior->decisions;
    sum_.rejected = prior->rejects;
    start_ = {prior->next_file, prior->next_offset, prior->next_line};
  } else {
    sum_.started_at = utc_now();
    begin_new_run();
  }
  return false;
}

// --resume, and no run of this very audit: if an interrupted run of the same inputs exists, its inputs (or rules,
// catalog, options) changed since; finishing it with other bytes, or starting over beside it, would store rows that
// no one read or store them twice. Refused, with what changed.
void AuditRun::refuse_changed_resume() {
  std::vector<std::string> paths;
  for (const auto& in : sum_.inputs) paths.push_back(in.path);
  for (const RunRecord& r : store_->runs()) {
    if (r.status != "running") continue;
    auto ins = nlohmann::json::parse(r.inputs, nullptr, false);
    std::vector<std::string> theirs;
    for (const auto& in : ins) theirs.push_back(in.is_object() ? in.value("path", "") : "");
    if (theirs != paths) continue;
    std::string what;
    for (size_t i = 0; i < paths.size() && what.empty(); ++i) {
      std::string sha = ins[i].value("sha256", "");
      if (sha != sum_.inputs[i].sha256)
        what = "'" + paths[i] + "' had " + group_digits_(ins[i].value("bytes", uint64_t{0})) + " bytes with SHA-256 " +
               sha + " and has " + group_digits_(sum_.inputs[i].bytes) + " bytes with SHA-256 " +
               sum_.inputs[i].sha256 + " now";
    }
    if (what.empty()) what = "the rules, the catalog or the options differ from that run's";
    throw std::runtime_error("--resume: run " + std::to_string(r.run) + " of these inputs was interrupted after " +
                             std::to_string(r.decisions + r.rejects) + " records, but " + what +
                             ": it cannot be finished with what is there now. Restore the inputs as they were to "
                             "resume it, or audit without --resume (a new run), or into another store");
  }
}

// Stage 1: open or resume the store (nothing to do without one).
bool AuditRun::open_store() {
  if (o_.db.empty()) {
    sum_.started_at = utc_now();
    return false;
  }
  store_ = std::make_unique<TraceStore>(o_.db, TraceStore::Mode::write);
  store_->check_all_sealed();  // never append to a store whose earlier runs were altered (found by a new user)
  std::vector<uint64_t> sizes;
  for (const auto& in : sum_.inputs) sizes.push_back(in.bytes);
  speculative_ = may_speculate_ && !o_.resume && (o_.force_speculation || !store_->has_run_with_input_sizes(sizes));
  run_ready_ = !speculative_;
  if (speculative_) {
    start_hashing();
    return false;
  }
  return look_up_run();
}

// With a speculative start, the run is made (or the speculation found wrong) before the first write.
void AuditRun::ensure_run() {
  if (run_ready_) return;
  if (hasher_.joinable()) hasher_.join();
  if (!hash_error_.empty()) throw std::runtime_error(hash_error_);
  sum_.run_key = audit_run_key(program_, catalog_sha256_, o_, sum_.inputs);
  if (store_->find_run(sum_.run_key)) throw SpeculationFailed{};
  begin_new_run();
  run_ready_ = true;
}

// The reader's part for one input: its rows in batches of at most 2,048 rows or 1 MB, each with where to continue.
bool AuditRun::read_input(Pipeline& p, uint32_t f, uint64_t& index) {
  const std::string& path = sum_.inputs[f].path;
  // With a store, the bytes read are hashed as they are read (the run's identity); without one, nothing is hashed.
  std::unique_ptr<HashedInput> hashed;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(nullptr, &std::fclose);
  if (store_) {
    hashed = std::make_unique<HashedInput>(path, sum_.inputs[f].bytes);
  } else {
    fp.reset(std::fopen(path.c_str(), "rb"));
    if (!fp) throw std::runtime_error("cannot read '" + path + "'");
  }
  InputFormat fmt = sum_.inputs[f].format;
  // Spreadsheet exports, .xlsx and column maps are rewritten as they are read (decode.hpp); then the offsets where a
  // resumed run continues are in the rewritten text, which is the same for the same bytes and options.
  DecodedInput decoded(path, hashed ? hashed->file() : fp.get(), o_.read);
  RowReader rr(decoded.file(), fmt);
  rr.prime(decoded.head());
  p.headers.push_back(std::make_unique<std::vector<std::string>>());
  uint64_t header_id = 0;
  auto make = [&] {
    auto b = std::make_shared<Batch>();
    b->index = index++;
    b->file = f;
    b->fmt = fmt;
    b->header = p.headers.back().get();
    b->header_id = header_id;
    return b;
  };
  auto send = [&](std::shared_ptr<Batch> b) {
    {
      std::unique_lock lk(p.window_m);
      p.window_cv.wait(lk, [&] { return p.window.load() < p.in_flight * 6 || p.stop; });
      ++p.window;
    }
    return p.work.push(std::move(b));
  };
  bool resume_here = f == start_.next_file && start_.next_offset > 0;
  if (!rr.read_header()) {
    auto b = make();
    b->header_error = rr.header_error();
    b->header_line = rr.header_line();
    b->end = {f + 1, 0, 1};
    b->bytes = sum_.inputs[f].bytes;
    if (hashed) b->input_read = hashed->finish(f);
    return resume_here || send(std::move(b));
  }
  *p.headers.back() = rr.header();
  header_id = rr.header_id();
  uint64_t last_offset = 0;
  if (resume_here) {
    rr.resume_at(start_.next_offset, start_.next_line);
    last_offset = start_.next_offset;
  }
  auto b = make();
  RowReader::Row row;
  for (;;) {
    bool more = rr.next(row);
    if (more) {
      b->rows.push_back({b->text.size(), row.text.size(), row.line});
      b->text += row.text;
    }
    bool full = b->rows.size() >= 2048 || b->text.size() >= (1u << 20);
    if (!more || full) {
      uint64_t off = more ? row.end : sum_.inputs[f].bytes;
      b->end = more ? TraceStore::Position{f, row.end, rr.lines_read() + 1} : TraceStore::Position{f + 1, 0, 1};
      b->bytes = off > last_offset ? off - last_offset : 0;  // (a rewritten input's offsets are not the file's)
      last_offset = off;
      if (!more && !rr.read_error().empty()) throw std::runtime_error("reading '" + path + "': " + rr.read_error());
      if (!more && hashed) b->input_read = hashed->finish(f);
      if (!b->rows.empty() || !more)
        if (!send(std::move(b))) return false;
      if (!more) return true;
      b = make();
    }
  }
}

// Stage 2a: the reader thread, from the run's start (or where it stopped) to the end of the last input.
void AuditRun::start_reader(Pipeline& p) {
  p.reader = std::thread([this, &p] {
    name_thread("tollgate-read");
    uint64_t index = 0;
    try {
      for (uint32_t f = start_.next_file; f < sum_.inputs.size() && !p.stop; ++f)
        if (!read_input(p, f, index)) break;
    } catch (const std::exception& e) {
      p.reader_error = e.what();
    }
    p.batches_total = index;
    p.work.close();
    note_cpu("reader");
  });
}

// A worker thread: judges batches until the queue closes, recycling results from the pool.
void AuditRun::work(Pipeline& p) {
  name_thread("tollgate-judge");
  if (store_) lower_priority();
  Worker w(program_, catalog_, o_, p.lists_full);
  std::shared_ptr<Batch> b;
  try {
    while (p.work.pop(b)) {
      std::unique_ptr<Result> r;
      {
        std::lock_guard lk(p.pool_m);
        if (!p.pool.empty()) {
          r = std::move(p.pool.back());
          p.pool.pop_back();
        }
      }
      if (!r) r = std::make_unique<Result>();
      w.run(*b, *r);
      p.done.put(b->index, std::move(r));
    }
  } catch (const std::exception& e) {
    std::lock_guard lk(p.worker_error_m);
    p.worker_error = e.what();
    p.stop = true;
    p.work.close();
  }
  note_cpu("worker");
  if (std::getenv("TOLLGATE_AUDIT_STATS")) {
    std::lock_guard lk(stats_m);
    stats_text += "  reasons cache: " + std::to_string(w.reasons().hits()) + " hits, " + std::to_string(w.reasons().misses()) +
                  " misses\n";
  }
  if (--p.workers_left == 0) p.done.finish();
}

// Stage 2b: the workers.
void AuditRun::start_workers(Pipeline& p) {
  for (unsigned i = 0; i < p.jobs; ++i) p.workers.emplace_back([this, &p] { work(p); });
}

// Without a store, the summary's lists are kept by the writer (with one, they are read back from it at the end).
void AuditRun::list_unstored(Pipeline& p, const Result& r) {
  for (size_t i = 0; i < r.used; ++i) {
    const Entry& e = r.entries[i];
    auto& list = e.reject ? sum_.rejects : sum_.flagged;
    if (list.size() >= o_.list_limit) continue;
    auto text = [&](TextRef t) { return std::string(t.in(r.texts.data())); };
    Listed l;
    l.file = e.file;
    l.line = e.line;
    l.id = text(e.id);
    l.verdict = e.verdict;
    l.review = e.review;
    l.classification = e.classification;
    l.subject = text(e.subject);
    l.as_of = text(e.as_of);
    l.fee_total_cents = e.fee_total_cents;
    if (e.rule >= 0) {
      l.rule = program_.rules[static_cast<size_t>(e.rule)].id;
      l.citation = program_.rules[static_cast<size_t>(e.rule)].citation;
    }
    l.stage = e.stage;
    l.code = text(e.code);
    l.field = text(e.field);
    l.message = text(e.message);
    list.push_back(std::move(l));
  }
  if (sum_.flagged.size() >= o_.list_limit) p.lists_full.flagged = true;
  if (sum_.rejects.size() >= o_.list_limit) p.lists_full.rejects = true;
}

// Each batch goes into the open transaction as it comes (so that the writer's work is steady and workers never
// wait on a commit), and is recycled at once; a commit adds the tallies and the position to the same transaction.
void AuditRun::take(Pipeline& p, Result& r) {
  if (store_) {
    ensure_run();
    if (!store_->in_transaction()) store_->begin();
    for (size_t i = 0; i < r.used; ++i) {
      if (i + 1 < r.used) store_->prefetch(r.entries[i + 1]);
      store_->add(sum_.run, r.entries[i], r.texts.data());
    }
  }
  sum_.decisions += r.decisions;
  sum_.rejected += r.rejects;
  if (!store_) list_unstored(p, r);
}

void AuditRun::commit() {
  counted_.spread(delta_, program_);
  if (store_) {
    ensure_run();
    if (!store_->in_transaction()) store_->begin();
    if (o_.crash_after_commits && commits_ + 1 == o_.crash_after_commits && o_.crash_mid_commit)
      store_->before_commit = [] { std::raise(SIGKILL); };  // crash test: every row written, nothing committed
    store_->commit(sum_.run, delta_, pos_);
    ++commits_;
    if (o_.crash_after_commits && commits_ == o_.crash_after_commits) std::raise(SIGKILL);
    if (o_.stop_after_commits && commits_ == o_.stop_after_commits) std::raise(SIGSTOP);
  }
  merge(sum_.tallies, delta_);
  delta_.clear();
  counted_.clear();
  pending_rows_ = 0;
  last_commit_ = Clock::now();
}

// An input's bytes as the reader read them against those the run is keyed by (and the file's size at the start).
void AuditRun::check_input_read(const InputRead& got) {
  ensure_run();  // a speculative start: the key's hashes are known only now
  const InputInfo& in = sum_.inputs[got.file];
  if (got.bytes == in.bytes && got.size_now == in.bytes && got.sha256 == in.sha256) return;
  std::string what = got.bytes < in.bytes ? "only " + group_digits_(got.bytes) + " could be read (cut short)"
                     : got.size_now != in.bytes ? "it has " + group_digits_(got.size_now) + " bytes now"
                                                : "the bytes read have SHA-256 " + got.sha256;
  throw InputChanged("'" + in.path + "' changed while it was being audited: it had " + group_digits_(in.bytes) +
                     " bytes with SHA-256 " + in.sha256 + " when the run started; " + what);
}

// Stage 3: the writer (this thread) takes the results strictly in batch order and commits every commit_rows rows
// (or 2 seconds). Errors stay in the pipeline's fields; the store's open transaction is rolled back on one.
bool AuditRun::write_in_order(Pipeline& p) {
  pos_ = start_;
  for (uint32_t f = 0; f < start_.next_file && f < sum_.inputs.size(); ++f) bytes_done_ += sum_.inputs[f].bytes;
  bytes_done_ += start_.next_offset;  // bytes of the inputs already judged by an earlier process (resume)
  last_commit_ = last_progress_ = Clock::now();
  std::string writer_error, input_changed, internal_error;
  bool speculation_failed = false;
  try {
    std::unique_ptr<Result> r;
    for (uint64_t next = 0; next < p.batches_total.load() || p.batches_total.load() == UINT64_MAX; ++next) {
      auto wait0 = Clock::now();
      if (!p.done.take(next, r)) break;
      writer_waited_ += Clock::now() - wait0;
      {
        std::lock_guard lk(p.window_m);
        --p.window;
        p.window_cv.notify_all();
      }
      if (r->decisions + r->rejects != r->rows_in)  // every row read is judged or rejected, once
        throw AuditInternalError("internal error: a batch of " + std::to_string(r->rows_in) + " rows came back as " +
                               std::to_string(r->decisions) + " decisions and " + std::to_string(r->rejects) +
                               " rejects");
      sum_.judged_now += r->decisions + r->rejects;
      pending_rows_ += r->decisions + r->rejects;
      bytes_done_ += r->bytes;
      counted_.add(r->delta);
      pos_ = r->end;
      take(p, *r);
      if (store_ && r->input_read) check_input_read(*r->input_read);
      {
        std::lock_guard lk(p.pool_m);
        p.pool.push_back(std::move(r));
      }
      auto now = Clock::now();
      if (pending_rows_ >= o_.commit_rows || now - last_commit_ > std::chrono::seconds(2)) commit();
      if (o_.progress && now - last_progress_ > std::chrono::milliseconds(200)) {
        last_progress_ = now;
        o_.progress({sum_.judged_now, bytes_done_, total_bytes_, std::chrono::duration<double>(now - t0_).count()});
      }
    }
    if (p.reader_error.empty() && p.worker_error.empty()) commit();
  } catch (const SpeculationFailed&) {
    speculation_failed = true;
  } catch (const InputChanged& e) {
    input_changed = e.what();
    store_->rollback();
  } catch (const AuditInternalError& e) {
    internal_error = e.what();
    if (store_) store_->rollback();
  } catch (const std::exception& e) {
    writer_error = e.what();
    if (store_) store_->rollback();
  }
  p.stop = true;
  p.work.close();
  p.window_cv.notify_all();
  p.reader.join();
  pipeline1_ = Clock::now();
  for (auto& w : p.workers) w.join();
  if (store_ && !speculation_failed && writer_error.empty()) {
    try {
      ensure_run();  // a run that stopped before its first write is kept all the same (to be resumed)
    } catch (const SpeculationFailed&) {
      speculation_failed = true;
    }
  }
  if (speculation_failed) return false;
  if (!internal_error.empty()) throw AuditInternalError(internal_error);
  if (!writer_error.empty()) throw std::runtime_error("trace store: " + writer_error);
  if (!input_changed.empty()) {
    // Not complete, and not to be resumed: the rows of what it read stay, under a run marked failed.
    store_->fail_run(sum_.run, utc_now(), input_changed);
    throw std::runtime_error(input_changed + "; run " + std::to_string(sum_.run) +
                             " is marked failed: it will be neither resumed nor reported as done. Audit the log "
                             "again once it is complete and stays unchanged");
  }
  return true;
}

// Stage 4: finish the run: its errors, its status, and the summary's head, counts and lists from the store.
AuditSummary AuditRun::finish_run(Pipeline& p) {
  if (!p.worker_error.empty()) throw std::runtime_error(p.worker_error);
  if (!p.reader_error.empty())
    throw std::runtime_error(p.reader_error + (store_ ? " (the run is kept; fix the input and add --resume)" : ""));
  sum_.finished_at = utc_now();
  if (store_) {
    store_->finish_run(sum_.run, sum_.finished_at);
    auto rec = store_->run(sum_.run);
    if (rec) {
      sum_.head = rec->head;
      sum_.seal = store_->last_seal(sum_.run);
      sum_.decisions = rec->decisions;
      sum_.rejected = rec->rejects;
    }
    if (tally_total(sum_.tallies) != sum_.decisions + sum_.rejected)  // every row stored is counted, once
      throw AuditInternalError("internal error: run " + std::to_string(sum_.run) + " holds " +
                             std::to_string(sum_.decisions + sum_.rejected) + " records but tallies " +
                             std::to_string(tally_total(sum_.tallies)));
    sum_.flagged = store_->flagged(sum_.run, o_.list_limit);
    name_deciding_rules(program_, sum_.flagged);
    sum_.rejects = store_->rejected(sum_.run, o_.list_limit);
  }
  if (o_.progress)
    o_.progress({sum_.judged_now, total_bytes_, total_bytes_, std::chrono::duration<double>(Clock::now() - t0_).count()});
  sum_.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
  note_cpu("writer");
  if (std::getenv("TOLLGATE_AUDIT_STATS")) {
    auto secs = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
    char buf[160];
    std::snprintf(buf, sizeof buf, "before the pipeline %.2f s, pipeline %.2f s (writer waiting %.2f s), after %.2f s\n",
                  secs(pipeline0_ - t0_), secs(pipeline1_ - pipeline0_), secs(writer_waited_),
                  secs(Clock::now() - pipeline1_));
    stats_text += buf;
    std::fputs(stats_text.c_str(), stderr);
  }
  return sum_;
}

AuditSummary AuditRun::run() {
  describe_inputs();
  if (open_store()) return sum_;
  unsigned jobs = o_.jobs ? o_.jobs : std::max(1u, std::thread::hardware_concurrency());
  pipeline0_ = Clock::now();
  Pipeline p(jobs);
  start_reader(p);
  start_workers(p);
  if (!write_in_order(p)) {
    store_.reset();  // nothing was written; let go of the store's lock
    return AuditRun(program_, catalog_, catalog_sha256_, o_, false).run();
  }
  return finish_run(p);
}

}  // namespace

AuditSummary run_audit(const Program& program, const Catalog& catalog, const std::string& catalog_sha256,
                       const AuditOptions& o) {
  return AuditRun(program, catalog, catalog_sha256, o, true).run();
}

}  // namespace tollgate
