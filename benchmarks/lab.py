"""The Lab benchmark: our PDE engine side by side with py-pde (numba) and a numpy stencil.

Usage: ``python benchmarks/lab.py [--sizes 256 512] [--threads 1 2] [--rounds 5] [--quick] [--nvp off|quick|full]``

(a) cell updates per second of explicit 2D diffusion (periodic Gaussian, f64, same grid, step and
    scheme for every peer, so the same accuracy, which is checked) per grid size and thread count;
(b) time to solution: the exact spectral propagator versus stepping at the largest stable step;
(c) graph heat: node updates per second on a random 100k-node / 300k-edge network, with the drift
    of total heat;
(d) the NVP and diffusion-forecaster figures of ``benchmarks/nvp.py`` (``--nvp off|quick|full``).
Peers run interleaved, ``--rounds`` times each; medians are reported. Thread counts are pinned
explicitly (torch, numba, BLAS), so the script behaves the same as a background job. The last line
printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# pin BLAS/OpenMP pools before numpy/torch start them; per-measurement counts are set below
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402
import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kernels.pde import (  # noqa: E402
    DiffusionConfig,
    GraphLaplacian,
    Grid2D,
    Stepping,
    compiled_failure,
    fused,  # noqa: E402
    gaussian_heat_kernel,
    graph_explicit_limit,
    graph_laplacian,
    solve,
    total_energy,
)
from kernels.pde.graph import laplacian_apply  # noqa: E402
from kernels.pde.stencil import flux_coefficients  # noqa: E402

DT, D = 0.2, 1.0  # step (limit h^2 / 4D = 0.25) and diffusivity, grid units
Runner = Callable[[int], object]


def set_threads(n: int) -> None:
    torch.set_num_threads(n)
    try:
        import numba

        numba.set_num_threads(n)
    except (ImportError, ValueError):
        pass


def median_rates(runners: dict[str, Runner], work: dict[str, int], per_step: int, rounds: int) -> dict[str, float]:
    """Interleave the peers ``rounds`` times; median of (steps * per_step / seconds) per peer."""
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(work[name])
            rates[name].append(work[name] * per_step / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def calibrate(run: Runner, per_step: int, target_s: float, multiple: int = 4) -> int:
    """Steps that take about ``target_s`` (rounded to ``multiple``), after one warm-up call."""
    run(multiple)
    start = time.perf_counter()
    run(4 * multiple)
    rate = 4 * multiple / max(time.perf_counter() - start, 1e-6)
    return max(multiple, int(rate * target_s) // multiple * multiple)


# ----------------------------------------------------------------------------- peers, part (a)
def numpy_runner(u0: np.ndarray) -> Runner:
    a = DT * D

    def run(steps: int) -> np.ndarray:
        u = u0.copy()
        for _ in range(steps):
            u = u + a * (np.roll(u, 1, 0) + np.roll(u, -1, 0) + np.roll(u, 1, 1) + np.roll(u, -1, 1) - 4 * u)
        return u

    return run


def pypde_runner(u0: np.ndarray, multithreading: str) -> Runner:
    """py-pde explicit Euler, numba backend; the stepper is JIT-compiled here, not in the timing."""
    import pde

    pde.config["numba.multithreading"] = multithreading
    n = u0.shape[0]
    grid = pde.CartesianGrid([[0, n], [0, n]], [n, n], periodic=True)  # fresh grid: operators cache per grid
    state = pde.ScalarField(grid, u0.copy())
    solver = pde.ExplicitSolver(pde.DiffusionPDE(diffusivity=D), scheme="euler", backend="numba", adaptive=False)
    stepper = solver.make_stepper(state, DT)
    stepper(state, 0.0, DT)

    def run(steps: int) -> np.ndarray:
        state.data[...] = u0
        stepper(state, 0.0, steps * DT)
        return state.data

    return run


def torch_runners(u0: torch.Tensor) -> dict[str, Runner]:
    coef = flux_coefficients(Grid2D(tuple(u0.shape)), D, DT)
    return {
        "torch fused (compiled)": lambda steps: fused.fused_steps(u0, coef, True, steps)[0],
        "torch eager": lambda steps: fused.eager_steps(u0, coef, True, steps),
    }


def accuracy_check(runners: dict[str, Runner], n: int, steps: int = 100) -> dict[str, float]:
    """Max error relative to the peak, against the exact periodic heat kernel, after ``steps``."""
    grid = Grid2D((n, n))
    exact = gaussian_heat_kernel(grid, steps * DT, centre=(n / 2, n / 2), sigma0=n / 32, diffusivity=D).numpy()
    errors = {}
    for name, run in runners.items():
        out = run(steps)
        out = out.numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
        errors[name] = float(np.abs(out - exact).max() / exact.max())
    return errors


def part_a(sizes: list[int], threads: list[int], rounds: int, target_s: float) -> dict:
    results: dict = {}
    for n in sizes:
        u0 = gaussian_heat_kernel(Grid2D((n, n)), 0.0, centre=(n / 2, n / 2), sigma0=n / 32, diffusivity=D)
        serial = pypde_runner(u0.numpy(), "never")
        parallel = pypde_runner(u0.numpy(), "always")
        for t in threads:
            set_threads(t)
            runners = {**torch_runners(u0), "py-pde numba": serial, "numpy stencil": numpy_runner(u0.numpy())}
            if t > 1:
                runners["py-pde numba parallel"] = parallel
            work = {name: calibrate(run, n * n, target_s) for name, run in runners.items()}
            rates = median_rates(runners, work, n * n, rounds)
            errors = accuracy_check(runners, n) if t == threads[-1] else {}
            results[f"{n}x{n}/{t}t"] = {"threads": t, "rates": rates, "errors": errors}
            print_table_a(n, t, rates, errors)
    return results


def print_table_a(n: int, t: int, rates: dict[str, float], errors: dict[str, float]) -> None:
    pypde = max(v for k, v in rates.items() if k.startswith("py-pde"))
    print(f"\n(a) {n}x{n} f64, {t} thread(s) [torch={torch.get_num_threads()}]")
    print(f"  {'peer':28s} {'cell upd/s':>11s} {'vs py-pde best':>15s} {'max rel err':>12s}")
    for name, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
        err = f"{errors[name]:.3e}" if name in errors else ""
        print(f"  {name:28s} {rate:11.3e} {rate / pypde:14.2f}x {err:>12s}")


# ----------------------------------------------------------------------------- part (b)
def part_b(n: int, best_threads: int, rounds: int) -> dict:
    """Gaussian sigma 8 -> 64 cells on an n^2 periodic grid: spectral vs stepping at dt = h^2 / 4D."""
    set_threads(best_threads)
    grid, sigma0 = Grid2D((n, n)), 8.0
    t_end = (64.0**2 - sigma0**2) / (2 * D)
    centre = (n / 2, n / 2)
    u0 = gaussian_heat_kernel(grid, 0.0, centre=centre, sigma0=sigma0, diffusivity=D)
    exact = gaussian_heat_kernel(grid, t_end, centre=centre, sigma0=sigma0, diffusivity=D)
    problem = DiffusionConfig(grid, D)
    ways = {
        "spectral (auto)": Stepping(),
        "explicit fused, dt=limit": Stepping(method="explicit", dt=0.25, compiled=True),
    }
    out: dict = {"grid": n, "t_end": t_end, "threads": best_threads}
    solve(problem, u0, [t_end / 100], stepping=ways["explicit fused, dt=limit"])  # compile outside the timing
    for name, stepping in ways.items():
        times, sol = [], None
        for _ in range(rounds if name.startswith("spectral") else 1):
            start = time.perf_counter()
            sol = solve(problem, u0, [t_end], stepping=stepping)
            times.append(time.perf_counter() - start)
        err = float((sol.fields[-1] - exact).abs().max() / exact.max())
        out[name] = {"seconds": statistics.median(times), "max_rel_error": err, "steps": sol.steps,
                     "method": sol.method}
    spectral, stepping = out["spectral (auto)"], out["explicit fused, dt=limit"]
    out["speedup"] = stepping["seconds"] / spectral["seconds"]
    print(f"\n(b) time to solution, {n}x{n}, sigma 8 -> 64 cells (t = {t_end:g}), {best_threads} thread(s)")
    for name in ways:
        row = out[name]
        print(f"  {name:28s} {row['seconds']:9.4f} s  steps {row['steps']:6d}  max rel err {row['max_rel_error']:.2e}")
    ratio = stepping['max_rel_error'] / max(spectral['max_rel_error'], 1e-300)
    print(f"  spectral is {out['speedup']:.0f}x faster at {ratio:.0e}x smaller error")
    return out


# ----------------------------------------------------------------------------- part (c)
def scipy_runner(lap: GraphLaplacian, u0: torch.Tensor, dt: float) -> Runner:
    """Peer: scipy CSR ``u - dt L u`` (one sparse matvec per step, not flux form)."""
    csr = scipy_laplacian(lap).tocsr()
    start = u0.numpy()

    def run(steps: int) -> np.ndarray:
        u = start.copy()
        for _ in range(steps):
            u = u - dt * (csr @ u)
        return u

    return run


def scipy_laplacian(lap: GraphLaplacian) -> scipy.sparse.coo_matrix:
    """``D - W`` as a scipy COO matrix built from the same (self-loop-free) edges."""
    src, dst, w = lap.src.numpy(), lap.dst.numpy(), lap.weight.numpy()
    n = lap.n_nodes
    rows = np.concatenate([src, dst, np.arange(n)])
    cols = np.concatenate([dst, src, np.arange(n)])
    return scipy.sparse.coo_matrix((np.concatenate([-w, -w, lap.degree.numpy()]), (rows, cols)), shape=(n, n))


def graph_runners(lap: GraphLaplacian, u0: torch.Tensor, dt: float) -> dict[str, Runner]:
    def eager(steps: int) -> torch.Tensor:
        u = u0.clone()
        for _ in range(steps):
            u += laplacian_apply(lap, u, scale=dt)
        return u

    return {
        "torch flux form (compiled)": lambda steps: fused.fused_graph_steps(lap, u0, dt, steps)[0],
        "torch flux form (eager)": eager,
        "scipy CSR matvec": scipy_runner(lap, u0, dt),
    }


def relative_drift(u0: torch.Tensor, u: object) -> float:
    u = torch.as_tensor(np.asarray(u)) if not isinstance(u, torch.Tensor) else u
    e0 = float(total_energy(u0, spatial_dims=1))
    return abs(float(total_energy(u, spatial_dims=1)) - e0) / e0


def part_c(nodes: int, edges: int, threads: list[int], rounds: int, target_s: float, drift_steps: int) -> dict:
    gen = torch.Generator().manual_seed(0)
    src, dst = torch.randint(0, nodes, (edges,), generator=gen), torch.randint(0, nodes, (edges,), generator=gen)
    lap = graph_laplacian(nodes, src, dst, torch.rand(edges, generator=gen, dtype=torch.float64))
    dt = graph_explicit_limit(lap, 1.0)
    # a cascade: one disturbed asset on a quiet background
    u0 = 1e-3 * torch.rand(nodes, generator=gen, dtype=torch.float64)
    u0[0] = 1.0
    results: dict = {"nodes": nodes, "edges": int(lap.src.numel()), "dt": dt, "drift_steps": drift_steps, "threads": {}}
    for t in threads:
        set_threads(t)
        runners = graph_runners(lap, u0, dt)
        work = {name: calibrate(run, nodes, target_s, multiple=1) for name, run in runners.items()}
        rates = median_rates(runners, work, nodes, rounds)
        if t == threads[0]:  # drift does not depend on the thread count; measure it once, long
            drifts = {name: relative_drift(u0, run(drift_steps)) for name, run in runners.items()}
            results["drift"] = drifts
        results["threads"][t] = {"rates": rates}
        print(f"\n(c) graph heat, {nodes} nodes / {results['edges']} edges, {t} thread(s), "
              f"drift after {drift_steps} steps")
        for name, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
            print(f"  {name:28s} {rate:11.3e} node upd/s  drift {results['drift'][name]:.1e}")
    return results


def nvp_section(mode: str) -> dict:
    """(d) the next-vector (NVP) and diffusion-forecaster figures, measured by ``benchmarks/nvp.py``'s own
    section (``quick``: smoke-test sizes, ~40 s; ``full``: ~5 min; ``off``: skipped)."""
    if mode == "off":
        return {"skipped": True}
    from benchmarks.nvp import nvp_section as measure

    return measure(quick=mode == "quick")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="shorter timings, smaller graph (smoke test)")
    parser.add_argument("--nvp", choices=["off", "quick", "full"], default=None,
                        help="NVP section size (default: quick with --quick, else full)")
    args = parser.parse_args()
    target = 0.08 if args.quick else 0.25
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, threads measured: {args.threads}, "
          f"load average {os.getloadavg()[0]:.2f} (other processes share these cores)")
    a = part_a(args.sizes, args.threads, args.rounds, target)
    largest = max(args.sizes)
    fused_key = "torch fused (compiled)"
    best_t = max(args.threads, key=lambda t: a[f"{largest}x{largest}/{t}t"]["rates"][fused_key])
    b = part_b(largest, best_t, args.rounds)
    nodes, edges, drift_steps = (10_000, 30_000, 200) if args.quick else (100_000, 300_000, 1000)
    c = part_c(nodes, edges, args.threads, args.rounds, target, drift_steps)
    nvp = nvp_section(args.nvp or ("quick" if args.quick else "full"))
    summary = summarise(a, b, c, largest)
    summary["load_average_end"] = os.getloadavg()[0]
    print("\nsummary: " + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items()))
    print(json.dumps({"summary": summary, "a": a, "b": b, "c": c, "nvp": nvp, "compile_failure": compiled_failure()}))


def summarise(a: dict, b: dict, c: dict, largest: int) -> dict:
    rows = [v for k, v in a.items() if k.startswith(f"{largest}x")]
    ours = max(r["rates"]["torch fused (compiled)"] for r in rows)
    pypde = max(v for r in rows for k, v in r["rates"].items() if k.startswith("py-pde"))
    graph = list(c["threads"].values())
    return {
        f"fused_cell_updates_per_s_{largest}": ours,
        f"pypde_best_cell_updates_per_s_{largest}": pypde,
        "fused_vs_pypde": ours / pypde,
        "spectral_speedup": b["speedup"],
        "graph_node_updates_per_s": max(r["rates"]["torch flux form (compiled)"] for r in graph),
        "graph_drift_compiled": c["drift"]["torch flux form (compiled)"],
        "graph_drift_scipy": c["drift"]["scipy CSR matvec"],
        "compiled": compiled_failure() is None,
    }


if __name__ == "__main__":
    main()
