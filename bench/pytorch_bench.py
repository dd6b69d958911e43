#!/usr/bin/python3
"""PyTorch beside `moonwalk bench`: the same networks with the same weights.

Reads the explicit specs and reference gradients that
`moonwalk bench --export DIR` writes (DIR/<family>_d<depth>.json and
.grad.f64), builds each network in PyTorch (CPU, one thread, like the
reference), and measures for autograd backprop and torch.utils.checkpoint
(ceil(sqrt(blocks)) segments):
  - saved_bytes: the bytes autograd saves for backward during the forward
    sweep, counted with torch.autograd.graph.saved_tensors_hooks, each
    storage once, parameters excluded (the reference's ledger excludes them);
  - seconds: the median over the repeats of one forward + backward;
  - the float64 gradient's relative error against the reference's double
    backprop (an independent cross-check of the reference), and the float32
    gradient's relative error against it.
Writes one JSON object; bench/make_results.py joins it with moonwalk's.
"""
import argparse
import glob
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def layer_fn(layer, theta):
    """The layer as a function of a (batch, dim) tensor; theta is its flat
    parameter tensor in the reference's order (docs/porting.md)."""
    op = layer["op"]
    if op == "relu":
        return F.relu
    if op == "leaky_relu":
        alpha = float(layer["alpha"])
        return lambda x: F.leaky_relu(x, alpha)
    if op == "tanh":
        return torch.tanh
    if op == "dense":
        n, m = layer["in"], layer["out"]
        return lambda x: F.linear(x, theta[: m * n].view(n, m).t(), theta[m * n:])
    if op == "global_avg_pool":
        c, p = layer["channels"], layer["positions"]
        return lambda x: x.view(x.shape[0], c, p).mean(-1)
    if op in ("conv1d", "conv2d"):
        ci, co, k = layer["in_channels"], layer["out_channels"], layer["kernel"]
        pad, circular = (k - 1) // 2, layer["padding"] == "circular"
        if op == "conv1d":
            w = layer["width"]
            shape, weight_shape, pads, conv = (ci, w), (co, ci, k), (pad, pad), F.conv1d
        else:
            h, w = layer["height"], layer["width"]
            shape, weight_shape, pads, conv = (ci, h, w), (co, ci, k, k), (pad, pad, pad, pad), F.conv2d
        nw = co * ci * k ** (1 if op == "conv1d" else 2)

        def f(x):
            x = x.view(x.shape[0], *shape)
            if circular:
                x = F.pad(x, pads, mode="circular")
                y = conv(x, theta[:nw].view(weight_shape), theta[nw:])
            else:
                y = conv(x, theta[:nw].view(weight_shape), theta[nw:], padding=pad)
            return y.reshape(y.shape[0], -1)

        return f
    if op == "patch_downsample2d":
        ci, co, h, w, p = layer["in_channels"], layer["out_channels"], layer["height"], layer["width"], layer["patch"]
        nw = co * ci * p * p

        def f(x):
            m = theta[:nw].view(ci * p * p, co).t().reshape(co, ci, p, p)
            y = F.conv2d(x.view(x.shape[0], ci, h, w), m, theta[nw:], stride=p)
            return y.reshape(y.shape[0], -1)

        return f
    if op == "additive_coupling":
        d, k = layer["half"], layer["hidden"]
        size = k * d + k + d * k + d

        def net(t):
            w1, b1 = t[: k * d].view(d, k).t(), t[k * d: k * d + k]
            w2, b2 = t[k * d + k: k * d + k + d * k].view(k, d).t(), t[k * d + k + d * k: size]
            return lambda z: F.linear(torch.tanh(F.linear(z, w1, b1)), w2, b2)

        fnet, gnet = net(theta[:size]), net(theta[size:])

        def f(x):
            x1, x2 = x[:, :d], x[:, d:]
            y1 = x1 + fnet(x2)
            return torch.cat([y1, x2 + gnet(y1)], dim=1)

        return f
    raise SystemExit(f"pytorch_bench: operator {op} is not supported here")


def matrix(m, dtype):
    """A reference matrix (rows × cols, column-major data) as (cols, rows)."""
    return torch.tensor(np.array(m["data"], dtype=np.float64).reshape(m["cols"], m["rows"]), dtype=dtype)


class Problem:
    def __init__(self, spec, dtype):
        self.spec = spec
        self.thetas = [torch.tensor(np.array(l.get("params", []), dtype=np.float64), dtype=dtype, requires_grad=True)
                       for l in spec["layers"]]
        self.fns = [layer_fn(l, t) for l, t in zip(spec["layers"], self.thetas)]
        self.x0 = matrix(spec["input"], dtype).requires_grad_(True)
        loss = spec["loss"]
        self.scale = float(loss.get("scale", 1))
        if loss["type"] == "mse":
            self.target = matrix(loss["target"], dtype)
            self.loss = lambda y: self.scale * 0.5 * ((y - self.target) ** 2).sum() / y.shape[0]
        else:
            labels = torch.tensor(loss["labels"], dtype=torch.long)
            self.loss = lambda y: self.scale * F.cross_entropy(y, labels, reduction="mean")
        # Blocks for checkpointing: a block ends after each activation (or
        # coupling); the head (pool, dense) is the last segment's.
        self.blocks, current = [], []
        for l, f in zip(spec["layers"], self.fns):
            current.append(f)
            if l["op"] in ("relu", "leaky_relu", "additive_coupling"):
                self.blocks.append(current)
                current = []
        if current:
            self.blocks.append(current)

    def leaves(self):
        return [t for t in self.thetas if t.numel()] + [self.x0]

    def zero(self):
        for t in self.leaves():
            t.grad = None

    def forward(self, checkpointed):
        x = self.x0
        if not checkpointed:
            for f in self.fns:
                x = f(x)
            return self.loss(x)
        n = len(self.blocks)
        s = math.ceil(math.sqrt(n))
        for k in range(0, n, s):
            fs = [f for b in self.blocks[k:k + s] for f in b]

            def segment(z, fs=fs):
                for f in fs:
                    z = f(z)
                return z

            x = checkpoint(segment, x, use_reentrant=True)
        return self.loss(x)

    def gradient(self):
        """θ_1..θ_L (each in the reference's order), then ∂ℓ/∂x_0 sample by sample."""
        parts = [t.grad.reshape(-1) for t in self.thetas if t.numel()] + [self.x0.grad.reshape(-1)]
        return torch.cat(parts).double().numpy()


def storage_key(t):
    s = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
    return s.data_ptr(), s.nbytes()


def saved_bytes(problem, checkpointed):
    """Bytes autograd saves during the forward sweep, each storage once,
    parameters excluded."""
    params = {storage_key(t)[0] for t in problem.thetas if t.numel()}
    seen = {}

    def pack(t):
        ptr, n = storage_key(t)
        if ptr not in params:
            seen[ptr] = max(seen.get(ptr, 0), n)
        return t

    problem.zero()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = problem.forward(checkpointed)
        counted = sum(seen.values())
    loss.backward()
    return counted


def relative(a, b):
    nb = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / nb) if nb > 0 else float(np.linalg.norm(a))


def bench_file(path, repeats):
    spec = json.load(open(path))
    reference = np.fromfile(path[: -len(".json")] + ".grad.f64", dtype="<f8")
    stem = os.path.basename(path)[: -len(".json")]
    family, depth = stem.rsplit("_d", 1)
    out = {"family": family, "depth": int(depth), "methods": {}}
    for name, checkpointed in (("autograd", False), ("checkpoint", True)):
        row = {}
        for dtype, label in ((torch.float64, "float64"), (torch.float32, "float32")):
            p = Problem(spec, dtype)
            p.zero()
            p.forward(checkpointed).backward()
            row[f"relative_error_{label}_vs_reference_double"] = relative(p.gradient(), reference)
            if dtype == torch.float32:
                row["saved_bytes"] = saved_bytes(p, checkpointed)
                seconds = []
                for _ in range(repeats):
                    p.zero()
                    t0 = time.perf_counter()
                    p.forward(checkpointed).backward()
                    seconds.append(time.perf_counter() - t0)
                row["seconds"] = statistics.median(seconds)
                row["seconds_all"] = seconds
        out["methods"][name] = row
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export", required=True, help="the directory `moonwalk bench --export` wrote")
    ap.add_argument("--json", required=True, help="output file")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the reference runs on one)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    files = sorted(glob.glob(os.path.join(args.export, "*_d*.json")))
    if not files:
        raise SystemExit(f"pytorch_bench: no exported specs in {args.export}")
    rows = []
    for i, f in enumerate(files):
        print(f"\rpytorch_bench: {i + 1}/{len(files)} {os.path.basename(f)}      ", end="", file=sys.stderr, flush=True)
        rows.append(bench_file(f, args.repeats))
    print(file=sys.stderr)
    json.dump({"torch": torch.__version__, "threads": args.threads, "repeats": args.repeats, "rows": rows},
              open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
