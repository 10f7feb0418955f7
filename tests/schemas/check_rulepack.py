#!/usr/bin/python3
"""The shipped rule pack conforms to schemas/rulepack.schema.json, and a
few known-bad packs do not (so the schema actually constrains)."""
import copy
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
pack = json.load(open(sys.argv[2]))
validator = jsonschema.Draft202012Validator(schema)
errors = list(validator.iter_errors(pack))
for e in errors:
    print("FAIL default pack:", list(e.path), e.message)

bad = []
p = copy.deepcopy(pack); p["rules"][0]["deadlnie"] = []; bad.append(("unknown key", p))
p = copy.deepcopy(pack); p["rules"][1]["trigger"] = ["report.recieved"]; bad.append(("unknown event", p))
p = copy.deepcopy(pack); p["rules"][1]["deadline"] = [{"period": "14x"}]; bad.append(("bad period", p))
p = copy.deepcopy(pack); p["rules"][1]["severity"] = "urgent"; bad.append(("bad severity", p))
p = copy.deepcopy(pack); del p["texts"]["breach"]; bad.append(("missing kind text", p))
missed = [name for name, p in bad if validator.is_valid(p)]
for name in missed:
    print("FAIL schema accepts a pack with", name)
ok = 1 + len(bad) - len(missed) - (1 if errors else 0)
print(f"{ok} passed, {len(missed) + (1 if errors else 0)} failed")
sys.exit(1 if errors or missed else 0)
