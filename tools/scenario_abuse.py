#!/usr/bin/env python3
"""Abuse scenarios for modelwatch (issue 4), built on the helpers of `generate_logs.py`.

    scenario --out DIR [--seed N] [--days 4] [--batch-per-day 100000]
        Several days of ordinary traffic (so every client has its own history), every legitimate
        pattern the issue lists, and each attacker type injected once on the last day. Writes
        DIR/inference/*.jsonl.gz, DIR/gateway/*.log.gz and DIR/expected.json for
        `tools/evaluate_scenario.py`.

    stress --out DIR --lines 1000000 [--distinct] [--seed N]
        One inference file and one gateway file of `--lines` calls each. With `--distinct` every
        call has its own API key and its own address (a million distinct keys and addresses), or
        every `--repeat` consecutive calls share one; without it the same calls come from an
        ordinary population of 200 clients. Same shape and nearly the same size, for comparing
        memory and throughput.

Deterministic: the same arguments give the same bytes. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from random import Random

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_logs as g  # noqa: E402

DAY0 = g.utc_ms(2026, 11, 16)

# Legitimate patterns
BATCH_KEY = "k-batch01"
BATCH_HOURS = (2, 4)                 # UTC, every day
NAT_IP = "198.51.100.10"
NAT_KEYS = ["k-nat%02d" % i for i in range(1, 16)]
MOBILE_KEYS = ["k-mob%02d" % i for i in range(1, 4)]
LOGPROB_KEY = "k-lp0001"
PROBE_IPS = ("10.0.0.5", "10.0.0.7")

# Attackers (all on the last day)
EXTRACTION_KEY = "k-ext001"
DISTILL_KEY = "k-dst001"
BURN_KEY = "k-burn01"
SHARED_KEY = "k-shr001"
STUFFING_IP = "203.0.113.66"


def new_call(rng: Random, ts: int, client: str, model: str, ip: str, agent: str, status: int = 200) -> g.Call:
    c = g.Call()
    c.ts, c.rid, c.client, c.model, c.ip, c.agent = ts, g.request_id(rng), client, model, ip, agent
    c.host = "inf-1" if rng.random() < 0.5 else "inf-2"
    c.status = status
    c.version = g.FRAUD_V_OLD if model == g.FRAUD else g.LLM_VERSION
    return c


def poisson_times(rng: Random, start: int, end: int, per_hour: float, diurnal: bool = True) -> list[int]:
    out = []
    for minute in range(start, end, g.MS_PER_MIN):
        lam = per_hour / 60.0 * (g.diurnal_factor(minute) if diurnal else 1.0)
        for _ in range(g.poisson(rng, lam)):
            out.append(minute + rng.randrange(g.MS_PER_MIN))
    return sorted(out)


def ordinary(rng: Random, start: int, end: int, per_hour: float, client: str, model: str, ips: list[str],
             agent: str, diurnal: bool = True) -> list[g.Call]:
    calls = []
    for t in poisson_times(rng, start, end, per_hour, diurnal):
        c = new_call(rng, t, client, model, rng.choice(ips), agent, g.draw_status(rng))
        (g.fill_fraud if model == g.FRAUD else g.fill_llm)(rng, c)
        calls.append(c)
    return calls


def carrier_ip(rng: Random) -> str:
    return "100.%d.%d.%d" % (64 + rng.randrange(64), rng.randrange(256), rng.randrange(1, 255))


def build(args):
    rng = Random("%d:abuse" % args.seed)
    pop = g.Population(Random("%d:population" % args.seed), n=40)
    start = DAY0
    end = DAY0 + args.days * g.MS_PER_DAY
    last_day = end - g.MS_PER_DAY
    calls: list[g.Call] = []
    entries: list[g.AccessEntry] = []

    # Ordinary population traffic: about 20 calls a minute at the daily peak.
    calls += g.sample_traffic(rng, pop, start, end, args.rate)
    for c in calls:
        c.version = g.FRAUD_V_OLD if c.model == g.FRAUD else g.LLM_VERSION

    # 1. A daily batch job: --batch-per-day natural fraud requests between 02:00 and 04:00 UTC.
    batch_ips = [g.public_ip(rng) for _ in range(2)]
    for day in range(args.days):
        lo = DAY0 + day * g.MS_PER_DAY + BATCH_HOURS[0] * g.MS_PER_HOUR
        span = (BATCH_HOURS[1] - BATCH_HOURS[0]) * g.MS_PER_HOUR
        step = span / args.batch_per_day
        for i in range(args.batch_per_day):
            c = new_call(rng, lo + int(i * step) + rng.randrange(max(1, int(step))), BATCH_KEY, g.FRAUD,
                         batch_ips[i % 2], "python-requests/2.31.0", g.draw_status(rng))
            g.fill_fraud(rng, c, want_label=False)
            calls.append(c)
    # 2. A corporate NAT: fifteen keys, one address, all succeeding.
    for key in NAT_KEYS:
        calls += ordinary(rng, start, end, rng.uniform(4, 30), key, g.FRAUD if rng.random() < 0.6 else g.LLM,
                          [NAT_IP], "Java/17.0.9")
    # 3. Mobile clients rotating through a few carrier addresses (a new set each day).
    for key in MOBILE_KEYS:
        for day in range(args.days):
            lo = DAY0 + day * g.MS_PER_DAY
            ips = [carrier_ip(rng) for _ in range(4)]
            calls += ordinary(rng, lo, lo + g.MS_PER_DAY, 40, key, g.LLM, ips, "okhttp/4.12.0")
    # 4. Health probes every 10 s and metrics scrapes (access log only).
    entries += g.probe_entries(rng, start, end)
    # 5. A client asking for logprobs on 1% of its calls.
    for c in ordinary(rng, start, end, 120, LOGPROB_KEY, g.LLM, [g.public_ip(rng)], "OpenAI/Python 1.30.1"):
        c.logprobs = rng.random() < 0.01
        c.top_logprobs = 3 if c.logprobs else None
        calls.append(c)
    # 6. Occasional 401s from typo'd keys (access log only: rejected calls never reach a model).
    for _ in range(12 * args.days):
        client = rng.choice(pop.clients)
        t = start + rng.randrange(end - start)
        typo = client.key[:-1] + ("0" if client.key[-1] != "0" else "1")
        for k in range(rng.randrange(1, 4)):
            entries.append(g.AccessEntry(t + k * rng.randrange(1_000, 20_000), client.ips[0],
                                         "POST /v1/models/fraud-scorer/predict HTTP/1.1", 401, 33, client.agent,
                                         0.001, g.request_id(rng), typo, "typo"))

    incidents = []
    allowed = []

    def incident(name, etype, entity, lo, hi):
        incidents.append({"name": name, "type": etype, "entity": entity, "start": g.rfc3339(lo), "end": g.rfc3339(hi),
                          "min_severity": "medium", "slack_seconds": 3600, "max_delay_seconds": 3600})

    # A. Tabular model extraction: an ordinary small client sweeps one feature at a time around a
    #    fixed transaction, one query every 4-6 s, from 10:00 to 12:00 on the last day.
    ext_ip = g.public_ip(rng)
    calls += ordinary(rng, start, last_day, 3, EXTRACTION_KEY, g.FRAUD, [ext_ip], "python-requests/2.31.0")
    lo, hi = last_day + 10 * g.MS_PER_HOUR, last_day + 12 * g.MS_PER_HOUR
    t, k = lo + 2_317, 0
    base = [60.0, "NL", 3, True, "electronics"]
    c_risk = dict((c[0], c[2]) for c in g.COUNTRIES)
    k_risk = dict((c[0], c[2]) for c in g.MERCHANT_CATS)
    while t < hi:
        c = new_call(rng, t, EXTRACTION_KEY, g.FRAUD, ext_ip, "python-requests/2.31.0")
        features = list(base)
        phase = k % 40
        if phase < 30:
            features[0] = round(20.0 + 1.25 * k, 2)          # sweep the amount
        elif phase < 36:
            features[2] = phase - 30                          # then tx_24h, one value at a time
        else:
            features[3] = not base[3]                         # then the device flag
        c.features = tuple(features)
        p = g.sigmoid(g.fraud_logit(features[0], c_risk[features[1]], features[2], features[3], k_risk[features[4]]))
        c.prediction, c.score = ("fraud", p) if p >= 0.5 else ("legit", 1.0 - p)
        c.latency, c.body = round(4.0 + math.exp(rng.gauss(2.0, 0.45)), 1), 96 + rng.randrange(24)
        calls.append(c)
        k += 1
        t += rng.randrange(4_000, 6_001)
    incident("tabular extraction sweep", "abuse.extraction", {"client": EXTRACTION_KEY}, lo, hi)
    allowed.append({"type": "abuse.rate", "entity": {"client": EXTRACTION_KEY},
                    "why": "the sweep is also 40x the client's own volume: a true rate finding"})

    # B. LLM distillation: an ordinary LLM client turns to harvesting log-probabilities with
    #    templated prompts and long completions, a call every 2-4 s from 13:00 to 17:00.
    dst_ip = g.public_ip(rng)
    calls += ordinary(rng, start, last_day, 6, DISTILL_KEY, g.LLM, [dst_ip], "OpenAI/Python 1.30.1")
    lo, hi = last_day + 13 * g.MS_PER_HOUR, last_day + 17 * g.MS_PER_HOUR
    templates = [212, 215, 219, 224, 230, 233]
    t = lo + 1_113
    while t < hi:
        c = new_call(rng, t, DISTILL_KEY, g.LLM, dst_ip, "OpenAI/Python 1.30.1")
        c.prompt_tokens = rng.choice(templates)
        c.completion_tokens = 700 + rng.randrange(300)
        c.logprobs, c.top_logprobs = True, 5
        c.latency = round(180.0 + c.completion_tokens * 22.0 * rng.uniform(0.8, 1.25), 1)
        c.body = 420 + c.completion_tokens * 4
        c.prediction = rng.choice(g.INTENTS)
        calls.append(c)
        t += rng.randrange(2_000, 4_001)
    incident("LLM distillation through logprobs", "abuse.extraction", {"client": DISTILL_KEY}, lo, hi)
    allowed.append({"type": "abuse.rate", "entity": {"client": DISTILL_KEY},
                    "why": "the harvesting also burns far more tokens than the client's norm"})

    # C. Unbounded consumption: an ordinary LLM client burns tokens at 50x its norm from 15:00 to
    #    17:00, is throttled (429) on about 40% of calls after the first ten minutes, and persists.
    burn_ip = g.public_ip(rng)
    calls += ordinary(rng, start, last_day, 20, BURN_KEY, g.LLM, [burn_ip], "python-httpx/0.27.0")
    lo, hi = last_day + 15 * g.MS_PER_HOUR, last_day + 17 * g.MS_PER_HOUR
    for t in poisson_times(rng, lo, hi, 1500, diurnal=False):
        throttled = t > lo + 10 * g.MS_PER_MIN and rng.random() < 0.4
        c = new_call(rng, t, BURN_KEY, g.LLM, burn_ip, "python-httpx/0.27.0", 429 if throttled else 200)
        g.fill_llm(rng, c)
        if not throttled:
            c.prompt_tokens = 3000 + rng.randrange(4000)
            c.completion_tokens = 1500 + rng.randrange(2500)
        calls.append(c)
    incident("token burn through throttling", "abuse.rate", {"client": BURN_KEY}, lo, hi)

    # D. Credential stuffing: 300 random keys from one address, 18:00-18:10, all refused.
    lo, hi = last_day + 18 * g.MS_PER_HOUR, last_day + 18 * g.MS_PER_HOUR + 10 * g.MS_PER_MIN
    for i in range(300):
        key = "k-%06x" % rng.getrandbits(24)
        entries.append(g.AccessEntry(lo + i * 2_000 + rng.randrange(1_500), STUFFING_IP,
                                     "POST /v1/models/fraud-scorer/predict HTTP/1.1", 401, 33,
                                     "python-requests/2.28.1", 0.001, g.request_id(rng), key, "stuffing"))
    incident("credential stuffing", "abuse.credential_stuffing", {"ip": STUFFING_IP}, lo, hi)

    # E. Key sharing: an ordinary key with one or two addresses is used from 80 addresses across
    #    many networks from 20:00 to 21:00.
    shared_ips = [g.public_ip(rng), g.public_ip(rng)]
    calls += ordinary(rng, start, end, 12, SHARED_KEY, g.FRAUD, shared_ips, "Go-http-client/2.0")
    lo, hi = last_day + 20 * g.MS_PER_HOUR, last_day + 21 * g.MS_PER_HOUR
    for _ in range(80):
        ip = g.public_ip(rng)
        for _ in range(rng.randrange(2, 6)):
            c = new_call(rng, lo + rng.randrange(hi - lo), SHARED_KEY, g.FRAUD, ip, "curl/8.5.0")
            g.fill_fraud(rng, c, want_label=False)
            calls.append(c)
    incident("leaked key used from many addresses", "abuse.key_sharing", {"client": SHARED_KEY}, lo, hi)
    allowed.append({"type": "abuse.rate", "entity": {"client": SHARED_KEY},
                    "why": "eighty users of one key also call far more than its owner did: a true rate finding"})

    for c in calls:
        entries.append(g.access_for_call(rng, c))
    return calls, entries, incidents, allowed


def write_scenario(args) -> None:
    calls, entries, incidents, allowed = build(args)
    calls.sort(key=lambda c: (c.ts, c.rid))
    entries.sort(key=lambda e: (e.ts, e.rid))
    os.makedirs(os.path.join(args.out, "inference"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "gateway"), exist_ok=True)
    for day in range(args.days):
        lo = DAY0 + day * g.MS_PER_DAY
        hi = lo + g.MS_PER_DAY
        name = g.day_name(lo)
        for host in ("inf-1", "inf-2"):
            data = "".join(g.inference_line(c) for c in calls if lo <= c.ts < hi and c.host == host).encode()
            with open(os.path.join(args.out, "inference", "%s-%s.jsonl.gz" % (host, name)), "wb") as f:
                f.write(g.gzip_bytes(data))
        data = "".join(e.line() for e in entries if lo <= e.ts < hi).encode()
        with open(os.path.join(args.out, "gateway", "access-%s.log.gz" % name), "wb") as f:
            f.write(g.gzip_bytes(data))
    expected = {"paths": ["inference", "gateway"], "args": [], "judge": ["abuse."],
                "incidents": incidents, "allowed": allowed,
                "seed": args.seed, "inference_records": len(calls), "access_entries": len(entries)}
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("%s: %d inference records, %d access entries, %d incidents" % (args.out, len(calls), len(entries),
                                                                         len(incidents)))


def write_stress(args) -> None:
    """`--lines` calls over a week; with --distinct each (or each --repeat) from its own key and address."""
    rng = Random("%d:stress" % args.seed)
    pop = g.Population(Random("%d:population" % args.seed), n=200)
    clock = g.DiurnalClock(DAY0, 7)
    os.makedirs(args.out, exist_ok=True)
    inference = g.ThreadedGzipSink(os.path.join(args.out, "inference.jsonl.gz"), 6, "zlib")
    gateway = g.ThreadedGzipSink(os.path.join(args.out, "gateway.log.gz"), 6, "zlib")
    lines, access = [], []
    last = 0
    for i in range(args.lines):
        ts = max(last, clock.at(i / args.lines))
        last = ts
        client, model, ip, agent = pop.draw(rng)
        key = client.key
        if args.distinct:
            n = i // args.repeat                     # each key and address used --repeat times in a row
            key = "k-%08x" % n                       # same length as k-%06x plus two characters
            ip = "%d.%d.%d.%d" % (11 + (n >> 24) % 200, (n >> 16) & 255, (n >> 8) & 255, n & 255)
        c = new_call(rng, ts, key, model, ip, agent, g.draw_status(rng))
        (g.fill_fraud if model == g.FRAUD else g.fill_llm)(rng, c)
        lines.append(g.inference_line(c))
        access.append(g.access_for_call(rng, c).line())
        if len(lines) >= 20_000:
            inference.write("".join(lines).encode())
            gateway.write("".join(access).encode())
            lines, access = [], []
    if lines:
        inference.write("".join(lines).encode())
        gateway.write("".join(access).encode())
    inference.close()
    gateway.close()
    print("%s: %d calls in inference.jsonl.gz and gateway.log.gz (%s keys and addresses)" % (
        args.out, args.lines, "distinct" if args.distinct else "ordinary"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode")
    s = sub.add_parser("scenario", help="days of traffic with each abuse pattern once, and expected.json")
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--days", type=int, default=4, help="days of traffic; attacks on the last (default 4)")
    s.add_argument("--rate", type=float, default=12.0, help="ordinary calls per minute at the daily peak")
    s.add_argument("--batch-per-day", type=int, default=100_000, help="the batch job's requests per day")
    s.set_defaults(func=write_scenario)
    s = sub.add_parser("stress", help="many calls, optionally each with its own key and address")
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--lines", type=int, default=1_000_000)
    s.add_argument("--distinct", action="store_true")
    s.add_argument("--repeat", type=int, default=1,
                   help="with --distinct, calls per key and address (2 or more gets each past the admission filter)")
    s.set_defaults(func=write_stress)
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("--"):
        argv = ["scenario"] + argv          # `scenario_abuse.py --out DIR --seed N` is the scenario
    args = p.parse_args(argv)
    if args.days < 2 if hasattr(args, "days") else False:
        p.error("--days must be at least 2: clients need a day of their own history")
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
