"""A linear (or mixed-integer) programme as arrays, its Pyomo model, and its solve by HiGHS.

The optimizer states every model in the same shape — minimise c·x subject to
row_lb ≤ A·x ≤ row_ub and col_lb ≤ x ≤ col_ub, some columns integer — because
the rulebook gives its constraints as sparse linear blocks. The Pyomo model is
built from those arrays without a Python loop per constraint: one kernel
`variable_list` for the columns and one `matrix_constraint` per block of rows
(Pyomo's vectorised constraint over a CSR matrix). The objective is a
variable tied to c·x by a one-row matrix constraint, so no expression tree of
n terms is ever built.

The variables and the rows are attached to their containers in one pass
(what the containers' own `append` does, without its per-item checks, which
cost more than the rest of the model), with the cyclic garbage collector
paused while hundreds of thousands of small objects are created.

`solve_pyomo` hands that model to HiGHS (highspy ≥ 1.15: 1.14 returned wrong
MIP optima marked optimal) by reading the model itself: bounds and domains
from the variables, rows from the matrix constraints, the objective from the
variable it names. The objective row is substituted back into a cost vector
(it is the definition of the objective variable), then the solution is loaded
into the Pyomo variables.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import operator
import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

INF = math.inf

# Measured on this model (benchmarks/bench_optimizer.py): HiGHS presolve costs
# more than it saves on the rebalancing LP (two to seven times the solve time
# from 1 000 to 100 000 lines), whose structure is already lean.
DEFAULT_PRESOLVE = "off"


@dataclass
class LP:
    """minimise c·x + offset s.t. row_lb ≤ A·x ≤ row_ub, col_lb ≤ x ≤ col_ub, x_j integer where `integer`."""

    c: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    integer: np.ndarray | None = None
    offset: float = 0.0
    blocks: list = field(default_factory=list)  # (name, first row, last row + 1), for the Pyomo model

    @property
    def is_mip(self) -> bool:
        return self.integer is not None and bool(self.integer.any())

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape


@dataclass
class Solution:
    status: str  # optimal | infeasible | unbounded | time_limit | error
    x: np.ndarray | None
    objective: float | None
    seconds: float  # HiGHS run
    build_seconds: float  # Pyomo model construction and hand-over
    highs_status: str
    mip: bool
    mip_gap: float | None = None
    highs: object = None  # the solved Highs instance (for IIS), when kept


# --------------------------------------------------------------------------- Pyomo model


def build_pyomo(lp: LP):
    """The Pyomo kernel model of `lp`: variables `x`, objective variable `z`, one matrix constraint per block."""
    with _no_gc():  # hundreds of thousands of small objects: the cyclic collector would rescan them all
        return _build_pyomo(lp)


@contextlib.contextmanager
def _no_gc():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_pyomo(lp: LP):
    import pyomo.kernel as pmo

    m = pmo.block()
    lbs = np.where(np.isfinite(lp.col_lb), lp.col_lb, None).tolist()  # floats, None where unbounded
    ubs = np.where(np.isfinite(lp.col_ub), lp.col_ub, None).tolist()
    domains = None
    if lp.is_mip:
        domains = [pmo.IntegerSet if i else pmo.RealSet for i in lp.integer.tolist()]
    m.x = _variable_list(pmo, lbs, ubs, domains)
    m.z = pmo.variable()
    xs = list(m.x)
    blocks = lp.blocks or [("contraintes", 0, lp.A.shape[0])]
    m.rows = pmo.constraint_dict()
    A = lp.A.tocsr()
    for name, r0, r1 in blocks:
        if r1 <= r0:
            continue
        lo = np.where(np.isfinite(lp.row_lb[r0:r1]), lp.row_lb[r0:r1], -INF)
        hi = np.where(np.isfinite(lp.row_ub[r0:r1]), lp.row_ub[r0:r1], INF)
        m.rows[name] = _matrix_constraint(pmo, A[r0:r1], lo, hi, xs)
    n = len(xs)
    crow = sp.csr_matrix((np.append(lp.c, -1.0), (np.zeros(n + 1, dtype=np.int64), np.arange(n + 1))),
                         shape=(1, n + 1))
    m.objective_definition = pmo.matrix_constraint(crow, rhs=np.zeros(1), x=xs + [m.z])
    m.objective = pmo.objective(m.z + lp.offset, sense=pmo.minimize)
    return m


def _variable_list(pmo, lbs, ubs, domains):
    """A kernel `variable_list` filled the way its own `append` does (parent reference, storage key),
    without the per-item checks that dominate the model's construction time."""
    from pyomo.core.kernel.variable import variable

    n = len(lbs)
    vs = list(map(variable, domains if domains is not None else itertools.repeat(None, n),
                  itertools.repeat(None, n), lbs, ubs))
    container = pmo.variable_list()
    if not hasattr(container, "_data") or not vs or not hasattr(vs[0], "_storage_key"):  # pragma: no cover
        return pmo.variable_list(vs)
    ref = weakref.ref(container)
    setattr_ = object.__setattr__
    for i, v in enumerate(vs):
        setattr_(v, "_parent", ref)
        setattr_(v, "_storage_key", i)
    container._data = vs
    return container


def _matrix_constraint(pmo, A, lo, hi, xs):
    """A kernel `matrix_constraint` whose row objects are attached the way its container does it, in one
    pass (the container's per-row checks cost as much as the rest of the model)."""
    from pyomo.core.kernel import matrix_constraint as mcmod

    mc = pmo.matrix_constraint.__new__(pmo.matrix_constraint)
    try:
        rows = [mcmod._MatrixConstraintData(i) for i in range(A.shape[0])]
        ref = weakref.ref(mc)
        setattr_ = object.__setattr__
        for r in rows:
            setattr_(r, "_parent", ref)
        # what matrix_constraint.__init__ does once its rows are in place
        mc._data = tuple(rows)
        mc._parent = None
        mc._storage_key = None
        mc._active = True
        mc._sparse = True
        mc._A = sp.csr_matrix(A, dtype=float, copy=True)
        for arr in (mc._A.data, mc._A.indices, mc._A.indptr):
            arr.setflags(write=False)
        m = A.shape[0]
        mc._lb = np.ndarray(m, dtype=float)
        mc._ub = np.ndarray(m, dtype=float)
        mc._equality = np.zeros(m, dtype=bool)
        mc.x = xs
        mc.lb = lo
        mc.ub = hi
        return mc
    except AttributeError:  # pragma: no cover - another Pyomo layout: the plain constructor
        return pmo.matrix_constraint(A, lb=lo, ub=hi, x=xs)


def _model_arrays(m):
    """Read the Pyomo kernel model back into HiGHS's arrays (the model is the source, not `lp`)."""
    from pyomo.core.kernel.set_types import IntegerSet

    xs = list(m.x)
    n = len(xs)
    try:  # the bounds as stored (numbers or None): the properties would evaluate each one as an expression
        lb = np.array(list(map(operator.attrgetter("_lb"), xs)), dtype=float)  # None (no bound) reads as NaN
        ub = np.array(list(map(operator.attrgetter("_ub"), xs)), dtype=float)
    except (AttributeError, TypeError):  # pragma: no cover - bounds given as expressions
        lb = np.array([v.lb for v in xs], dtype=float)
        ub = np.array([v.ub for v in xs], dtype=float)
    lb[np.isnan(lb)] = -INF
    ub[np.isnan(ub)] = INF
    try:
        domains = list(map(operator.attrgetter("_domain_type"), xs))
    except AttributeError:  # pragma: no cover
        domains = [v.domain_type for v in xs]
    integer = np.array([d is IntegerSet for d in domains], dtype=bool)
    mats, rlo, rhi = [], [], []
    for mc in m.rows.values():
        mats.append(mc.A)
        rlo.append(np.asarray(mc.lb, dtype=float))
        rhi.append(np.asarray(mc.ub, dtype=float))
    A = mats[0] if len(mats) == 1 else sp.vstack(mats, format="csr") if mats else sp.csr_matrix((0, n))
    row_lb = np.concatenate(rlo) if rlo else np.zeros(0)
    row_ub = np.concatenate(rhi) if rhi else np.zeros(0)
    # objective: z + offset with z = c·x (the objective-definition row): substitute c back
    od = m.objective_definition.A.tocsr()
    c = np.zeros(n)
    c[od.indices[od.indices < n]] = od.data[od.indices < n]
    offset = float(m.objective.expr.args[1]) if len(getattr(m.objective.expr, "args", ())) > 1 else 0.0
    row_lb = np.where(np.isnan(row_lb), -INF, row_lb)
    row_ub = np.where(np.isnan(row_ub), INF, row_ub)
    return c, offset, lb, ub, integer, A, row_lb, row_ub


def _highs_model(c, offset, lb, ub, integer, A: sp.csr_matrix, row_lb, row_ub):
    import highspy

    A = sp.csc_matrix(A)
    A.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = len(c)
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(lb, dtype=np.float64)
    lp.col_upper_ = np.asarray(ub, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lb, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_ub, dtype=np.float64)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    if integer is not None and integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer.tolist()]
    return lp


_quiet_start_done = False


def new_highs():
    """A Highs object. HiGHS prints its banner on standard output the first time one is
    made in a process, before any option can be set; that would spoil `--json` output,
    so the first construction runs with file descriptor 1 pointed at /dev/null."""
    global _quiet_start_done
    import highspy

    if _quiet_start_done:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _quiet_start_done = True
    return h


def _run(lp_h, *, presolve: str, time_limit: float | None, mip_gap: float, progress, keep: bool):
    import highspy

    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", presolve)
    h.setOptionValue("mip_rel_gap", mip_gap)
    if time_limit:
        h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp_h)
    t = time.perf_counter()
    if progress is None:
        h.run()
    else:
        done = threading.Event()
        runner = threading.Thread(target=lambda: (h.run(), done.set()), daemon=True)
        runner.start()
        with progress() as tick:
            while not done.wait(0.2):
                tick(time.perf_counter() - t)
        runner.join()
    seconds = time.perf_counter() - t
    ms = h.getModelStatus()
    text = h.modelStatusToString(ms)
    MS = highspy.HighsModelStatus
    info = h.getInfo()
    status = {MS.kOptimal: "optimal", MS.kInfeasible: "infeasible", MS.kUnbounded: "unbounded",
              MS.kUnboundedOrInfeasible: "infeasible", MS.kTimeLimit: "time_limit"}.get(ms, "error")
    x = obj = None
    sol = h.getSolution()
    if status == "optimal" or (status == "time_limit" and sol.value_valid):
        x = np.asarray(sol.col_value, dtype=float)
        obj = float(info.objective_function_value)
    gap = float(info.mip_gap) if lp_h.integrality_ else None
    return status, x, obj, seconds, text, gap, (h if keep else None)


def solve_pyomo(lp: LP, *, presolve: str = DEFAULT_PRESOLVE, time_limit: float | None = None,
                mip_gap: float = 1e-9, progress=None, keep: bool = False) -> Solution:
    """Build the Pyomo model of `lp`, solve it with HiGHS, load the solution into it."""
    t0 = time.perf_counter()
    m = build_pyomo(lp)
    with _no_gc():
        arrays = _model_arrays(m)
    lp_h = _highs_model(*arrays)
    build = time.perf_counter() - t0
    status, x, obj, seconds, text, gap, h = _run(lp_h, presolve=presolve, time_limit=time_limit, mip_gap=mip_gap,
                                                   progress=progress, keep=keep)
    if x is not None:
        with _no_gc():
            for var, val in zip(m.x, x.tolist()):
                var.value = val
        m.z.value = float(np.dot(arrays[0], x))
    return Solution(status, x, obj, seconds, build, text, lp.is_mip, gap, h)


def solve_direct(lp: LP, *, presolve: str = DEFAULT_PRESOLVE, time_limit: float | None = None,
                 mip_gap: float = 1e-9, keep: bool = False) -> Solution:
    """The same LP passed to highspy as a sparse matrix, with no modelling layer (the benchmark's reference)."""
    t0 = time.perf_counter()
    lp_h = _highs_model(lp.c, lp.offset, lp.col_lb, lp.col_ub, lp.integer, lp.A, lp.row_lb, lp.row_ub)
    build = time.perf_counter() - t0
    status, x, obj, seconds, text, gap, h = _run(lp_h, presolve=presolve, time_limit=time_limit, mip_gap=mip_gap,
                                                   progress=None, keep=keep)
    return Solution(status, x, obj, seconds, build, text, lp.is_mip, gap, h)


def iis_rows(h) -> list[int] | None:
    """Rows of an irreducible infeasible subset, from HiGHS (None when the subset names no row). A failure of
    HiGHS's own IIS computation is a RuntimeError, for the caller to say."""
    import highspy

    if not hasattr(h, "getIis"):  # pragma: no cover - a highspy without getIis: it cannot say
        return None
    h.setOptionValue("iis_strategy", 2)  # from the LP itself (the default strategy returns an empty set)
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS getIis : {h.modelStatusToString(h.getModelStatus())}")
    rows = list(getattr(iis, "row_index_", []) or [])
    return rows or None
