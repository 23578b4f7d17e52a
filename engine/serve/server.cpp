// tollgate serve — routes, tokens, reloads and the server's life cycle (see server.hpp, docs/server.md).
#include "engine/serve/server.hpp"

#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/text.hpp"
#include "engine/diff/diff.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/lang/compile.hpp"
#include "engine/render/render.hpp"
#include "engine/serve/audits.hpp"
#include "engine/serve/decision_log.hpp"
#include "engine/serve/http.hpp"
#include "engine/serve/metrics.hpp"
#include "engine/serve/screening.hpp"
#include "engine/serve/service.hpp"

namespace tollgate::serve {

namespace {

// The audit job an upload's spool file belongs to: upload-<id>.<ext> (AuditJobs::reserve) gives <id>.
std::string upload_id(const std::string& file) {
  std::string name = std::filesystem::path(file).filename().string();
  return name.substr(7, name.rfind('.') - 7);
}

// A path and its query parameters, percent-decoded.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
  std::vector<std::string> repeated;  // parameters given more than once (refused: which one would count?)
  std::string get(const std::string& k) const {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  }
};

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

Target parse_target(std::string_view t) {
  Target out;
  size_t q = t.find('?');
  out.path = percent_decode(t.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::string_view rest = t.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    size_t eq = kv.find('=');
    if (!kv.empty()) {  // ("a=1&&b=2", a trailing '&': nothing)
      std::string key = percent_decode(kv.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : percent_decode(kv.substr(eq + 1));
      auto [it, fresh] = out.query.emplace(key, std::move(value));
      if (!fresh && std::find(out.repeated.begin(), out.repeated.end(), key) == out.repeated.end())
        out.repeated.push_back(key);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

HttpReply json_reply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReply error_reply(int status, std::string_view code, std::string_view message) {
  return json_reply(status, error_body(status, code, message));
}

// The query parameters an endpoint reads: any other one, or one given twice, is a 400 naming it (a misspelt
// `as_of` must not judge as of another date; of two values, neither is silently taken). nullopt: all fine.
std::optional<std::string> query_problem(const Target& t, const std::string& endpoint,
                                         const std::vector<std::string>& allowed) {
  auto takes = [&] {
    if (allowed.empty()) return endpoint + " takes no query parameters";
    std::string s = endpoint + " takes ";
    for (size_t i = 0; i < allowed.size(); ++i) s += (i ? ", " : "") + allowed[i];
    return s;
  };
  for (const auto& [key, value] : t.query) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
    std::string near = allowed.empty() ? std::string() : closest(key, allowed);
    return "unknown query parameter '" + shown + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
           ": " + takes();
  }
  if (!t.repeated.empty())
    return "query parameter '" + t.repeated.front() + "' is given more than once: give it once";
  return std::nullopt;
}

// The media type of a Content-Type header ("application/json; charset=utf-8" -> "application/json"), lower case;
// "" when there is none.
std::string media_type(std::string_view content_type) {
  std::string_view m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
  std::string out(m);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The Content-Types a POST endpoint reads (docs/server.md). A body without one is read as the first (JSON), or
// for an audit upload by its `format` or its content.
const std::vector<std::string>& accepted_types(const std::string& path) {
  static const std::vector<std::string> check = {"application/json", "application/x-ndjson", "application/jsonl",
                                                 "application/x-jsonlines", "text/csv"};
  static const std::vector<std::string> json = {"application/json"};
  static const std::vector<std::string> upload = {"text/csv", "application/x-ndjson", "application/jsonl",
                                                  "application/x-jsonlines", "application/octet-stream"};
  return path == "/v1/check" ? check : path == "/v1/audits" ? upload : json;
}

// A yes/no query parameter: absent (no), "0", "false", "no", "1", "true", "yes"; anything else, an empty value
// included, is a 400 (nullopt): `?include_proposed=` from a blank template must not judge by a bill that is not law.
std::optional<bool> flag(const Target& t, const std::string& name) {
  auto it = t.query.find(name);
  if (it == t.query.end() || it->second == "0" || it->second == "false" || it->second == "no") return false;
  if (it->second == "1" || it->second == "true" || it->second == "yes") return true;
  return std::nullopt;
}

// The 400 for yes/no query parameters flag() could not read ("include_proposed", "old_proposed and new_proposed").
HttpReply flag_error(const std::string& names) {
  const bool several = names.find(" and ") != std::string::npos;
  return error_reply(400, "tollgate.input.flag",
                     names + (several ? " take" : " takes") + " 1, true or yes, or 0, false or no");
}

// Tasks that must not hold up an HTTP thread (diffs, reloads), one at a time, in order.
class Background {
 public:
  Background() : thread_([this] { loop(); }) {}
  ~Background() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      q_.push_back(std::move(f));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        f = std::move(q_.front());
        q_.pop_front();
      }
      try {
        f();
      } catch (...) {
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

struct Server::Impl {
  Config cfg;
  std::string instance;
  std::mutex engine_mu, reload_mu;
  std::shared_ptr<const Engine> engine;
  std::map<std::string, std::string> tokens;  // SHA-256 (hex) of the token -> its name
  Metrics metrics;
  std::unique_ptr<DecisionLog> log;
  std::unique_ptr<AuditJobs> audits;
  std::unique_ptr<HttpServer> http;
  std::string spool;
  bool own_spool = false;
  std::mutex diff_mu;
  std::map<std::string, std::shared_ptr<const std::map<std::string, std::string>>> diff_cache;
  std::unique_ptr<Background> background;  // declared last: its tasks use the members above

  void say(const std::string& line) {
    if (cfg.log) cfg.log(line);
    else std::cerr << "tollgate serve: " << line << std::endl;
  }
  std::shared_ptr<const Engine> current() {
    std::lock_guard<std::mutex> lock(engine_mu);
    return engine;
  }
  std::shared_ptr<const Engine> build_engine(uint64_t generation, std::string& error);
  void load_tokens();
  std::optional<std::string> caller(const HttpRequest& r);  // the token's name; nullopt if refused
  void handle(HttpRequest req, Respond respond);
  void route(HttpRequest& req, const Target& t, const std::string& who, Respond& respond);
  void check(HttpRequest& req, const Target& t, const std::string& who, Respond& respond, bool classify);
  void diff(const Target& t, Respond respond);
  void audit_upload(HttpRequest& req, const Target& t, Respond& respond);
  void audit_get(const Target& t, Respond& respond);
  std::string healthz();
  Server::Reload reload_now();
  static std::string endpoint_of(const std::string& method, const std::string& path);
};

std::shared_ptr<const Engine> Server::Impl::build_engine(uint64_t generation, std::string& error) {
  std::vector<std::string> paths = cfg.rules.empty() ? std::vector<std::string>{default_rules_dir()} : cfg.rules;
  CompileResult r = load_and_compile(paths);
  if (!r.program) {
    std::string msg;
    for (const auto& d : r.diagnostics) {
      std::string text = render_human(d);
      // Diagnostics name rules files by path: the folder is the server's business, the file name is not.
      for (const auto& p : paths) {
        std::string dir = std::filesystem::path(p).parent_path().string();
        if (std::filesystem::is_directory(p)) dir = p;
        if (!dir.empty() && dir != ".")
          for (size_t at; (at = text.find(dir + "/")) != std::string::npos;) text.erase(at, dir.size() + 1);
      }
      msg += text;
    }
    error = msg.empty() ? "the rules did not compile" : msg;
    return nullptr;
  }
  auto e = std::make_shared<Engine>();
  e->program = r.program;
  try {
    std::string path = cfg.catalog.empty() ? default_catalog_path() : cfg.catalog;
    Catalog catalog = Catalog::load(path, e->program->schema);
    // An unknown chip's suggestions show their classes, as `tollgate check` shows them (the same message over REST
    // as on the command line for the same record).
    catalog.classify_with([program = e->program](const Facts& chip, Day day) -> std::string {
      Facts f = chip;
      f.kind = RecordKind::chip;
      Decision d = evaluate(*program, f, -1, day, EvalOptions{});
      return d.failed ? "class unknown" : klass_name(d.klass);
    });
    e->catalog = std::make_shared<const Catalog>(std::move(catalog));
    e->catalog_sha256 = sha256_file(path);
  } catch (const std::exception& ex) {
    error = std::string("the catalog could not be loaded: ") + ex.what();
    return nullptr;
  }
  if (!cfg.lists.empty() || !cfg.resolutions.empty()) {
    e->screening = load_screening(cfg.lists, cfg.resolutions, error);
    if (!e->screening) return nullptr;
  }
  e->generation = generation;
  e->loaded_at = utc_now();
  std::string rs = "[";
  for (const Ruleset& s : r.program->rulesets) {
    if (rs.size() > 1) rs += ',';
    rs += "{\"id\":";
    append_json_string(rs, s.id);
    rs += ",\"sha256\":";
    append_json_string(rs, s.sha256);
    rs += '}';
  }
  e->rulesets_json = rs + "]";
  return e;
}

void Server::Impl::load_tokens() {
  // A client name given twice (in one file or two) would leave the decision log unable to say which token made a
  // request; a token given twice would be recorded under one of its names, silently. Both refuse to start.
  std::map<std::string, std::string> name_at, token_at;  // client name / token's SHA-256 -> "file:line"
  for (size_t i = 0; i < cfg.token_files.size(); ++i) {
    const std::string& file = cfg.token_files[i];
    for (size_t k = 0; k < i; ++k) {
      std::error_code ec;
      if (cfg.token_files[k] == file || std::filesystem::equivalent(cfg.token_files[k], file, ec))
        throw std::runtime_error("--token-file '" + file + "' is given twice");
    }
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read --token-file '" + file + "'");
    std::string line;
    int n = 0, found = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::istringstream ss(line);
      std::string name, token, extra;
      if (!(ss >> name) || name[0] == '#') continue;
      const std::string at = file + ":" + std::to_string(n);
      if (!(ss >> token) || (ss >> extra)) throw std::runtime_error(at + ": expected NAME TOKEN");
      if (token.size() < 16) throw std::runtime_error(at + ": a token needs at least 16 characters");
      if (auto [it, fresh] = name_at.emplace(name, at); !fresh)
        throw std::runtime_error(at + ": duplicate client name '" + name + "' (also at " + it->second +
                                 "): give each client one name and one token");
      std::string hash = sha256_hex(token);
      if (auto [it, fresh] = token_at.emplace(hash, at); !fresh)
        throw std::runtime_error(at + ": duplicate token: the token of '" + name + "' is also the token of '" +
                                 tokens[hash] + "' (" + it->second + "): give each client its own token");
      tokens[hash] = name;
      ++found;
    }
    if (!found) throw std::runtime_error("--token-file '" + file + "' holds no token");
  }
}

std::optional<std::string> Server::Impl::caller(const HttpRequest& r) {
  if (tokens.empty()) return std::string("local");
  std::string_view a = r.authorization;
  if (a.size() < 8 || !(a.substr(0, 7) == "Bearer " || a.substr(0, 7) == "bearer ")) return std::nullopt;
  // Compared by their SHA-256 in constant time, so the comparison says nothing of how much of a guess matched.
  std::string h = sha256_hex(a.substr(7));
  for (const auto& [hash, name] : tokens)
    if (hash.size() == h.size() && CRYPTO_memcmp(hash.data(), h.data(), h.size()) == 0) return name;
  return std::nullopt;
}

std::string Server::Impl::endpoint_of(const std::string& method, const std::string& path) {
  static const char* known[] = {"/", "/healthz", "/metrics", "/v1/openapi.json", "/v1/check", "/v1/classify",
                                "/v1/rulesets", "/v1/catalog", "/v1/diff", "/v1/reload", "/v1/audits", "/v1/screen"};
  (void)method;
  for (const char* k : known)
    if (path == k) return k;
  if (path.rfind("/v1/audits/", 0) == 0)
    return path.size() > 7 && path.substr(path.size() - 7) == "/report" ? "/v1/audits/{id}/report" : "/v1/audits/{id}";
  return "other";
}

void Server::Impl::handle(HttpRequest req, Respond respond) {
  Target t = parse_target(req.target);
  bool open = t.path == "/" || t.path == "/healthz" || t.path == "/v1/openapi.json";
  std::optional<std::string> who = caller(req);
  if (!who && !open) {
    if (!req.body_file.empty()) {
      std::error_code ec;
      std::filesystem::remove(req.body_file, ec);
    }
    HttpReply r = error_reply(401, "tollgate.serve.unauthorized", "a valid bearer token is required");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return respond(std::move(r));
  }
  try {
    route(req, t, who ? *who : std::string("anonymous"), respond);
  } catch (const std::exception&) {
    respond(error_reply(500, "tollgate.serve.internal", "internal error"));
  }
}

std::string Server::Impl::healthz() {
  auto e = current();
  return "{\"status\":\"ok\",\"engine\":\"" + std::string(engine_version) + "\",\"rules_generation\":" +
         std::to_string(e->generation) + ",\"auth\":" + (tokens.empty() ? "false" : "true") + "," +
         screening_json(*e) + "}\n";
}

void Server::Impl::route(HttpRequest& req, const Target& t, const std::string& who, Respond& respond) {
  const std::string& m = req.method;
  auto only = [&](const char* allowed) {
    HttpReply r = error_reply(405, "tollgate.serve.method", "this endpoint takes " + std::string(allowed));
    r.headers.emplace_back("Allow", allowed);
    respond(std::move(r));
  };
  const std::string& p = t.path;
  // Refuses the request for its query (400) or, for a POST with a body, its Content-Type (415); an audit upload
  // already spooled is dropped. True if refused.
  auto refused = [&](const std::vector<std::string>& params, bool body) {
    std::optional<HttpReply> r;
    const std::string endpoint = m + " " + endpoint_of(m, p);
    if (auto problem = query_problem(t, endpoint, params)) {
      r = error_reply(400, "tollgate.input.query", *problem);
    } else if (body) {
      const std::string type = media_type(req.content_type);
      const auto& accepted = accepted_types(p);
      if (!type.empty() && std::find(accepted.begin(), accepted.end(), type) == accepted.end()) {
        std::string list;
        for (size_t i = 0; i < accepted.size(); ++i) list += (i ? ", " : "") + accepted[i];
        r = error_reply(415, "tollgate.serve.media-type",
                        "Content-Type '" + (type.size() > 64 ? type.substr(0, 64) + "..." : type) + "' is not read by " +
                            endpoint + "; send " + list);
        r->headers.emplace_back("Accept-Post", list);
      }
    }
    if (!r) return false;
    if (!req.body_file.empty()) audits->abandon(upload_id(req.body_file));
    respond(std::move(*r));
    return true;
  };
  auto get = [&](auto&& f, const std::vector<std::string>& params = {}) {
    if (m != "GET") return only("GET, HEAD");
    if (refused(params, false)) return;
    f();
  };
  auto post = [&](const std::vector<std::string>& params, bool body) {
    if (m != "POST") {
      only("POST");
      return false;
    }
    return !refused(params, body);
  };
  if (p == "/") {  // (the web page takes any query: a browser's link may carry one; the API is strict)
    if (m != "GET") return only("GET, HEAD");
    HttpReply r;
      r.content_type = "text/html; charset=utf-8";
      r.body = web_index_html;
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; "
                             "script-src 'unsafe-inline'; connect-src 'self'");
    return respond(std::move(r));
  }
  if (p == "/healthz") return get([&] { respond(json_reply(200, healthz())); });
  if (p == "/metrics") return get([&] {
      auto s = log->stats();
      HttpReply r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics.text({s.rows, s.commits, s.requests, s.failures, s.commit_seconds}, current()->generation,
                            audits->active());
      respond(std::move(r));
    });
  if (p == "/v1/openapi.json") return get([&] { respond(json_reply(200, web_openapi_json)); });
  if (p == "/v1/rulesets") return get([&] { respond(json_reply(200, rulesets_json(*current()))); });
  if (p == "/v1/catalog") return get([&] { respond(json_reply(200, catalog_json(*current(), t.get("q")))); }, {"q"});
  if (p == "/v1/diff")
    return get([&] { diff(t, respond); }, {"as_of", "vs", "old_proposed", "new_proposed", "format"});
  if (p == "/v1/check" || p == "/v1/classify") {
    if (!post({"as_of", "include_proposed", "include_unenforced", "explain"}, true)) return;
    return check(req, t, who, respond, p == "/v1/classify");
  }
  if (p == "/v1/reload") {
    if (!post({}, false)) return;
    return background->post([this, respond] {
      Reload r = reload_now();
      std::string body = "{\"ok\":" + std::string(r.ok ? "true" : "false") +
                         ",\"rules_generation\":" + std::to_string(r.generation) + ",\"message\":";
      append_json_string(body, r.message);
      respond(json_reply(r.ok ? 200 : 422, body + "}\n"));
    });
  }
  if (p == "/v1/audits") {
    if (!post({"format", "as_of", "include_proposed", "include_unenforced"}, true)) return;
    return audit_upload(req, t, respond);
  }
  if (p.rfind("/v1/audits/", 0) == 0) {
    bool report = p.size() > 7 && p.substr(p.size() - 7) == "/report";
    return get([&] { audit_get(t, respond); }, report ? std::vector<std::string>{"format", "download"}
                                                      : std::vector<std::string>{});
  }
  if (p == "/v1/screen") {
    if (!post({}, true)) return;
    Judgement j = screen_body(*current(), req.body);
    return respond(json_reply(j.status, std::move(j.body)));
  }
  respond(error_reply(404, "tollgate.serve.not-found", "no such endpoint; see GET /v1/openapi.json"));
}

void Server::Impl::check(HttpRequest& req, const Target& t, const std::string& who, Respond& respond,
                         bool classify) {
  JudgeOptions o;
  if (auto a = t.query.find("as_of"); a != t.query.end()) {
    o.as_of = parse_date(a->second);
    if (!o.as_of)
      return respond(error_reply(400, "tollgate.input.date",
                                 "as_of '" + a->second + "' is not a real date (" + std::string(date_form) + ")"));
  }
  auto proposed = flag(t, "include_proposed");
  if (!proposed) return respond(flag_error("include_proposed"));
  o.include_proposed = *proposed;
  auto unenforced = flag(t, "include_unenforced");
  if (!unenforced) return respond(flag_error("include_unenforced"));
  o.include_unenforced = *unenforced;
  auto explain = flag(t, "explain");
  if (!explain) return respond(flag_error("explain"));
  o.explain = *explain;
  auto e = current();
  DecisionLog::Expecting judging(*log);  // (until after submit(): the writer may wait for this request's rows)
  auto j = std::make_shared<Judgement>(
      classify ? classify_body(*e, req.body, o) : judge_body(*e, req.body, body_format(req.content_type, req.body), o));
  if (!classify && j->status == 200 && j->log.entries.empty())  // `[]`, a CSV header alone, no JSON lines
    return respond(error_reply(400, "tollgate.input.empty",
                               "the body holds no record: nothing to check (send a JSON object, a non-empty array, "
                               "JSON lines, or CSV rows under a header)"));
  metrics.decisions(j->counts);
  j->log.engine = e;
  j->log.token = who;
  LogBatch batch = std::move(j->log);
  log->submit(std::move(batch), [j, respond](bool ok, const std::string& request_id) {
    if (!ok) {
      respond(error_reply(503, "tollgate.serve.log-unavailable",
                          "the decision could not be recorded in the decision log, so it is not given"));
      return;
    }
    HttpReply r;
    r.status = j->status;
    r.content_type = j->content_type;
    r.body = std::move(j->body);
    if (!request_id.empty()) r.headers.emplace_back("X-Request-Id", request_id);
    respond(std::move(r));
  });
}

}  // namespace tollgate::serve

namespace tollgate::serve {

Server::Reload Server::Impl::reload_now() {
  std::lock_guard<std::mutex> lock(reload_mu);  // one reload at a time; the old rules serve meanwhile
  uint64_t next = current()->generation + 1;
  std::string error;
  auto e = build_engine(next, error);
  metrics.reload(e != nullptr);
  if (!e) {
    say("reload failed; the rules of generation " + std::to_string(next - 1) + " stay in force:\n" + error);
    return {false, next - 1, error};
  }
  {
    std::lock_guard<std::mutex> l(engine_mu);
    engine = e;
  }
  {
    std::lock_guard<std::mutex> l(diff_mu);
    diff_cache.clear();
  }
  say("rules reloaded: generation " + std::to_string(next) + ", " + std::to_string(e->program->rulesets.size()) +
      " rulesets");
  return {true, next, "rules reloaded"};
}

namespace {

// The diff of the rules in force against themselves at two dates, in each output, computed once per query.
std::shared_ptr<const std::map<std::string, std::string>> compute_diff(const Engine& e, Day d1, Day d2, bool p1,
                                                                        bool p2) {
  auto label = [](Day d, bool proposed) {
    return "rules in force as of " + format_date(d) + (proposed ? ", with proposed rules" : ", enacted rules only");
  };
  DiffReport rep;
  rep.old_side = {e.program.get(), d1, p1, label(d1, p1)};
  rep.new_side = {e.program.get(), d2, p2, label(d2, p2)};
  auto t0 = std::chrono::steady_clock::now();
  rep.structure = structural_diff(rep.old_side, rep.new_side);
  rep.semantic = semantic_diff(rep.old_side, rep.new_side);
  rep.chips = catalog_impact(rep.old_side, rep.new_side, *e.catalog, rep.semantic);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto out = std::make_shared<std::map<std::string, std::string>>();
  (*out)["json"] = diff_json(rep);
  (*out)["svg"] = diff_svg(rep, *e.catalog);
  (*out)["text"] = diff_text(rep);
  (*out)["md"] = diff_markdown(rep);
  return out;
}

}  // namespace

void Server::Impl::diff(const Target& t, Respond respond) {
  auto d1 = parse_date(t.get("as_of"));
  auto d2 = t.get("vs").empty() ? d1 : parse_date(t.get("vs"));
  if (!d1 || !d2)
    return respond(error_reply(400, "tollgate.input.date",
                               "as_of and vs must be real dates (" + std::string(date_form) + "); as_of is required"));
  auto p1 = flag(t, "old_proposed"), p2 = flag(t, "new_proposed");
  if (!p1 || !p2) return respond(flag_error("old_proposed and new_proposed"));
  std::string format = t.get("format").empty() ? "json" : t.get("format");
  static const std::map<std::string, std::string> types = {{"json", "application/json"},
                                                           {"svg", "image/svg+xml"},
                                                           {"text", "text/plain; charset=utf-8"},
                                                           {"md", "text/markdown; charset=utf-8"}};
  auto type = types.find(format);
  if (type == types.end()) return respond(error_reply(400, "tollgate.input.format", "format is json, svg, text or md"));
  auto e = current();
  std::string key = std::to_string(e->generation) + "|" + format_date(*d1) + "|" + format_date(*d2) + "|" +
                    (*p1 ? "p" : "e") + (*p2 ? "p" : "e");
  background->post([this, e, key, d1 = *d1, d2 = *d2, p1 = *p1, p2 = *p2, format, ctype = type->second, respond] {
    std::shared_ptr<const std::map<std::string, std::string>> outs;
    {
      std::lock_guard<std::mutex> lock(diff_mu);
      if (auto it = diff_cache.find(key); it != diff_cache.end()) outs = it->second;
    }
    if (!outs) {
      try {
        outs = compute_diff(*e, d1, d2, p1, p2);
      } catch (const std::exception& ex) {
        return respond(error_reply(400, "tollgate.diff", ex.what()));
      }
      std::lock_guard<std::mutex> lock(diff_mu);
      if (diff_cache.size() >= 32) diff_cache.clear();
      diff_cache[key] = outs;
    }
    HttpReply r;
    r.content_type = ctype;
    r.body = outs->at(format);
    respond(std::move(r));
  });
}

void Server::Impl::audit_upload(HttpRequest& req, const Target& t, Respond& respond) {
  if (req.body_file.empty())
    return respond(error_reply(400, "tollgate.serve.upload", "send the log as the request body"));
  std::string name = std::filesystem::path(req.body_file).filename().string();  // upload-<id>.<ext>
  std::string id = name.substr(7, name.rfind('.') - 7);
  JudgeOptions o;
  if (t.query.count("format") && t.get("format") != "csv" && t.get("format") != "jsonl") {
    audits->abandon(id);  // (the upload was spooled with its format guessed from the body: not used)
    return respond(error_reply(400, "tollgate.input.format", "format is csv or jsonl (or leave it out)"));
  }
  if (!t.get("as_of").empty()) {
    o.as_of = parse_date(t.get("as_of"));
    if (!o.as_of) {
      audits->abandon(id);
      return respond(
          error_reply(400, "tollgate.input.date", "as_of is not a real date (" + std::string(date_form) + ")"));
    }
  }
  auto proposed = flag(t, "include_proposed");
  if (!proposed) {
    audits->abandon(id);
    return respond(flag_error("include_proposed"));
  }
  o.include_proposed = *proposed;
  auto unenforced = flag(t, "include_unenforced");
  if (!unenforced) {
    audits->abandon(id);
    return respond(flag_error("include_unenforced"));
  }
  o.include_unenforced = *unenforced;
  if (req.body_bytes == 0) {
    audits->abandon(id);
    return respond(error_reply(400, "tollgate.serve.upload", "the upload is empty"));
  }
  audits->start(id, current(), o, req.body_bytes);
  HttpReply r = json_reply(202, "{\"id\":\"" + id + "\",\"status\":\"queued\",\"href\":\"/v1/audits/" + id + "\"}\n");
  r.headers.emplace_back("Location", "/v1/audits/" + id);
  respond(std::move(r));
}

void Server::Impl::audit_get(const Target& t, Respond& respond) {
  std::string rest = t.path.substr(std::string("/v1/audits/").size());
  bool report = rest.size() > 7 && rest.substr(rest.size() - 7) == "/report";
  std::string id = report ? rest.substr(0, rest.size() - 7) : rest;
  if (!report) {
    auto s = audits->status_json(id);
    if (!s) return respond(error_reply(404, "tollgate.serve.not-found", "no audit with this id"));
    return respond(json_reply(200, *s));
  }
  std::string format = t.get("format").empty() ? "html" : t.get("format");
  if (format != "html" && format != "md" && format != "json")
    return respond(error_reply(400, "tollgate.input.format", "format is html, md or json"));
  auto download = flag(t, "download");
  if (!download) return respond(flag_error("download"));
  auto text = audits->report(id, format);
  if (!text) return respond(error_reply(404, "tollgate.serve.not-found", "no finished audit with this id"));
  HttpReply r;
  r.content_type = format == "html" ? "text/html; charset=utf-8" : format == "md" ? "text/markdown; charset=utf-8"
                                                                                  : "application/json";
  r.body = std::move(*text);
  if (*download)
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"tollgate-audit-" + id + "." + format + "\"");
  respond(std::move(r));
}

Server::Server(Config config) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.cfg = std::move(config);
  auto [host, port] = split_listen(s.cfg.listen);
  if (!s.cfg.token_files.empty()) s.load_tokens();
  if (!is_loopback(host) && s.tokens.empty())
    throw std::runtime_error("listening on " + host + " (not this machine only) requires --token-file");
  std::string error;
  s.engine = s.build_engine(1, error);
  if (!s.engine) throw std::runtime_error("the rules could not be loaded:\n" + error);
  s.instance = utc_now() + " pid " + std::to_string(::getpid());
  s.log = std::make_unique<DecisionLog>(s.cfg.db, s.instance, s.cfg.fsync);
  s.spool = s.cfg.spool;
  if (s.spool.empty()) {
    s.spool = (std::filesystem::temp_directory_path() / ("tollgate-serve-" + std::to_string(::getpid()))).string();
    s.own_spool = true;
  }
  std::filesystem::create_directories(s.spool);
  std::string audit_db = s.cfg.audit_db;
  if (audit_db.empty()) {
    std::filesystem::path p(s.cfg.db);
    audit_db = (p.parent_path() / (p.stem().string() + "-audits.db")).string();
  }
  s.audits = std::make_unique<AuditJobs>(s.spool, audit_db);
  s.background = std::make_unique<Background>();
  HttpOptions ho;
  ho.address = host;
  ho.port = port;
  ho.max_body = s.cfg.max_body;
  ho.max_upload = s.cfg.max_upload;
  ho.request_timeout = std::chrono::seconds(s.cfg.request_timeout_s);
  ho.upload_timeout = std::chrono::seconds(s.cfg.upload_timeout_s);
  Impl* self = &s;
  ho.upload_file = [self](const HttpRequest& h) -> std::string {
    if (h.method != "POST" || parse_target(h.target).path != "/v1/audits" || !self->caller(h)) return "";
    Target t = parse_target(h.target);
    std::string format = t.get("format");
    if (format.empty() && h.content_type.rfind("text/csv", 0) == 0) format = "csv";
    if (format.empty() && (h.content_type.find("ndjson") != std::string::npos ||
                           h.content_type.find("jsonl") != std::string::npos))
      format = "jsonl";
    if (format != "csv" && format != "jsonl") format = "";
    return self->audits->reserve(format).second;
  };
  ho.upload_dropped = [self](const std::string& file) { self->audits->abandon(upload_id(file)); };
  ho.reads_body = [](const HttpRequest& h) {  // (POST /v1/reload has no body: `curl -X POST .../v1/reload` sends none)
    const std::string path = parse_target(h.target).path;
    return path == "/v1/check" || path == "/v1/classify" || path == "/v1/screen" || path == "/v1/audits";
  };
  ho.observe = [self](const HttpRequest& r, int status, double seconds) {
    self->metrics.request(Impl::endpoint_of(r.method, parse_target(r.target).path), status, seconds);
  };
  s.http = std::make_unique<HttpServer>(ho, [self](HttpRequest r, Respond respond) {
    self->handle(std::move(r), std::move(respond));
  });
  s.log->deliver_with(s.http->poster());  // (before the first request: none has been accepted yet)
  if (!s.cfg.port_file.empty()) {
    std::ofstream pf(s.cfg.port_file + ".tmp");
    pf << s.http->port() << "\n";
    pf.close();
    std::filesystem::rename(s.cfg.port_file + ".tmp", s.cfg.port_file);
  }
}

Server::~Server() {
  if (!impl_) return;
  impl_->http.reset();
  impl_->background.reset();
  if (impl_->log) impl_->log->stop();
  impl_->audits.reset();
  if (impl_->own_spool) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->spool, ec);
  }
}

unsigned short Server::port() const { return impl_->http->port(); }

int Server::run() {
  Impl& s = *impl_;
  unsigned threads = s.cfg.threads ? s.cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  s.say("listening on http://" + s.cfg.listen.substr(0, s.cfg.listen.rfind(':')) + ":" + std::to_string(port()) +
        " (" + std::to_string(threads) + " threads; decision log " + s.cfg.db + ")");
  s.http->run(threads, [this, &s](int sig) {
    if (sig == SIGHUP) {
      s.background->post([&s] { s.reload_now(); });
      return;
    }
    s.say("stopping: finishing the requests in progress");
    stop();
  });
  s.log->stop();  // everything answered is committed; the runs are marked finished
  auto st = s.log->stats();
  s.say("stopped; " + std::to_string(st.rows) + " decisions and rejects recorded in " + std::to_string(st.commits) +
        " commits");
  return 0;
}

void Server::stop() { impl_->http->stop(); }

Server::Reload Server::reload() { return impl_->reload_now(); }

}  // namespace tollgate::serve
