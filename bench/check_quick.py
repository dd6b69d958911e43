#!/usr/bin/python3
"""The check of `moonwalk bench --quick` (ctest cli.bench_quick): the JSON
has every family and method, and every measured heap peak keeps to what
docs/spec.md ("Measured memory") states: at least the ledger's stored bytes,
and at most 1.1 × (stored + returned gradients + the working set measured at
the family's shallowest depth)."""
import json
import sys

FAMILIES = {"conv1d_relu", "conv1d_leaky", "conv2d_relu", "conv2d_leaky", "coupling", "mlp_relu", "mlp_leaky"}
AGREEMENT = 0.10  # docs/spec.md, "Measured memory"
METHODS = {"backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed", "moonwalk_mixed_anchors"}

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
        measured, stored = m["measured_peak_bytes"], m["stored_bytes"]
        if measured < stored:
            failures.append(f"{where} {name}: measured peak {measured} below the ledger's stored {stored}")
        if not m["trusted"]:
            failures.append(f"{where} {name}: not trusted ({m.get('certificate_exceeded', 'estimate')})")
# The prediction from the shallowest depth's working set, per family and method.
base = {}
for r in sorted(d["rows"], key=lambda r: r["depth"]):
    ws = r["working_set"]
    for name, m in r["methods"].items():
        if "measured_peak_bytes" not in m:
            continue
        extra = m["measured_peak_bytes"] - m["stored_bytes"] - ws["gradients"]
        base.setdefault((r["family"], name), extra)
        predicted = m["stored_bytes"] + ws["gradients"] + base[(r["family"], name)]
        if m["measured_peak_bytes"] > (1 + AGREEMENT) * predicted:
            failures.append(f"{r['family']} depth {r['depth']} {name}: measured peak {m['measured_peak_bytes']} > "
                            f"{1 + AGREEMENT} x predicted {predicted}")
for f in failures:
    print("bench_quick:", f)
print(f"bench_quick: {len(d['rows'])} rows, {len(failures)} failures")
sys.exit(1 if failures else 0)
