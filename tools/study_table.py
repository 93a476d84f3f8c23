"""Summarizes run files' low-rank-bias metrics as Markdown tables.

Usage: study_table.py RUN.h5 [RUN.h5 ...]
"""
import sys

import h5py
import numpy as np


def summarize(path):
    with h5py.File(path, "r") as f:
        it = f["metrics/iteration"][:]
        er = f["metrics/effective_rank"][:]
        hist_it = f["history/iteration"][:]
        err = f["history/rel_error"][:]
        plateaus = list(f["metrics/plateaus"][:])
        bound = f["reference/svd_rel_error"][()] if "reference" in f else float("nan")
        seconds = f["history/seconds"][:]
        per_iteration = (seconds[-1] - seconds[0]) / max(1, hist_it[-1] - hist_it[0])
        name = f.attrs["algorithm"]
        if f.attrs.get("model", "nmf") == "deep":
            name += f" {f.attrs['ranks']} {f.attrs['deep_loss']}"
            if f.attrs["pretrain"] > 0:
                name += f" +pretrain {f.attrs['pretrain']}"
        return dict(name=name, it=it, er=er, hist_it=hist_it, err=err,
                    plateaus=plateaus, bound=bound, per_iteration=per_iteration)


def error_at(run, iteration):
    return run["err"][np.searchsorted(run["hist_it"], iteration)]


def main(paths):
    runs = [summarize(p) for p in paths]
    print("| iteration | " + " | ".join(f"eff. rank ({r['name']}) | rel_error ({r['name']})" for r in runs) + " |")
    print("|---" * (1 + 2 * len(runs)) + "|")
    shown = [0, 10, 20, 30, 50, 70, 100, 150, 200, 300, 400, 500, 600, 900, 1000]
    for i in shown:
        if all(i in r["it"] for r in runs):
            cells = []
            for r in runs:
                cells += [f"{r['er'][list(r['it']).index(i)]:.2f}", f"{error_at(r, i):.5f}"]
            print(f"| {i} | " + " | ".join(cells) + " |")
    print()
    print("| run | plateau onsets | rel_error at first plateau | rel_error at end (iteration) | "
          "Eckart-Young bound | s/iteration |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        first = r["plateaus"][0] if r["plateaus"] else None
        at_first = f"{error_at(r, first):.5f}" if first is not None else "none"
        print(f"| {r['name']} | {', '.join(str(p) for p in r['plateaus']) or 'none'} | {at_first} | "
              f"{r['err'][-1]:.5f} ({r['hist_it'][-1]}) | {r['bound']:.5f} | {r['per_iteration']:.4f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
