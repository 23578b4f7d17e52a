// tollgate serve — Boost.Beast sessions, the listener and graceful shutdown (see http.hpp).
#include "engine/serve/http.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace tollgate::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

const char* reason_json(int status) {
  switch (status) {
    case 400: return "{\"error\":{\"status\":400,\"code\":\"tollgate.http.bad-request\",\"message\":\"malformed HTTP request\"}}\n";
    case 411: return "{\"error\":{\"status\":411,\"code\":\"tollgate.http.length-required\",\"message\":\"a POST gives its body's length (Content-Length) or sends it chunked (Transfer-Encoding: chunked)\"}}\n";
    case 413: return "{\"error\":{\"status\":413,\"code\":\"tollgate.http.too-large\",\"message\":\"the request body is larger than the server accepts\"}}\n";
    case 415: return "{\"error\":{\"status\":415,\"code\":\"tollgate.http.content-encoding\",\"message\":\"the body has a Content-Encoding the server does not read: send it uncoded (identity)\"}}\n";
    case 431: return "{\"error\":{\"status\":431,\"code\":\"tollgate.http.header-too-large\",\"message\":\"the request header is too large\"}}\n";
    default: return "{\"error\":{\"status\":500,\"code\":\"tollgate.http.internal\",\"message\":\"internal error\"}}\n";
  }
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  HttpOptions opt;
  Handler handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::atomic<bool> stopping{false};
  std::atomic<int> sessions{0}, busy{0};
  std::mutex mu;
  std::list<std::weak_ptr<struct Session>> live;  // to close idle keep-alive connections on stop
  std::unique_ptr<net::signal_set> signals;

  void accept();
};

struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket&& s, std::shared_ptr<HttpServer::Impl> server) : stream(std::move(s)), srv(std::move(server)) {
    ++srv->sessions;
  }
  ~Session() {
    drop_upload();
    --srv->sessions;
  }

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::shared_ptr<HttpServer::Impl> srv;
  std::optional<http::request_parser<http::empty_body>> header;
  std::optional<http::request_parser<http::string_body>> parser;
  std::optional<http::request_parser<http::file_body>> upload;
  HttpRequest req;
  HttpRequest seen;  // method, target and start of the request being answered (req itself goes to the handler)
  bool keep_alive = true, is_busy = false;
  bool head = false;  // the request is a HEAD: handled as its GET, answered with the GET's headers and no body
  std::shared_ptr<http::response<http::string_body>> res;
  std::shared_ptr<http::response<http::empty_body>> cont;
  std::string upload_path;  // the file a body is being streamed to (upload_file), until the handler has it

  // A body streamed to a file that will not reach the handler: the file is given back (upload_dropped).
  void drop_upload() {
    if (upload_path.empty()) return;
    if (upload) upload->get().body().close();
    std::string file = std::move(upload_path);
    upload_path.clear();
    // (Not once the server stops: the audit jobs then remove their unfinished uploads themselves, and may be gone.)
    if (srv->opt.upload_dropped && !srv->stopping) srv->opt.upload_dropped(file);
  }

  void start() {
    net::dispatch(stream.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  void set_busy(bool b) {
    if (b == is_busy) return;
    is_busy = b;
    b ? ++srv->busy : --srv->busy;
  }

  void read_header() {
    if (srv->stopping) return close();
    head = false;
    header.emplace();
    header->header_limit(srv->opt.header_limit);
    header->body_limit(srv->opt.max_upload);
    parser.reset();
    upload.reset();
    stream.expires_after(srv->opt.request_timeout);
    http::async_read_header(stream, buffer, *header,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    set_busy(true);
    auto& h = header->get();
    req = HttpRequest{};
    seen = HttpRequest{};
    req.started = std::chrono::steady_clock::now();
    req.method = std::string(h.method_string());
    head = req.method == "HEAD";  // (RFC 9110 §9.3.2: HEAD wherever GET is served)
    if (head) req.method = "GET";
    req.target = std::string(h.target());
    req.content_type = std::string(h[http::field::content_type]);
    req.authorization = std::string(h[http::field::authorization]);
    keep_alive = h.keep_alive();
    // A coded body (gzip, ...) would be read as garbage, and its rows stored as rejects: refused whole (RFC 9110
    // §8.4: an unsupported content coding is a 415).
    beast::string_view coding = h[http::field::content_encoding];
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
    if (!coding.empty() && !beast::iequals(coding, "identity")) return fail(415);
    auto length = header->content_length();
    // A POST with neither a length nor chunks has an empty body (RFC 9112 §6.3): a client that meant to send one
    // (closing the connection after it, as HTTP/1.0 did) would get an answer about no records, and its body read
    // as the next request. 411 says what is wrong (RFC 9110 §15.5.12).
    if (req.method == "POST" && !length && !header->chunked() && (!srv->opt.reads_body || srv->opt.reads_body(req)))
      return fail(411);
    std::string file = srv->opt.upload_file ? srv->opt.upload_file(req) : std::string();
    upload_path = file;
    uint64_t limit = file.empty() ? srv->opt.max_body : srv->opt.max_upload;
    if (length && *length > limit) return fail(413);
    bool expect_continue = beast::iequals(h[http::field::expect], "100-continue");
    if (!file.empty()) {
      upload.emplace(std::move(*header));
      upload->body_limit(limit);
      beast::error_code fec;
      upload->get().body().open(file.c_str(), beast::file_mode::write, fec);
      if (fec) return fail(500);
      req.body_file = file;
    } else {
      parser.emplace(std::move(*header));
      parser->body_limit(limit);
    }
    if (expect_continue) return send_continue();
    read_body();
  }

  void send_continue() {
    cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream, *cont, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    auto self = shared_from_this();
    if (upload) {
      stream.expires_after(srv->opt.upload_timeout);
      http::async_read(stream, buffer, *upload, [self](beast::error_code ec, size_t) {
        if (ec) return self->on_read_error(ec);
        self->upload->get().body().close();
        std::error_code fec;
        auto size = std::filesystem::file_size(self->req.body_file, fec);
        self->req.body_bytes = fec ? 0 : size;
        self->dispatch();
      });
      return;
    }
    http::async_read(stream, buffer, *parser, [self](beast::error_code ec, size_t) {
      if (ec) return self->on_read_error(ec);
      self->req.body = std::move(self->parser->get().body());
      self->req.body_bytes = self->req.body.size();
      self->dispatch();
    });
  }

  void on_read_error(beast::error_code ec) {
    drop_upload();
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof || !stream.socket().is_open())
      return close();
    if (ec == http::error::body_limit) return fail(413);
    if (ec == http::error::header_limit) return fail(431);
    return fail(400);  // anything else the parser refused
  }

  // A reply to a request that could not be read whole: sent, then the connection is closed.
  void fail(int status) {
    drop_upload();
    keep_alive = false;
    if (req.started == std::chrono::steady_clock::time_point{}) req.started = std::chrono::steady_clock::now();
    HttpReply r;
    r.status = status;
    r.body = reason_json(status);
    write(std::move(r));
  }

  void dispatch() {
    upload_path.clear();  // (the handler has the file now)
    stream.expires_never();  // the handler may take its time (a commit, a diff); the reply gets a timeout
    auto self = shared_from_this();
    seen.method = head ? "HEAD" : req.method;
    seen.target = req.target;
    seen.started = req.started;
    auto respond = [self](HttpReply r) {
      net::post(self->stream.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    };
    try {
      srv->handler(std::move(req), respond);
    } catch (...) {
      HttpReply r;
      r.status = 500;
      r.body = reason_json(500);
      respond(std::move(r));
    }
  }

  void write(HttpReply r) {
    res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "tollgate");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive && !srv->stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    if (head) {  // the GET's headers, its Content-Length included, and no body
      const size_t length = res->body().size();
      res->body().clear();
      res->content_length(length);
    }
    if (srv->opt.observe) {
      const HttpRequest& q = seen.method.empty() ? req : seen;
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - q.started).count();
      try {
        srv->opt.observe(q, r.status, s);
      } catch (...) {
      }
    }
    stream.expires_after(srv->opt.request_timeout);
    http::async_write(stream, *res, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->set_busy(false);
      if (ec || !self->res->keep_alive()) return self->close();
      self->res.reset();
      self->read_header();
    });
  }

  void close() {
    set_busy(false);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
    if (self->stopping || !self->acceptor.is_open()) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(s), self);
      {
        std::lock_guard<std::mutex> lock(self->mu);
        self->live.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
        self->live.push_back(session);
      }
      session->start();
    }
    self->accept();  // errors (too many open files, ...) cost one connection, never the listener
  });
}

HttpServer::HttpServer(HttpOptions options, Handler handler) : impl_(std::make_shared<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opt.address == "localhost" ? "127.0.0.1" : impl_->opt.address, ec);
  if (ec) throw std::runtime_error("'" + impl_->opt.address + "' is not an IP address");
  tcp::endpoint ep(addr, impl_->opt.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->opt.address + ":" + std::to_string(impl_->opt.port) +
                                   ": " + ec.message());
}

HttpServer::~HttpServer() {
  impl_->ioc.stop();
}

unsigned short HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

HttpServer::Post HttpServer::poster() const {
  return [impl = impl_](std::function<void()> task) { net::post(impl->ioc, std::move(task)); };
}

void HttpServer::run(unsigned threads, const std::function<void(int)>& on_signal) {
  auto impl = impl_;
  std::function<void()> wait;  // lives until run() returns, which is after the last signal wait ends
  if (on_signal) {
    impl->signals = std::make_unique<net::signal_set>(impl->ioc, SIGINT, SIGTERM, SIGHUP);
    wait = [impl, on_signal, &wait]() {
      impl->signals->async_wait([impl, on_signal, &wait](beast::error_code ec, int sig) {
        if (ec) return;
        on_signal(sig);
        if (!impl->stopping) wait();
      });
    };
    wait();
  }
  impl->accept();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < std::max(1u, threads); ++i) pool.emplace_back([impl] { impl->ioc.run(); });
  impl->ioc.run();
  for (auto& t : pool) t.join();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  auto impl = impl_;
  net::post(impl->ioc, [impl, grace] {
    if (impl->stopping.exchange(true)) return;
    beast::error_code ec;
    impl->acceptor.close(ec);
    if (impl->signals) impl->signals->cancel(ec);
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard<std::mutex> lock(impl->mu);
      for (auto& w : impl->live)
        if (auto s = w.lock()) sessions.push_back(s);
    }
    for (auto& s : sessions)  // idle connections are closed; busy ones close after their reply
      net::post(s->stream.get_executor(), [s] {
        if (!s->is_busy) s->close();
      });
    auto deadline = std::chrono::steady_clock::now() + grace;
    auto timer = std::make_shared<net::steady_timer>(impl->ioc);
    std::shared_ptr<std::function<void()>> poll = std::make_shared<std::function<void()>>();
    *poll = [impl, timer, deadline, poll] {
      if (impl->busy == 0 || std::chrono::steady_clock::now() >= deadline) {
        impl->ioc.stop();
        *poll = nullptr;  // break the cycle
        return;
      }
      timer->expires_after(std::chrono::milliseconds(10));
      timer->async_wait([poll](beast::error_code) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  });
}

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("--listen '" + listen + "' is not HOST:PORT (say 127.0.0.1:8470)");
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) throw std::invalid_argument("--listen '" + listen + "': bad port");
    p = p * 10 + static_cast<unsigned long>(c - '0');
  }
  if (p > 65535) throw std::invalid_argument("--listen '" + listen + "': bad port");
  return {host, static_cast<unsigned short>(p)};
}

bool is_loopback(const std::string& address) {
  if (address == "localhost") return true;
  beast::error_code ec;
  auto a = net::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

}  // namespace tollgate::serve
