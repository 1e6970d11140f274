#!/usr/bin/env python3
"""Held-out scenario for partial logging loss (issue 12, class 2), in forms other than the one
reported (a host at a seventh of its rate for 40 minutes, one client's traffic kept).

    python3 tools/scenario_logloss.py --out DIR [--seed 1]
    python3 tools/evaluate_scenario.py DIR

Two days (2026-11-09T00:00Z to 2026-11-11T00:00Z) of four serving hosts, srv-a to srv-d, behind
one gateway that logs in local time at -08:00 (nginx combined plus `rt= rid= key=`). Each host
answers `ranker` at a daily cycle (peak 14:00 UTC); the gateway spreads requests evenly, logs
each with the request id the host logs, and also logs health probes (no id) and refused calls
(401, an id that reaches no model). Inference logs are gzip, one file per host per day.

Decoys that must stay quiet (no `ops.*` event at medium or above):
- `drain`: srv-b is drained for maintenance on day 1, 06:00-07:30 UTC: it keeps one pinned
  client's sessions (about a tenth of its traffic), the rest goes to its peers, who log it;
- `shed`: on day 2, 03:00-04:00 UTC, srv-a is drained the same way and the gateway's upstream
  sheds its share: the gateway's volume falls with it;
- `batch`: srv-c runs a nightly batch client (`k-batch`, 50 calls a minute, 01:00-03:00 UTC)
  that does not pass through the gateway: its peers' share of the host's traffic halves;
- `bulk`: on day 2, 10:00-13:00 UTC, `k-bulk` sends 60 calls a minute through the gateway,
  pinned to srv-d: every other host's share of its peers falls.

Incidents:
- `shipper-drop`: srv-c's log shipper drops each record with probability 0.7 on day 1,
  15:20-16:15 UTC, whatever its client;
- `buffer-overflow`: srv-a's logger loses every record written in the first 25 s of each
  half-minute on day 2, 19:05-19:50 UTC (a buffer that fills and is flushed): bursts of loss.

Standard library only. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import time
import zlib
from random import Random

MS_PER_MIN = 60_000
MS_PER_HOUR = 3_600_000


def utc_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)) * 1000


def rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
GATEWAY_OFFSET_MIN = -8 * 60


def time_local(ms: int) -> str:
    """nginx `$time_local` at the gateway's offset: `09/Nov/2026:07:01:35 -0800`."""
    t = time.gmtime(ms // 1000 + GATEWAY_OFFSET_MIN * 60)
    sign = "+" if GATEWAY_OFFSET_MIN >= 0 else "-"
    return "%02d/%s/%04d:%02d:%02d:%02d %s%02d%02d" % (
        t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec,
        sign, abs(GATEWAY_OFFSET_MIN) // 60, abs(GATEWAY_OFFSET_MIN) % 60)


RUN_START = utc_ms(2026, 11, 9)
DAYS = (RUN_START, RUN_START + 24 * MS_PER_HOUR)
RUN_END = RUN_START + 48 * MS_PER_HOUR
HOSTS = ("srv-a", "srv-b", "srv-c", "srv-d")
MODEL = "ranker"
PEAK_PER_MIN = 80.0               # gateway requests a minute over all hosts at 14:00 UTC
REFUSED_SHARE = 0.04              # gateway requests refused (401) before any model
PROBE_EVERY_MS = 10_000
PINNED_SHARE = 0.1                # of a drained host's traffic: the pinned sessions it keeps

DRAIN = ("srv-b", DAYS[0] + 6 * MS_PER_HOUR, DAYS[0] + 7 * MS_PER_HOUR + 30 * MS_PER_MIN)
SHED = ("srv-a", DAYS[1] + 3 * MS_PER_HOUR, DAYS[1] + 4 * MS_PER_HOUR)
BATCH = ("srv-c", 1, 3, 50)        # host, from hour, to hour (UTC, both days), calls a minute
BULK = ("srv-d", DAYS[1] + 10 * MS_PER_HOUR, DAYS[1] + 13 * MS_PER_HOUR, 60)

SHIPPER = ("srv-c", DAYS[0] + 15 * MS_PER_HOUR + 20 * MS_PER_MIN, DAYS[0] + 16 * MS_PER_HOUR + 15 * MS_PER_MIN)
SHIPPER_LOSS = 0.7
OVERFLOW = ("srv-a", DAYS[1] + 19 * MS_PER_HOUR + 5 * MS_PER_MIN, DAYS[1] + 19 * MS_PER_HOUR + 50 * MS_PER_MIN)
OVERFLOW_PERIOD_MS, OVERFLOW_LOST_MS = 30_000, 25_000


def diurnal(ms: int) -> float:
    hour = (ms % (24 * MS_PER_HOUR)) / MS_PER_HOUR
    return 0.25 + 0.75 * (0.5 - 0.5 * math.cos((hour - 2) / 24 * 2 * math.pi))


def poisson(rng: Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def within(ms: int, window: tuple) -> bool:
    return window[1] <= ms < window[2]


def lost(rng: Random, host: str, ms: int) -> bool:
    """Whether the host's record of a request served at `ms` fails to reach its log."""
    if host == SHIPPER[0] and within(ms, SHIPPER):
        return rng.random() < SHIPPER_LOSS
    if host == OVERFLOW[0] and within(ms, OVERFLOW):
        return (ms - OVERFLOW[1]) % OVERFLOW_PERIOD_MS < OVERFLOW_LOST_MS
    return False


def record(rng: Random, ms: int, host: str, client: str, rid: str) -> dict:
    return {"ts": rfc3339(ms), "request_id": rid, "model": MODEL, "model_version": "2.3.0", "client": client,
            "host": host, "latency_ms": round(4 + math.exp(rng.gauss(1.6, 0.35)), 1), "status": 200,
            "features": {"query_len": rng.randrange(1, 40), "candidates": rng.randrange(10, 500),
                         "locale": rng.choice(("en", "de", "fr", "ja"))},
            "prediction": "ranked", "score": round(rng.random(), 4)}


def access(ms: int, ip: str, request: str, status: int, rid: str, key: str, rng: Random) -> tuple[int, str]:
    return ms, '%s - - [%s] "%s" %d %d "-" "okhttp/4.12.0" rt=%.3f rid=%s key=%s\n' % (
        ip, time_local(ms), request, status, rng.randrange(60, 400), rng.uniform(0.004, 0.03), rid, key)


def choose_host(rng: Random, ms: int) -> str | None:
    """The host the gateway sends a request to at `ms`, or None when the upstream sheds it."""
    host = rng.choice(HOSTS)
    for (drained, start, end), shed in ((DRAIN, False), (SHED, True)):
        if host == drained and start <= ms < end and rng.random() >= PINNED_SHARE:
            return None if shed else rng.choice([h for h in HOSTS if h != drained])
    return host


def generate(rng: Random) -> tuple[dict[str, list[tuple[int, bytes]]], list[tuple[int, str]], dict[str, int]]:
    """Each host's (time, line) records, the gateway's, and how many gateway-logged requests
    each incident lost (keyed by the incident's host)."""
    inference: dict[str, list[tuple[int, bytes]]] = {host: [] for host in HOSTS}
    gateway: list[tuple[int, str]] = []
    lost_counts = {SHIPPER[0]: 0, OVERFLOW[0]: 0}
    serial = 0

    def rid() -> str:
        return "%08x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(48))

    def serve(ms: int, host: str, client: str, through_gateway: bool) -> None:
        nonlocal serial
        serial += 1
        request_id = rid()
        if through_gateway:
            gateway.append(access(ms + rng.randrange(1, 8), "198.51.%d.%d" % (serial % 64, serial % 250 + 1),
                                  "POST /v1/models/%s/rank HTTP/1.1" % MODEL, 200, request_id, client, rng))
        if not lost(rng, host, ms):
            line = json.dumps(record(rng, ms, host, client, request_id), separators=(",", ":"))
            inference[host].append((ms, line.encode() + b"\n"))
        elif through_gateway:
            lost_counts[host] += 1

    for minute in range((RUN_END - RUN_START) // MS_PER_MIN):
        start = RUN_START + minute * MS_PER_MIN
        for _ in range(poisson(rng, PEAK_PER_MIN * diurnal(start))):
            ms = start + rng.randrange(MS_PER_MIN)
            if rng.random() < REFUSED_SHARE:
                gateway.append(access(ms, "203.0.113.%d" % rng.randrange(1, 250),
                                      "POST /v1/models/%s/rank HTTP/1.1" % MODEL, 401, rid(), "-", rng))
                continue
            host = choose_host(rng, ms)
            if host is not None:
                serve(ms, host, "k-%02d" % rng.randrange(60), True)
        hour = (start % (24 * MS_PER_HOUR)) // MS_PER_HOUR
        if BATCH[1] <= hour < BATCH[2]:
            for call in range(BATCH[3]):
                serve(start + call * MS_PER_MIN // BATCH[3], BATCH[0], "k-batch", False)
        if BULK[1] <= start < BULK[2]:
            for call in range(BULK[3]):
                serve(start + call * MS_PER_MIN // BULK[3] + rng.randrange(500), BULK[0], "k-bulk", True)
        for probe in range(0, MS_PER_MIN, PROBE_EVERY_MS):
            gateway.append(access(start + probe, "10.1.0.5", "GET /healthz HTTP/1.1", 200, "-", "-", rng))
    return inference, gateway, lost_counts


def gzip_members(lines: list[bytes], rng: Random) -> bytes:
    out = bytearray()
    index = 0
    while index < len(lines):
        count = rng.randrange(500, 2_000)
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        out += compressor.compress(b"".join(lines[index:index + count])) + compressor.flush()
        index += count
    return bytes(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = Random(args.seed)
    inference, gateway, lost_counts = generate(rng)
    total = 0
    for host, lines in inference.items():
        folder = os.path.join(args.out, "inference", host)
        os.makedirs(folder, exist_ok=True)
        lines.sort(key=lambda pair: pair[0])
        for day in DAYS:
            data = [line for ms, line in lines if day <= ms < day + 24 * MS_PER_HOUR]
            total += len(data)
            name = time.strftime("%Y-%m-%d", time.gmtime(day // 1000)) + ".jsonl.gz"
            with open(os.path.join(folder, name), "wb") as f:
                f.write(gzip_members(data, rng))
    os.makedirs(os.path.join(args.out, "gateway"), exist_ok=True)
    gateway.sort(key=lambda pair: pair[0])
    with open(os.path.join(args.out, "gateway", "access.log"), "w") as f:
        f.writelines(line for _, line in gateway)
    def lost_range(host: str) -> list[int]:
        # The estimate scales a hash sample of request ids (about one in 16 here): half to one
        # and a half times the true count is about three standard errors at 40 sampled losses.
        return [lost_counts[host] // 2, lost_counts[host] * 3 // 2]

    expected = {
        "paths": ["inference", "gateway"],
        "judge": ["ops."],
        "incidents": [
            {"name": "shipper-drop", "type": "ops.logging.gap.partial", "entity": {"host": SHIPPER[0]},
             "start": rfc3339(SHIPPER[1]), "end": rfc3339(SHIPPER[2]), "slack_seconds": 300,
             "max_delay_seconds": 600, "evidence_range": {"lost_records_estimate": lost_range(SHIPPER[0])}},
            {"name": "buffer-overflow", "type": "ops.logging.gap.partial", "entity": {"host": OVERFLOW[0]},
             "start": rfc3339(OVERFLOW[1]), "end": rfc3339(OVERFLOW[2]), "slack_seconds": 300,
             "max_delay_seconds": 600, "evidence_range": {"lost_records_estimate": lost_range(OVERFLOW[0])}},
        ],
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote %d inference and %d gateway lines to %s" % (total, len(gateway), args.out))


if __name__ == "__main__":
    main()
