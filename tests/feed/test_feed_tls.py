#!/usr/bin/python3
"""casewatch-feed over TLS (issue 10): feed.tls_cert / feed.tls_key.

Usage: test_feed_tls.py BUILD_DIR tls

A CA and a server certificate for 127.0.0.1 are made at test time with the
openssl CLI (nothing secret is committed). The feed runs on a free loopback
port against the embedded broker (started and stopped here); every request
verifies the feed's certificate against the generated CA, host name (IP)
included.

  - /healthz, /readyz, the API with the bearer token (401 without), the
    metrics and one SSE event, all over TLS; TLS 1.2 and 1.3 are accepted,
    TLS 1.1 is not; plain HTTP on the TLS port gets no HTTP answer and the
    feed goes on;
  - one of the two keys only, a key that is not the certificate's, missing,
    unreadable or non-PEM files, an encrypted key without (or with a wrong)
    feed.tls_key_password: no start, exit status 2 (as for any
    configuration error), a message naming the key and where it was set;
  - an encrypted key with its password serves; the password and the token
    never appear in --print-config or the log; a key file readable by
    group or others and an expired certificate are warned about;
  - the listen address defaults to loopback (--print-config)."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedlib as fl  # noqa: E402

h = fl.h
TOKEN = "tls-feed-token-0c6b"
PASSWORD = "tls-key-password-9f2e"


def openssl(tmp, *args):
    r = subprocess.run(["openssl", *args], cwd=tmp, capture_output=True, text=True)
    assert r.returncode == 0, (args, r.stderr)


def make_certs(tmp):
    """ca.pem; server.pem (signed by the CA, SAN IP:127.0.0.1) with
    server.key; expired.pem (server.key's, self-signed, expired); other.key
    (no certificate's); server-enc.key (server.key encrypted with
    PASSWORD). Keys mode 600."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl(tmp, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=casewatch test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl(tmp, "req", *ec, "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=casewatch-feed test")
    with open(os.path.join(tmp, "server.ext"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n"
                "extendedKeyUsage = serverAuth\n")
    openssl(tmp, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    # self-signed, notAfter a day before notBefore: expired
    openssl(tmp, "x509", "-req", "-in", "server.csr", "-signkey", "server.key", "-days", "-1",
            "-out", "expired.pem")
    openssl(tmp, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", "other.key")
    openssl(tmp, "pkey", "-in", "server.key", "-aes256", "-passout", "pass:" + PASSWORD,
            "-out", "server-enc.key")
    with open(os.path.join(tmp, "garbage.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    for k in ("ca.key", "server.key", "other.key", "server-enc.key"):
        os.chmod(os.path.join(tmp, k), 0o600)
    return {n: os.path.join(tmp, n) for n in
            ("ca.pem", "server.pem", "server.key", "other.key", "server-enc.key", "garbage.pem",
             "expired.pem")}


def handshake(f, ctx):
    """A TLS connection to the feed; (version, peer certificate, status of
    GET /healthz over it)."""
    with socket.create_connection((f.host, f.port), timeout=10) as s, \
            ctx.wrap_socket(s, server_hostname=f.host) as t:
        t.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        resp = b""
        try:
            while chunk := t.recv(4096):
                resp += chunk
        except ssl.SSLEOFError:  # closed without close_notify: the response is whole
            pass
        return t.version(), t.getpeercert(), resp.split(b"\r\n", 1)[0]


def tls11_context():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname, c.verify_mode = False, ssl.CERT_NONE
    c.minimum_version = c.maximum_version = ssl.TLSVersion.TLSv1_1
    c.set_ciphers("DEFAULT:@SECLEVEL=0")
    return c


def tls11_possible(certs):
    """Whether this Python/OpenSSL can speak TLS 1.1 at all (a server of
    its own that allows it), so that the feed's refusal means something."""
    warnings.simplefilter("ignore", DeprecationWarning)  # ssl.TLSVersion.TLSv1_1
    import threading
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.load_cert_chain(certs["server.pem"], certs["server.key"])
    try:
        srv.minimum_version = ssl.TLSVersion.TLSv1_1
        srv.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        return False
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def serve():
        s, _ = ls.accept()
        try:
            with srv.wrap_socket(s, server_side=True) as t:
                t.recv(1)
        except (ssl.SSLError, OSError):
            pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        with socket.create_connection(ls.getsockname(), timeout=10) as s, \
                tls11_context().wrap_socket(s) as t:
            return t.version() == "TLSv1.1"
    except (ssl.SSLError, OSError):
        return False
    finally:
        th.join(10)
        ls.close()


def run_feed(tmp, name, lines, env=None, args=()):
    """The feed started on a config of its own; returns (exit status,
    stderr) of a run that must end by itself (start-up refused)."""
    conf = os.path.join(tmp, f"{name}.conf")
    with open(conf, "w") as f:
        f.write("".join(f"{k} = {v}\n" for k, v in lines))
    os.chmod(conf, 0o600)
    e = {k: v for k, v in os.environ.items() if not k.startswith("CASEWATCH_")}
    e.update(env or {})
    r = subprocess.run([fl.FEED, "--config", conf, *args], capture_output=True, text=True,
                       env=e, timeout=60)
    return r.returncode, r.stdout + r.stderr, conf


def refused(tmp, name, lines, must, env=None):
    """Start-up refused with exit status 2 and a message holding each of
    must (formatted with conf = the config file's path)."""
    rc, out, conf = run_feed(tmp, name, lines, env)
    assert rc == 2, (name, rc, out)
    assert "listening on" not in out, (name, out)
    for m in must:
        m = m.format(conf=conf)
        assert m in out, (name, m, out)
    return out


def check_refusals(tmp, certs):
    dead = [("kafka.bootstrap.servers", f"127.0.0.1:{fl.free_port()}"),
            ("feed.listen", "127.0.0.1:0")]
    cert, key = ("feed.tls_cert", certs["server.pem"]), ("feed.tls_key", certs["server.key"])
    # one of the two (line 3 of the file), in the file or the environment
    refused(tmp, "only-cert", dead + [cert],
            ["{conf}:3: feed.tls_cert is set but feed.tls_key is not"])
    refused(tmp, "only-key", dead + [key],
            ["{conf}:3: feed.tls_key is set but feed.tls_cert is not"])
    refused(tmp, "only-cert-env", dead, ["environment CASEWATCH_FEED_TLS_CERT: feed.tls_cert is "
                                         "set but feed.tls_key is not"],
            env={"CASEWATCH_FEED_TLS_CERT": certs["server.pem"]})
    refused(tmp, "only-password", dead + [("feed.tls_key_password", PASSWORD)],
            ["{conf}:3: feed.tls_key_password is set but feed.tls_key is not"])
    # a key that is not the certificate's; the CA's certificate with the server's key
    refused(tmp, "mismatch", dead + [cert, ("feed.tls_key", certs["other.key"])],
            ["{conf}:4: feed.tls_key " + certs["other.key"] + " does not match the certificate"])
    refused(tmp, "mismatch-ca", dead + [("feed.tls_cert", certs["ca.pem"]), key],
            ["{conf}:4: feed.tls_key " + certs["server.key"] + " does not match the certificate"])
    # files that cannot be used
    missing = os.path.join(tmp, "missing.pem")
    refused(tmp, "missing-cert", dead + [("feed.tls_cert", missing), key],
            ["{conf}:3: feed.tls_cert " + missing + ": cannot open"])
    refused(tmp, "missing-key", dead + [cert, ("feed.tls_key", missing)],
            ["{conf}:4: feed.tls_key " + missing + ": cannot open"])
    refused(tmp, "dir-cert", dead + [("feed.tls_cert", tmp), key],
            ["{conf}:3: feed.tls_cert " + tmp + ": not a regular file"])
    refused(tmp, "garbage-cert", dead + [("feed.tls_cert", certs["garbage.pem"]), key],
            ["{conf}:3: feed.tls_cert " + certs["garbage.pem"] + ": no PEM certificate"])
    refused(tmp, "cert-as-key", dead + [cert, ("feed.tls_key", certs["server.pem"])],
            ["{conf}:4: feed.tls_key " + certs["server.pem"] + ": no PEM private key"])
    refused(tmp, "swapped", dead + [("feed.tls_cert", certs["server.key"]),
                                    ("feed.tls_key", certs["server.pem"])],
            ["{conf}:3: feed.tls_cert " + certs["server.key"] + ": no PEM certificate"])
    if os.geteuid() != 0:  # root reads anything
        unreadable = os.path.join(tmp, "unreadable.key")
        shutil.copy(certs["server.key"], unreadable)
        os.chmod(unreadable, 0)
        refused(tmp, "unreadable-key", dead + [cert, ("feed.tls_key", unreadable)],
                ["{conf}:4: feed.tls_key " + unreadable + ": cannot open: Permission denied"])
    # the encrypted key: without its password, with a wrong one
    enc = ("feed.tls_key", certs["server-enc.key"])
    refused(tmp, "enc-no-password", dead + [cert, enc],
            ["{conf}:4: feed.tls_key", "encrypted and feed.tls_key_password is not set"])
    out = refused(tmp, "enc-wrong-password", dead + [cert, enc,
                                                     ("feed.tls_key_password", "wrong-pw-7731")],
                  ["{conf}:4: feed.tls_key", "cannot decrypt the key with feed.tls_key_password"])
    assert "wrong-pw-7731" not in out, out
    print("tls: refusals (one key, mismatch, missing, garbage, encrypted) exit 2 naming the key")


def check_defaults(tmp):
    """Loopback by default; no TLS by default; the password masked."""
    rc, out, _ = run_feed(tmp, "defaults", [], args=["--print-config"])
    assert rc == 0, out
    assert "\nfeed.listen = 127.0.0.1:8080  # default\n" in out, out
    for k in ("feed.tls_cert", "feed.tls_key", "feed.tls_key_password"):
        assert f"# {k} = (unset)\n" in out, (k, out)
    rc, out, conf = run_feed(tmp, "masked", [("feed.tls_key_password", PASSWORD)],
                             args=["--print-config"])
    assert rc == 0 and f"feed.tls_key_password = ***  # {conf}:1\n" in out, out
    assert PASSWORD not in out
    print("tls: feed.listen defaults to 127.0.0.1:8080, TLS off by default, password masked")


def alert(n):
    return json.dumps({
        "id": f"{n:032x}", "kind": "breach", "rule": "preassessment_14d", "severity": "high",
        "case": f"C-tls-{n}", "subject": "report:R1", "municipality": "0180",
        "start": "2026-01-01", "due": "2026-01-15", "at": "2026-01-16T00:00:00+01:00",
        "days_overdue": 1, "legal_ref": [], "title_sv": "t", "title_en": "t",
        "message_sv": "m", "message_en": "m", "events": ["e1"]})


def check_serving(tmp, certs, b):
    auth = {"Authorization": "Bearer " + TOKEN}
    f = fl.Feed(b, tmp, "feed-tls", {"feed.token": TOKEN, "feed.tls_cert": certs["server.pem"],
                                     "feed.tls_key": certs["server.key"]},
                cafile=certs["ca.pem"])
    try:
        assert f.scheme == "https" and f.host == "127.0.0.1", f.url
        assert "readable by group or others" not in f.logtext(), f.logtext()
        f.wait_ready()
        st, body, _ = f.get("/healthz")
        assert (st, body) == (200, b"ok\n"), (st, body)
        # the certificate is the generated one; TLS 1.2 and 1.3 both work, 1.1 does not
        ctx = ssl.create_default_context(cafile=certs["ca.pem"])
        version, peer, status = handshake(f, ctx)
        assert version in ("TLSv1.2", "TLSv1.3") and status == b"HTTP/1.1 200 OK", \
            (version, status)
        assert dict(x[0] for x in peer["subject"])["commonName"] == "casewatch-feed test", peer
        assert dict(x[0] for x in peer["issuer"])["commonName"] == "casewatch test CA", peer
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            c = ssl.create_default_context(cafile=certs["ca.pem"])
            c.minimum_version = c.maximum_version = v
            version, _, status = handshake(f, c)
            assert version == v.name.replace("_", ".") and status == b"HTTP/1.1 200 OK", \
                (v, version, status)
        if tls11_possible(certs):
            try:
                version, _, status = handshake(f, tls11_context())
                raise AssertionError(f"TLS 1.1 accepted: {version} {status}")
            except (ssl.SSLError, ConnectionError):
                pass
            tls11 = "TLS 1.1 refused"
        else:
            tls11 = "TLS 1.1 not checked (this OpenSSL cannot speak it)"
        # the token over TLS
        st, _, hd = f.get("/api/alerts")
        assert st == 401 and hd.get("WWW-Authenticate", "").startswith("Bearer"), (st, hd)
        assert f.get("/api/alerts", {"Authorization": "Bearer wrong"})[0] == 401
        assert f.get("/metrics")[0] == 401
        assert f.get("/api/stream")[0] == 401
        got = f.json("/api/alerts", auth)
        assert got["ready"] is True and got["total"] == 0, got
        # one alert by SSE over TLS, then in the API
        s = fl.Stream(f, auth)
        try:
            assert s.status == 200 and s.resp.getheader("Content-Type", "").startswith(
                "text/event-stream"), s.status
            h.produce(b.bootstrap, "case-alerts", [("C-tls-1", alert(1))], lambda k: 0)
            events = s.events(lambda got: len(got) >= 1)
            assert len(events) == 1, events
            assert events[0]["open"] is True and events[0]["change"] == "breach", events[0]
            assert events[0]["alert"]["id"] == f"{1:032x}", events[0]
            assert s.comments >= 1  # the stream's opening comment came over TLS too
        finally:
            s.close()
        got = f.json("/api/alerts", auth)
        assert [a["id"] for a in got["alerts"]] == [f"{1:032x}"], got
        st, body, _ = f.get("/metrics", auth)
        assert st == 200 and b"casewatch_feed_sse_events_total 1\n" in body, body[-400:]
        # plain HTTP on the TLS port: no HTTP answer, and the feed goes on
        with socket.create_connection((f.host, f.port), timeout=10) as raw:
            raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            resp = b""
            try:
                while chunk := raw.recv(4096):
                    resp += chunk
            except ConnectionResetError:
                pass
        assert not resp.startswith(b"HTTP/") and b"ok\n" not in resp, resp[:200]
        try:
            with urllib.request.urlopen(f"http://{f.host}:{f.port}/healthz", timeout=10) as r:
                raise AssertionError(f"plain HTTP answered on the TLS port: {r.status}")
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError):
            pass
        assert f.alive() and f.get("/healthz")[0] == 200
        assert f.stop() == 0, f.logtext()[-2000:]
        log = f.logtext()
        assert TOKEN not in log
        with open(certs["server.key"]) as k:
            body = k.read().split("-----")[2].strip()
        assert body[:40] not in log
        print(f"tls: healthz, readyz, 401/200 with the token, metrics, SSE event over TLS "
              f"(TLS 1.2, 1.3; {tls11}); plain HTTP on the TLS port refused")
    finally:
        if f.alive():
            f.stop()


def check_encrypted_and_modes(tmp, certs, b):
    """An encrypted key with its password serves; a key readable by others
    and an expired certificate are warned about (and still used)."""
    f = fl.Feed(b, tmp, "feed-enc", {"feed.tls_cert": certs["server.pem"],
                                     "feed.tls_key": certs["server-enc.key"],
                                     "feed.tls_key_password": PASSWORD},
                cafile=certs["ca.pem"])
    assert f.scheme == "https" and f.get("/healthz")[0] == 200
    assert f.stop() == 0, f.logtext()[-2000:]
    assert PASSWORD not in f.logtext()
    exposed = os.path.join(tmp, "exposed.key")
    shutil.copy(certs["server.key"], exposed)
    os.chmod(exposed, 0o644)
    g = fl.Feed(b, tmp, "feed-exposed", {"feed.tls_cert": certs["server.pem"],
                                         "feed.tls_key": exposed}, cafile=certs["ca.pem"])
    assert g.get("/healthz")[0] == 200
    assert g.stop() == 0
    assert f"{g.conf}:7: feed.tls_key {exposed} is readable by group or others (mode 0644)" \
        in g.logtext(), g.logtext()
    e = fl.Feed(b, tmp, "feed-expired", {"feed.tls_cert": certs["expired.pem"],
                                         "feed.tls_key": certs["server.key"]})
    assert f"feed.tls_cert {certs['expired.pem']}: the certificate has expired" in e.logtext()
    assert e.scheme == "https" and e.alive()
    assert e.stop() == 0
    assert "has expired" not in f.logtext() + g.logtext()
    print("tls: encrypted key with its password; a key file readable by others and an expired "
          "certificate warned about")


def test_tls(tmp):
    if not shutil.which("openssl"):
        print("the openssl CLI is not installed (deploy/local/setup.sh installs it): skipped")
        sys.exit(77)
    certs = make_certs(tmp)
    check_defaults(tmp)
    check_refusals(tmp, certs)
    fl.tp.clock_file(tmp, fl.CLOCK)
    b = h.Broker(fl.TOPICS)
    try:
        check_serving(tmp, certs, b)
        check_encrypted_and_modes(tmp, certs, b)
    finally:
        b.stop()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        globals()["test_" + sys.argv[2]](tmp)
