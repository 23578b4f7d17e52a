// The baseline of bench/bench_serve.sh: the same HTTP layer as `tollgate serve` (engine/serve/http.hpp, Boost.Beast,
// same sessions, limits and thread count) with a handler that answers every request with a constant JSON body.
// What `tollgate serve` reaches on /v1/check is compared with this, measured in the same run.
//   bench_http_constant PORT_FILE [THREADS]     (listens on 127.0.0.1, any free port; SIGTERM stops it)
#include <iostream>
#include <string>
#include <thread>

#include "engine/serve/http.hpp"

int main(int argc, char** argv) {
  using namespace tollgate::serve;
  if (argc < 2) {
    std::cerr << "usage: bench_http_constant PORT_FILE [THREADS]\n";
    return 2;
  }
  HttpOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  HttpServer server(o, [](HttpRequest, Respond respond) {
    HttpReply r;
    r.body = "{\"verdict\":\"ALLOWED\"}\n";
    respond(std::move(r));
  });
  {
    std::FILE* f = std::fopen(argv[1], "w");
    if (!f) return 2;
    std::fprintf(f, "%u\n", static_cast<unsigned>(server.port()));
    std::fclose(f);
  }
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : std::thread::hardware_concurrency();
  server.run(threads, [&](int) { server.stop(); });
  return 0;
}
