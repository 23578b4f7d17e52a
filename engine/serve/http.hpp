// tollgate serve — the HTTP layer: Boost.Beast (Boost.Asio) sessions over a thread pool, independent of what is
// served. It parses requests (Beast's parser: no hand-written HTTP), enforces the header and body limits and the
// timeouts, streams a chosen request's body to a file instead of memory (audit uploads), and sends the handler's
// reply, which may come later and from another thread (a decision is answered after its commit).
//
// Malformed HTTP gets a 400 and the connection closed; a body over its limit 413; a client too slow to send its
// request is disconnected when the request timeout expires. Nothing a client sends can throw out of a session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tollgate::serve {

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string target;        // path and query, as sent
  std::string content_type;  // "" if none
  std::string authorization; // the Authorization header, "" if none
  std::string body;          // the body, unless it was streamed to `body_file`
  std::string body_file;     // the file the body was streamed to ("" if none)
  uint64_t body_bytes = 0;
  std::chrono::steady_clock::time_point started;  // when its header was read
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Sends the reply; may be called once, from any thread.
using Respond = std::function<void(HttpReply)>;

struct HttpOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8470;          // 0: any free port (see HttpServer::port())
  uint64_t max_body = 1 << 20;         // bytes of a request body held in memory
  uint64_t max_upload = uint64_t{1} << 32;  // bytes of a body streamed to a file
  std::chrono::seconds request_timeout{30};  // to read a request's header and in-memory body; to send a reply
  std::chrono::seconds upload_timeout{3600}; // to read a streamed body
  uint32_t header_limit = 16 * 1024;
  // Asked once a request's header is read (method, target, content type and authorization filled in): a file
  // path to stream its body to, or "" to read it into memory.
  std::function<std::string(const HttpRequest& header)> upload_file;
  // Whether a request's body is read (its length is then required: a POST to it with neither Content-Length nor
  // chunks is a 411). Unset: every POST's.
  std::function<bool(const HttpRequest& header)> reads_body;
  // Called with upload_file's path when its body could not be read whole (cut short, a bad chunk, over the limit, the
  // connection gone): the handler never sees the request, and the file is no longer wanted.
  std::function<void(const std::string& file)> upload_dropped;
  // Called with each completed request and its reply's status and duration (for metrics), from any thread.
  std::function<void(const HttpRequest&, int status, double seconds)> observe;
};

using Handler = std::function<void(HttpRequest, Respond)>;

class HttpServer {
 public:
  // Binds and listens (throws std::runtime_error with the reason if the address cannot be bound).
  HttpServer(HttpOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;
  // Serves on `threads` threads (the calling thread among them) until stop(); `on_signal` is called (on a serving
  // thread) for SIGINT, SIGTERM and SIGHUP if given.
  void run(unsigned threads, const std::function<void(int)>& on_signal = {});
  // A function that runs a task on one of the serving threads, soon (with several threads, tasks may run at once).
  // Another thread that completes many requests at once (the decision log's writer, after a commit) hands them
  // over in one task: the serving thread then sends their replies without waking a thread for each. The function
  // keeps the server's I/O context alive while held; tasks posted once the server has stopped are dropped unrun.
  using Post = std::function<void(std::function<void()>)>;
  Post poster() const;
  // Stops accepting; lets requests in progress finish (their replies are sent) for up to `grace`; then run()
  // returns. Safe from any thread, and from on_signal.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

  struct Impl;  // (public for the sessions in http.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" (IPv4, [IPv6] or a name); throws std::invalid_argument with a message on a bad text.
std::pair<std::string, unsigned short> split_listen(const std::string& listen);
// Whether an address is a loopback one (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& address);

}  // namespace tollgate::serve
