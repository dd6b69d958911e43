#!/usr/bin/python3
"""Plots a `moonwalk train --json` record: the loss and test-accuracy curves
of the backprop and moonwalk_mixed copies, and the relative difference of
their gradients per step beside moonwalk_mixed's own error estimate.

usage: /usr/bin/python3 scripts/plot_training.py RUN.json OUT_DIR
writes OUT_DIR/training-curves.png and OUT_DIR/training-gradient-difference.png
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METHODS = ("backprop", "moonwalk_mixed")
STYLE = {"backprop": dict(color="tab:blue", lw=2.5, alpha=0.6),
         "moonwalk_mixed": dict(color="tab:red", lw=1.0, ls="--")}


def moving_average(values, window):
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        run = json.load(f)
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    steps = [s["step"] for s in run["steps"]]
    opts = run["options"]
    title = (f"Fashion-MNIST, float32, {opts['steps']} steps of batch {opts['batch']}, "
             f"{opts['activation']}, seed {opts['seed']}")
    window = max(1, len(steps) // 30)

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.5))
    for m in METHODS:
        loss = [s["loss"][m] for s in run["steps"]]
        ax_loss.plot(steps, moving_average(loss, window), label=m, **STYLE[m])
        evals = run["evals"]
        ax_acc.plot([e["step"] for e in evals], [100 * e["test_accuracy"][m] for e in evals], marker="o",
                    markersize=3, label=m, **STYLE[m])
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel(f"training loss (moving average over {window} steps)")
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel(f"test accuracy, % ({run['data']['test_images']} images)")
    ax_acc.axhline(10, color="gray", lw=0.8, ls=":", label="chance")
    ax_acc.legend()
    ax_acc.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "training-curves.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.semilogy(steps, [s["gradient_relative_difference"] for s in run["steps"]], lw=0.8, color="black",
                label="‖g_moonwalk − g_backprop‖ / ‖g_backprop‖")
    est = [s["estimate"]["moonwalk_mixed"] for s in run["steps"]]
    ax.semilogy(steps, [e if e is not None else float("nan") for e in est], lw=0.8, color="tab:red",
                alpha=0.7, label="moonwalk_mixed's own error estimate")
    ax.semilogy(steps, [s["parameter_relative_gap"] for s in run["steps"]], lw=0.8, color="tab:green",
                label="‖θ_moonwalk − θ_backprop‖ / ‖θ_backprop‖")
    ax.set_xlabel("step")
    ax.set_ylabel("relative difference")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "training-gradient-difference.png"), dpi=110)


if __name__ == "__main__":
    main()
