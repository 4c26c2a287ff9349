"""The lanes under drawing load: a program whose drawing is costly for `dot` is sent to the
large lane before anything is drawn, and one too costly for any lane is answered without
its drawing, so the small lane stays prompt.

The server test runs against a real server on loopback, every loop bounded in count and
time; times are recorded for the README and fail only past hardening.hang_bound.
"""
from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from app import jobs
from app.limits import SMALL_MAX_DRAW_COST, settings
from drawing import MAX_DRAW_COST
from tests.app.hardening import LECTURE, hang_bound, record, run_async, running_server
from tests.app.test_faults import DENSE


def sum_of_x(terms: int, statements: int) -> str:
    return "x = 1.0\n" + "\n".join(f"y{i} = " + " + ".join(["x"] * terms)
                                   for i in range(statements)) + "\n"


SLOW = sum_of_x(60, 3)       # the program: `dot` runs past its 10 s limit on it
MEDIUM = sum_of_x(30, 3)     # drawn in about a second: the large lane's work
PROMPT_S = 2.0               # the lecture's median while they run (measured: far less)
LECTURE_REQUESTS = 12
SLOW_CLIENTS = 8             # each sends the slow program again as soon as it is answered


def test_the_estimate_puts_slow_drawings_out_of_the_small_lane():
    nodes, elements, cost = jobs.size(SLOW)
    s = settings({})
    assert nodes < s.small_max_nodes and elements < s.small_max_elements   # small by size alone
    assert cost > MAX_DRAW_COST                                            # no lane draws it
    assert SMALL_MAX_DRAW_COST < jobs.size(MEDIUM)[2] < MAX_DRAW_COST       # the large lane draws it
    assert jobs.size(LECTURE)[2] < SMALL_MAX_DRAW_COST
    assert settings({"BACKPROP_SMALL_MAX_DRAW_COST": "123"}).small_max_draw_cost == 123
    assert s.max_draw_cost == MAX_DRAW_COST                 # the drawing's own default
    # The fault tests' graph, on which `dot` runs for well over a minute: refused too.
    assert jobs.size(DENSE)[2] > MAX_DRAW_COST


@pytest.mark.server
@pytest.mark.slow
def test_the_lecture_stays_prompt_while_slow_drawings_are_in_flight():
    with running_server() as server:
        small_starts = [w["started"] for w in server.workers("small")]

        async def heavy(source: str, http: httpx.AsyncClient, stop: asyncio.Event) -> list:
            answers = []
            while not stop.is_set() and len(answers) < 200:
                t0 = time.monotonic()
                try:
                    r = await http.post("/api/trace", json={"source": source})
                except httpx.HTTPError as exc:            # no answer: a failure, said below
                    answers.append((-1, "", None, time.monotonic() - t0, repr(exc)))
                    continue
                answers.append((r.status_code, r.headers.get("content-type", ""),
                                r.headers.get("retry-after"), time.monotonic() - t0,
                                r.json() if r.status_code in (200, 503) else r.text[:200]))
                if r.status_code == 503:
                    await asyncio.sleep(0.2)
            return answers

        async def lecture(http: httpx.AsyncClient) -> list[tuple[int, float]]:
            await asyncio.sleep(1.0)             # the heavy programs are in flight by now
            out = []
            for _ in range(LECTURE_REQUESTS):
                t0 = time.monotonic()
                r = await http.post("/api/trace", json={"source": LECTURE})
                ok = r.status_code == 200 and r.json()["svg"] is not None
                out.append((r.status_code if ok else -r.status_code, time.monotonic() - t0))
            return out

        async def main():
            stop = asyncio.Event()
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                loads = [asyncio.create_task(heavy(src, http, stop))
                         for src in [MEDIUM] * 2 + [SLOW] * SLOW_CLIENTS]
                try:
                    asked = await asyncio.wait_for(lecture(http), timeout=120)
                finally:
                    stop.set()
                heavy_answers = await asyncio.wait_for(asyncio.gather(*loads), timeout=90)
            return asked, heavy_answers

        asked, heavy_answers = run_async(main, 240)
        statuses = [s for s, _ in asked]
        latencies = [t for _, t in asked]
        median = statistics.median(latencies)
        record("lanes_lecture_median_s", round(median, 3))
        record("lanes_lecture_slowest_s", round(max(latencies), 3))
        flat = [a for answers in heavy_answers for a in answers]
        record("lanes_heavy_answers", {s: sum(1 for a in flat if a[0] == s) for s in {a[0] for a in flat}})
        record("lanes_heavy_slowest_s", round(max(a[3] for a in flat), 2))
        assert statuses == [200] * LECTURE_REQUESTS
        assert median < PROMPT_S, f"the lecture's median was {median:.2f} s: {latencies}"
        assert max(latencies) < hang_bound(PROMPT_S)
        for status, ctype, retry_after, seconds, body in flat:
            assert status in (200, 503), (status, body)
            assert ctype.startswith("application/json")
            assert seconds < 60
            if status == 503:
                assert retry_after and int(retry_after) > 0 and "busy" in body["message"]
        slow = [a for answers in heavy_answers[2:] for a in answers]
        record("lanes_slow_answered", len(slow))
        for status, _, _, _, doc in slow:        # too costly node by node: drawn collapsed, a few boxes
            assert status == 200 and doc["level"] == "statements" and doc["svg"] is not None
            assert not doc["nodes_fit"] and doc["svg"].count('class="node bp-group') == len(doc["display"]["statements"]["groups"])
        medium = [a[4] for a in heavy_answers[0] + heavy_answers[1] if a[0] == 200]
        record("lanes_medium_drawn", f"{sum(1 for doc in medium if doc['svg'])} of {len(medium)}")
        for doc in medium:                       # drawn by the large lane (or past dot's limit)
            assert doc["svg"] or "took longer than" in doc["svg_error"]
        # No small-lane worker ran past its time and was killed for it.
        assert [w["started"] for w in server.workers("small")] == small_starts
        assert server.healthy()
