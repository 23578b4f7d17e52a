// tollgate serve — the server: the rules and catalog (reloadable), the routes of the REST API and the officer's
// web page, bearer tokens, the decision log, audit jobs and metrics, on top of the HTTP layer (http.hpp).
// The API is documented in docs/server.md and, as OpenAPI 3, in engine/serve/web/openapi.json (GET
// /v1/openapi.json).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tollgate::serve {

struct Config {
  std::string listen = "127.0.0.1:8470";  // HOST:PORT; port 0 picks a free one
  std::string db = "tollgate-serve.db";   // the decision log (a trace store)
  std::string audit_db;                   // the audit uploads' store; "" for <db without .db>-audits.db
  std::vector<std::string> rules;         // rules files or folders; empty: the bundled rules
  std::string catalog;                    // chip catalog CSV; "": the bundled one
  std::vector<std::string> token_files;   // "NAME TOKEN" lines (a name or token twice: refused); required to
                                          // listen on a non-loopback address
  std::vector<std::string> lists;         // screening lists (CSL CSV/JSON) for POST /v1/screen; none: 503 there
  std::string resolutions;                // accepted non-matches (CSV party,entry,who,when,why); "" for none
  uint64_t max_body = 1 << 20;                 // bytes of a JSON/CSV request body
  uint64_t max_upload = uint64_t{1} << 32;     // bytes of an audit upload (streamed to disk)
  unsigned threads = 0;                        // HTTP threads; 0: one per core
  unsigned request_timeout_s = 30, upload_timeout_s = 3600;
  bool fsync = false;  // decision log: each commit waits for the disk (survives a power cut, not only a process crash)
  std::string spool;           // folder for uploads; "": a fresh folder under the system's temporary folder
  std::string port_file;       // if set, the bound port is written there once listening (for tests and scripts)
  std::function<void(const std::string&)> log;  // one line per event (start, reload, stop); stderr if unset
};

class Server {
 public:
  // Loads the rules and catalog, opens the stores, binds. Throws std::runtime_error with a message for the user
  // (rules errors, a store in use, an address refused, a non-loopback address without --token-file, ...).
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  // Serves until SIGTERM / SIGINT (drains requests in progress, commits the decision log, returns 0). SIGHUP
  // reloads the rules.
  int run();
  void stop();
  // Reloads the rules and catalog; on an error the rules in force stay and the message says why.
  struct Reload {
    bool ok = false;
    uint64_t generation = 0;
    std::string message;
  };
  Reload reload();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The embedded assets (engine/serve/web/, turned into C++ at build time).
extern const char* const web_index_html;
extern const char* const web_openapi_json;

}  // namespace tollgate::serve
