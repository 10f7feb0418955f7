#!/usr/bin/env python3
"""Holds schemas/asyncapi.yaml to the code: every header name literal
("cw_..." / "ce_..." / "content-type") in the C sources is a header of the
document, every header the document lists is in the code, and every topic
config key (processor.* / feed.* ending in _topic or _topics) is named by
a channel's x-config-keys whose address is the key's default.

Usage: check_asyncapi_coverage.py SOURCE_DIR schemas/asyncapi.yaml
"""
import pathlib
import re
import sys

import yaml

HEADER_RE = re.compile(r'"((?:cw|ce)_[a-z0-9_]+|content-type)"')
TOPIC_KEY_RE = re.compile(r'"((?:processor|feed)\.[a-z_]*_topics?)"')
DEFAULT_RE = re.compile(
    r'\{\s*"((?:processor|feed)\.[a-z_]*_topics?)",\s*CW_CONF_STRING,\s*"([^"]*)"')
SOURCE_DIRS = ("common", "consumers", "producers")


def code_names(src):
    headers, keys, defaults = {}, {}, {}
    for d in SOURCE_DIRS:
        for f in sorted((src / d).rglob("*")):
            if f.suffix not in (".c", ".h"):
                continue
            text = f.read_text(encoding="utf-8")
            rel = str(f.relative_to(src))
            for m in HEADER_RE.finditer(text):
                headers.setdefault(m.group(1), rel)
            for m in TOPIC_KEY_RE.finditer(text):
                keys.setdefault(m.group(1), rel)
            for m in DEFAULT_RE.finditer(text):
                defaults[m.group(1)] = m.group(2)
    return headers, keys, defaults


def resolve(doc, node):
    """Follows local $refs (#/components/...)."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def schema_properties(doc, schema, out):
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return
    out.update(schema.get("properties", {}).keys())
    for sub in schema.get("allOf", []):
        schema_properties(doc, sub, out)


def main():
    src, doc_path = pathlib.Path(sys.argv[1]), sys.argv[2]
    with open(doc_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    headers, keys, defaults = code_names(src)
    if len(headers) < 10 or len(keys) < 7:
        sys.exit(f"FAIL: found only {len(headers)} header names and {len(keys)} topic keys "
                 f"in {src}: wrong source dir?")

    doc_headers = set()
    for msg in doc["components"]["messages"].values():
        if "headers" in msg:
            schema_properties(doc, msg["headers"], doc_headers)
    channel_of = {}
    for name, ch in doc["channels"].items():
        for k in ch.get("x-config-keys", []):
            channel_of[k] = ch

    errors = []
    for h, where in sorted(headers.items()):
        if h not in doc_headers:
            errors.append(f"header {h} ({where}) is in no message's headers in {doc_path}")
    for h in sorted(doc_headers - set(headers)):
        errors.append(f"header {h} of {doc_path} is nowhere in the C sources")
    for k, where in sorted(keys.items()):
        ch = channel_of.get(k)
        if ch is None:
            errors.append(f"topic config key {k} ({where}) is in no channel's x-config-keys")
        elif k in defaults and ch["address"] != defaults[k]:
            errors.append(f"{k}: default {defaults[k]!r}, channel address {ch['address']!r}")
        elif k not in defaults:
            errors.append(f"{k}: no default found in the config tables")
    for k in sorted(set(channel_of) - set(keys)):
        errors.append(f"x-config-keys {k} is not a config key of the code")
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print(f"ok: {len(headers)} header names and {len(keys)} topic config keys, all in {doc_path}")


if __name__ == "__main__":
    main()
