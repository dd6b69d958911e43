#!/usr/bin/python3
"""The check of `moonwalk bench --quick` (ctest cli.bench_quick): the JSON
has every family and method, and the measured heap peaks relate to the
ledger as docs/spec.md ("Measured memory") states: the peak is at least the
ledger's stored bytes, and what it holds beyond them and the returned
gradients (the working set) does not grow with depth by more than one batch
of the widest layer plus the largest layer's parameters."""
import json
import sys

FAMILIES = {"conv1d_relu", "conv1d_leaky", "conv2d_relu", "conv2d_leaky", "coupling", "mlp_relu", "mlp_leaky"}
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
# The working set across depths, per family and method.
by = {}
for r in d["rows"]:
    ws = r["working_set"]
    for name, m in r["methods"].items():
        if "measured_peak_bytes" in m:
            extra = m["measured_peak_bytes"] - m["stored_bytes"] - ws["gradients"]
            by.setdefault((r["family"], name), []).append((r["depth"], extra, ws["widest_layer_batch"] + ws["largest_layer_params"]))
for (family, name), pts in by.items():
    pts.sort()
    for (d0, w0, b0), (d1, w1, b1) in zip(pts, pts[1:]):
        if abs(w1 - w0) > max(b0, b1):
            failures.append(f"{family} {name}: working set {w0} at depth {d0}, {w1} at depth {d1}: "
                            f"differs by more than {max(b0, b1)}")
for f in failures:
    print("bench_quick:", f)
print(f"bench_quick: {len(d['rows'])} rows, {len(failures)} failures")
sys.exit(1 if failures else 0)
