#!/usr/bin/env python3
"""nmfx's speed benchmark (not a test): seconds per iteration of MU, HALS and
ANLS in double and single precision against scikit-learn's NMF in the same
run, the ratio to the GEMM bound, the products' share of the GEMM peak, peak
memory per rank, and 1 rank x 2 threads against 2 ranks x 1 thread.

Every comparison is measured in this one run, in interleaved repetitions
(nmfx, scikit-learn, nmfx, ...), so machine noise hits both alike; each cell
shows the median and the range. Called by tools/bench.sh, which builds nmfx
and prepares the data."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np

K = 50


def env(threads):
    return dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))


def run(cmd, threads):
    """Runs a command with `threads` threads; its output, or an error with it."""
    r = subprocess.run(cmd, env=env(threads), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("bench: failed: %s\n%s%s" % (" ".join(cmd), r.stdout[-2000:], r.stderr[-2000:]))
    return r.stdout


def gemm_rates(tool, threads):
    double, single = (float(v) for v in run([tool], threads).split())
    return {"double": double, "single": single}


def nmfx_fit(nmfx, data, out, algo, precision, iterations, ranks=2, threads=1):
    """One fit; returns s/iteration, products seconds (mean over ranks), peak
    resident bytes of the largest rank, rel_error and the grid."""
    cmd = ["mpirun", "-np", str(ranks)] + (["--bind-to", "none"] if threads > 1 else []) + [
        nmfx, "fit", data, "-o", out, "--rank", str(K), "--algo", algo, "--precision", precision,
        "--max-iter", str(iterations), "--progress", "0", "--metrics-every", "0", "--no-reference"]
    run(cmd, threads)
    with h5py.File(out, "r") as f:
        seconds = f["history/seconds"][:]
        t = f["timing"].attrs
        return {"spi": (seconds[-1] - seconds[0]) / iterations, "median": float(np.median(np.diff(seconds))),
                "products": float(t["products"]),
                "peak": float(t["peak_resident_bytes"]), "rel_error": float(f["history/rel_error"][-1]),
                "grid": f.attrs["grid"]}


SKLEARN = r"""
import sys, time, warnings, h5py, numpy as np
from sklearn.decomposition import NMF
path, solver, dtype, iterations = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
X = h5py.File(path, 'r')['X'][:].astype(dtype)
model = NMF(n_components=%d, init='random', solver=solver, max_iter=iterations, tol=0, random_state=0)
warnings.simplefilter('ignore')
start = time.perf_counter(); model.fit(X); elapsed = time.perf_counter() - start
print(elapsed / model.n_iter_, model.reconstruction_err_**2 / (X.astype(np.float64)**2).sum())
""" % K


def sklearn_fit(data, solver, precision, iterations, threads=2):
    out = run(["/usr/bin/python3", "-c", SKLEARN, data, solver, "float32" if precision == "single" else "float64",
               str(iterations)], threads)
    spi, err = (float(v) for v in out.split())
    return {"spi": spi, "rel_error": err}


def cell(values, fmt="%.3f"):
    med = statistics.median(values)
    return (fmt % med) + (" (" + fmt % min(values) + "–" + fmt % max(values) + ")" if len(values) > 1 else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nmfx", required=True)
    p.add_argument("--gemm-rate", required=True)
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="nmfx-bench-")
    out = os.path.join(work, "run.h5")

    peak2, peak1 = gemm_rates(a.gemm_rate, 2), gemm_rates(a.gemm_rate, 1)
    print("GEMM peak (GFLOP/s): double %.1f with 2 threads, %.1f with 1; single %.1f with 2, %.1f with 1"
          % (peak2["double"], peak1["double"], peak2["single"], peak1["single"]))
    print("nmfx: 2 ranks x 1 thread, k = %d, %d iterations, metrics off; scikit-learn %s: 2 threads, "
          "same k and iterations; %d interleaved repetitions, median (range)\n"
          % (K, a.iterations, "1.2", a.repeats))
    print("| data | algo | precision | nmfx s/iteration | x GEMM bound | products / GEMM peak "
          "| peak memory per rank / share of X+W+H | scikit-learn s/iteration | scikit-learn / nmfx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for data in a.data:
        with h5py.File(data, "r") as f:
            m, n = f["X"].shape
        name = os.path.basename(data).removesuffix(".h5")
        for algo, solver in (("mu", "mu"), ("hals", "cd"), ("anls", "cd")):
            for precision in ("double", "single"):
                runs, refs = [], []
                for _ in range(a.repeats):
                    runs.append(nmfx_fit(a.nmfx, data, out, algo, precision, a.iterations))
                    refs.append(sklearn_fit(data, solver, precision, a.iterations))
                bytes_ = 4 if precision == "single" else 8
                pr, pc = (int(v) for v in runs[0]["grid"].split("x"))
                share = (m * n / (pr * pc) + m / pr * K + n / pc * K) * bytes_
                bound = 4.0 * m * n * K / (peak2[precision] * 1e9)
                flops_per_rank = (2 * a.iterations + 1) * 2.0 * m * n * K / (pr * pc)
                spis = [r["spi"] for r in runs]
                print("| %s %dx%d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    name, m, n, algo, precision, cell(spis), cell([s / bound for s in spis], "%.2f"),
                    cell([flops_per_rank / r["products"] / 1e9 / peak1[precision] for r in runs], "%.2f"),
                    cell([r["peak"] / share for r in runs], "%.2f"),
                    cell([r["spi"] for r in refs]) + ("" if solver == algo else " (%s)" % solver),
                    cell([s["spi"] / r["spi"] for s, r in zip(refs, runs)], "%.2f")))
                sys.stdout.flush()

    # Threads: one rank with 2 threads against 2 ranks with 1, HALS double.
    data = a.data[0]
    one, two = [], []
    for _ in range(a.repeats):
        one.append(nmfx_fit(a.nmfx, data, out, "hals", "double", a.iterations, ranks=1, threads=2))
        two.append(nmfx_fit(a.nmfx, data, out, "hals", "double", a.iterations, ranks=2, threads=1))
    # The mean includes the first iteration, where one rank first touches
    # all of its factors' memory; the median iteration leaves it out.
    print()
    for what, label in (("spi", "mean s/iteration"), ("median", "median iteration")):
        x, y = [r[what] for r in one], [r[what] for r in two]
        print("threads (%s, hals, double, %s): 1 rank x 2 threads %s s, 2 ranks x 1 thread %s; ratio %s"
              % (os.path.basename(data), label, cell(x), cell(y), cell([p / q for p, q in zip(x, y)], "%.2f")))
    os.remove(out)
    os.rmdir(work)


if __name__ == "__main__":
    main()
