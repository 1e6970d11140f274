#!/usr/bin/env python3
"""A drift and data-quality scenario with an answer key, for `tools/evaluate_scenario.py`.

Eight UTC days (2026-11-02 .. 2026-11-09) of `fraud-scorer` and `support-llm` inference logs,
one gzip file per day under DIR/inference/, with DIR/config.json and DIR/expected.json:

    python3 tools/scenario_drift.py --out DIR [--seed N] [--rate 8.5]
    python3 tools/evaluate_scenario.py DIR --binary .build/release/modelwatch

Injected (each one in expected.json, judged at severity medium or above):

| day   | what                                                                   | expected event                     |
| ----- | ---------------------------------------------------------------------- | ---------------------------------- |
| 11-05 | labels of digital goods, electronics and travel turn fraud more often  | `quality.accuracy_drop`            |
|       | (concept drift: features and predictions do not move)                  |                                    |
| 11-06 | 15% of transactions come from a new country `XX`                       | `drift.feature` country, `quality.data` country (unseen) |
| 11-07 | `amount` shifts up (log-normal mean 3.6 → 4.4)                         | `drift.feature` amount             |
|       | the model's scores follow it (amount is one of its inputs)             | `drift.prediction` (11-07)         |
| 11-08 | version 4.0.0 from 00:20, recalibrated: scores less confident, classes | `drift.prediction` (11-08, 11-09)  |
|       | unchanged                                                              |                                    |
| 11-09 | `merchant_cat` missing in 35% of records (4% before)                   | `quality.data` merchant_cat        |
| 11-09 | `tx_24h` written as -1 in 3% of records                                | `quality.data` tx_24h              |

Decoys that must not be reported at medium or above: `hour_of_day`, a feature that follows the
time of day; `is_new_device` and every `support-llm` quantity (nothing moves); volume at 0.45×
on 11-03 and 2.5× on 11-04. The first day is the reference (SPEC.md's first 24 hours).

Deterministic: the same seed writes the same bytes. Standard library only.
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

DAYS = 8
START = g.utc_ms(2026, 11, 2)
NEW_VERSION = "4.0.0"
NEW_VERSION_AT = g.utc_ms(2026, 11, 8, 0, 20)
VOLUME = {1: 0.45, 2: 2.5}
ACCURACY_DAY, COUNTRY_DAY, AMOUNT_DAY, QUALITY_DAY = 3, 4, 5, 7
SHIFTED_CATEGORIES = {"digital_goods", "electronics", "travel"}


def day_start(day: int) -> int:
    return START + day * g.MS_PER_DAY


def iso(ms: int) -> str:
    return g.rfc3339(ms).replace(".000Z", "Z")


def fraud_line(rng: Random, ts: int, client: str, ip: str, host: str, day: int) -> str:
    status = g.draw_status(rng)
    version = NEW_VERSION if ts >= NEW_VERSION_AT else g.FRAUD_V_OLD
    mu = 4.4 if day == AMOUNT_DAY else 3.6
    amount = round(max(0.5, math.exp(rng.gauss(mu, 1.15))), 2)
    if day == COUNTRY_DAY and rng.random() < 0.15:
        country, c_risk = "XX", 0.0
    else:
        country, _, c_risk = g.pick(rng, g.COUNTRIES, g.COUNTRY_CUM)
    tx_24h = int(rng.expovariate(0.45))
    new_device = rng.random() < 0.09
    if rng.random() < 0.04:
        cat, k_risk = None, 0.2
    else:
        cat, _, k_risk = g.pick(rng, g.MERCHANT_CATS, g.CAT_CUM)
    hour = ((ts % g.MS_PER_DAY) / g.MS_PER_HOUR)
    logit = g.fraud_logit(amount, c_risk, tx_24h, new_device, k_risk)
    # Data-quality faults happen after the model read its inputs: only the log is wrong.
    logged_cat = cat
    logged_tx = tx_24h
    if day == QUALITY_DAY:
        if rng.random() < 0.32:
            logged_cat = None
        if rng.random() < 0.03:
            logged_tx = -1
    parts = ['{"ts":"%s","request_id":"%s","model":"%s","model_version":"%s","client":"%s","ip":"%s","host":"%s"'
             % (g.rfc3339(ts), g.request_id(rng), g.FRAUD, version, client, ip, host)]
    parts.append(',"features":{"amount":%.2f,"country":"%s","tx_24h":%d,"is_new_device":%s,"merchant_cat":%s,"hour_of_day":%.3f}'
                 % (amount, country, logged_tx, "true" if new_device else "false",
                    "null" if logged_cat is None else '"%s"' % logged_cat, hour))
    if status == 200:
        total = logit + rng.gauss(0.0, 2.0)
        p = g.sigmoid(total)
        fraud = p >= 0.5
        # 4.0.0 is recalibrated (temperature 2.5): the same classes, less confident scores.
        shown = g.sigmoid(total / 2.5) if version == NEW_VERSION else p
        score = shown if fraud else 1.0 - shown
        latency = round(4.0 + math.exp(rng.gauss(2.0, 0.45)), 1)
        parts.append(',"latency_ms":%s,"status":200,"prediction":"%s","score":%.4f'
                     % (latency, "fraud" if fraud else "legit", score))
        if rng.random() < 0.30:
            truth_p = p
            if day == ACCURACY_DAY and cat in SHIFTED_CATEGORIES:
                truth_p = min(1.0, p + 0.45)   # a fraud pattern the model does not see
            parts.append(',"label":"%s"' % ("fraud" if rng.random() < truth_p else "legit"))
    else:
        latency, _ = g.error_latency_body(rng, status)
        parts.append(',"latency_ms":%s,"status":%d' % (latency, status))
    parts.append("}\n")
    return "".join(parts)


def llm_line(rng: Random, ts: int, client: str, ip: str, host: str) -> str:
    call = g.Call()
    call.ts, call.rid, call.model, call.version = ts, g.request_id(rng), g.LLM, g.LLM_VERSION
    call.client, call.ip, call.host, call.agent = client, ip, host, ""
    call.status = g.draw_status(rng)
    g.fill_llm(rng, call)
    return g.inference_line(call)


def generate(out: str, seed: int, rate: float) -> dict:
    os.makedirs(os.path.join(out, "inference"), exist_ok=True)
    pop = g.Population(Random("%d:population" % seed))
    counts = {}
    for day in range(DAYS):
        rng = Random("%d:day:%d" % (seed, day))
        lines = []
        volume = VOLUME.get(day, 1.0)
        for minute in range(day_start(day), day_start(day + 1), g.MS_PER_MIN):
            factor = g.diurnal_factor(minute)
            for model, per_minute in ((g.FRAUD, rate * volume), (g.LLM, rate * 0.35)):
                for _ in range(g.poisson(rng, per_minute * factor)):
                    ts = minute + rng.randrange(g.MS_PER_MIN)
                    client, _, ip, _ = pop.draw(rng)
                    host = "inf-1" if rng.random() < 0.5 else "inf-2"
                    if model == g.FRAUD:
                        lines.append((ts, fraud_line(rng, ts, client.key, ip, host, day)))
                    else:
                        lines.append((ts, llm_line(rng, ts, client.key, ip, host)))
        lines.sort(key=lambda item: item[0])
        path = os.path.join(out, "inference", "%s.jsonl.gz" % g.day_name(day_start(day)))
        with open(path, "wb") as f:
            f.write(g.gzip_bytes("".join(line for _, line in lines).encode()))
        counts[g.day_name(day_start(day))] = len(lines)

    def day_range(first: int, last: int | None = None) -> tuple[str, str]:
        return iso(day_start(first)), iso(day_start((last if last is not None else first) + 1))

    def incident(name, type_, entity, first, last=None):
        start, end = day_range(first, last)
        return {"name": name, "type": type_, "entity": entity, "start": start, "end": end,
                "min_severity": "medium", "slack_seconds": 3600}

    fraud = {"model": g.FRAUD}
    expected = {
        "paths": ["inference"],
        "args": ["--config", "config.json"],
        "judge": ["drift.", "quality."],
        "incidents": [
            incident("labels turn fraud in three merchant categories (concept drift)", "quality.accuracy_drop",
                     fraud, ACCURACY_DAY),
            incident("15% of transactions from a new country XX", "drift.feature",
                     dict(fraud, feature="country"), COUNTRY_DAY),
            incident("country XX never seen in the reference", "quality.data",
                     dict(fraud, feature="country"), COUNTRY_DAY),
            incident("amount shifts up", "drift.feature", dict(fraud, feature="amount"), AMOUNT_DAY),
            incident("scores follow the amount shift (amount is a model input)", "drift.prediction", fraud,
                     AMOUNT_DAY),
            incident("4.0.0 recalibrated: scores less confident", "drift.prediction", fraud, 6, 7),
            incident("merchant_cat missing in a third of records", "quality.data",
                     dict(fraud, feature="merchant_cat"), QUALITY_DAY),
            incident("tx_24h written as -1", "quality.data", dict(fraud, feature="tx_24h"), QUALITY_DAY),
        ],
        "allowed": [],
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    config = {"drift": {"window_hours": 24, "reference_hours": 24, "min_labels": 200},
              "approved_changes": [{"model": g.FRAUD, "version": NEW_VERSION,
                                    "from": iso(NEW_VERSION_AT - g.MS_PER_HOUR), "to": iso(NEW_VERSION_AT + g.MS_PER_HOUR)}]}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="scenario directory to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=8.5, help="fraud-scorer calls per minute at the daily peak")
    args = ap.parse_args(argv)
    counts = generate(args.out, args.seed, args.rate)
    for day, n in counts.items():
        print("%s: %d lines" % (day, n))
    print("wrote %s (expected.json, config.json, inference/)" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
