// tollgate serve — the REST API for order systems and the web page for compliance officers, every decision
// recorded in a hash-chained trace store (engine/serve; docs/server.md).
#include "cli/common.hpp"
#include "engine/serve/server.hpp"

namespace tollgate::cli {

Command add_serve(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("serve", "Serve the API and the officer's web page; every decision is recorded");
  app->footer(R"(Examples:
  tollgate serve                                   # http://127.0.0.1:8470/ ; decisions in tollgate-serve.db
  tollgate serve --listen 127.0.0.1:9000 --db decisions.db --rules rules/
  curl -s -X POST 'http://127.0.0.1:8470/v1/check' -H 'Content-Type: application/json' \
       -d '{"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN","end_user_hq":"CN",
            "quantity":10,"unit_price_usd":"12000.00"}'
  tollgate serve --lists csl.csv --resolutions resolved.csv   # POST /v1/screen {"name": "...", "country": "CN"}
  kill -HUP <pid>                                  # reload the rules (the old ones serve until the new compile)
Every decision and reject is committed to the --db trace store before it is answered (`tollgate trace verify`).
Listening on an address other than this machine's requires --token-file (lines "NAME TOKEN"; clients send
"Authorization: Bearer TOKEN"). SIGTERM or Ctrl-C finishes the requests in progress, commits, and exits 0.
API: docs/server.md, or GET /v1/openapi.json. Exit: 0 after a clean stop, 2 bad options, rules or store.)");
  auto cfg = std::make_shared<tollgate::serve::Config>();
  app->add_option("--listen", cfg->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  app->add_option("--db", cfg->db, "Trace store recording every decision the server makes")->capture_default_str();
  app->add_option("--audit-db", cfg->audit_db,
                  "Trace store for audit uploads (default: the --db name without its extension, then -audits.db: "
                  "serve.db -> serve-audits.db)");
  app->add_option("--token-file", cfg->token_files,
                  "Bearer tokens, one \"NAME TOKEN\" per line (# comments); repeatable; a client name or token given "
                  "twice is an error");
  app->add_option("--max-body", cfg->max_body, "Largest JSON/CSV request body, bytes")->capture_default_str();
  app->add_option("--max-upload", cfg->max_upload, "Largest audit upload, bytes (streamed to disk)")
      ->capture_default_str();
  app->add_option("--threads", cfg->threads, "HTTP threads (default: one per core)");
  app->add_option("--request-timeout", cfg->request_timeout_s, "Seconds to receive a request or send a reply")
      ->capture_default_str();
  app->add_option("--spool", cfg->spool, "Folder for audit uploads while they are audited (default: a temporary one)");
  app->add_option("--port-file", cfg->port_file, "Write the port listened on to this file once ready");
  app->add_flag("--fsync", cfg->fsync,
                "Each decision log commit waits for the disk, so an answered decision also survives a power cut "
                "(without: it survives any crash of the process; slower: about 40 ms a commit here)");
  app->add_option("--lists", cfg->lists,
                  "Screening lists (CSL CSV or JSON) for POST /v1/screen, reloaded with the rules; a row that cannot "
                  "be read refuses the lists (e.g. fixtures/lists/csl_sample.csv, a demonstration)");
  app->add_option("--resolutions", cfg->resolutions, "Accepted non-matches for screening: CSV party,entry,who,when,why");
  add_rules_options(*app, g);
  return {app, [cfg, &g]() -> int {
            cfg->rules = g.rules;
            cfg->catalog = g.catalog;
            std::unique_ptr<tollgate::serve::Server> server;
            try {
              server = std::make_unique<tollgate::serve::Server>(*cfg);
            } catch (const std::exception& e) {
              std::cerr << "tollgate: error: " << e.what() << "\n";
              return exit_bad_input;
            }
            return server->run();
          }};
}

}  // namespace tollgate::cli
