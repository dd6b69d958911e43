#!/usr/bin/python3
"""docs/results.md's tables and docs/results/*.png from the raw JSON of
`moonwalk bench` and bench/pytorch_bench.py (bench/run.sh runs all three)."""
import argparse
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METHODS = ["backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed", "moonwalk_mixed_anchors"]


def mib(b):
    return "-" if b is None else f"{b / 2**20:.2f}"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.3f}"


def load(args):
    mw = json.load(open(args.moonwalk))
    pt = json.load(open(args.pytorch)) if args.pytorch and os.path.exists(args.pytorch) else {"rows": []}
    torch_rows = {(r["family"], r["depth"]): r["methods"] for r in pt["rows"]}
    return mw, pt, torch_rows


def ok_rows(mw):
    return [r for r in mw["rows"]]


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def families(mw):
    seen = []
    for r in mw["rows"]:
        if r["family"] not in seen:
            seen.append(r["family"])
    return seen


def memory_table(mw, torch_rows):
    rows = []
    for r in mw["rows"]:
        t = torch_rows.get((r["family"], r["depth"]), {})
        ta = t.get("autograd", {}).get("saved_bytes")
        tc = t.get("checkpoint", {}).get("saved_bytes")
        m = r["methods"]

        def stored(name):
            return m.get(name, {}).get("stored_bytes")

        def peak(name):
            return m.get(name, {}).get("measured_peak_bytes")

        mm = stored("moonwalk_mixed")
        rows.append([r["family"], r["depth"], mib(stored("backprop")), mib(stored("backprop_minimal")),
                     mib(stored("checkpointed")),
                     mib(stored("reversible")) if stored("reversible") is not None else "-",
                     mib(mm), mib(stored("moonwalk_mixed_anchors")),
                     mib(ta) if ta else "-", mib(tc) if tc else "-",
                     fmt_ratio(mm / ta if ta and mm is not None else None),
                     mib(peak("backprop")), mib(peak("moonwalk_mixed"))])
    return table(["family", "blocks", "backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed",
                  "mixed+anchors", "PyTorch autograd", "PyTorch checkpoint", "moonwalk_mixed / autograd",
                  "peak backprop", "peak moonwalk_mixed"], rows)


def ratio_summary(mw, torch_rows):
    """Per family, moonwalk_mixed stored / PyTorch autograd saved at the deepest depth both measured."""
    out = []
    for fam in families(mw):
        best = None
        for r in mw["rows"]:
            if r["family"] != fam:
                continue
            t = torch_rows.get((fam, r["depth"]), {}).get("autograd", {}).get("saved_bytes")
            m = r["methods"].get("moonwalk_mixed", {}).get("stored_bytes")
            ma = r["methods"].get("moonwalk_mixed_anchors", {}).get("stored_bytes")
            if t and m is not None:
                best = (r["depth"], m / t, ma / t if ma is not None else None)
        if best:
            aim = 0.55 if "relu" in fam else 0.05 if "leaky" in fam else None
            met = "-" if aim is None else ("met" if best[1] <= aim else "missed")
            out.append([fam, best[0], f"{best[1]:.3f}", fmt_ratio(best[2]), "-" if aim is None else f"≤ {aim}", met])
    return table(["family", "blocks", "moonwalk_mixed / autograd", "with anchors / autograd", "aim", ""], out)


def agreement_table(mw):
    """Measured peak against the ledger's stored bytes + the returned gradients
    + the working set measured at the family's shallowest depth."""
    base, rows = {}, []
    for r in sorted(mw["rows"], key=lambda r: r["depth"]):
        ws = r["working_set"]
        for name in METHODS:
            m = r["methods"].get(name)
            if not m or "measured_peak_bytes" not in m:
                continue
            extra = m["measured_peak_bytes"] - m["stored_bytes"] - ws["gradients"]
            base.setdefault((r["family"], name), extra)
            predicted = m["stored_bytes"] + ws["gradients"] + base[(r["family"], name)]
            rows.append([r["family"], r["depth"], name, m["stored_bytes"], ws["gradients"], extra, predicted,
                         m["measured_peak_bytes"], f"{m['measured_peak_bytes'] / predicted:.3f}",
                         m["factor_cache_bytes"]])
    rows.sort(key=lambda x: (x[0], x[2], x[1]))
    return table(["family", "blocks", "method", "ledger stored", "gradients", "working set", "predicted peak",
                  "measured peak", "measured / predicted", "factor cache"], rows)


def budget_table(mw, torch_rows, budget):
    out = []
    dab = mw["depth_at_budget"]
    for fam in families(mw):
        e = dab.get(fam, {})
        # PyTorch autograd's bytes per block from its two deepest rows.
        pts = sorted((d, m["autograd"]["saved_bytes"]) for (f, d), m in torch_rows.items() if f == fam)
        torch_depth = None
        if len(pts) >= 2:
            (d0, b0), (d1, b1) = pts[-2], pts[-1]
            slope = (b1 - b0) / (d1 - d0)
            if slope > 0:
                torch_depth = d1 + (budget - b1) / slope
        row = [fam]
        for name in ["backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed",
                     "moonwalk_mixed_anchors"]:
            x = e.get(name, {}).get("fitted_depth_at_budget")
            row.append("-" if x is None else f"{x:.0f}")
        row.append("-" if torch_depth is None else f"{torch_depth:.0f}")
        lean = [v for v in [e.get("backprop_minimal", {}).get("fitted_depth_at_budget"), torch_depth] if v]
        mm = e.get("moonwalk_mixed", {}).get("fitted_depth_at_budget")
        row.append("-" if not lean or mm is None else f"{mm / max(lean):.2f}")
        out.append(row)
    return table(["family", "backprop", "backprop_minimal", "checkpointed", "reversible", "moonwalk_mixed",
                  "mixed+anchors", "PyTorch autograd (saved)", "moonwalk_mixed / leaner"], out)


def fit_depth(pts, budget):
    """Depth where the straight line through the two deepest (depth, bytes) points reaches the budget."""
    pts = sorted(p for p in pts if p[1] is not None)
    if len(pts) < 2:
        return None
    (d0, b0), (d1, b1) = pts[-2], pts[-1]
    slope = (b1 - b0) / (d1 - d0)
    return d1 + (budget - b1) / slope if slope > 0 else None


def stored_budget_table(mw, torch_rows, budget):
    """Depth at the budget in stored bytes: the ledger's for the reference's
    methods, autograd's saved bytes for PyTorch; like for like."""
    out = []
    for fam in families(mw):
        rows = [r for r in mw["rows"] if r["family"] == fam]
        depth = {}
        for name in METHODS:
            depth[name] = fit_depth([(r["depth"], r["methods"].get(name, {}).get("stored_bytes")) for r in rows], budget)
        torch_depth = fit_depth([(d, m["autograd"]["saved_bytes"]) for (f, d), m in torch_rows.items() if f == fam],
                                budget)
        lean = max(v for v in [depth["backprop_minimal"], torch_depth] if v is not None)
        row = [fam] + ["-" if depth[n] is None else f"{depth[n]:.0f}" for n in METHODS]
        row.append("-" if torch_depth is None else f"{torch_depth:.0f}")
        for n in ("moonwalk_mixed", "moonwalk_mixed_anchors"):
            row.append("-" if depth[n] is None else f"{depth[n] / lean:.2f}")
        out.append(row)
    return table(["family"] + METHODS + ["PyTorch autograd", "moonwalk_mixed / leaner", "anchors / leaner"], out)


def measured_budget_table(mw):
    out = []
    for fam, e in mw["depth_at_budget"].items():
        out.append([fam] + [e.get(n, {}).get("largest_measured_depth_within_budget", "-") for n in METHODS])
    return table(["family"] + METHODS, out)


def error_table(mw, torch_rows):
    rows = []
    for r in mw["rows"]:
        m = r["methods"]
        t = torch_rows.get((r["family"], r["depth"]), {}).get("autograd", {})

        def err(name):
            x = m.get(name, {}).get("relative_error")
            return "-" if x is None else f"{x:.2e}"

        def cert(name):
            x = m.get(name, {}).get("max_certificate_over_bound")
            return "-" if x is None else f"{x:.2f}"

        rows.append([r["family"], r["depth"], err("backprop"), err("moonwalk_mixed"), err("moonwalk_mixed_anchors"),
                     cert("moonwalk_mixed"), cert("moonwalk_mixed_anchors"),
                     "-" if "relative_error_float32_vs_reference_double" not in t
                     else f"{t['relative_error_float32_vs_reference_double']:.2e}",
                     "-" if "relative_error_float64_vs_reference_double" not in t
                     else f"{t['relative_error_float64_vs_reference_double']:.1e}"])
    return table(["family", "blocks", "backprop f32", "moonwalk_mixed f32", "mixed+anchors f32",
                  "cert/bound", "cert/bound anchors", "PyTorch f32", "PyTorch f64 vs ref. f64"], rows)


def time_table(mw, torch_rows):
    rows = []
    for r in mw["rows"]:
        m = r["methods"]
        bp = m.get("backprop", {}).get("seconds")
        t = torch_rows.get((r["family"], r["depth"]), {}).get("autograd", {}).get("seconds")
        mm = m.get("moonwalk_mixed", {})
        ph = mm.get("phase_seconds", {})
        total = mm.get("seconds")
        split = " / ".join(f"{ph.get(k, 0) / total:.2f}" for k in ["forward", "reverse", "inverse_forward",
                                                                   "verification"]) if total else "-"
        rows.append([r["family"], r["depth"], f"{bp:.3f}" if bp else "-",
                     fmt_ratio(m.get("backprop_minimal", {}).get("ratio_to_backprop")),
                     fmt_ratio(m.get("checkpointed", {}).get("ratio_to_backprop")),
                     fmt_ratio(mm.get("ratio_to_backprop")),
                     fmt_ratio(m.get("moonwalk_mixed_anchors", {}).get("ratio_to_backprop")), split,
                     f"{t:.3f}" if t else "-"])
    return table(["family", "blocks", "backprop s", "backprop_minimal ×", "checkpointed ×", "moonwalk_mixed ×",
                  "mixed+anchors ×", "moonwalk_mixed phases (fwd / rev / inv-fwd / verification)",
                  "PyTorch autograd s"], rows)


def plots(mw, torch_rows, outdir):
    os.makedirs(outdir, exist_ok=True)
    fams = families(mw)
    fig, axes = plt.subplots(2, math.ceil(len(fams) / 2), figsize=(4 * math.ceil(len(fams) / 2), 7), squeeze=False)
    for ax, fam in zip(axes.flat, fams):
        rows = [r for r in mw["rows"] if r["family"] == fam]
        for name in METHODS:
            pts = [(r["depth"], r["methods"][name]["stored_bytes"]) for r in rows
                   if "stored_bytes" in r["methods"].get(name, {})]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=name, color=f"C{METHODS.index(name)}")
        pts = sorted((d, m["autograd"]["saved_bytes"]) for (f, d), m in torch_rows.items() if f == fam)
        if pts:
            ax.plot(*zip(*pts), "k--", marker="x", label="PyTorch autograd")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(fam)
        ax.legend(fontsize=6)
        ax.set_xlabel("blocks")
        ax.set_ylabel("stored bytes")
    for ax in list(axes.flat)[len(fams):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "memory.png"), dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, fam in enumerate(fams):
        rows = [r for r in mw["rows"] if r["family"] == fam]
        for name, style in (("moonwalk_mixed", "-"), ("moonwalk_mixed_anchors", ":")):
            pts = [(r["depth"], r["methods"][name]["relative_error"]) for r in rows
                   if "relative_error" in r["methods"].get(name, {})]
            if pts:
                ax.plot(*zip(*pts), style, marker="o", color=f"C{k}",
                        label=f"{fam}{' anchors' if 'anchors' in name else ''}")
    ax.axhline(1e-4, color="k", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("blocks")
    ax.set_ylabel("float32 gradient error vs double")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "float32_error.png"), dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels, bottoms = [], None
    phases = ["forward", "reverse", "inverse_forward", "verification"]
    deepest = {}
    for r in mw["rows"]:
        if "phase_seconds" in r["methods"].get("moonwalk_mixed", {}):
            deepest[r["family"]] = r
    xs = list(range(len(deepest)))
    bottoms = [0.0] * len(deepest)
    for ph in phases:
        vals = []
        for r in deepest.values():
            bp = r["methods"]["backprop"]["seconds"]
            vals.append(r["methods"]["moonwalk_mixed"]["phase_seconds"].get(ph, 0) / bp)
        ax.bar(xs, vals, bottom=bottoms, label=ph)
        bottoms = [b + v for b, v in zip(bottoms, vals)]
    ax.axhline(1.5, color="k", lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{f}\n{r['depth']} blocks" for f, r in deepest.items()], fontsize=7)
    ax.set_ylabel("moonwalk_mixed time / backprop time")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "time_phases.png"), dpi=90)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--moonwalk", required=True)
    ap.add_argument("--pytorch")
    ap.add_argument("--plots", required=True, help="directory for the PNG plots")
    ap.add_argument("--tables", required=True, help="write the Markdown tables here (docs/results.md includes them)")
    args = ap.parse_args()
    mw, pt, torch_rows = load(args)
    budget = mw["budget_bytes"]
    parts = [
        f"### Depth at a budget of {budget / 2**20:.0f} MiB of stored bytes (straight-line fit of the two deepest rows)\n",
        stored_budget_table(mw, torch_rows, budget),
        f"\n### Depth at a budget of {budget / 2**20:.0f} MiB of measured heap peak (straight-line fit of the two deepest rows; "
        "PyTorch: saved bytes)\n",
        budget_table(mw, torch_rows, budget),
        "\nLargest measured depth whose measured peak fits the budget:\n",
        measured_budget_table(mw),
        "\n### Stored bytes between sweeps (MiB): the ledger, PyTorch's saved tensors\n",
        memory_table(mw, torch_rows),
        "\n### moonwalk_mixed against PyTorch autograd at the deepest depth\n",
        ratio_summary(mw, torch_rows),
        "\n### Float32 gradient error against double backprop, certificates\n",
        error_table(mw, torch_rows),
        "\n### Time of one gradient (median), ratio to backprop in the same run\n",
        time_table(mw, torch_rows),
        "\n### Ledger against the measured heap peak\n",
        agreement_table(mw),
    ]
    with open(args.tables, "w") as f:
        f.write("\n".join(parts) + "\n")
    plots(mw, torch_rows, args.plots)


if __name__ == "__main__":
    main()
