#!/usr/bin/python3
"""The feed configs of deploy/ (compose, kubernetes, systemd) under the feed's
start-up rules, by running the built casewatch-feed with each.

A feed.listen beyond loopback needs users (feed.token or feed.users_file) and
TLS (feed.tls_cert + feed.tls_key), or the feed refuses to start (exit 2).
Each file is run with the environment its deployment gives it (the token as
CASEWATCH_FEED_TOKEN) and, for the files it names (certificate, key, users
file), stand-ins made here at test time, so the keys the file sets are what is
tested, not the paths of a machine we do not have:

1. a loopback feed.listen: started on 127.0.0.1:0 (a free port); /healthz
   answers 200 over HTTP, or HTTPS when the file sets TLS; SIGTERM: exit 0;
2. a feed.listen beyond loopback: started with the file's own address class
   but 192.0.2.1 (TEST-NET-1, on no interface), so the rule is applied and
   passes, and only the bind fails (exit 1, "start-up:"; the refusal would be
   exit 2 "not a loopback address"); no server is opened beyond loopback.
   Then once more on 127.0.0.1:0 with the same TLS and users: HTTPS /healthz
   answers 200.

Kafka: a closed loopback port (the HTTP side starts without Kafka).

usage: test_feed_configs.py SOURCE_DIR BUILD_DIR"""
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FEED = os.path.join(BUILD, "consumers/feed/casewatch-feed")
TOKEN = "deploy-feed-configs-7d1f3a9c"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def read_conf(path):
    return dict((k.strip(), v.strip()) for k, _, v in
                (l.partition("=") for l in open(path).read().splitlines()
                 if l.strip() and not l.strip().startswith("#")))


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def is_loopback(listen):
    host = listen.rpartition(":")[0].strip("[]")
    return host == "::1" or host.startswith("127.")


def make_tls(tmp):
    cert, key = os.path.join(tmp, "feed.crt"), os.path.join(tmp, "feed.key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=casewatch-feed deploy test",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"openssl: {r.stderr}")
    os.chmod(key, 0o600)
    return cert, key


def make_users(tmp):
    r = subprocess.run([FEED, "--hash-token"], input=TOKEN + "-user\n", capture_output=True,
                       text=True, env={"PATH": "/usr/bin:/bin"})
    if r.returncode != 0:
        sys.exit(f"casewatch-feed --hash-token: {r.stderr}")
    path = os.path.join(tmp, "users")
    with open(path, "w") as f:
        f.write(f"anna | supervisor | 0180/Barn och unga Syd | {r.stdout.strip()}\n")
    os.chmod(path, 0o600)
    return path


def env_for(conf, tls, users):
    env = {"PATH": "/usr/bin:/bin", "CASEWATCH_FEED_TOKEN": TOKEN,
           "CASEWATCH_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed_port()}"}
    # only the keys the file sets get a stand-in: a file without TLS stays so
    if conf.get("feed.tls_cert"):
        env["CASEWATCH_FEED_TLS_CERT"] = tls[0]
    if conf.get("feed.tls_key"):
        env["CASEWATCH_FEED_TLS_KEY"] = tls[1]
    if conf.get("feed.users_file"):
        env["CASEWATCH_FEED_USERS_FILE"] = users
    return env


def serve_and_stop(name, path, env, https, log):
    """Start on a free loopback port, ask /healthz, stop; True when all passed."""
    env = dict(env, CASEWATCH_FEED_LISTEN="127.0.0.1:0")
    with open(log, "w") as out:
        p = subprocess.Popen([FEED, "--config", path], env=env, stdout=out,
                             stderr=subprocess.STDOUT)
    try:
        url = None
        deadline = time.time() + 20
        while time.time() < deadline and p.poll() is None and not url:
            for line in open(log).read().splitlines():
                if " listening on " in line:
                    url = line.split(" listening on ")[1].split()[0]
            time.sleep(0.1)
        if not url:
            fail(f"{name}: no 'listening on' (exit {p.poll()}): {open(log).read()[-1500:]}")
            return False
        if url.startswith("https://") != https:
            fail(f"{name}: serves {url}, want {'HTTPS' if https else 'HTTP'}")
            return False
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # a certificate made above; what is tested is the rule
        try:
            with urllib.request.urlopen(url + "healthz", timeout=10,
                                        context=ctx if https else None) as r:
                status = r.status
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            status = repr(e)
        if status != 200:
            fail(f"{name}: GET {url}healthz: {status}")
            return False
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                fail(f"{name}: did not stop within 30 s of SIGTERM")
    if p.returncode != 0:
        fail(f"{name}: exit {p.returncode} after SIGTERM: {open(log).read()[-1500:]}")
        return False
    print(f"ok: {name}: served {url}healthz (200), stopped cleanly")
    return True


def main():
    if not os.access(FEED, os.X_OK):
        sys.exit(f"{FEED} not built")
    with tempfile.TemporaryDirectory(prefix="cw-feedconf-") as tmp:
        tls, users = make_tls(tmp), make_users(tmp)
        for d in ("compose", "kubernetes", "systemd"):
            path = os.path.join(SRC, "deploy", d, "feed.conf")
            conf = read_conf(path)
            listen = conf.get("feed.listen", "127.0.0.1:8080")
            env = env_for(conf, tls, users)
            https = bool(conf.get("feed.tls_cert"))
            name = f"deploy/{d}/feed.conf"
            if "feed.token" in conf:
                fail(f"{name}: a token in a file of the repository")
            if not is_loopback(listen):
                # the rule applied to a non-loopback address that cannot be bound
                r = subprocess.run([FEED, "--config", path], capture_output=True, text=True,
                                   env=dict(env, CASEWATCH_FEED_LISTEN="192.0.2.1:0"),
                                   timeout=30)
                if r.returncode == 1 and "start-up:" in r.stderr:
                    print(f"ok: {name}: feed.listen {listen} (beyond loopback) passes the "
                          "start-up rule (users and TLS); only binding 192.0.2.1 failed, as "
                          "meant")
                else:
                    fail(f"{name}: feed.listen {listen} (beyond loopback): exit {r.returncode}: "
                         f"{r.stderr.strip()[-1500:]}")
                    continue
            serve_and_stop(name, path, env, https, os.path.join(tmp, d + ".log"))
    print(f"{len(failures)} failed" if failures else "feed configs: all checks passed")
    return 1 if failures else 0


sys.exit(main())
