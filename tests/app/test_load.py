"""Load on a real server, loopback only, every loop bounded in count and time.

- many concurrent clients working through the gallery's examples: zero errors;
- small requests stay prompt while two maximal programs run;
- overload is answered at once with 503 and Retry-After, never an ever-growing queue.

Times are recorded for the README; a test fails on time only past hardening.hang_bound.
"""
from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.app.hardening import HEAVY, HEAVY_BODY, LECTURE, hang_bound, record, run_async, running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

CLIENTS = 48                 # concurrent clients
ROUNDS = 6                   # requests per client
PROMPT_S = 1.0               # a small request is answered within this while big ones run (measured)
MAXIMAL = HEAVY            # seconds of work at the engine's limit (tests/app/hardening.py)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def test_many_concurrent_clients_on_the_worked_examples():
    with running_server() as server:
        examples = httpx.get(server.url + "/api/examples", timeout=10).json()
        assert len(examples) >= 6

        async def client(k: int, http: httpx.AsyncClient) -> list[tuple[int, float]]:
            out = []
            for r in range(ROUNDS):
                ex = examples[(k + r) % len(examples)]
                t0 = time.monotonic()
                if r % 3 == 2:
                    resp = await http.post("/api/render", json={"source": ex["source"], "format": "svg",
                                                                "step": 1})
                    ok = resp.status_code == 200 and resp.text.lstrip().startswith("<?xml")
                else:
                    resp = await http.post("/api/trace", json={"source": ex["source"],
                                                               "gradcheck": r % 3 == 1})
                    ok = resp.status_code == 200 and resp.json()["svg"] is not None
                out.append((resp.status_code if ok else -resp.status_code, time.monotonic() - t0))
            return out

        async def main():
            limits = httpx.Limits(max_connections=CLIENTS)
            async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
                return await asyncio.wait_for(
                    asyncio.gather(*(client(k, http) for k in range(CLIENTS))), timeout=240)

        t0 = time.monotonic()
        results = [r for per_client in run_async(main, 300) for r in per_client]
        wall = time.monotonic() - t0
        errors = [s for s, _ in results if s != 200]
        latencies = [t for _, t in results]
        assert errors == [], f"{len(errors)} errors: {errors[:10]}"
        assert len(results) == CLIENTS * ROUNDS
        record("load_clients", CLIENTS)
        record("load_requests", len(results))
        record("load_errors", len(errors))
        record("load_median_s", round(statistics.median(latencies), 3))
        record("load_p99_s", round(percentile(latencies, 0.99), 3))
        record("load_requests_per_s", round(len(results) / wall, 1))
        assert server.healthy()


def test_small_requests_stay_prompt_while_two_maximal_programs_run():
    with running_server(job_timeout_s=6) as server:
        async def main():
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                big = [asyncio.create_task(http.post("/api/trace", json=HEAVY_BODY))
                       for _ in range(2)]
                await asyncio.sleep(0.5)               # both are in the large lane now
                small: list[float] = []
                while_both_ran = 0               # small answers received while both big ones ran
                deadline = time.monotonic() + 8
                while time.monotonic() < deadline and not all(b.done() for b in big):
                    t0 = time.monotonic()
                    r = await http.post("/api/trace", json={"source": LECTURE})
                    assert r.status_code == 200, r.text
                    small.append(time.monotonic() - t0)
                    while_both_ran += not any(b.done() for b in big)
                    await asyncio.sleep(0.05)
                answers = await asyncio.wait_for(asyncio.gather(*big), timeout=30)
                return small, while_both_ran, answers

        t0 = time.monotonic()
        small, while_both_ran, answers = run_async(main, 60)
        big_s = time.monotonic() - t0
        assert while_both_ran >= 3            # the small lane was not waiting for the large one
        assert max(small) < hang_bound(PROMPT_S), f"slowest small request {max(small):.2f} s"
        for r in answers:                              # done, or stopped at the limit, clearly
            assert r.status_code in (200, 422), r.text[:300]
            if r.status_code == 422:
                assert "took longer than the 6 s limit" in r.json()["message"]
        assert big_s < hang_bound(6 * 2)               # each stopped by its own deadline
        record("small_during_maximal_requests", len(small))
        record("maximal_pair_done_s", round(big_s, 3))
        record("small_during_maximal_max_s", round(max(small), 3))
        record("small_during_maximal_median_s", round(statistics.median(small), 3))
        assert server.healthy()


def test_overload_is_refused_at_once_not_queued():
    """With one small worker and a queue of 4, a burst of 40 gets quick 503s for the excess."""
    slow = "W = randn(300, 300, seed=1)\nx = randn(300, seed=2)\nh = tanh(W @ x)\nf = sum(h * h)"
    with running_server(small_workers=1, small_queue=4, small_max_elements=10**6,
                        small_max_nodes=10**4, small_timeout_s=20) as server:
        async def one(http: httpx.AsyncClient) -> tuple[int, float, str | None]:
            t0 = time.monotonic()
            r = await http.post("/api/trace", json={"source": slow, "gradcheck": True})
            return r.status_code, time.monotonic() - t0, r.headers.get("retry-after")

        async def main():
            async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                         limits=httpx.Limits(max_connections=64)) as http:
                return await asyncio.wait_for(asyncio.gather(*(one(http) for _ in range(40))), 120)

        results = run_async(main, 150)
        served = [r for r in results if r[0] == 200]
        refused = [r for r in results if r[0] == 503]
        assert len(served) + len(refused) == len(results), results
        assert 1 <= len(served) <= 5 + 1 and len(refused) >= 30
        assert all(t < hang_bound(1.0) for _, t, _ in refused), max(t for _, t, _ in refused)
        assert all(ra == "2" for _, _, ra in refused)
        record("overload_burst", len(results))
        record("overload_refused_503", len(refused))
        record("overload_slowest_refusal_s", round(max(t for _, t, _ in refused), 3))
        assert server.healthy()


@pytest.mark.parametrize("lane", ["small", "large"])
def test_queue_wait_is_bounded(lane):
    """A request that cannot get a worker within the wait limit is answered 503, not kept."""
    body = HEAVY_BODY if lane == "large" else {"source": "x = 1.0\ny = sin(x)"}
    with running_server(job_timeout_s=6, queue_wait_s=1, large_queue=4) as server:
        async def main():
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                first = asyncio.create_task(http.post("/api/trace", json=HEAVY_BODY))
                await asyncio.sleep(0.5)
                t0 = time.monotonic()
                second = await http.post("/api/trace", json=body)
                waited = time.monotonic() - t0
                first_running = not first.done()
                return await first, second, waited, first_running

        first, second, waited, first_running = run_async(main, 60)
        record(f"queue_wait_1_s_{lane}_answered_s", round(waited, 3))
        if lane == "large":                     # queued behind the first, then refused
            assert second.status_code == 503, second.text
            assert "no worker was free within 1 s" in second.json()["message"]
            assert waited < hang_bound(1)
        else:                                   # the small lane is not held up at all
            assert second.status_code == 200 and waited < hang_bound(PROMPT_S)
            assert first_running                # answered while the large one still ran
        assert first.status_code in (200, 422)
