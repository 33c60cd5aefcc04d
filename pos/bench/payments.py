"""``kaunta bench payments``: gateway clients against plain ``requests``, and approval to receipt.

Two questions, both answered over real HTTP on 127.0.0.1 against the local sandboxes
(started in this process on free ports) and, for the till, a real SQLite terminal:

1. **Client overhead.** What does Kaunta's client (``MpesaMethod`` / ``PayPalMethod`` over
   ``DarajaClient`` / ``PayPalClient`` and ``HttpClient``) add to the HTTP round trips a
   successful payment needs? Each sample is one payment through the method, then the same
   calls (the same payloads, as many calls of each kind as the client made: counted by the
   sandbox) sent with a plain ``requests.Session``, the yardstick
   (``*_requests_ratio``: Kaunta's own cost on top of the HTTP library it uses), and with
   bare ``http.client`` (``*_overhead_ratio``, for information: the library's cost too).
2. **Approval to receipt.** The customer approves on their phone at a random moment
   0.5-3 s after the push; the till polls as the payment dialog does
   (``pos.ui.payment_dialogs.GatewayDialog``: the default
   ``PaymentSettings().poll_schedule``, poll ``n + 1`` sent ``poll_delay(schedule, n)``
   seconds after the answer to the start or to poll ``n`` came back). Timed: the approval
   instant -> the return of the poll whose answer carries the receipt. The M-Pesa and PayPal
   lanes run at the same time, each on its own terminal and sandbox (two tills), to keep
   the run short. The approval moments are drawn from a seeded generator: every run replays
   the same ones.

The client half (baselines, the payments through the methods) is in
:mod:`pos.bench.payments_clients`. See docs/performance.md, section "Payments", for the goals
and results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from pos.bench.payments_clients import (
    PHONE,
    bench_mpesa_overhead,
    bench_paypal_overhead,
)
from pos.bench.payments_clients import ms as _ms
from pos.bench.stats import rounded, summary
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.payments.base import AttemptState
from pos.payments.mpesa import sandbox as mpesa_box
from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.paypal import sandbox as paypal_box
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.registry import MethodContext
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.payments import AttemptView, PaymentService, PaymentSettings, poll_delay
from pos.services.terminal import DemoUser, Terminal

#: The goals of docs/performance.md: metric -> the most it may be (lower is better for all).
#: The ratios to bare ``http.client`` (``*_overhead_ratio``) are reported without a goal.
GOALS: dict[str, float] = {
    "mpesa_requests_ratio": 1.15,
    "paypal_requests_ratio": 1.15,
    "approval_to_receipt_ms": 1500.0,
}

SAMPLES = 200  # payments per client ratio (--samples)
APPROVAL_SAMPLES = 30  # sales per method in the approval test: min(--samples, this)
APPROVE_AFTER = (0.5, 3.0)  # seconds after the push at which the customer approves
SALE_DEADLINE_S = 30.0  # an approval lane gives up on a sale after this long
ITEM = "6168232430898"  # Brookside Fresh Milk 1L, KES 125.00 (demo catalog)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass(slots=True)
class Settings:
    samples: int
    approval_samples: int
    json: bool
    seed: int = 20260302

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        samples = int(getattr(args, "samples", SAMPLES))
        approval = getattr(args, "approval_samples", None)
        return cls(
            samples=samples,
            approval_samples=int(approval) if approval is not None else min(samples, 30),
            json=bool(getattr(args, "json", False)),
            seed=int(getattr(args, "seed", 20260302)),
        )

    def problems(self) -> list[str]:
        out = []
        if self.samples < 1:
            out.append("--samples must be at least 1")
        if self.approval_samples < 1:
            out.append("approval samples must be at least 1")
        return out


def bench_context() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue, Nairobi",)),
        "T1",
        training=True,
        policy=Policy(pin_kdf_log2_n=10),  # cheap scrypt: the bench is not about logins
    )


# -- approval to receipt, at the till ---------------------------------------------------------


def _seed_template(work: Path) -> Path:
    path = work / "template.sqlite"
    term = Terminal.open(path, bench_context())
    try:
        term.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    finally:
        term.close()
    return path


def _cashier_terminal(template: Path, path: Path) -> Terminal:
    """A terminal over a copy of the seeded database, the demo cashier logged in."""
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{path}{suffix}")
    term = Terminal.open(path, bench_context())
    cashier = next(u for u in term.auth.users() if u.role is Role.CASHIER)
    pin = next(p for _, r, p in DEMO_USERS if Role(r) is Role.CASHIER)
    term.auth.login(cashier.user_id, pin)
    term.checkout.restore()
    return term


@dataclass(slots=True)
class Lane:
    """One till taking one kind of gateway payment, sale after sale."""

    code: str  # "mpesa" / "paypal"
    term: Terminal
    payments: PaymentService
    approve: Callable[[], None]  # the customer approves the (only) waiting request
    rng: random.Random
    latency: list[float]
    receipt_poll: list[float]  # the poll that brought the receipt: the till's own work
    polls: list[float]
    approve_after: list[float]


def _lane(code: str, term: Terminal, method: MpesaMethod | PayPalMethod, seed: int) -> Lane:
    payments = PaymentService(
        term.db, term.ctx, term.clock, term.ids, term.auth, term.checkout, {code: method}
    )
    return Lane(code, term, payments, lambda: None, random.Random(seed), [], [], [], [])


def _customer(approve: Callable[[], None], approved: list[int]) -> None:
    approve()
    approved.append(time.perf_counter_ns())


def run_lane(lane: Lane, samples: int) -> Lane:
    """Sell ``samples`` one-item sales, polling like the dialog; fills ``lane``'s series."""
    schedule = lane.payments.settings.poll_schedule
    checkout = lane.term.checkout
    phone = PHONE if lane.code == "mpesa" else None
    for _ in range(samples):
        view = checkout.scan(ITEM)
        started = lane.payments.start(lane.code, view.totals.due, phone)
        if started.state is not AttemptState.PENDING:
            raise RuntimeError(f"{lane.code} start: {started.state} {started.message}")
        after = lane.rng.uniform(*APPROVE_AFTER)
        approved: list[int] = []  # the approval instant, set by the customer's thread
        timer = threading.Timer(after, _customer, (lane.approve, approved))
        timer.start()
        deadline = time.monotonic() + SALE_DEADLINE_S
        n = p0 = p1 = 0
        result: AttemptView = started
        try:
            while result.receipt is None:
                time.sleep(poll_delay(schedule, n))
                n += 1
                p0 = time.perf_counter_ns()
                result = lane.payments.poll(started.attempt_id)
                p1 = time.perf_counter_ns()
                if result.receipt is None and (result.final or time.monotonic() > deadline):
                    raise RuntimeError(
                        f"{lane.code} sale did not complete: {result.state} {result.message}"
                    )
        finally:
            timer.join()
        if not approved or approved[0] > p1:
            raise RuntimeError(f"{lane.code}: receipt before the customer approved")
        lane.latency.append(_ms(approved[0], p1))
        lane.receipt_poll.append(_ms(p0, p1))
        lane.polls.append(float(n))
        lane.approve_after.append(after)
    return lane


def bench_approval(work: Path, samples: int, seed: int) -> tuple[Lane, Lane]:
    """Both lanes at once, each on its own terminal (database file) and sandbox."""
    template = _seed_template(work)
    with (
        mpesa_box.MpesaSandbox(prompt_timeout=SALE_DEADLINE_S * 2) as mbox,
        paypal_box.PayPalSandbox() as pbox,
    ):
        mpesa = create_mpesa(
            MethodContext(training=True, currency="KES", settings={"base_url": mbox.base_url})
        )
        paypal = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": pbox.base_url})
        )
        m_term = _cashier_terminal(template, work / "till-mpesa.sqlite")
        p_term = _cashier_terminal(template, work / "till-paypal.sqlite")
        try:
            m_lane = _lane("mpesa", m_term, mpesa, seed + 1)
            p_lane = _lane("paypal", p_term, paypal, seed + 2)

            def approve_mpesa() -> None:
                [push] = mbox.pending()
                mbox.decide(push.checkout_request_id, mpesa_box.Decision.APPROVE)

            def approve_paypal() -> None:
                [order] = pbox.pending()
                pbox.decide(str(order["id"]), paypal_box.Decision.APPROVE)

            m_lane.approve = approve_mpesa
            p_lane.approve = approve_paypal
            with ThreadPoolExecutor(2, thread_name_prefix="bench-till") as pool:
                futures = [pool.submit(run_lane, lane, samples) for lane in (m_lane, p_lane)]
                for future in futures:
                    future.result()
        finally:
            m_term.close()
            p_term.close()
    return m_lane, p_lane


# -- the run -------------------------------------------------------------------------------


def _count(values: list[int]) -> float:
    """The median of counts, as an int when it is one."""
    m = statistics.median(values)
    return int(m) if m == int(m) else float(m)


def _ratios(client: list[float], baseline: list[float]) -> list[float]:
    """Per payment: the client's time over the same calls' time, measured right after it.

    The headline ratios are the median of these. A pair is timed back to back, so load
    from other processes that comes and goes during a run weighs on both sides of it; a
    ratio of the two medians mixes moments of different load and moves more from run to
    run on a shared machine (both p50s stay in the output).
    """
    return [c / b for c, b in zip(client, baseline, strict=True)]


def measure(cfg: Settings, work: Path) -> dict[str, Any]:
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    schedule = PaymentSettings().poll_schedule
    _say(f"bench payments: {cfg.samples} payments per method, then {cfg.approval_samples} sales")
    _say("M-Pesa: MpesaMethod vs the same calls with requests and http.client...")
    mp = bench_mpesa_overhead(cfg.samples)
    _say("PayPal: PayPalMethod vs the same calls with requests and http.client...")
    pp = bench_paypal_overhead(cfg.samples)
    _say(
        f"approval to receipt: {cfg.approval_samples} sales per method, both tills at once "
        f"(poll schedule {schedule} s)..."
    )
    m_lane, p_lane = bench_approval(work, cfg.approval_samples, cfg.seed)

    d: dict[str, dict[str, float]] = {
        "mpesa_payment_ms": summary(mp.client),
        "mpesa_raw_ms": summary(mp.raw),
        "mpesa_raw_requests_ms": summary(mp.raw_requests),
        "mpesa_requests_ratio": summary(_ratios(mp.client, mp.raw_requests)),
        "mpesa_overhead_ratio": summary(_ratios(mp.client, mp.raw)),
        "mpesa_http_calls": summary([float(c) for c in mp.calls]),
        "paypal_payment_ms": summary(pp.client),
        "paypal_raw_ms": summary(pp.raw),
        "paypal_raw_requests_ms": summary(pp.raw_requests),
        "paypal_requests_ratio": summary(_ratios(pp.client, pp.raw_requests)),
        "paypal_overhead_ratio": summary(_ratios(pp.client, pp.raw)),
        "paypal_http_calls": summary([float(c) for c in pp.calls]),
    }
    for lane in (m_lane, p_lane):
        d[f"{lane.code}_approval_to_receipt_ms"] = summary(lane.latency)
        d[f"{lane.code}_receipt_poll_ms"] = summary(lane.receipt_poll)
        d[f"{lane.code}_polls_per_sale"] = summary(lane.polls)
        d[f"{lane.code}_approve_after_s"] = summary(lane.approve_after)
    worse = max((m_lane, p_lane), key=lambda lane: statistics.median(lane.latency))
    result: dict[str, Any] = {
        "bench": "payments",
        "samples": cfg.samples,
        "approval_samples": cfg.approval_samples,
        "mpesa_requests_ratio": d["mpesa_requests_ratio"]["p50"],
        "mpesa_payment_p50_ms": d["mpesa_payment_ms"]["p50"],
        "mpesa_raw_requests_p50_ms": d["mpesa_raw_requests_ms"]["p50"],
        "mpesa_overhead_ratio": d["mpesa_overhead_ratio"]["p50"],
        "mpesa_raw_p50_ms": d["mpesa_raw_ms"]["p50"],
        "mpesa_http_calls": _count(mp.calls),
        "paypal_requests_ratio": d["paypal_requests_ratio"]["p50"],
        "paypal_payment_p50_ms": d["paypal_payment_ms"]["p50"],
        "paypal_raw_requests_p50_ms": d["paypal_raw_requests_ms"]["p50"],
        "paypal_overhead_ratio": d["paypal_overhead_ratio"]["p50"],
        "paypal_raw_p50_ms": d["paypal_raw_ms"]["p50"],
        "paypal_http_calls": _count(pp.calls),
        "ratio_note": (
            "median over the payments of (client time / the same calls' time, timed right "
            "after it): *_requests_ratio with a plain requests.Session (goal), "
            "*_overhead_ratio with bare http.client (information only)"
        ),
        "approval_to_receipt_ms": d[f"{worse.code}_approval_to_receipt_ms"]["p50"],
        "approval_to_receipt_note": (
            f"the worse p50 of the two methods ({worse.code}); default poll schedule, "
            f"customer approves {APPROVE_AFTER[0]}-{APPROVE_AFTER[1]} s after the push"
        ),
    }
    for lane in (m_lane, p_lane):
        s = d[f"{lane.code}_approval_to_receipt_ms"]
        for q in ("p50", "p90", "p99", "max"):
            result[f"{lane.code}_approval_to_receipt_{q}_ms"] = s[q]
        result[f"{lane.code}_receipt_poll_p50_ms"] = d[f"{lane.code}_receipt_poll_ms"]["p50"]
    result.update(
        {
            "poll_schedule_s": list(schedule),
            "python": platform.python_version(),
            "requests_version": requests.__version__,
            "platform": platform.platform(),
            "cpu_count": os.cpu_count() or 0,
            "load_avg_start": rounded(load_start),
            "load_avg_end": rounded(os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0),
            "total_s": rounded(time.perf_counter() - t_start),
        }
    )
    result["goals"] = dict(GOALS)
    result["goals_met"] = {k: bool(result[k] <= v) for k, v in GOALS.items()}
    result["detail"] = d
    return result


_ROWS: tuple[tuple[str, str], ...] = (
    ("M-Pesa payment, MpesaMethod", "mpesa_payment_ms"),
    ("  same calls, requests.Session", "mpesa_raw_requests_ms"),
    ("  same calls, http.client", "mpesa_raw_ms"),
    ("  ratio to requests (goal)", "mpesa_requests_ratio"),
    ("  ratio to http.client", "mpesa_overhead_ratio"),
    ("PayPal payment, PayPalMethod", "paypal_payment_ms"),
    ("  same calls, requests.Session", "paypal_raw_requests_ms"),
    ("  same calls, http.client", "paypal_raw_ms"),
    ("  ratio to requests (goal)", "paypal_requests_ratio"),
    ("  ratio to http.client", "paypal_overhead_ratio"),
    ("M-Pesa approval -> receipt", "mpesa_approval_to_receipt_ms"),
    ("  the receipt poll itself", "mpesa_receipt_poll_ms"),
    ("PayPal approval -> receipt", "paypal_approval_to_receipt_ms"),
    ("  the receipt poll itself", "paypal_receipt_poll_ms"),
)


def render_table(r: dict[str, Any]) -> str:
    out = [
        f"Kaunta payments bench: {r['samples']} payments per method, "
        f"{r['approval_samples']} sales per method for approval -> receipt",
        f"Python {r['python']}, requests {r['requests_version']}, {r['cpu_count']} CPUs, "
        f"{r['platform']}",
        "",
        f"{'(ms; ratios per payment)':36}{'p50':>10}{'p90':>10}{'p99':>10}{'min':>10}{'max':>10}",
    ]
    for label, key in _ROWS:
        s = r["detail"][key]
        out.append(
            label.ljust(36) + "".join(f"{s[q]:>10.3f}" for q in ("p50", "p90", "p99", "min", "max"))
        )
    out += [
        "",
        f"HTTP calls per payment: M-Pesa {r['mpesa_http_calls']}, PayPal {r['paypal_http_calls']}",
        "ratios: client time / the same calls' time, per payment (the ratio to http.client "
        "is for information, without a goal)",
        f"poll schedule (s): {r['poll_schedule_s']}; total {r['total_s']} s; "
        f"load average {r['load_avg_start']} at start, {r['load_avg_end']} at end",
        "",
        "goals:",
    ]
    for key, limit in r["goals"].items():
        mark = "ok  " if r["goals_met"][key] else "MISS"
        out.append(f"  {mark} {key} = {r[key]} (goal: at most {limit})")
    return "\n".join(out)


def run_payments(args: argparse.Namespace) -> int:
    cfg = Settings.from_args(args)
    problems = cfg.problems()
    if problems:
        for p in problems:
            print(f"kaunta bench payments: {p}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kaunta-bench-pay-") as tmp:
        result = measure(cfg, Path(tmp))
    if cfg.json:
        print(json.dumps(result, indent=2))
    else:
        print(render_table(result))
    return 0
