#!/usr/bin/python3
"""Checks deploy/container/Dockerfile without a container engine.

usage: check_dockerfile.py SOURCE_DIR BUILD_DIR

No engine runs on the development machines, and hadolint is not packaged in
Debian 12, so this checks what can be checked here, for real where a tool
exists:
  - structure: a named build stage and a final runtime stage, both Debian 12
    (bookworm); no ADD (no URL downloads); the final USER is numeric and not
    root; COPY --from names an earlier stage; apt with --no-install-recommends
    and its lists removed in the same layer;
  - the build stage installs every build package of deploy/local/setup.sh;
  - every runtime package exists in Debian (apt-cache, or dpkg for installed
    ones when apt has no lists);
  - every shared library the built programs load directly (readelf NEEDED,
    resolved by ldconfig, owned per dpkg -S) comes from a runtime package or
    from a package of priority "required" (those are in bookworm-slim);
  - the build context: the files the build stage COPYs, filtered by
    Dockerfile.dockerignore, are copied to a scratch directory and cmake
    configures them (so nothing the build needs is left out of the image);
  - the scripts the runtime stage copies exist and are executable; CMD names
    programs the image has.
"""
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DOCKERFILE = os.path.join(SRC, "deploy/container/Dockerfile")
IGNORE = DOCKERFILE + ".dockerignore"
PROGRAMS = ["casewatch-processor", "casewatch-feed", "casewatch-replay", "casewatch-produce",
            "casewatch-simulate", "casewatch-import", "casewatch-audit", "casewatch-calendar"]
# Built by the project but deliberately not in the image.
NOT_IN_IMAGE = {"casewatch-broker"}

# In debian:bookworm-slim whatever else is installed: the C library and the
# compiler runtime (libc6 has priority "optional" but every image has it).
BASE_LIBS = {"libc6", "libgcc-s1"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def ok(msg):
    print("ok:", msg)


def instructions(path):
    """[(lineno, INSTRUCTION, argument text)] with continuations joined."""
    out, buf, start = [], "", 0
    for n, raw in enumerate(open(path), 1):
        line = raw.rstrip("\n")
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment lines inside a continued instruction
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((start, word.upper(), rest.strip()))
        buf = ""
    if buf:
        fail(f"Dockerfile:{start}: continuation at end of file")
    return out


def apt_packages(run_text):
    """Package names of each 'apt-get install' in a RUN."""
    pkgs = []
    for m in re.finditer(r"apt-get install ([^&;|]*)", run_text):
        pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return pkgs


ins = instructions(DOCKERFILE)
args = {}
stages = []  # dicts: name, base, instructions
for n, word, rest in ins:
    if word == "ARG" and not stages:
        k, _, v = rest.partition("=")
        args[k] = v
    if word == "FROM":
        m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", rest, re.I)
        if not m:
            fail(f"Dockerfile:{n}: FROM {rest}")
            continue
        base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda v: args.get(v.group(1) or v.group(2), ""),
                      m.group(1))
        stages.append({"name": m.group(2), "base": base, "line": n, "ins": []})
    elif stages:
        stages[-1]["ins"].append((n, word, rest))

names = [s["name"] for s in stages]
if len(stages) < 2 or "build" not in names or stages[-1]["name"] != "runtime":
    fail(f"stages {names}: want a 'build' stage and 'runtime' last")
else:
    ok(f"stages {names}")
for s in stages:
    if not re.match(r"(docker\.io/(library/)?)?debian:bookworm(-slim)?(@sha256:[0-9a-f]{64})?$",
                    s["base"]):
        fail(f"Dockerfile:{s['line']}: stage {s['name']} is based on {s['base']!r}, not bookworm")
    else:
        ok(f"stage {s['name']} from {s['base']}")

for n, word, rest in ins:
    if word == "ADD":
        fail(f"Dockerfile:{n}: ADD (use COPY; no downloads at build time)")
    if word in ("RUN",) and re.search(r"\b(curl|wget)\b.*https?://", rest):
        fail(f"Dockerfile:{n}: downloads at build time: {rest[:60]}")
    if word == "RUN" and "apt-get install" in rest:
        if "--no-install-recommends" not in rest:
            fail(f"Dockerfile:{n}: apt-get install without --no-install-recommends")
        if "rm -rf /var/lib/apt/lists" not in rest:
            fail(f"Dockerfile:{n}: apt lists not removed in the same layer")
        if "apt-get update" not in rest:
            fail(f"Dockerfile:{n}: apt-get install without apt-get update in the same layer")
ok("no ADD, no downloads; apt layers clean up")

final = stages[-1] if stages else {"ins": []}
users = [(n, rest) for n, w, rest in final["ins"] if w == "USER"]
if not users:
    fail("runtime stage: no USER (would run as root)")
else:
    n, user = users[-1]
    uid = user.split(":")[0]
    if not uid.isdigit() or int(uid) == 0:
        fail(f"Dockerfile:{n}: USER {user}: want a numeric non-zero uid "
             "(Kubernetes runAsNonRoot can only verify a numeric one)")
    else:
        ok(f"runtime USER {user}")
    later_run = [m for m, w, _ in final["ins"] if w == "RUN" and m > n]
    if later_run:
        fail(f"Dockerfile:{later_run[0]}: RUN after the final USER")

for i, s in enumerate(stages):
    for n, word, rest in s["ins"]:
        m = re.search(r"--from=(\S+)", rest) if word == "COPY" else None
        if m and m.group(1) not in names[:i]:
            fail(f"Dockerfile:{n}: COPY --from={m.group(1)}: no earlier stage of that name")

# ---- packages ----
setup = open(os.path.join(SRC, "deploy/local/setup.sh")).read()
setup_pkgs = re.search(r'BUILD_PACKAGES="([^"]*)"', setup).group(1).split()
build_stage = next((s for s in stages if s["name"] == "build"), {"ins": []})
build_pkgs = [p for n, w, r in build_stage["ins"] if w == "RUN" for p in apt_packages(r)]
missing = [p for p in setup_pkgs if p not in build_pkgs]
if missing:
    fail(f"build stage lacks setup.sh build packages: {missing}")
else:
    ok(f"build stage installs setup.sh's build packages ({len(build_pkgs)})")
runtime_pkgs = [p for n, w, r in final["ins"] if w == "RUN" for p in apt_packages(r)]

have_lists = subprocess.run(["apt-cache", "show", "libc6"], capture_output=True).returncode == 0
for p in build_pkgs + runtime_pkgs:
    if have_lists:
        r = subprocess.run(["apt-cache", "show", "--no-all-versions", p], capture_output=True,
                           text=True)
        found = r.returncode == 0 and "Package: " + p in r.stdout
    else:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                           text=True)
        found = "installed" in r.stdout
    if not found:
        fail(f"package {p} not found ({'apt-cache' if have_lists else 'dpkg, no apt lists'})")
ok(f"{len(build_pkgs) + len(runtime_pkgs)} packages exist in Debian "
   f"({'apt-cache show' if have_lists else 'dpkg-query: apt has no lists, installed ones only'})")


def lib_paths(binary):
    """soname -> path, as the dynamic loader resolves them here (ldd)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return dict(re.findall(r"^\s*(\S+) => (/\S+)", out, re.M))


def owner(path):
    r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    if r.returncode != 0:
        r = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True)
    return r.stdout.split(":")[0].strip() if r.returncode == 0 else None


def priority(pkg):
    return subprocess.run(["dpkg-query", "-W", "-f=${Priority}", pkg], capture_output=True,
                          text=True).stdout.strip()


n_failures = len(failures)
sanitized = set()
built = []
for root, dirs, files in os.walk(BUILD):
    for f in files:
        if f in PROGRAMS and os.access(os.path.join(root, f), os.X_OK):
            built.append(os.path.join(root, f))
if not any(b.endswith("/casewatch-processor") for b in built):
    fail(f"casewatch-processor not found under {BUILD}: build first")
for b in sorted(built):
    dyn = subprocess.run(["readelf", "-d", b], capture_output=True, text=True, check=True).stdout
    paths = lib_paths(b)
    for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn):
        path = paths.get(soname)
        pkg = owner(path) if path else None
        if pkg and pkg.split(":")[0] in runtime_pkgs:
            continue
        if pkg and (pkg.split(":")[0] in BASE_LIBS or priority(pkg) == "required"):
            continue
        if re.match(r"lib(a|ub|l|t|hwa)san\d*$", (pkg or "").split(":")[0]):
            sanitized.add(soname)  # a -DCW_SANITIZE=ON build; the image builds without
            continue
        fail(f"{os.path.basename(b)} needs {soname} ({pkg or 'no package'}): not in the runtime "
             "stage")
if len(failures) == n_failures:
    ok(f"runtime packages cover the libraries of {len(built)} built program(s): "
       + ", ".join(sorted(os.path.basename(b) for b in built)))
if sanitized:
    print("note: sanitizer runtimes not expected in the image (this build is sanitized):",
          ", ".join(sorted(sanitized)))
absent = [p for p in PROGRAMS if not any(b.endswith("/" + p) for b in built)]
if absent:
    print("note: not built by this version (the image build leaves them out):", ", ".join(absent))

loop = " ".join(r for s in stages for n, w, r in s["ins"] if w == "RUN" and "/out/bin" in r)
for p in PROGRAMS:
    if not re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", loop):
        fail(f"the build stage does not collect {p}")

# Every program the source defines (add_executable(casewatch-...)) is either
# in PROGRAMS (and so collected, above) or deliberately left out: a new
# program cannot be forgotten by the image and this list alike.
defined = set()
for root, dirs, files in os.walk(SRC):
    dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("build", "tests")
               and not os.path.exists(os.path.join(root, d, "CMakeCache.txt"))]
    if "CMakeLists.txt" in files:
        defined |= set(re.findall(r"add_executable\(\s*(casewatch-[\w-]+)",
                                  open(os.path.join(root, "CMakeLists.txt")).read()))
unlisted = sorted(defined - set(PROGRAMS) - NOT_IN_IMAGE)
if unlisted:
    fail(f"programs defined in the source but not in the image's list: {', '.join(unlisted)}")
elif "casewatch-processor" not in defined:
    fail("found no add_executable(casewatch-processor) in the source")
else:
    ok(f"every program the source defines is in the image ({len(defined & set(PROGRAMS))}) or "
       f"left out on purpose ({', '.join(sorted(defined & NOT_IN_IMAGE))})")

# ---- the build context ----
def ignore_rules():
    rules = []
    for line in open(IGNORE):
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    return rules


def ignored(rel, rules):
    """Docker's rule: the last matching pattern wins; a pattern matching a
    parent directory matches everything below it."""
    result = False
    parts = rel.split("/")
    for negate, pat in rules:
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, pat) or (pat.startswith("**/") and any(
                    fnmatch.fnmatch("/".join(parts[j:i]), pat[3:]) for j in range(i))):
                result = not negate
                break
    return result


rules = ignore_rules()
ctx = tempfile.mkdtemp(prefix="cw-docker-ctx-")
try:
    for n, word, rest in build_stage["ins"]:
        if word != "COPY" or "--from" in rest:
            continue
        srcs = shlex.split(rest)[:-1]
        for s in srcs:
            top = os.path.join(SRC, s.rstrip("/"))
            if not os.path.exists(top):
                fail(f"Dockerfile:{n}: COPY source {s} does not exist")
                continue
            walk = [(top, [], [os.path.basename(top)])] if os.path.isfile(top) else None
            for root, dirs, files in walk or os.walk(top):
                base = os.path.dirname(top) if walk else root
                for f in files:
                    full = os.path.join(base, f)
                    rel = os.path.relpath(full, SRC)
                    if ignored(rel, rules):
                        continue
                    dst = os.path.join(ctx, rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copy2(full, dst)
    r = subprocess.run(["cmake", "-S", ctx, "-B", os.path.join(ctx, "build")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("cmake cannot configure the files the build stage copies:\n" + r.stderr[-2000:])
    else:
        # make -n -k names each source or input file (e.g. an embedded schema)
        # that a rule needs and the context lacks; it compiles nothing. (Its
        # complaints about build outputs, which -n never makes, are ignored.)
        r = subprocess.run(["make", "-n", "-k", "-C", os.path.join(ctx, "build")],
                           capture_output=True, text=True)
        lacking = sorted({m for m in re.findall(r"No rule to make target '([^']+)'", r.stderr)
                          if m.startswith(ctx + "/") and not m.startswith(ctx + "/build/")})
        if lacking:
            fail("the build stage's context lacks files the build needs (make -n): "
                 + ", ".join(os.path.relpath(m, ctx) for m in lacking))
        else:
            ok("cmake configures the build stage's context (COPY lines, .dockerignore applied) "
               "and make -n finds every source input")
    for n, word, rest in final["ins"]:
        if word == "COPY" and "--from" not in rest:
            for s in shlex.split(rest)[:-1]:
                p = os.path.join(SRC, s)
                if not (os.path.isfile(p) and os.access(p, os.X_OK)):
                    fail(f"Dockerfile:{n}: {s} missing or not executable")
                elif ignored(s, rules):
                    fail(f"Dockerfile:{n}: {s} is excluded by Dockerfile.dockerignore")
finally:
    shutil.rmtree(ctx)

cmd = [r for n, w, r in final["ins"] if w == "CMD"]
if cmd:
    import json
    argv = json.loads(cmd[-1])
    known = PROGRAMS + ["casewatch-run", "casewatch-ready", "casewatch-http-check"]
    if argv[0] not in known or (argv[0] == "casewatch-run" and argv[1] not in PROGRAMS):
        fail(f"CMD {argv}: not a program of the image")
    else:
        ok(f"CMD {' '.join(argv)}")

print(f"{len(failures)} failed" if failures else "Dockerfile: all checks passed")
sys.exit(1 if failures else 0)
