#!/usr/bin/python3
"""The check of `moonwalk bench --quick` (ctest cli.bench_quick): the JSON
has every family and method, and each measured heap peak lies within the
agreement docs/spec.md ("Measured memory") states of the ledger's stored
bytes plus the working set."""
import json
import sys

FAMILIES = {"conv1d_relu", "conv1d_leaky", "conv2d_relu", "conv2d_leaky", "coupling", "mlp_relu", "mlp_leaky"}
METHODS = {"backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed", "moonwalk_mixed_anchors"}
AGREEMENT = 0.10  # docs/spec.md, "Measured memory"

d = json.load(open(sys.argv[1]))
failures = []
seen = {r["family"] for r in d["rows"]}
if seen != FAMILIES:
    failures.append(f"families {sorted(seen)}, expected {sorted(FAMILIES)}")
for r in d["rows"]:
    where = f"{r['family']} depth {r['depth']}"
    if set(r["methods"]) != METHODS:
        failures.append(f"{where}: methods {sorted(r['methods'])}")
    for name, m in r["methods"].items():
        if "refused" in m:
            if name != "reversible" or r["family"] == "coupling":
                failures.append(f"{where} {name}: refused: {m['refused']}")
            continue
        if "broke" in m:
            failures.append(f"{where} {name}: {m['broke']}")
            continue
        measured, predicted = m["measured_peak_bytes"], m["predicted_peak_bytes"]
        if abs(measured - predicted) > AGREEMENT * predicted:
            failures.append(f"{where} {name}: measured peak {measured} vs ledger + working set {predicted}")
        if not m["trusted"]:
            failures.append(f"{where} {name}: not trusted ({m.get('certificate_exceeded', 'estimate')})")
for f in failures:
    print("bench_quick:", f)
print(f"bench_quick: {len(d['rows'])} rows, {len(failures)} failures")
sys.exit(1 if failures else 0)
