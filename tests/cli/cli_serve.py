#!/usr/bin/env python3
"""API tests of `tollgate serve` against a real server on an ephemeral port of 127.0.0.1 (docs/server.md).

    python3 cli_serve.py TOLLGATE SOURCE_DIR WORK_DIR

Each endpoint and each error status; a batch with bad records (the others still judged); decisions byte for byte
those of `tollgate check --json`; malformed HTTP and slow clients (the server stays up); a reload with a broken
rules file (the old rules keep serving); bearer tokens; SIGTERM drains and commits; every answered request id is in
the store and `trace verify` passes; and SIGKILL during a load loop loses no answered decision.
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

TG, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
FAILS = []

H20 = {"type": "shipment", "id": "S-1", "date": "2025-09-01", "chip": "H20", "destination": "CN",
       "end_user_hq": "CN", "quantity": 10, "unit_price_usd": "12000.00"}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


class Server:
    def __init__(self, name, *args, expect_start=True, env=None):
        self.dir = os.path.join(WORK, name)
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "decisions.db")
        self.port_file = os.path.join(self.dir, "port")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([TG, "serve", "--listen", "127.0.0.1:0", "--db", self.db, "--port-file",
                                      self.port_file, "--spool", os.path.join(self.dir, "spool"), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if not expect_start:
            return
        for _ in range(400):
            if os.path.exists(self.port_file):
                break
            if self.proc.poll() is not None:
                raise SystemExit("server exited: " + open(self.log.name).read())
            time.sleep(0.025)
        self.port = int(open(self.port_file).read())

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=60)
        self.log.close()
        return rc


def check_cli_json(record, *flags):
    out = subprocess.run([TG, "check", "--json", *flags, "-"], input=json.dumps(record).encode(), capture_output=True)
    return out.stdout


def err(body):
    """The error object of an error body ({} if the body is not one)."""
    try:
        e = json.loads(body)
    except ValueError:
        return {}
    return e.get("error", {}) if isinstance(e, dict) else {}


def raw_exchange(port, data, wait=2.0):
    """Sends raw bytes; returns what the server answers before it closes (or `wait` passes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
        return got
    finally:
        s.close()


def test_endpoints(srv):
    st, h, body = srv.request("GET", "/healthz")
    check(st == 200 and json.loads(body)["status"] == "ok", "GET /healthz")
    st, h, body = srv.request("GET", "/v1/openapi.json")
    doc = json.loads(body)
    check(st == 200 and doc["openapi"].startswith("3.") and "/v1/check" in doc["paths"], "GET /v1/openapi.json is OpenAPI 3")
    st, h, body = srv.request("GET", "/")
    check(st == 200 and b"<form" in body and b"http://" not in body.replace(b"http://www.w3.org", b""),
          "GET / is the self-contained web page")
    st, h, body = srv.request("GET", "/v1/rulesets")
    ids = [r["id"] for r in json.loads(body)["rulesets"]]
    check(st == 200 and "us_2025_h20" in ids, "GET /v1/rulesets")
    st, h, body = srv.request("GET", "/v1/catalog?q=h20")
    chips = json.loads(body)["chips"]
    check(st == 200 and any(c["name"] == "H20" and c["tpp"] == 2368 for c in chips), "GET /v1/catalog?q=h20 finds H20")
    st, h, body = srv.request("GET", "/v1/catalog?q=%21%21%21")  # "!!!": asks for nothing (it listed every chip)
    check(st == 200 and json.loads(body)["matched"] == 0, "GET /v1/catalog?q=!!! finds no chip")
    # One record: byte for byte what `tollgate check --json` prints, answered with its request id.
    st, h, body = srv.request("POST", "/v1/check", H20)
    check(st == 200 and body == check_cli_json(H20), "POST /v1/check: the same decision object as check --json")
    d = json.loads(body)
    check(d["verdict"] == "LICENSE_REQUIRED" and d["review"] == "case_by_case" and d["fee_total_cents"] == 1800000,
          "H20 to CN on 2025-09-01: LICENSE_REQUIRED, case_by_case, 15 % fee")
    check("X-Request-Id" in h, "a decision is answered with its request id")
    # ?explain=1: the why_not array, byte for byte as `check --explain --format json` prints it (the same engine
    # function); an ALLOWED decision (H20 to CN before the 2025 licence rule) says how far it is from each line.
    allowed = dict(H20, id="S-2", date="2024-06-01")
    st, h, body = srv.request("POST", "/v1/check?explain=1", allowed)
    check(st == 200 and body == check_cli_json(allowed, "--explain"),
          "POST /v1/check?explain=1: the same bytes as check --explain --format json")
    d = json.loads(body)
    texts = [c["text"] for w in d.get("why_not", []) for c in w["conditions"]]
    check(d["verdict"] == "ALLOWED" and "chip.tpp = 2,368 is 32 below 2,400" in texts,
          "?explain=1 on an ALLOWED decision: the TPP margin to 3A090.b (2,368 is 32 below 2,400)")
    st, h, body = srv.request("POST", "/v1/check?explain=true", [allowed, H20])
    arr = json.loads(body)
    check(st == 200 and all("why_not" in x for x in arr), "?explain=true: every decision of an array has why_not")
    st, h, plain = srv.request("POST", "/v1/check", allowed)
    check(st == 200 and plain == check_cli_json(allowed) and b"why_not" not in plain,
          "without explain: no why_not (the default answer unchanged)")
    st, h, body = srv.request("POST", "/v1/check?explain=maybe", allowed)
    check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.flag", "a bad explain value is a 400")
    # An empty value is not "yes" (found by a new user: `?include_proposed=` from a blank template judged by the
    # proposed bill); nor is an unknown one, on any flag or format.
    for q in ["include_proposed=", "include_proposed", "explain=", "include_unenforced=", "include_proposed=TRUE"]:
        st, h, body = srv.request("POST", "/v1/check?" + q, H20)
        check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.flag", "POST /v1/check?%s is a 400" % q)
    st, h, body = srv.request("POST", "/v1/audits?format=xml", "id,date\n", {"Content-Type": "application/octet-stream"})
    check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.format"
          and not os.listdir(os.path.join(srv.dir, "spool")), "POST /v1/audits?format=xml: 400, the upload dropped")
    st, h, body = srv.request("POST", "/v1/classify?as_of=2024-06-01&explain=1", {"name": "H20"})
    check(st == 200 and any(w["would"] == "3A090.b" for w in json.loads(body).get("why_not", [])),
          "POST /v1/classify?explain=1: the class rules that did not fire")
    # as_of and include_proposed
    st, h, body = srv.request("POST", "/v1/check?as_of=2026-03-01&include_proposed=true", H20)
    check(st == 200 and json.loads(body)["as_of"] == "2026-03-01", "as_of query parameter")
    st, h, body = srv.request("POST", "/v1/check?as_of=2026-13-01", H20)
    check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.date", "a bad as_of is a 400")


def test_batches(srv):
    bad_chip = dict(H20, id="S-2", chip="H2O")
    no_field = dict(H20, id="S-3")
    del no_field["end_user_hq"]
    # (encoding.md r2: the end user's ultimate parent decides the H20 notice outside China; it is its own parent)
    ok2 = dict(H20, id="S-4", destination="DE", end_user_hq="DE", end_user_parent_hq="DE")
    st, h, body = srv.request("POST", "/v1/check", [H20, bad_chip, no_field, ok2])
    out = json.loads(body)
    check(st == 400 and len(out) == 4, "a batch with bad records: 400, one answer per record")
    check(out[0]["verdict"] == "LICENSE_REQUIRED" and "error" in out[1] and out[3]["verdict"] == "ALLOWED",
          "the good records of the batch are still judged")
    check(out[1]["error"]["field"] == "chip", "a bad record names its field: " + json.dumps(out[1]["error"]))
    # An unknown chip: the error of `tollgate check` for the same record (code, field and text: the suggestions
    # with their classes), alone or in a batch.
    st, h, body = srv.request("POST", "/v1/check", bad_chip)
    cli = check_cli_json(bad_chip)
    check(st == 400 and body == cli and "(none)" in json.loads(cli)["error"]["message"],
          "an unknown chip: the error object of check --json, byte for byte: " + body.decode().strip())
    same = {k: v for k, v in json.loads(cli)["error"].items() if k != "line"}
    check({k: v for k, v in out[1]["error"].items() if k != "line"} == same,
          "an unknown chip in a batch: the code, field and message of check --json")
    jsonl = "\n".join(json.dumps(r) for r in [H20, ok2]) + "\n"
    st, h, body = srv.request("POST", "/v1/check", jsonl, {"Content-Type": "application/x-ndjson"})
    lines = body.decode().splitlines()
    check(st == 200 and len(lines) == 2 and json.loads(lines[1])["id"] == "S-4", "JSON lines in, JSON lines out")
    st, h, body = srv.request("POST", "/v1/check", '{"type": "shipment", ', {"Content-Type": "application/json"})
    check(st == 400 and "error" in json.loads(body), "bad JSON: 400 with a JSON error")
    undated = dict(H20)
    del undated["date"]
    st, h, body = srv.request("POST", "/v1/check", undated)
    check(st == 400 and json.loads(body)["error"]["field"] == "date", "no date and no as_of: an error, not the clock")
    st, h, body = srv.request("POST", "/v1/classify?as_of=2025-09-01", {"name": "H100 SXM5 80GB"})
    d = json.loads(body)
    check(st == 200 and d["classification"] == "3A090.a" and "performance_density" in d["arithmetic"],
          "POST /v1/classify: class and arithmetic")


def test_errors(srv):
    st, h, body = srv.request("GET", "/v1/nothing")
    check(st == 404 and json.loads(body)["error"]["status"] == 404, "unknown path: 404")
    st, h, body = srv.request("GET", "/v1/check")
    check(st == 405 and h.get("Allow") == "POST", "GET /v1/check: 405 with Allow")
    big = "[" + ",".join([json.dumps(H20)] * 20000) + "]"  # about 3 MB
    try:
        st, h, body = srv.request("POST", "/v1/check", big, {"Content-Type": "application/json"})
        check(st == 413, "a body over --max-body: 413")
    except (ConnectionError, BrokenPipeError):
        check(True, "a body over --max-body: 413 (connection closed before the body was sent)")
    got = raw_exchange(srv.port, b"GARBAGE / HTTP/9.9\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 400") and b"/" + b"tmp" not in got, "malformed HTTP: 400")
    got = raw_exchange(srv.port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 400"), "bad Content-Length: 400")
    # A POST with neither Content-Length nor chunks: 411, not an empty body (and the body read as the next request).
    got = raw_exchange(srv.port, b"POST /v1/check HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n\r\n"
                       + json.dumps(H20).encode())
    check(got.startswith(b"HTTP/1.1 411") and b"tollgate.http.length-required" in got, "POST without a length: 411")
    got = raw_exchange(srv.port, b"POST /v1/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 404"), "POST to an unknown path without a length: 404, not 411")
    chunk = json.dumps(H20).encode()
    got = raw_exchange(srv.port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                       b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(chunk) + chunk
                       + b"\r\n0\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 200") and b'"verdict"' in got, "a chunked POST is read")
    got = raw_exchange(srv.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 431") or got == b"", "a header over the limit: 431 (or closed)")
    got = raw_exchange(srv.port, b"\x00\xff\x13\x37" * 1000)
    check(got.startswith(b"HTTP/1.1 400") or got == b"", "binary garbage: 400 (or closed)")
    # A client that stops halfway through its header is disconnected after the request timeout (1 s here).
    t0 = time.time()
    got = raw_exchange(srv.port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\n", wait=10)
    check(time.time() - t0 < 8, "a stalled request is cut off by the timeout (%.1f s)" % (time.time() - t0))
    st, h, body = srv.request("GET", "/healthz")
    check(st == 200, "the server is still up after malformed requests")
    st, h, body = srv.request("POST", "/v1/screen", {"name": "Huawei"})
    check(st == 503 and json.loads(body)["error"]["code"] == "tollgate.serve.no-lists",
          "POST /v1/screen without --lists: 503, says to start with --lists")


def test_query_params(srv):
    """An unknown query parameter (a misspelt as_of would judge as of the record's own date) or one given twice is a
    400 naming it, on every API endpoint; the web page takes any query."""
    st, h, body = srv.request("POST", "/v1/check?as_off=2026-03-01", H20)
    e = err(body)
    check(st == 400 and e.get("code") == "tollgate.input.query" and "'as_off'" in e.get("message", "") and
          "did you mean 'as_of'" in e.get("message", ""), "a misspelt as_of: 400 naming it: " + body.decode()[:160])
    st, h, body = srv.request("POST", "/v1/check?as_of=2025-09-01&as_of=2026-03-01", H20)
    e = err(body)
    check(st == 400 and e.get("code") == "tollgate.input.query" and "'as_of'" in e.get("message", ""),
          "as_of given twice: 400 naming it: " + body.decode()[:160])
    st, h, body = srv.request("POST", "/v1/check?explain=1&explain=0", H20)
    check(st == 400, "explain given twice: 400")
    st, h, body = srv.request("POST", "/v1/classify?as_of=2024-06-01&include_propsed=1", {"name": "H20"})
    check(st == 400 and "include_propsed" in err(body).get("message", ""), "/v1/classify: unknown parameter")
    for path in ["/v1/diff?as_of=2023-06-01&vs=2023-12-01&fromat=svg", "/v1/catalog?query=h20", "/healthz?x=1",
                 "/v1/rulesets?as_of=2024-01-01", "/v1/audits/nope?verbose=1", "/v1/catalog?q=h20&q=mi3"]:
        st, h, body = srv.request("GET", path)
        check(st == 400 and err(body).get("code") == "tollgate.input.query", "GET %s: 400" % path)
    st, h, body = srv.request("GET", "/v1/catalog?q=h20&")
    check(st == 200, "a trailing '&' is not a parameter")
    st, h, body = srv.request("GET", "/?from=mail")
    check(st == 200 and b"<form" in body, "the web page takes any query")
    spool = os.path.join(srv.dir, "spool")
    st, h, body = srv.request("POST", "/v1/audits?as_off=2025-01-01", "id,date\n", {"Content-Type": "text/csv"})
    check(st == 400 and "as_off" in err(body).get("message", "") and not os.listdir(spool),
          "POST /v1/audits with an unknown parameter: 400, the upload dropped")


def test_media_types(srv):
    """POST bodies: the Content-Types each endpoint reads, else 415 naming them; none is read as JSON."""
    for ctype in ["text/plain", "application/x-www-form-urlencoded", "application/jsonlines", "text/csv-schema"]:
        st, h, body = srv.request("POST", "/v1/check", json.dumps(H20), {"Content-Type": ctype})
        e = err(body)
        check(st == 415 and e.get("code") == "tollgate.serve.media-type" and "application/json" in e.get("message", "")
              and "text/csv" in e.get("message", "") and "text/csv" in h.get("Accept-Post", ""),
              "POST /v1/check as %s: 415 naming the accepted types" % ctype)
    st, h, body = srv.request("POST", "/v1/check", json.dumps(H20), {"Content-Type": "Application/JSON; charset=utf-8"})
    check(st == 200 and body == check_cli_json(H20), "application/json with a charset (any case): read")
    st, h, body = srv.request("POST", "/v1/check", json.dumps(H20))
    check(st == 200 and body == check_cli_json(H20), "no Content-Type: read as JSON")
    csv = "type,id,date,chip,destination,end_user_hq,quantity,unit_price_usd\n" \
          "shipment,S-1,2025-09-01,H20,CN,CN,10,12000.00\n"
    st, h, body = srv.request("POST", "/v1/check", csv, {"Content-Type": "text/csv; charset=utf-8"})
    check(st == 200 and json.loads(body)["verdict"] == "LICENSE_REQUIRED", "text/csv: read as CSV")
    # CSV as spreadsheets export it, as `tollgate check` reads it: a byte order mark, ';' and a sep= line; UTF-16
    # with tabs (Excel's "Unicode Text"). Not text at all: one 400 for the body.
    semi = "\ufeffsep=;\r\ntype;id;date;chip;destination;end_user_hq;quantity;unit_price_usd\r\n" \
           "shipment;S-1;2025-09-01;H20;CN;CN;10;12000.00\r\n"
    st, h, body = srv.request("POST", "/v1/check", semi.encode("utf-8"), {"Content-Type": "text/csv"})
    check(st == 200 and json.loads(body)["verdict"] == "LICENSE_REQUIRED", "text/csv with ';' and sep=: read")
    tab16 = csv.replace(",", "\t").replace("\n", "\r\n").encode("utf-16")
    st, h, body = srv.request("POST", "/v1/check", tab16, {"Content-Type": "text/csv"})
    check(st == 200 and json.loads(body)["verdict"] == "LICENSE_REQUIRED", "text/csv in UTF-16 with tabs: read")
    st, h, body = srv.request("POST", "/v1/check", bytes(range(256)) * 8, {"Content-Type": "text/csv"})
    check(st == 400 and err(body).get("code") == "tollgate.input.csv", "text/csv that is not text: 400")
    for path in ["/v1/classify?as_of=2024-06-01", "/v1/screen"]:
        st, h, body = srv.request("POST", path, '{"name": "H20"}', {"Content-Type": "text/plain"})
        check(st == 415 and "application/json" in err(body).get("message", ""), "POST %s as text/plain: 415" % path)
    spool = os.path.join(srv.dir, "spool")
    st, h, body = srv.request("POST", "/v1/audits", "id,date\n", {"Content-Type": "text/plain"})
    check(st == 415 and "text/csv" in err(body).get("message", "") and not os.listdir(spool),
          "POST /v1/audits as text/plain: 415, the upload dropped")
    # An upload that is not read whole (cut short, a bad chunk, the connection gone): its job and spooled file are
    # dropped, never left "uploading" (found by a new user: a client could fill the disk so).
    head = b"POST /v1/audits HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
    for what, data in [("cut short", head + b"Content-Length: 100000\r\n\r\nid,date\nS-1,2025-01-01\n"),
                       ("a bad chunk", head + b"Transfer-Encoding: chunked\r\n\r\n8\r\nid,date\n\r\nzz\r\nxx\r\n"),
                       ("no last chunk", head + b"Transfer-Encoding: chunked\r\n\r\n8\r\nid,date\n\r\n")]:
        raw_exchange(srv.port, data, wait=0.5)
        for _ in range(50):
            if not os.listdir(spool):
                break
            time.sleep(0.1)
        check(not os.listdir(spool), "an upload %s: its spooled file dropped (%s)" % (what, os.listdir(spool)))


def test_openapi_media_types(srv):
    """The OpenAPI document lists every body type each endpoint reads (the server's own list, from a 415's
    Accept-Post) and every type /v1/check answers in (JSON lines and CSV in: JSON lines out), so that a client
    generated from it can send and read them all."""
    doc = json.loads(srv.request("GET", "/v1/openapi.json")[2])
    for path, body in [("/v1/check", json.dumps(H20)), ("/v1/audits", "id,date\n")]:
        st, h, _ = srv.request("POST", path, body, {"Content-Type": "text/plain"})
        reads = [t.strip() for t in h.get("Accept-Post", "").split(",") if t.strip()]
        listed = doc["paths"][path]["post"]["requestBody"]["content"]
        check(st == 415 and reads and all(t in listed for t in reads),
              "OpenAPI lists every type POST %s reads: %s (listed: %s)" % (path, reads, sorted(listed)))
    csv = "type,id,date,chip,destination,end_user_hq,quantity,unit_price_usd\n" \
          "shipment,S-1,2025-09-01,H20,CN,CN,10,12000.00\n"
    for ctype, body in [("application/x-ndjson", json.dumps(H20) + "\n"), ("text/csv", csv),
                        ("application/json", json.dumps(H20))]:
        st, h, _ = srv.request("POST", "/v1/check", body, {"Content-Type": ctype})
        answered = h.get("Content-Type", "").split(";")[0].strip()
        listed = doc["paths"]["/v1/check"]["post"]["responses"][str(st)]["content"]
        check(st == 200 and answered in listed,
              "OpenAPI lists /v1/check's answer to %s: %s (listed: %s)" % (ctype, answered, sorted(listed)))
    # Every operation: the status an unknown query parameter and another method get is one the document lists, with
    # the content type answered; and each format of the diff and of a report answers in a listed type.
    for path, ops in doc["paths"].items():
        if "{" in path:
            continue
        for method in ops:
            st, h, _ = srv.request(method.upper(), path + "?bogus=1", "{}" if method == "post" else None,
                                   {"Content-Type": "application/json"} if method == "post" else {})
            if path != "/":
                check(st == 400 and "400" in ops[method]["responses"], "%s %s?bogus=1: 400, listed" % (method, path))
            if method == "post" and path == "/v1/reload":  # no body: `curl -X POST .../v1/reload` sends no length
                got = raw_exchange(srv.port, b"POST /v1/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                check(not got.startswith(b"HTTP/1.1 411") and "411" not in ops[method]["responses"],
                      "POST /v1/reload without a length: read (it has no body)")
            elif method == "post":
                got = raw_exchange(srv.port, ("POST %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
                check(got.startswith(b"HTTP/1.1 411") and "411" in ops[method]["responses"],
                      "POST %s without a length: 411, listed" % path)
            other = "GET" if method == "post" else "PUT"
            st, h, _ = srv.request(other, path, None)
            check(st == 405 and "405" in ops[method]["responses"], "%s %s: 405, listed" % (other, path))
    # Too many records: the whole request refused, one Error object in application/json (JSON lines in or not).
    for ctype, body in [("application/x-ndjson", "{}\n" * 100001), ("application/json", "[" + ",".join(["{}"] * 100001) + "]")]:
        st, h, out = srv.request("POST", "/v1/check", body, {"Content-Type": ctype})
        check(st == 413 and h.get("Content-Type", "").startswith("application/json")
              and err(out).get("code") == "tollgate.serve.too-many-records", "100,001 records as %s: 413 as JSON" % ctype)
    for fmt in ["json", "svg", "text", "md"]:
        st, h, _ = srv.request("GET", "/v1/diff?as_of=2023-06-01&vs=2023-12-01&format=" + fmt)
        answered = h.get("Content-Type", "").split(";")[0].strip()
        check(st == 200 and answered in doc["paths"]["/v1/diff"]["get"]["responses"]["200"]["content"],
              "GET /v1/diff?format=%s answers %s, listed" % (fmt, answered))


def test_content_encoding(srv):
    """A coded body is refused whole (415), not read as garbage and stored as rejects; identity is read."""
    import gzip
    for coding in ["gzip", "br", "GZIP"]:
        st, h, body = srv.request("POST", "/v1/check", gzip.compress(json.dumps(H20).encode()),
                                  {"Content-Type": "application/json", "Content-Encoding": coding})
        check(st == 415 and err(body).get("code") == "tollgate.http.content-encoding",
              "POST /v1/check with Content-Encoding: %s: 415" % coding)
    st, h, body = srv.request("POST", "/v1/check", json.dumps(H20),
                              {"Content-Type": "application/json", "Content-Encoding": "identity"})
    check(st == 200 and body == check_cli_json(H20), "Content-Encoding: identity is read")


def test_head(srv):
    """HEAD wherever GET is served (RFC 9110 §9.3.2; uptime monitors use it): the GET's status and headers, its
    Content-Length included, and no body; the connection goes on (found by a new user: every HEAD was a 405)."""
    for path in ["/healthz", "/v1/rulesets", "/v1/catalog?q=h20", "/v1/openapi.json", "/"]:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        c.request("HEAD", path)
        r = c.getresponse()
        head_body = r.read()
        head_status, head_length = r.status, r.getheader("Content-Length")
        c.request("GET", path)  # the same connection: nothing of a body was left on it
        g = c.getresponse()
        get_body = g.read()
        c.close()
        check(head_status == 200 == g.status and head_body == b"" and head_length == str(len(get_body)),
              "HEAD %s: the GET's status and Content-Length (%s), no body" % (path, head_length))
    st, h, _ = srv.request("PUT", "/healthz")
    check(st == 405 and h.get("Allow") == "GET, HEAD", "PUT /healthz: 405, Allow: GET, HEAD")


def test_empty_bodies(srv):
    """A body with no record: 400, nothing to check (not a 200 with nothing in it)."""
    for what, body, ctype in [("[]", "[]", "application/json"), ("JSON lines with no line", "\n\n", "application/x-ndjson"),
                              ("a CSV header alone", "type,id,date,chip\n", "text/csv")]:
        st, h, out = srv.request("POST", "/v1/check", body, {"Content-Type": ctype})
        e = err(out)
        check(st == 400 and e.get("code") == "tollgate.input.empty" and "nothing to check" in e.get("message", ""),
              "POST /v1/check with %s: 400, nothing to check" % what)


def test_diff_metrics(srv):
    st, h, body = srv.request("GET", "/v1/diff?as_of=2023-06-01&vs=2023-12-01")
    d = json.loads(body)
    check(st == 200 and len(d["regions"]) > 0, "GET /v1/diff: regions between the 2022 and 2023 rules")
    st, h, body = srv.request("GET", "/v1/diff?as_of=2023-06-01&vs=2023-12-01&format=svg")
    check(st == 200 and h["Content-Type"].startswith("image/svg") and b"<svg" in body, "GET /v1/diff as SVG")
    st, h, body = srv.request("GET", "/v1/diff?as_of=someday")
    check(st == 400, "GET /v1/diff with a bad date: 400")
    st, h, body = srv.request("GET", "/metrics")
    text = body.decode()
    check(st == 200 and 'tollgate_decisions_total{verdict="LICENSE_REQUIRED"}' in text and
          "tollgate_http_request_duration_seconds_bucket" in text and "tollgate_store_rows_total" in text and
          'endpoint="/v1/check"' in text, "GET /metrics: requests, latency histogram, verdicts, store rows")


def test_audit(srv):
    log = os.path.join(SRC, "fixtures/orders/sample_log.csv")
    with open(log, "rb") as f:
        data = f.read()
    st, h, body = srv.request("POST", "/v1/audits", data, {"Content-Type": "text/csv"})
    check(st == 202, "POST /v1/audits: 202 with a run id")
    run = json.loads(body)["id"]
    status = {}
    for _ in range(600):
        st, h, body = srv.request("GET", "/v1/audits/" + run)
        status = json.loads(body)
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    check(status.get("status") == "done", "the audit finishes: " + status.get("error", status.get("status", "")))
    summary = status.get("summary", {})
    check(summary.get("records") == 2000 and summary["decisions"] + summary["rejects"] == 2000,
          "the summary accounts for all 2,000 rows")
    check(SRC not in json.dumps(status) and WORK not in json.dumps(status), "no server path in the audit status")
    st, h, body = srv.request("GET", "/v1/audits/" + run + "/report")
    check(st == 200 and b"<html" in body.lower(), "GET /v1/audits/{id}/report: the HTML report")
    st, h, body = srv.request("GET", "/v1/audits/" + run + "/report?download=yes")
    check(st == 200 and "attachment" in h.get("Content-Disposition", ""), "report?download=yes: an attachment")
    st, h, body = srv.request("GET", "/v1/audits/" + run + "/report?download=maybe")
    check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.flag", "report?download=maybe: 400")
    st, h, body = srv.request("GET", "/v1/audits/nope")
    check(st == 404, "an unknown audit: 404")


def test_store_in_use(srv):
    """The decision log of a running server: `trace` commands read it (one snapshot each, verified while requests
    are being committed); a second writer is refused, naming the server and what to do."""
    ids, errors, stop = [], [], threading.Event()
    threads = [threading.Thread(target=load_loop, args=(srv, ids, stop, errors)) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        for args in (["runs"], ["verify"], ["verify"], ["export", "--format", "csv"]):
            out = subprocess.run([TG, "trace", *args, srv.db], capture_output=True, text=True, timeout=60)
            check(out.returncode == 0 and out.stdout, "trace %s on the store of a running server, under load: read (%s)"
                  % (args[0], (out.stderr or out.stdout.splitlines()[0]).strip()[:160]))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    check(len(ids) > 10 and not errors, "the server kept answering while its log was read (%d answers)" % len(ids))
    out = subprocess.run([TG, "trace", "export", srv.db, "--format", "csv"], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0 and ("L-" in out.stdout), "trace export of a running server's log shows its decisions")
    out = subprocess.run([TG, "serve", "--listen", "127.0.0.1:0", "--db", srv.db], capture_output=True, text=True,
                         timeout=60)
    check(out.returncode == 2 and "in use by a running `tollgate serve` (pid %d)" % srv.proc.pid in out.stderr and
          "another store (--db)" in out.stderr, "a second server on the same store: refused, says why: "
          + out.stderr.strip())
    audit = subprocess.run([TG, "audit", os.path.join(SRC, "fixtures/orders/sample_orders.csv"), "--db", srv.db],
                           capture_output=True, text=True, timeout=60)
    check(audit.returncode == 2 and "in use by a running `tollgate serve` (pid %d)" % srv.proc.pid in audit.stderr,
          "an audit into the store of a running server: refused, says why: " + audit.stderr.strip())


def test_reload(srv, rules):
    st, h, before = srv.request("POST", "/v1/check", H20)
    with open(os.path.join(rules, "zz_broken.tg"), "w") as f:
        f.write("ruleset broken {\n  this is not a rule\n")
    st, h, body = srv.request("POST", "/v1/reload")
    r = json.loads(body)
    check(st == 422 and not r["ok"] and "zz_broken.tg" in r["message"], "reload with a broken rules file: refused, says where")
    check(rules not in r["message"], "the reload error does not show the server's folders")
    st, h, after = srv.request("POST", "/v1/check", H20)
    check(st == 200 and after == before, "the old rules keep serving after a failed reload")
    os.remove(os.path.join(rules, "zz_broken.tg"))
    srv.proc.send_signal(signal.SIGHUP)
    for _ in range(200):
        st, h, body = srv.request("GET", "/healthz")
        if json.loads(body)["rules_generation"] == 2:
            break
        time.sleep(0.05)
    check(json.loads(body)["rules_generation"] == 2, "SIGHUP reloads the rules (generation 2)")


def cli_screen(name, country, lists, resolutions=None):
    """`tollgate screen --format json`, with the list and resolution paths as the server names them (file names)."""
    args = [TG, "screen", name, "--format", "json", "--lists", *lists]
    if country:
        args += ["--country", country]
    if resolutions:
        args += ["--resolutions", resolutions]
    doc = json.loads(subprocess.run(args, capture_output=True).stdout)
    for l in doc["lists"]:
        l["path"] = os.path.basename(l["path"])
    for c in doc["candidates"]:
        c["list"] = os.path.basename(c["list"])
    if "resolutions" in doc:
        doc["resolutions"]["path"] = os.path.basename(doc["resolutions"]["path"])
    return doc


def test_screen():
    """serve --lists/--resolutions and POST /v1/screen: the documents of `tollgate screen --format json`."""
    d = os.path.join(WORK, "screen-files")
    os.makedirs(d, exist_ok=True)
    lst = os.path.join(d, "csl.csv")
    shutil.copy(os.path.join(SRC, "fixtures", "lists", "csl_sample.csv"), lst)
    res = os.path.join(d, "resolved.csv")
    with open(res, "w") as f:
        f.write('party,entry,who,when,why\n"Huawen Technologies Co., Ltd.",pub-huawei,A. Officer,2026-11-30,'
                '"Huawen: other registry number, no Huawei ownership"\n')
    srv = Server("screen", "--lists", lst, "--resolutions", res)
    try:
        st, h, body = srv.request("POST", "/v1/screen", {"name": "Huawei Technologies Co., Ltd.", "country": "CN"})
        doc = json.loads(body)
        check(st == 200 and doc == cli_screen("Huawei Technologies Co., Ltd.", "CN", [lst], res),
              "POST /v1/screen: the document of tollgate screen --format json")
        check(doc["outcome"] == "certain match" and doc["candidates"][0]["entry"] == "pub-huawei" and
              doc["candidates"][0]["effect"] == "LICENSE_REQUIRED", "Huawei: a certain match on the Entity List")
        check(d not in body.decode(), "the screening answer names list files, not the server's folders")
        parties = [{"name": "Huawen Technologies Co., Ltd."}, {"name": "Nvidia Corporation", "country": "US"},
                   {"country": "CN"}, {"name": "---"}, {"name": "Huawei", "country": "XX"}, "Huawei",
                   {"name": "北京壁仞科技开发有限公司"}]
        st, h, body = srv.request("POST", "/v1/screen", parties)
        out = json.loads(body)
        check(st == 400 and len(out) == len(parties), "a batch of parties with bad ones: 400, one answer per party")
        check(out[0]["outcome"] == "resolved non-match" and out[0]["candidates"][0]["resolution"]["who"] == "A. Officer",
              "a resolution settles a possible match (who, when, why)")
        check(out[1]["outcome"] == "no match" and out[6] == cli_screen("北京壁仞科技开发有限公司", "", [lst], res),
              "the good parties of the batch are still screened")
        # As a record's party fields (found by a new user): no control or bidirectional control character, and no
        # unknown member (a misspelt "contry" must not be dropped silently).
        bad = [{"name": "Huawei\u0000 Co"}, {"name": "Huawei \u202eoC"}, {"name": "Huawei", "contry": "CN"}]
        st, h, body = srv.request("POST", "/v1/screen", bad)
        got = json.loads(body)
        check(st == 400 and [o.get("error", {}).get("field") for o in got] == ["name", "name", "contry"]
              and "\u202e" not in body.decode().lower().replace("\\u202e", ""),
              "POST /v1/screen: control characters and unknown members refused, per party: %s" % got)
        check([o.get("error", {}).get("field") for o in out[2:6]] == ["name", "name", "country", ""],
              "each bad party is an error naming its field: " + json.dumps(out[2:6]))
        st, h, body = srv.request("POST", "/v1/screen", [])
        check(st == 400 and err(body).get("code") == "tollgate.input.empty", "POST /v1/screen with []: 400, nothing to screen")
        st, h, body = srv.request("POST", "/v1/screen", "{not json", {"Content-Type": "application/json"})
        check(st == 400 and json.loads(body)["error"]["code"] == "tollgate.input.json", "bad JSON to /v1/screen: 400")
        st, h, body = srv.request("GET", "/v1/screen")
        check(st == 405 and h.get("Allow") == "POST", "GET /v1/screen: 405 with Allow")
        sha = hashlib.sha256(open(lst, "rb").read()).hexdigest()
        want = {"lists": [{"name": "csl.csv", "date": "2026-11-30", "sha256": sha, "entries": 27}],
                "resolutions": {"name": "resolved.csv", "sha256": hashlib.sha256(open(res, "rb").read()).hexdigest(),
                                "items": 1}}
        st, h, body = srv.request("GET", "/v1/rulesets")
        check(st == 200 and json.loads(body)["screening"] == want, "GET /v1/rulesets: the lists' name, date, SHA-256")
        st, h, body = srv.request("GET", "/healthz")
        check(json.loads(body)["screening"] == want, "GET /healthz: the lists' name, date, SHA-256")
        # POST /v1/check with --lists: each record's parties screened inside its decision, as check --lists does.
        chip = {"name": "Tiny Edge NPU", "datacenter": False, "tpp": 100}
        recs = [{"type": "shipment", "id": "S-EL", "date": "2026-11-15", "chip": chip, "destination": "DE",
                 "end_user_hq": "DE", "end_user_parent_hq": "DE", "quantity": 1, "unit_price_usd": "10.00",
                 "end_user": "Musterstadt Robotics GmbH", "consignee": "Huawei Technologies Co., Ltd."},
                {"type": "shipment", "id": "S-RESOLVED", "date": "2026-11-15", "chip": chip, "destination": "DE",
                 "end_user_hq": "CN", "end_user_parent_hq": "CN", "quantity": 1, "unit_price_usd": "10.00",
                 "end_user": "Huawen Technologies Co., Ltd."}]
        answered = {}
        for rec in recs:
            st, h, body = srv.request("POST", "/v1/check", rec)
            cli = subprocess.run([TG, "check", "--json", "--lists", lst, "--resolutions", res, "-"],
                                 input=json.dumps(rec).encode(), capture_output=True).stdout
            check(st == 200 and body == cli, "POST /v1/check with serve --lists: the decision of check --lists (%s)"
                  % rec["id"])
            answered[rec["id"]] = body.decode().strip()
        # The decision log keeps the screening member in its parts (scr_*, docs/trace.md), as an audit does, and
        # puts each decision back byte for byte as answered.
        con = sqlite3.connect("file:%s?mode=ro" % srv.db, uri=True)
        parts = con.execute("SELECT count(*) FROM decisions WHERE id = 'S-EL' AND scr_head IS NOT NULL AND "
                            "scr_end_user IS NOT NULL AND scr_consignee IS NOT NULL AND scr_tail IS NOT NULL").fetchone()[0]
        stored = dict(con.execute("SELECT id, json FROM decision_json WHERE id IN ('S-EL', 'S-RESOLVED')").fetchall())
        con.close()
        check(parts == 1, "the decision log stores a screened decision's member in its parts (scr_*)")
        check(stored == answered, "the decision log's JSON of a screened decision is the one answered")
        d0 = json.loads(srv.request("POST", "/v1/check", recs[0])[2])
        check(d0["verdict"] == "LICENSE_REQUIRED" and d0["screening"]["effect"]["entry"] == "pub-huawei" and
              d0["screening"]["parties"][1]["role"] == "consignee", "/v1/check: a listed consignee needs a licence")
        # A reload rereads the lists: a new entry is found; a list with a bad row is refused and the old one serves.
        with open(lst, "a") as f:
            f.write("new-1,Entity List (EL) - Bureau of Industry and Security,,Entity,,Zyxwv Quantum Devices Ltd.,,"
                    "\"Shanghai, CN\",99 FR 1,2026-11-01,,,For all items subject to the EAR.,Presumption of denial.\n")
        st, h, body = srv.request("POST", "/v1/reload")
        st, h, body = srv.request("POST", "/v1/screen", {"name": "Zyxwv Quantum Devices"})
        check(st == 200 and json.loads(body)["outcome"] == "certain match", "a reload rereads the lists")
        good = open(lst).read()
        with open(lst, "a") as f:
            f.write("bad-1,Entity List (EL) - Bureau of Industry and Security,,Entity,,,,,,,,,,\n")
        st, h, body = srv.request("POST", "/v1/reload")
        r = json.loads(body)
        check(st == 422 and "csl.csv:" in r["message"] and d not in r["message"],
              "a reload with a bad list row is refused, names file and line only: " + r["message"][:200])
        st, h, body = srv.request("POST", "/v1/screen", {"name": "Zyxwv Quantum Devices"})
        check(st == 200 and json.loads(body)["outcome"] == "certain match", "the lists in force keep serving")
        open(lst, "w").write(good)
    finally:
        check(srv.stop() == 0, "the screening server stops cleanly")
    bad = os.path.join(d, "bad.csv")
    with open(bad, "w") as f:
        f.write("source,name\nEntity List (EL) - Bureau of Industry and Security,\n")
    out = subprocess.run([TG, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(d, "x.db"), "--lists", bad],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 2 and "bad.csv:2: name" in out.stderr, "a list with a row that cannot be read: no start")


def answered_ids_in_store(db, ids):
    con = sqlite3.connect(db)
    have = set()
    for table in ("decisions", "rejects"):
        for run, file in con.execute("SELECT DISTINCT run, file FROM " + table):
            have.add("%d-%d" % (run, file))
    con.close()
    return [i for i in ids if i not in have]


def verify(db):
    out = subprocess.run([TG, "trace", "verify", db], capture_output=True, text=True)
    return out.returncode == 0, out.stdout + out.stderr


def load_loop(srv, ids, stop, errors):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    n = 0
    while not stop.is_set():
        try:
            rec = dict(H20, id="L-%d-%d" % (threading.get_ident() % 1000, n))
            c.request("POST", "/v1/check", json.dumps(rec), {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status == 200:
                ids.append(r.getheader("X-Request-Id"))
            n += 1
        except Exception as e:  # the server was killed: this request was not answered
            errors.append(str(e))
            return


def test_sigkill():
    # Each transaction is held open 20 ms after its rows are written, so that the kill lands inside one: a
    # server that answered before its commit would lose answered decisions here.
    srv = Server("sigkill", env=dict(os.environ, TOLLGATE_SERVE_TEST_COMMIT_DELAY_MS="20"))
    ids, errors, stop = [], [], threading.Event()
    threads = [threading.Thread(target=load_loop, args=(srv, ids, stop, errors)) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=20)
    answered = list(ids)
    ok, text = verify(srv.db)
    check(len(answered) > 50, "load loop answered %d requests before SIGKILL" % len(answered))
    check(ok, "trace verify after SIGKILL: " + text.strip().splitlines()[0])
    missing = answered_ids_in_store(srv.db, answered)
    check(not missing, "every answered request id is in the store after SIGKILL (%d missing)" % len(missing))


def test_tokens():
    tokens = os.path.join(WORK, "tokens.txt")
    with open(tokens, "w") as f:
        f.write("# name token\norder-system s3cret-token-0123456789\n")
    srv = Server("tokens", "--token-file", tokens)
    st, h, body = srv.request("POST", "/v1/check", H20)
    check(st == 401 and h.get("WWW-Authenticate") == "Bearer", "no bearer token: 401")
    st, h, body = srv.request("POST", "/v1/check", H20, {"Authorization": "Bearer wrong-token-0123456789"})
    check(st == 401, "a wrong token: 401")
    st, h, body = srv.request("POST", "/v1/check", H20, {"Authorization": "Bearer s3cret-token-0123456789"})
    check(st == 200, "a valid token: 200")
    st, h, body = srv.request("GET", "/healthz")
    check(st == 200, "/healthz needs no token")
    srv.stop()
    con = sqlite3.connect(srv.db)
    opts = [o for (o,) in con.execute("SELECT options FROM runs")]
    con.close()
    check(any('"token":"order-system"' in o for o in opts), "the caller's token name is in its run")
    # Several token files; a client name or a token given twice (in one file or two) is refused at start.
    more = os.path.join(WORK, "tokens2.txt")
    with open(more, "w") as f:
        f.write("web-page another-token-0123456789\n")
    srv = Server("tokens2", "--token-file", tokens, "--token-file", more)
    st1 = srv.request("POST", "/v1/check", H20, {"Authorization": "Bearer s3cret-token-0123456789"})[0]
    st2 = srv.request("POST", "/v1/check", H20, {"Authorization": "Bearer another-token-0123456789"})[0]
    check(st1 == 200 and st2 == 200, "--token-file twice: the tokens of both files are valid")
    srv.stop()
    dup_name = os.path.join(WORK, "dup_name.txt")
    with open(dup_name, "w") as f:
        f.write("order-system third-token-0123456789\n")
    dup_in_one = os.path.join(WORK, "dup_in_one.txt")
    with open(dup_in_one, "w") as f:
        f.write("a first-token-0123456789\n# b\na second-token-0123456789\n")
    dup_token = os.path.join(WORK, "dup_token.txt")
    with open(dup_token, "w") as f:
        f.write("other-system s3cret-token-0123456789\n")
    for files, want, what in [([tokens, dup_name], "duplicate client name 'order-system'", "one name in two files"),
                              ([dup_in_one], "dup_in_one.txt:3: duplicate client name 'a' (also at ", "one name twice in a file"),
                              ([tokens, dup_token], "duplicate token", "one token under two names"),
                              ([tokens, tokens], "--token-file '%s' is given twice" % tokens, "the same file twice")]:
        args = [TG, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(WORK, "x.db")]
        for t in files:
            args += ["--token-file", t]
        try:
            out = subprocess.run(args, capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired as e:  # it started (and was killed)
            out = subprocess.CompletedProcess(args, None, "", (e.stderr or b"").decode())
        check(out.returncode == 2 and want in out.stderr and "0123456789" not in out.stderr,
              "--token-file, %s: refused at start (exit 2), naming it: %s" % (what, out.stderr.strip()[:200]))
    out = subprocess.run([TG, "serve", "--listen", "0.0.0.0:0", "--db", os.path.join(WORK, "x.db")],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 2 and "--token-file" in out.stderr, "another address without --token-file is refused")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    rules = os.path.join(WORK, "rules")
    shutil.copytree(os.path.join(SRC, "rules"), rules)
    srv = Server("main", "--rules", rules, "--max-body", "1000000", "--request-timeout", "1")
    ids = []
    try:
        test_endpoints(srv)
        test_batches(srv)
        test_errors(srv)
        test_query_params(srv)
        test_media_types(srv)
        test_openapi_media_types(srv)
        test_content_encoding(srv)
        test_head(srv)
        test_empty_bodies(srv)
        test_diff_metrics(srv)
        test_audit(srv)
        test_reload(srv, rules)
        test_store_in_use(srv)
        for i in range(20):
            st, h, body = srv.request("POST", "/v1/check", dict(H20, id="T-%d" % i))
            ids.append(h.get("X-Request-Id"))
    finally:
        rc = srv.stop()
    check(rc == 0, "SIGTERM: the server drains, commits and exits 0")
    ok, text = verify(srv.db)
    check(ok, "trace verify after SIGTERM: " + text.strip().splitlines()[0])
    missing = answered_ids_in_store(srv.db, ids)
    check(not missing, "every answered request id is in the store")
    con = sqlite3.connect(srv.db)
    n = con.execute("SELECT count(*) FROM decisions WHERE id = 'S-4'").fetchone()[0]
    r = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    con.close()
    check(n >= 2 and r >= 3, "decisions and rejects of the batches are in the store")
    test_tokens()
    test_screen()
    test_sigkill()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
