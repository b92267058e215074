"""The scenarios: `contention` (direct path, many users on few seats), `mixed` (the original system's: hold,
keep 0-500 ms, release, retry at once after a loss), `surge` (queue mode, a burst on one 300-seat screening)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from scripts import demo_data
from scripts.loadtest import client as wire
from scripts.loadtest import invariants
from scripts.loadtest.invariants import Check
from scripts.loadtest.progress import Progress
from scripts.loadtest.stats import Sample, Tally

SEATS = [f"{row}{n}" for row in demo_data.HALL_ROWS for n in range(1, 21)]  # the 300 seats of a hall
CAPACITY = len(SEATS)


@dataclass
class Context:
    client: wire.Client
    admin: str
    ws_url: str | None
    tables: bool  # whether the storage can be read (local cloud, or --aws-endpoint)
    mint: Any  # user id -> token, for the local cloud; None elsewhere
    registered: int
    watchers: int
    max_wait_ms: int = 120_000


@dataclass
class Result:
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)  # derived samples (the surge's queue waits)
    notes: list[str] = field(default_factory=list)
    http: Tally = field(default_factory=Tally)  # every HTTP call of the scenario (set by the runner)

    def client_samples(self) -> list[Sample]:
        return self.http.of("hold")


def now_ms() -> int:
    return int(time.time() * 1000)


def neighbours(rng: random.Random, pool: list[str]) -> list[str]:
    """1 or 2 seats: a seat and, half the time, the next one in its row (a couple)."""
    seat = rng.choice(pool)
    row, number = seat[0], int(seat[1:])
    pair = f"{row}{number + 1}"
    return [seat, pair] if rng.random() < 0.5 and pair in pool else [seat]


async def watch(ctx: Context, screening_id: str, users: list[wire.User]) -> wire.Watchers:
    watchers = wire.Watchers()
    if ctx.ws_url and ctx.watchers:
        tokens = [user.token for user in users[: ctx.watchers]]
        await watchers.watch(ctx.client.session, ctx.ws_url, screening_id, tokens)
    return watchers


async def hold(ctx: Context, user: wire.User, screening_id: str, seat_ids: list[str]) -> wire.Answer:
    """``POST /api/seat-reservations``, counted as a ``hold`` (201 a hold, 202 a place in the line, 409 a loss)."""
    body = {"screening_id": screening_id, "seat_ids": seat_ids}
    return await ctx.client.call("POST", "/api/seat-reservations", body, token=user.token, kind="hold")


async def pay_some(ctx: Context, result: Result, winners: list[tuple[wire.User, str]], count: int = 20) -> None:
    """Pay for a few won holds (``POST /api/payments``); skipped, and said so, where payments do not exist."""
    paid = 0
    for user, reservation_id in winners[:count]:
        answer = await ctx.client.call(
            "POST",
            "/api/payments",
            {"reservation_id": reservation_id, "payment_method": {"type": "card", "token": "tok_visa"}},
            token=user.token,
            kind="pay",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if answer.status in (403, 404) and not _our_error(answer.body, "reservation_not_found"):
            result.notes.append(f"pay step skipped: POST /api/payments answered {answer.status} (no payments here)")
            result.checks.append(Check("every payment has its tickets", None, "no payments route on this build"))
            return
        if answer.status == 201:
            paid += 1
            tickets = answer.body.get("tickets", [])
            held = len(await _reservation_seats(ctx, user, reservation_id))
            if len(tickets) != held:
                result.checks.append(Check("every payment has its tickets", False, f"{reservation_id}: {tickets}"))
                return
    result.figures["payments"] = paid
    result.checks.append(Check("every payment has its tickets", True, f"{paid} payments, each with a ticket a seat"))


async def _reservation_seats(ctx: Context, user: wire.User, reservation_id: str) -> list[str]:
    answer = await ctx.client.call("GET", f"/api/seat-reservations/{reservation_id}", token=user.token, kind="other")
    return list(answer.body.get("seat_ids", [])) if answer.status == 200 else []


def _our_error(body: Any, code: str) -> bool:
    return isinstance(body, dict) and body.get("error", {}).get("code") == code


def table_checks(ctx: Context, result: Result, screening_id: str) -> int | None:
    if not ctx.tables:
        result.checks.append(Check("no seat sold twice (tables)", None, "storage not reachable: pass --aws-endpoint"))
        return None
    checks, held = invariants.nothing_sold_twice(screening_id, CAPACITY, now_ms())
    result.checks.extend(checks)
    return held


# --- contention ---------------------------------------------------------------------------------------


async def contention(ctx: Context, users_count: int = 200, seats_count: int = 20) -> Result:
    """Every user at once on the same few seats, by the direct path; losers retry once on what the map shows."""
    result = Result("contention")
    screening = await wire.new_screening(ctx.client, ctx.admin, "contention")
    users = await wire.users(ctx.client, "contention", users_count, ctx.registered, ctx.mint)
    pool = SEATS[:seats_count]
    rng = random.Random(7)
    wins: list[tuple[wire.User, dict[str, Any]]] = []
    done = 0

    async def one(user: wire.User) -> None:
        nonlocal done
        wanted = neighbours(rng, pool)
        for _attempt in range(2):
            answer = await hold(ctx, user, screening["id"], wanted)
            if answer.status == 201:
                wins.append((user, answer.body))
                break
            seat_map = await ctx.client.call("GET", f"/api/seat-reservations/available-seats/{screening['id']}")
            free = [s["id"] for s in (seat_map.body or {}).get("seats", []) if s["status"] == "available"]
            free = [seat for seat in free if seat in pool]
            if not free:
                break
            wanted = [rng.choice(free)]
        done += 1

    started = time.monotonic()
    with Progress("contention", lambda: f"users done {done}/{len(users)}, holds won {len(wins)}"):
        await asyncio.gather(*(one(user) for user in users))
    wall = time.monotonic() - started
    held_seats = [seat for _, body in wins for seat in body["seat_ids"]]
    result.figures = {
        "users": len(users),
        "seats": seats_count,
        "wall_seconds": round(wall, 2),
        "successes": len(wins),
        "conflicts": sum(1 for s in ctx.client.tally.of("hold") if s.status == 409),
        "hold": ctx.client.tally.summary("hold", wall),
    }
    result.checks.append(
        Check("no seat won twice (answers)", len(held_seats) == len(set(held_seats)), f"{len(held_seats)} seats won")
    )
    result.checks.append(Check("wins within the pool", len(set(held_seats)) <= seats_count, f"{len(set(held_seats))}"))
    table_checks(ctx, result, screening["id"])
    await pay_some(ctx, result, [(user, body["id"]) for user, body in wins])
    return result


# --- mixed --------------------------------------------------------------------------------------------


async def mixed(ctx: Context, workers: int, seconds: float) -> Result:
    """The original system's scenario: N workers for D seconds on a 100-seat pool of one screening."""
    result = Result(f"mixed-{workers}")
    screening = await wire.new_screening(ctx.client, ctx.admin, f"mixed{workers}")
    users = await wire.users(ctx.client, f"mixed{workers}", workers, ctx.registered, ctx.mint)
    watchers = await watch(ctx, screening["id"], users)
    pool = SEATS[:100]
    held_during: dict[str, list[tuple[float, float, str]]] = {}
    counts = {"holds": 0, "conflicts": 0, "cooldowns": 0, "releases": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    async def worker(n: int, user: wire.User) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            wanted = neighbours(rng, pool) if rng.random() < 0.5 else rng.sample(pool, 1)
            answer = await hold(ctx, user, screening["id"], wanted)
            if answer.status == 201:
                counts["holds"] += 1
                await asyncio.sleep(rng.uniform(0, 0.5))
                released_at = time.monotonic()
                for seat in wanted:
                    held_during.setdefault(seat, []).append((answer.answered_at, released_at, user.user_id))
                path = f"/api/seat-reservations/user/{user.user_id}/screening/{screening['id']}"
                gone = await ctx.client.call("DELETE", path, token=user.token, kind="release")
                counts["releases" if gone.status == 200 else "errors"] += 1
            elif answer.status == 409 and _our_error(answer.body, "hold_cooldown"):
                counts["cooldowns"] += 1  # its own seats, released moments ago: others get a turn first
            elif answer.status == 409:
                counts["conflicts"] += 1
            else:
                counts["errors"] += 1
                await asyncio.sleep(0.05)

    started = time.monotonic()
    with Progress(result.name, lambda: f"holds {counts['holds']}, conflicts {counts['conflicts']}"):
        await asyncio.gather(*(worker(n, user) for n, user in enumerate(users)))
    wall = time.monotonic() - started
    await watchers.close()
    overlaps = 0
    for intervals in held_during.values():
        latest_end, holder = float("-inf"), ""
        for start, end, who in sorted(intervals):
            if start < latest_end and who != holder:
                overlaps += 1
            if end > latest_end:
                latest_end, holder = end, who
    result.figures = {
        "workers": workers,
        "seconds": round(wall, 2),
        **counts,
        "holds_per_second": round(counts["holds"] / wall, 1),
        "hold": ctx.client.tally.summary("hold", wall),
        "release": ctx.client.tally.summary("release", wall),
        "websocket": {"opened": watchers.opened, "received": dict(watchers.received)},
    }
    result.checks.append(
        Check("no seat held by two users at once (client-observed)", overlaps == 0, f"{overlaps} overlapping holds")
    )
    result.checks.append(Check("no 5xx or unanswered request", counts["errors"] == 0, f"{counts['errors']} errors"))
    held = table_checks(ctx, result, screening["id"])
    if held is not None:
        result.checks.append(Check("every hold released at the end", held == 0, f"{held} seats still held"))
    return result


# --- surge --------------------------------------------------------------------------------------------


@dataclass
class Sent:
    user: wire.User
    seats: list[str]
    answer: wire.Answer | None = None


async def surge(ctx: Context, requests: int, users_count: int, concurrency: int) -> Result:
    """Queue mode on one 300-seat screening, then a burst of `requests` from `users_count` users."""
    result = Result("surge")
    screening = await wire.new_screening(ctx.client, ctx.admin, "surge")
    sid = screening["id"]
    await ctx.client.expect("PATCH", f"/api/screenings/{sid}", {"queue_mode": True}, token=ctx.admin, status=200)
    users = await wire.users(ctx.client, "surge", users_count, ctx.registered, ctx.mint)
    for user in [u for u in users if u.registered][:20]:
        await wire.browse(ctx.client, user, sid)
    watchers = await watch(ctx, sid, users)
    opening = invariants.seat_states(sid) if ctx.tables else []

    rng = random.Random(11)
    plan: list[Sent] = []
    asked: dict[str, set[tuple[str, ...]]] = {}
    for n in range(requests):
        user = users[n % len(users)]
        while True:  # a user's requests are distinct choices (the same choice twice is one request: a double click)
            seats = neighbours(rng, SEATS)
            if tuple(seats) not in asked.setdefault(user.user_id, set()):
                asked[user.user_id].add(tuple(seats))
                break
        plan.append(Sent(user, seats))
    gate = asyncio.Semaphore(concurrency)
    answered = 0

    async def send(item: Sent) -> None:
        nonlocal answered
        async with gate:
            item.answer = await hold(ctx, item.user, sid, item.seats)
            answered += 1

    decided = 0

    def describe() -> str:
        return f"sent {answered}/{requests}, decided {decided}"

    burst_ms = now_ms()
    burst = time.monotonic()
    with Progress("surge", describe):
        sending = asyncio.gather(*(send(item) for item in plan))
        while not sending.done():
            await asyncio.sleep(0.5)
            decided = invariants.decided_count(sid) if ctx.tables else decided
        await sending
        burst_seconds = time.monotonic() - burst
        queued = [item for item in plan if item.answer and item.answer.status == 202]
        waited = time.monotonic()
        while time.monotonic() - waited < 180:
            decided = invariants.decided_count(sid) if ctx.tables else await _decided_by_api(ctx, queued)
            if decided >= len(queued):
                break
            await asyncio.sleep(0.5)
    await watchers.close()
    statuses: dict[int, int] = {}
    for item in plan:
        code = item.answer.status if item.answer else 0
        statuses[code] = statuses.get(code, 0) + 1
    result.figures = {
        "requests": requests,
        "users": len(users),
        "registered_users": sum(1 for u in users if u.registered),
        "concurrency": concurrency,
        "burst_seconds": round(burst_seconds, 2),
        "enqueue": ctx.client.tally.summary("hold", burst_seconds),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "websocket": {"opened": watchers.opened, "received": dict(watchers.received)},
    }
    result.checks.append(
        Check("every request answered 202", len(queued) == requests, f"{len(queued)} of {requests} queued")
    )
    if not ctx.tables:
        result.checks.append(Check("line checks (tables)", None, "storage not reachable: pass --aws-endpoint"))
        return result
    items = {item.request_id: item for item in invariants.seat_requests(sid)}
    undecided = [rid for rid, item in items.items() if item.status == "queued"]
    last_ms = max((int(item.decided_at_ms) for item in items.values() if item.decided_at_ms), default=burst_ms)
    time_to_last = (last_ms - burst_ms) / 1000
    won = [item for item in items.values() if item.status == "succeeded"]
    codes: dict[str, int] = {}
    for item in items.values():
        if item.status == "failed":
            codes[item.error_code] = codes.get(item.error_code, 0) + 1
    decision_ms = sorted(int(i.decided_at_ms) - int(i.enqueued_at_ms) for i in items.values() if i.decided_at_ms)
    result.figures.update(
        {
            "decided": len(items) - len(undecided),
            "succeeded": len(won),
            "failed": codes,
            "seconds_to_last_answer": round(time_to_last, 2),
            "seconds_after_the_last_request": round(time_to_last - burst_seconds, 2),
            "decided_when_the_last_request_was_queued": sum(
                1 for i in items.values() if i.decided_at_ms and int(i.decided_at_ms) <= burst_ms + burst_seconds * 1000
            ),
            "answers_per_second": round(len(items) / time_to_last, 1) if time_to_last > 0 else None,
            "queue_wait_ms": {
                "p50": _pct(decision_ms, 50),
                "p95": _pct(decision_ms, 95),
                "p99": _pct(decision_ms, 99),
            },
        }
    )
    offset = burst - ctx.client.started  # the chart's clock is the scenario's, like the HTTP samples'
    result.tally.samples = [
        Sample(
            offset + (int(i.decided_at_ms) - burst_ms) / 1000,
            (int(i.decided_at_ms) - int(i.enqueued_at_ms)) / 1000,
            200,
            "decision",
        )
        for i in items.values()
        if i.decided_at_ms
    ]
    result.checks.append(Check("every request answered", not undecided, f"{len(undecided)} still queued"))
    result.checks.append(
        Check("answered within 60 s of the burst", time_to_last <= 60, f"last answer {time_to_last:.1f} s after")
    )
    held = table_checks(ctx, result, sid)
    result.checks.append(
        Check("300 seats held exactly once", held == CAPACITY, f"{held} seats held, {len(won)} winning requests")
    )
    result.checks.append(invariants.replay_in_arrival_order(items.values(), opening, ctx.max_wait_ms))
    order = []
    for item in queued:
        stored = items.get(item.answer.body["request_id"]) if item.answer else None
        if item.answer and stored is not None and stored.ordinal is not None:
            order.append((item.answer.sent_at, item.answer.answered_at, int(stored.ordinal)))
    result.checks.append(invariants.client_order_respected(order))
    by_user = {u.user_id: u for u in users}
    await pay_some(ctx, result, [(by_user[i.user_id], i.reservation_id) for i in won if i.user_id in by_user])
    return result


def _pct(values: list[int], p: float) -> int | None:
    if not values:
        return None
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def _decided_by_api(ctx: Context, queued: list[Sent]) -> int:
    """Without the tables: ask the API about each request (slow; every one is a request)."""
    decided = 0
    for item in queued:
        body = item.answer.body if item.answer else {}
        answer = await ctx.client.call(
            "GET", f"/api/seat-reservations/requests/{body['request_id']}", token=item.user.token, kind="status"
        )
        decided += 1 if answer.status == 200 and answer.body.get("status") != "queued" else 0
    return decided
