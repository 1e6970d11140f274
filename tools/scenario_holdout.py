#!/usr/bin/env python3
"""Held-out scenario for the failure classes of issue 12, in forms other than the ones reported.

    python3 tools/scenario_holdout.py --out DIR [--seed 3]
    python3 tools/evaluate_scenario.py DIR

Two days (2026-11-23T00:00Z to 2026-11-25T00:00Z) of two serving hosts, inf-a and inf-b, each
answering a tabular model (`risk-model`) and a language model (`chat-llm`) at a daily cycle.
inf-a writes plain JSON lines, inf-b multi-member gzip; one file per host per day. Besides the
logs, the inference folder holds files that are not logs: a pretty-printed JSON inventory, a
YAML deployment file and a CSV export of predictions.

Decoys that must stay quiet (no `ops.*` event at medium or above):
- the files that are not logs (class 4: listed as skipped, not integrity incidents);
- three report-writing clients asking `chat-llm` for 1,500-5,000-token completions every night
  22:00-08:00 UTC, which raise its p95 call latency about fourfold (class 3: judged per token).

Incidents (times from the constants below, which also shape the data):
- `harvest`: on day 1, 11:00-17:00 UTC, `k-harvest` sends `risk-model` a query every 3-9 s,
  each a copy of an earlier query of its own (drawn with a bias to the oldest) with one numeric
  feature nudged and the time-of-day feature following the clock, spread over both hosts
  (class 1);
- `clock`: inf-b's clock runs 25 minutes slow for 7 minutes on day 2 (13:10-13:17 UTC written
  stamped 12:45-12:52): one backward episode, its window the stepped-back stamps, naming inf-b
  (class 5);
- `garbage`: inf-a's writer emits mis-encoded binary lines for 40 minutes on day 2
  (09:00-09:40 UTC) before it is restarted: a log that turns to garbage part-way stays an
  integrity incident (class 4), and the host's records are missing meanwhile (a logging gap
  is a true consequence, allowed);
- `slow-tokens`: `chat-llm` generates at a third of its token speed 16:00-16:45 UTC on day 2
  (class 3).

Standard library only. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import zlib
from random import Random

MS_PER_MIN = 60_000
MS_PER_HOUR = 3_600_000


def utc_ms(*fields: int) -> int:
    return calendar.timegm((*fields, 0, 0, 0, 0, 0, 0)[:6] + (0, 0, 0)) * 1000


def rfc3339(ms: int) -> str:
    seconds, milli = divmod(ms, 1000)
    return time_text(seconds) + ".%03dZ" % milli


def time_text(seconds: int) -> str:
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


RUN_START = utc_ms(2026, 11, 23)
DAYS = (RUN_START, RUN_START + 24 * MS_PER_HOUR)
RUN_END = RUN_START + 48 * MS_PER_HOUR
HOSTS = ("inf-a", "inf-b")
TABULAR, LLM = "risk-model", "chat-llm"
TABULAR_PEAK_PER_MIN = 24.0       # per host, at the daily peak (14:00 UTC)
LLM_PEAK_PER_MIN = 9.0            # per host
LLM_FIRST_TOKEN_MS = 220.0        # latency = first token + tokens x time per token
LLM_MS_PER_TOKEN = 18.0

CLOCK_HOST = "inf-b"
CLOCK_START = DAYS[1] + 13 * MS_PER_HOUR + 10 * MS_PER_MIN
CLOCK_END = CLOCK_START + 7 * MS_PER_MIN
CLOCK_LAG = 25 * MS_PER_MIN

GARBAGE_HOST = "inf-a"
GARBAGE_START = DAYS[1] + 9 * MS_PER_HOUR
GARBAGE_END = GARBAGE_START + 40 * MS_PER_MIN

SLOW_START = DAYS[1] + 16 * MS_PER_HOUR
SLOW_END = SLOW_START + 45 * MS_PER_MIN
SLOW_FACTOR = 3.0

HARVEST_CLIENT = "k-harvest"
HARVEST_START = DAYS[0] + 11 * MS_PER_HOUR
HARVEST_END = HARVEST_START + 6 * MS_PER_HOUR
HARVEST_GAP_MS = (3_000, 9_000)
HARVEST_SEEDS = 30

WRITERS = ("k-report-1", "k-report-2", "k-report-3")
WRITER_HOURS = (22, 8)            # 22:00 to 08:00 UTC
WRITER_PER_MIN = 2.0              # each, on either host
WRITER_TOKENS = (1_500, 5_000)


def diurnal(ms: int) -> float:
    hour = (ms % (24 * MS_PER_HOUR)) / MS_PER_HOUR
    return 0.3 + 0.7 * (0.5 - 0.5 * math.cos((hour - 2) / 24 * 2 * math.pi))


def poisson(rng: Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def llm_call(rng: Random, ms: int, host: str, client: str, tokens: int, slow: bool) -> dict:
    per_token = LLM_MS_PER_TOKEN * (SLOW_FACTOR if slow else 1.0)
    latency = LLM_FIRST_TOKEN_MS * rng.uniform(0.8, 1.3) + tokens * per_token * rng.uniform(0.85, 1.2)
    return {"ts": rfc3339(ms), "request_id": "r-%016x" % rng.getrandbits(64), "model": LLM,
            "model_version": "1.4.0", "client": client, "host": host, "latency_ms": round(latency, 1),
            "status": 200, "prompt_tokens": rng.randrange(40, 900), "completion_tokens": tokens}


def natural_features(rng: Random) -> dict:
    return {"amount": round(math.exp(rng.gauss(3.5, 1.0)), 2), "balance": round(math.exp(rng.gauss(7.0, 1.2)), 2),
            "items": rng.randrange(1, 9), "region": rng.choice("NESW")}


def local_hour(ms: int) -> float:
    """The time-of-day feature every client sends: the hour at UTC+1, following the clock."""
    return round(((ms + MS_PER_HOUR) % (24 * MS_PER_HOUR)) / MS_PER_HOUR, 3)


def tabular_call(rng: Random, ms: int, host: str, client: str | None = None, features: dict | None = None) -> dict:
    features = dict(features or natural_features(rng))
    features["local_hour"] = local_hour(ms)
    return {"ts": rfc3339(ms), "request_id": "r-%016x" % rng.getrandbits(64), "model": TABULAR,
            "model_version": "7.1.0", "client": client or "k-app-%02d" % rng.randrange(40), "host": host,
            "latency_ms": round(3 + math.exp(rng.gauss(1.8, 0.4)), 1), "status": 500 if rng.random() < 0.004 else 200,
            "features": features,
            "prediction": "review" if rng.random() < 0.1 else "pass", "score": round(rng.random(), 4)}


class Harvester:
    """Class 1 in another form: each query copies an earlier one of the client's own pool, drawn
    with a bias to the oldest (index = pool size x u^2), with one numeric feature nudged (amount by
    up to 5%, balance by a few units, items by one); the time-of-day feature follows the clock."""

    def __init__(self, rng: Random):
        self.rng = rng
        self.pool: list[dict] = []

    def next(self) -> dict:
        if len(self.pool) < HARVEST_SEEDS:
            query = natural_features(self.rng)
        else:
            query = dict(self.pool[int(len(self.pool) * self.rng.random() ** 2)])
            which = self.rng.randrange(3)
            if which == 0:
                query["amount"] = round(query["amount"] * self.rng.uniform(0.95, 1.05), 2)
            elif which == 1:
                query["balance"] = round(query["balance"] + self.rng.uniform(-5, 5), 2)
            else:
                query["items"] = max(1, query["items"] + self.rng.choice((-1, 1)))
        self.pool.append(query)
        return query


def harvest_calls(rng: Random) -> dict[str, list[tuple[int, dict]]]:
    """The harvester's calls per host (its gateway spreads them over both)."""
    harvester = Harvester(rng)
    calls: dict[str, list[tuple[int, dict]]] = {host: [] for host in HOSTS}
    ms = HARVEST_START
    while ms < HARVEST_END:
        host = rng.choice(HOSTS)
        calls[host].append((ms, tabular_call(rng, ms, host, HARVEST_CLIENT, harvester.next())))
        ms += rng.randrange(*HARVEST_GAP_MS)
    return calls


def host_day(rng: Random, host: str, day: int, extra: list[tuple[int, dict]]) -> list[tuple[int, bytes]]:
    """(true time, line) of one host's day, in the order written."""
    records: list[tuple[int, dict]] = [(ms, record) for ms, record in extra if day <= ms < day + 24 * MS_PER_HOUR]
    for minute in range(24 * 60):
        start = day + minute * MS_PER_MIN
        factor = diurnal(start)
        for _ in range(poisson(rng, TABULAR_PEAK_PER_MIN * factor)):
            ms = start + rng.randrange(MS_PER_MIN)
            records.append((ms, tabular_call(rng, ms, host)))
        for _ in range(poisson(rng, LLM_PEAK_PER_MIN * factor)):
            ms = start + rng.randrange(MS_PER_MIN)
            tokens = int(math.exp(rng.gauss(5.0, 0.6))) + 5
            records.append((ms, llm_call(rng, 0, host, "k-chat-%02d" % rng.randrange(25), tokens,
                                         SLOW_START <= ms < SLOW_END)))
        hour = (start % (24 * MS_PER_HOUR)) // MS_PER_HOUR
        if hour >= WRITER_HOURS[0] or hour < WRITER_HOURS[1]:
            for writer in WRITERS:
                for _ in range(poisson(rng, WRITER_PER_MIN / len(HOSTS))):
                    ms = start + rng.randrange(MS_PER_MIN)
                    records.append((ms, llm_call(rng, 0, host, writer, rng.randrange(*WRITER_TOKENS), False)))
    records.sort(key=lambda pair: pair[0])
    lines = []
    for ms, record in records:
        stamp = ms - CLOCK_LAG if host == CLOCK_HOST and CLOCK_START <= ms < CLOCK_END else ms
        record["ts"] = rfc3339(stamp)
        line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        if host == GARBAGE_HOST and GARBAGE_START <= ms < GARBAGE_END:
            line = bytes(rng.randrange(1, 256) for _ in range(len(line) - 1)).replace(b"\n", b"\x00") + b"\n"
        lines.append((ms, line))
    return lines


def gzip_members(lines: list[bytes], rng: Random) -> bytes:
    out = bytearray()
    index = 0
    while index < len(lines):
        count = rng.randrange(400, 1_200)
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        out += compressor.compress(b"".join(lines[index:index + count])) + compressor.flush()
        index += count
    return bytes(out)


NOT_LOGS = {
    "inventory.json": json.dumps({"models": [{"name": TABULAR, "version": "7.1.0", "hosts": list(HOSTS)},
                                             {"name": LLM, "version": "1.4.0", "hosts": list(HOSTS)}],
                                  "generated": "2026-11-22T18:00:00Z"}, indent=2) + "\n",
    "deploy.yaml": "service: inference\nreplicas: 2\nmodels:\n  - risk-model:7.1.0\n  - chat-llm:1.4.0\n",
    "predictions-export.csv": "request_id,model,prediction,score\n"
    + "".join("r-%04d,%s,pass,0.%04d\n" % (i, TABULAR, (i * 7919) % 10_000) for i in range(300)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    rng = Random(args.seed)
    inference = os.path.join(args.out, "inference")
    os.makedirs(inference, exist_ok=True)
    counts = {}
    harvest = harvest_calls(rng)
    for host in HOSTS:
        os.makedirs(os.path.join(inference, host), exist_ok=True)
        for day in DAYS:
            lines = host_day(rng, host, day, harvest[host])
            name = time_text(day // 1000)[:10] + ".jsonl"
            data = [line for _, line in lines]
            counts[(host, day)] = len(data)
            if host == "inf-b":
                with open(os.path.join(inference, host, name + ".gz"), "wb") as f:
                    f.write(gzip_members(data, rng))
            else:
                with open(os.path.join(inference, host, name), "wb") as f:
                    f.write(b"".join(data))
    for name, text in NOT_LOGS.items():
        with open(os.path.join(inference, name), "w") as f:
            f.write(text)
    garbage_source = "inference/%s/%s.jsonl" % (GARBAGE_HOST, time_text(DAYS[1] // 1000)[:10])
    expected = {
        "paths": ["inference"],
        "judge": ["ops.", "abuse.extraction"],
        "incidents": [
            {"name": "clock", "type": "ops.logging.integrity.time_backwards", "entity": {"host": CLOCK_HOST},
             "start": rfc3339(CLOCK_START - CLOCK_LAG), "end": rfc3339(CLOCK_END - CLOCK_LAG - 1000),
             "slack_seconds": 60, "max_delay_seconds": 60,
             "evidence_range": {"backward_steps": [1, 1]}},
            {"name": "garbage", "type": "ops.logging.integrity.rejected_lines", "entity": {"source": garbage_source},
             "start": rfc3339(DAYS[1]), "end": rfc3339(DAYS[1] + 24 * MS_PER_HOUR)},
            {"name": "harvest", "type": "abuse.extraction", "entity": {"model": TABULAR, "client": HARVEST_CLIENT},
             "start": rfc3339(HARVEST_START), "end": rfc3339(HARVEST_END), "max_delay_seconds": 3600},
            {"name": "slow-tokens", "type": "ops.capacity", "entity": {"model": LLM},
             "start": rfc3339(SLOW_START), "end": rfc3339(SLOW_END), "max_delay_seconds": 900},
        ],
        "allowed": [{"type": "ops.logging.gap", "entity": {"host": GARBAGE_HOST}}],
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote %d inference lines to %s" % (sum(counts.values()), inference))


if __name__ == "__main__":
    main()
