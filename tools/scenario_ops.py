#!/usr/bin/env python3
"""Deterministic ops-security scenario for modelwatch: three days, three hosts, two gateways.

    python3 tools/scenario_ops.py --out DIR [--seed 7]
    python3 tools/evaluate_scenario.py DIR

Writes into DIR:

    inference/inf-H/2026-11-DD.jsonl.gz   native inference JSON lines, multi-member gzip, one file per host per day
    gateway-eu/access.log.1.gz            nginx access log (+01:00), gzip, up to the local midnight of 20 Nov
    gateway-eu/access.log                 nginx access log (+01:00), plain text, the last day
    gateway-us/access.log                 nginx access log (-05:00), plain text, all three days
    config.json                           the `--config` file: approved changes and administrators
    expected.json                         the answer key read by tools/evaluate_scenario.py
    README.md                             files and injected incidents, with counted numbers

Traffic 2026-11-18T00:00Z to 2026-11-21T00:00Z for `fraud-scorer` and `support-llm` on inf-1..inf-3,
with decoys that must stay quiet (nightly batch, probes, an approved change, a one-window latency
blip, typo'd keys, 404s, an administrator's daily reload) and twelve injected `ops.*` incidents
(see `INCIDENT NOTES` in `build_expected`). Every time in `expected.json` comes from the module
constants below, the same ones that shape the data. Standard library only; imports
`generate_logs.py` from the same directory. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import sys
import time
import zlib
from random import Random

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate_logs as gl  # noqa: E402
from generate_logs import (  # noqa: E402
    FRAUD, FRAUD_V_NEW, FRAUD_V_OLD, LLM, LLM_VERSION, MS_PER_DAY, MS_PER_MIN,
    AccessEntry, Call, Population, access_for_call, day_name, diurnal_factor, draw_status,
    fill_fraud, fill_llm, gzip_bytes, inference_line, nginx_time_local, poisson,
    probe_entries, public_ip, recoverable, request_id, rfc3339, scanner_entries, utc_ms, write_gz_members,
)

# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------

RUN_START = utc_ms(2026, 11, 18)
RUN_END = utc_ms(2026, 11, 21)
DAYS = tuple(range(RUN_START, RUN_END, MS_PER_DAY))
HOSTS = ("inf-1", "inf-2", "inf-3")
PEAK_CALLS_PER_MIN = 60.0           # all hosts together, at the diurnal peak (15:00 UTC)
LINES_PER_MEMBER = (500, 900)       # gzip member size of the inference files, in lines

GW_EU, GW_US = "gateway-eu", "gateway-us"
GATEWAY_OFFSET_MIN = {GW_EU: 60, GW_US: -300}
EU_ROTATION = utc_ms(2026, 11, 19, 23)   # 20/Nov/2026:00:00:00 +0100: access.log.1.gz before, access.log after

ADMINISTRATOR = "k-ops01"
ADMINISTRATOR_IP = "10.0.3.4"
CONFIG = {
    "approved_changes": [{"model": LLM, "version": "2.5.0", "from": "2026-11-19T09:00:00Z", "to": "2026-11-19T11:00:00Z"}],
    "administrators": [ADMINISTRATOR],
}

# decoys ------------------------------------------------------------------------------------
BATCH_CLIENT = "k-batch01"
BATCH_IP = "10.0.2.31"
BATCH_AGENT = "batch-scorer/1.4 python-requests/2.31.0"
BATCH_HOURS = (2, 3)                 # every night 02:00-03:00 UTC
BATCH_EXTRA = 2.0                    # k-batch01 adds 2x the normal rate: the hour carries ~3x normal volume
LLM_V_NEW = CONFIG["approved_changes"][0]["version"]
LLM_ROLLOUT = {"inf-1": utc_ms(2026, 11, 19, 10, 0), "inf-2": utc_ms(2026, 11, 19, 10, 3),
               "inf-3": utc_ms(2026, 11, 19, 10, 6)}
BLIP = (utc_ms(2026, 11, 19, 16, 0), utc_ms(2026, 11, 19, 16, 4))   # fraud-scorer latency x5
BLIP_FACTOR = 5.0
TYPO_401_PER_DAY = (18, 22)
UNKNOWN_404_PER_DAY = (3, 5)
UNKNOWN_404_RANK = 6                 # population rank of the client that keeps hitting /v1/models/unknown
ADMIN_RELOAD_AGENT = "curl/8.5.0"

# incidents ---------------------------------------------------------------------------------
FRAUD_ROLLOUT = {"inf-1": utc_ms(2026, 11, 19, 14, 0), "inf-2": utc_ms(2026, 11, 19, 14, 4),
                 "inf-3": utc_ms(2026, 11, 19, 14, 9)}                           # 1 ops.change (unapproved)
CAPACITY = (utc_ms(2026, 11, 20, 10, 0), utc_ms(2026, 11, 20, 10, 40))           # 2 ops.capacity support-llm
CAPACITY_LATENCY_FACTOR = 4.0
CAPACITY_503, CAPACITY_429 = 0.25, 0.10
GAP_HOST = "inf-3"
GAP = (utc_ms(2026, 11, 19, 15, 10), utc_ms(2026, 11, 19, 15, 55))                # 3 ops.logging.gap
TRUNC_HOST, TRUNC_DAY, TRUNC_FRACTION = "inf-2", utc_ms(2026, 11, 19), 0.66       # 4 truncated archive
# (0.66 of the bytes is about 16:10 UTC: the lost tail starts after the inf-3 gap and the latency blip,
#  so that inf-2's silence from the cut to midnight does not overlap them)
BACKWARDS_HOST, BACKWARDS_DAY = "inf-1", utc_ms(2026, 11, 18)                     # 5 time runs backwards
BACKWARDS_MOVED = (utc_ms(2026, 11, 18, 9, 0), utc_ms(2026, 11, 18, 9, 30))       # written after ...
BACKWARDS_AHEAD = (utc_ms(2026, 11, 18, 9, 30), utc_ms(2026, 11, 18, 10, 0))      # ... these
DUP_HOST = "inf-2"
DUP = (utc_ms(2026, 11, 20, 12, 0), utc_ms(2026, 11, 20, 12, 20))                 # 6 duplicated request ids
SKEW_HOST, SKEW_MS = "inf-1", 42_000                                              # 7 clock 42 s fast
SCANNER_IP = gl.SCANNER_IP
SCAN_AT = utc_ms(2026, 11, 18, 22, 10, 7)                                         # 8 nikto + sqlmap, gateway-us
WALKER_IP = "203.0.113.50"
WALK_AT, WALK_SPAN_MS, WALK_REQUESTS = utc_ms(2026, 11, 20, 3, 20), 180_000, 80   # 9 distinct-404 burst, gateway-eu
WALKER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/119.0.0.0 Safari/537.36")
ROGUE_CLIENT, ROGUE_RANK = "k-7f3e21", 9
ROGUE_AT = utc_ms(2026, 11, 19, 21, 30, 12, 311)                                  # 10 admin calls by a non-admin
ROGUE_REQUESTS = (("POST /admin/users HTTP/1.1", 0, 64), ("DELETE /admin/models/fraud-scorer HTTP/1.1", 41_870, 27))
STAGING_HOST = "inf-2"
STAGING = (utc_ms(2026, 11, 20, 8, 0), utc_ms(2026, 11, 20, 9, 0))                # 11 env separation
STAGING_SHARE, STAGING_MODEL, STAGING_VERSION = 0.05, "fraud-scorer-staging", "3.2.1-rc1"
FUTURE_HOST, FUTURE_DAY = "inf-3", utc_ms(2026, 11, 20)                           # 12 future timestamps
FUTURE_AFTER, FUTURE_RECORDS, FUTURE_BASE = utc_ms(2026, 11, 20, 18, 0), 25, utc_ms(2030, 1, 1)
FUTURE_WINDOW = (utc_ms(2026, 11, 20), utc_ms(2030, 1, 2))

WALK_DIRS = ("archive", "team", "press", "media", "old", "events", "careers", "reports", "downloads",
             "partners", "about", "news", "products", "static/img", "library", "community", "research", "travel")
WALK_NAMES = ("q3-report", "annual-review", "photos", "brochure", "price-list", "handbook", "roadmap",
              "newsletter-2019", "logo-hires", "board-minutes", "summer-party", "catalog", "whitepaper",
              "datasheet", "office-map", "timeline", "gallery", "keynote-2018", "spring-sale", "award",
              "index.php.bak", "overview", "offsite", "guidelines")
WALK_EXTS = (".pdf", ".html", "/", ".jpg", ".png", ".docx", ".pptx", ".txt", "")


def rel_inference(host: str, day: int) -> str:
    return "inference/%s/%s.jsonl.gz" % (host, day_name(day))


def access_line(e: AccessEntry, offset_min: int) -> str:
    """`generate_logs.AccessEntry.line()` with the gateway's own `$time_local` offset."""
    return '%s - %s [%s] "%s" %d %d "-" "%s" rt=%.3f rid=%s key=%s\n' % (
        e.ip, e.user, nginx_time_local(e.ts, offset_min), e.request, e.status,
        e.body, e.agent, e.rt, e.rid, e.key)


def ts_ms(text: str) -> int:
    """`2026-11-19T16:10:03.123Z` to epoch milliseconds."""
    main, _, frac = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) * 1000 + int((frac + "000")[:3])


def in_window(ts: int, window) -> bool:
    return window[0] <= ts < window[1]


# --------------------------------------------------------------------------------------------
# Traffic
# --------------------------------------------------------------------------------------------

def build_population(seed: int) -> Population:
    pop = Population(Random("%d:population" % seed))
    rogue = pop.clients[ROGUE_RANK - 1]          # an ordinary mid-sized client, renamed
    pop.known_keys.discard(rogue.key)
    rogue.key = ROGUE_CLIENT
    pop.known_keys.update((ROGUE_CLIENT, BATCH_CLIENT, ADMINISTRATOR))
    return pop


def gateway_routes(pop: Population) -> dict:
    """Each client uses one gateway: greedy by weight so both carry about half the traffic."""
    route = {ROGUE_CLIENT: GW_US, ADMINISTRATOR: GW_EU, BATCH_CLIENT: GW_US}
    load = {GW_EU: 0.0, GW_US: 0.0}
    for c in pop.clients:                        # rank order, heaviest first
        gw = route.get(c.key) or min(load, key=lambda g: (load[g], g))
        route[c.key] = gw
        load[gw] += c.weight
    return route


def route_of(route: dict, key: str) -> str:
    return route.get(key) or (GW_EU, GW_US)[zlib.crc32(key.encode()) & 1]


def capacity_status(rng: Random) -> int:
    r = rng.random()
    return 503 if r < CAPACITY_503 else 429 if r < CAPACITY_503 + CAPACITY_429 else 200


def ordinary_calls(seed: int, pop: Population, peak: float) -> list:
    rng = Random("%d:traffic" % seed)
    rng_cap = Random("%d:capacity" % seed)
    calls = []
    for minute in range(RUN_START, RUN_END, MS_PER_MIN):
        for _ in range(poisson(rng, peak * diurnal_factor(minute))):
            c = Call()
            c.ts = minute + rng.randrange(MS_PER_MIN)
            c.rid = request_id(rng)
            client, c.model, c.ip, c.agent = pop.draw(rng)
            c.client = client.key
            c.host = HOSTS[rng.randrange(len(HOSTS))]
            c.status = draw_status(rng)
            overloaded = c.model == LLM and in_window(c.ts, CAPACITY)
            if overloaded:
                c.status = capacity_status(rng_cap)
            if c.model == FRAUD:
                fill_fraud(rng, c)
            else:
                fill_llm(rng, c)
            if overloaded:
                c.latency = round(c.latency * CAPACITY_LATENCY_FACTOR, 1)
                c.tag = "capacity"
            calls.append(c)
    return calls


def batch_calls(seed: int, peak: float) -> list:
    rng = Random("%d:batch" % seed)
    calls = []
    for day in DAYS:
        for minute in range(day + BATCH_HOURS[0] * 3_600_000, day + BATCH_HOURS[1] * 3_600_000, MS_PER_MIN):
            for _ in range(poisson(rng, BATCH_EXTRA * peak * diurnal_factor(minute))):
                c = Call()
                c.ts = minute + rng.randrange(MS_PER_MIN)
                c.rid = request_id(rng)
                c.model, c.client, c.ip, c.agent = FRAUD, BATCH_CLIENT, BATCH_IP, BATCH_AGENT
                c.host = HOSTS[rng.randrange(len(HOSTS))]
                c.status = draw_status(rng)
                fill_fraud(rng, c, want_label=False)
                c.tag = "batch"
                calls.append(c)
    return calls


def shape_calls(seed: int, calls: list) -> None:
    """Versions, the latency blip and the staging model: what each host answered with."""
    rng_staging = Random("%d:staging" % seed)
    for c in calls:
        if c.model == FRAUD:
            c.version = FRAUD_V_NEW if c.ts >= FRAUD_ROLLOUT[c.host] else FRAUD_V_OLD
            if in_window(c.ts, BLIP):
                c.latency = round(c.latency * BLIP_FACTOR, 1)
                c.tag = "blip"
            if c.host == STAGING_HOST and in_window(c.ts, STAGING) and rng_staging.random() < STAGING_SHARE:
                c.version = STAGING_VERSION
                c.tag = "staging"
        else:
            c.version = LLM_V_NEW if c.ts >= LLM_ROLLOUT[c.host] else LLM_VERSION


# --------------------------------------------------------------------------------------------
# Gateway-only requests
# --------------------------------------------------------------------------------------------

def typo_key(rng: Random, key: str, known: set) -> str:
    while True:
        i = rng.randrange(2, len(key))
        typo = key[:i] + rng.choice("0123456789abcdef") + key[i + 1:]
        if typo not in known:
            return typo


def gateway_only(seed: int, pop: Population, route: dict) -> dict:
    """The requests that never reach a model, by gateway."""
    out = {GW_EU: [], GW_US: []}
    for gw in (GW_EU, GW_US):
        out[gw] += probe_entries(Random("%d:probes:%s" % (seed, gw)), RUN_START, RUN_END)

    rng = Random("%d:typos" % seed)
    for day in DAYS:
        for _ in range(rng.randint(*TYPO_401_PER_DAY)):
            client, model, _, agent = pop.draw(rng)
            path = "/v1/models/fraud-scorer/predict" if model == FRAUD else "/v1/chat/completions"
            e = AccessEntry(day + rng.randrange(MS_PER_DAY), public_ip(rng), "POST %s HTTP/1.1" % path, 401, 33, agent,
                            rng.randrange(0, 2) / 1000.0, request_id(rng), typo_key(rng, client.key, pop.known_keys),
                            "typo401")
            out[route_of(route, client.key)].append(e)

    rng = Random("%d:unknown404" % seed)
    lost = pop.clients[UNKNOWN_404_RANK - 1]
    for day in DAYS:
        for _ in range(rng.randint(*UNKNOWN_404_PER_DAY)):
            out[route_of(route, lost.key)].append(AccessEntry(
                day + rng.randrange(MS_PER_DAY), lost.ips[0], "GET /v1/models/unknown HTTP/1.1", 404, 61, lost.agent,
                rng.randrange(0, 3) / 1000.0, request_id(rng), lost.key, "unknown404"))

    rng = Random("%d:admin" % seed)
    for day in DAYS:
        out[route_of(route, ADMINISTRATOR)].append(AccessEntry(
            day + rng.randrange(MS_PER_DAY), ADMINISTRATOR_IP, "POST /admin/models/reload HTTP/1.1", 200, 27,
            ADMIN_RELOAD_AGENT, round(rng.uniform(0.8, 2.5), 3), request_id(rng), ADMINISTRATOR, "admin"))

    # incident 8: the samples' nikto + sqlmap scan, moved to SCAN_AT
    rng = Random("%d:scanner" % seed)
    shift = SCAN_AT - gl.SCAN_START
    for e in scanner_entries(rng):
        e.ts += shift
        out[GW_US].append(e)

    # incident 9: a browser walking 80 made-up paths, all 404
    rng = Random("%d:walker" % seed)
    paths = []
    while len(paths) < WALK_REQUESTS:
        name = rng.choice(WALK_NAMES)
        ext = "" if "." in name else rng.choice(WALK_EXTS)
        p = "/%s/%s%s" % (rng.choice(WALK_DIRS), name, ext)
        if p not in paths:
            paths.append(p)
    times = sorted(WALK_AT + rng.randrange(WALK_SPAN_MS) for _ in paths)
    for t, p in zip(times, paths):
        out[GW_EU].append(AccessEntry(t, WALKER_IP, "GET %s HTTP/1.1" % p, 404, 153, WALKER_AGENT,
                                      rng.randrange(0, 2) / 1000.0, request_id(rng), "-", "walker"))

    # incident 10: an ordinary client calls admin endpoints
    rng = Random("%d:rogue" % seed)
    rogue = pop.by_key(ROGUE_CLIENT)
    for req, delay, body in ROGUE_REQUESTS:
        out[route_of(route, ROGUE_CLIENT)].append(AccessEntry(
            ROGUE_AT + delay, rogue.ips[0], req, 200, body, rogue.agent, round(rng.uniform(0.05, 0.4), 3),
            request_id(rng), ROGUE_CLIENT, "rogue_admin"))
    return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def file_day(ts: int) -> int:
    """The file a host's record goes to: its own (stamped) UTC day; the last seconds stay in the last file."""
    return DAYS[min(len(DAYS) - 1, max(0, (ts - RUN_START) // MS_PER_DAY))]


def record_line(c: Call) -> bytes:
    line = inference_line(c)
    if c.tag == "staging":
        line = line.replace('"model":"%s",' % FRAUD, '"model":"%s",' % STAGING_MODEL, 1)
    return line.encode()


def write_inference(out: str, seed: int, calls: list, facts: dict) -> dict:
    """Per host and day files, with incidents 3-7 and 12 applied. Returns per-file stats."""
    rng_io = Random("%d:io" % seed)
    stats = {}
    by_file = {(h, d): [] for h in HOSTS for d in DAYS}
    for c in calls:
        if c.host == GAP_HOST and in_window(c.ts, GAP):
            continue                                   # incident 3: inf-3 writes nothing
        if c.host == SKEW_HOST:
            c.ts += SKEW_MS                            # incident 7: its clock runs 42 s fast (access times stay true)
        by_file[(c.host, file_day(c.ts))].append(c)
    for host in HOSTS:
        os.makedirs(os.path.join(out, "inference", host), exist_ok=True)
        for day in DAYS:
            recs = sorted(by_file[(host, day)], key=lambda c: c.ts)
            rel = rel_inference(host, day)
            s = {"records": len(recs)}
            if host == BACKWARDS_HOST and day == BACKWARDS_DAY:
                # incident 5: the 09:00-09:30 block (by inf-1's own stamps) is appended after 09:30-10:00
                moved = [c for c in recs if in_window(c.ts, BACKWARDS_MOVED)]
                ahead = [c for c in recs if in_window(c.ts, BACKWARDS_AHEAD)]
                i = recs.index(moved[0])
                j = i + len(moved) + len(ahead)
                assert recs[i:j] == moved + ahead
                recs = recs[:i] + ahead + moved + recs[j:]
                facts["backwards"] = {"moved": len(moved), "ahead": len(ahead),
                                      "jump_from": rfc3339(ahead[-1].ts), "jump_to": rfc3339(moved[0].ts),
                                      "line": i + len(ahead) + 1}
            if host == FUTURE_HOST and day == FUTURE_DAY:
                # incident 12: 25 consecutive records around 18:00 stamped 2030-01-01T00:0x, in place
                k = next(n for n, c in enumerate(recs) if c.ts >= FUTURE_AFTER)
                glitch = recs[k:k + FUTURE_RECORDS]
                first = glitch[0].ts
                for c in glitch:
                    c.ts = FUTURE_BASE + 3_000 + (c.ts - first)
                facts["future"] = {"records": len(glitch), "first_line": k + 1, "first": rfc3339(glitch[0].ts),
                                   "last": rfc3339(glitch[-1].ts), "true_first": rfc3339(first),
                                   "request_ids": [c.rid for c in glitch]}
            chunks, dups = [], 0
            for c in recs:
                line = record_line(c)
                chunks.append(line)
                if host == DUP_HOST and in_window(c.ts, DUP):
                    chunks.append(line)                # incident 6: the shipper wrote it twice
                    dups += 1
            if dups:
                facts["duplicates"] = {"records": dups, "file": rel}
            path = os.path.join(out, rel)
            s["members"] = write_gz_members(path, chunks, rng_io, LINES_PER_MEMBER)
            s["lines"] = len(chunks)
            s["raw_bytes"] = sum(len(ch) for ch in chunks)
            if host == TRUNC_HOST and day == TRUNC_DAY:
                # incident 4: cut inside a gzip member at about 60% of the file
                with open(path, "rb") as f:
                    full = f.read()
                cut = int(len(full) * TRUNC_FRACTION)
                while True:
                    text, intact, truncated = recoverable(full[:cut])
                    if truncated:
                        break
                    cut -= 1                           # landed on a member boundary: step into the member
                with open(path, "wb") as f:
                    f.write(full[:cut])
                complete = text.count(b"\n")
                last = json.loads(text.split(b"\n")[complete - 1])
                facts["truncated"] = {"file": rel, "bytes_before": len(full), "bytes": cut,
                                      "members_written": s["members"], "members_intact": intact,
                                      "records_written": len(recs), "complete_lines": complete,
                                      "partial_tail_bytes": len(text) - (text.rfind(b"\n") + 1),
                                      "last_complete_ts": last["ts"], "lost": len(recs) - complete}
                s["truncated"] = True
                assert ts_ms(last["ts"]) > max(GAP[1], BLIP[1]), "the cut should come after the inf-3 gap and the blip"
            s["bytes"] = os.path.getsize(path)
            s["first_ts"] = rfc3339(min(c.ts for c in recs))
            s["last_ts"] = rfc3339(max(c.ts for c in recs if c.ts < FUTURE_BASE))
            stats[rel] = s
    return stats


def write_gateways(out: str, entries: dict) -> dict:
    stats = {}
    for gw, items in entries.items():
        os.makedirs(os.path.join(out, gw), exist_ok=True)
        items.sort(key=lambda e: e.ts)
        off = GATEWAY_OFFSET_MIN[gw]
        parts = [(gw + "/access.log", items)]
        if gw == GW_EU:
            parts = [(gw + "/access.log.1.gz", [e for e in items if e.ts < EU_ROTATION]),
                     (gw + "/access.log", [e for e in items if e.ts >= EU_ROTATION])]
        for rel, part in parts:
            data = "".join(access_line(e, off) for e in part).encode()
            with open(os.path.join(out, rel), "wb") as f:
                f.write(gzip_bytes(data) if rel.endswith(".gz") else data)
            kinds = {}
            for e in part:
                kinds[e.kind] = kinds.get(e.kind, 0) + 1
            stats[rel] = {"lines": len(part), "raw_bytes": len(data), "bytes": os.path.getsize(os.path.join(out, rel)),
                          "first": nginx_time_local(part[0].ts, off), "last": nginx_time_local(part[-1].ts, off),
                          "by_kind": dict(sorted(kinds.items()))}
    return stats


# --------------------------------------------------------------------------------------------
# Answer key
# --------------------------------------------------------------------------------------------

def incident(name, type_, entity, window, slack=600, **extra):
    d = {"name": name, "type": type_, "entity": entity, "start": rfc3339(window[0]).replace(".000Z", "Z"),
         "end": rfc3339(window[1]).replace(".000Z", "Z"), "min_severity": "medium", "slack_seconds": slack}
    d.update(extra)
    return d


def build_expected() -> dict:
    """INCIDENT NOTES: one entry per injected incident, every time from the constants above."""
    rollout = (min(FRAUD_ROLLOUT.values()), max(FRAUD_ROLLOUT.values()))
    incidents = [
        incident("unapproved fraud-scorer rollout %s -> %s" % (FRAUD_V_OLD, FRAUD_V_NEW), "ops.change",
                 {"model": FRAUD}, rollout),
        incident("support-llm saturation: latency x%g, %d%% 503, %d%% 429" % (
            CAPACITY_LATENCY_FACTOR, CAPACITY_503 * 100, CAPACITY_429 * 100), "ops.capacity", {"model": LLM}, CAPACITY),
        incident("%s silent while serving" % GAP_HOST, "ops.logging.gap", {"host": GAP_HOST}, GAP),
        incident("truncated gzip archive", "ops.logging.integrity", {"source": rel_inference(TRUNC_HOST, TRUNC_DAY)},
                 (TRUNC_DAY, TRUNC_DAY + MS_PER_DAY), slack=3600),
        incident("time runs backwards (misordered append)", "ops.logging.integrity",
                 {"source": rel_inference(BACKWARDS_HOST, BACKWARDS_DAY)},
                 (BACKWARDS_MOVED[0], BACKWARDS_AHEAD[1]), slack=3600),
        incident("duplicated request ids (shipper retry)", "ops.logging.integrity", {"host": DUP_HOST}, DUP),
        incident("%s clock %d s fast" % (SKEW_HOST, SKEW_MS // 1000), "ops.clock_skew", {"host": SKEW_HOST},
                 (RUN_START, RUN_END), slack=86400,
                 evidence_range={"offset_seconds": [-SKEW_MS / 1000 - 1, -SKEW_MS / 1000 + 1]}),
        incident("nikto + sqlmap scan", "ops.vuln_probe", {"ip": SCANNER_IP}, (SCAN_AT, SCAN_AT + 5 * MS_PER_MIN)),
        incident("burst of %d distinct 404 paths" % WALK_REQUESTS, "ops.vuln_probe", {"ip": WALKER_IP},
                 (WALK_AT, WALK_AT + WALK_SPAN_MS)),
        incident("admin endpoints called by a non-administrator", "ops.admin_action", {"client": ROGUE_CLIENT},
                 (ROGUE_AT, ROGUE_AT + max(d for _, d, _ in ROGUE_REQUESTS) + 1000), min_severity="high"),
        incident("staging model in production", "ops.env_separation", {"model": STAGING_MODEL}, STAGING),
        incident("future timestamps (clock glitch)", "ops.logging.integrity",
                 {"source": rel_inference(FUTURE_HOST, FUTURE_DAY)}, FUTURE_WINDOW, slack=0),
    ]
    for d in incidents:
        if d["end"] == d["start"]:
            raise AssertionError(d)
    return {
        "paths": ["inference", GW_EU, GW_US],
        "args": ["--config", "config.json"],
        "judge": ["ops."],
        "incidents": incidents,
        "allowed": [
            # the approved support-llm 2.4.0 -> 2.5.0 rollout: reported, at info only, but allowed anyway
            {"type": "ops.change", "entity": {"model": LLM}},
            # the staging model of incident 11 is also a version no change names; reporting it as a change is fair
            {"type": "ops.change", "entity": {"model": STAGING_MODEL}},
        ],
    }


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def write_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def generate(out: str, seed: int, peak: float = PEAK_CALLS_PER_MIN) -> dict:
    pop = build_population(seed)
    route = gateway_routes(pop)
    calls = ordinary_calls(seed, pop, peak) + batch_calls(seed, peak)
    calls.sort(key=lambda c: c.ts)
    rids = set(c.rid for c in calls)
    assert len(rids) == len(calls), "request ids must be unique"
    shape_calls(seed, calls)

    facts = {}
    gap_calls = [c for c in calls if c.host == GAP_HOST and in_window(c.ts, GAP)]
    facts["gap"] = {"calls": len(gap_calls), "request_ids_sample": [c.rid for c in gap_calls[:3]]}
    cap = [c for c in calls if c.tag == "capacity"]
    facts["capacity"] = {"calls": len(cap), "503": sum(c.status == 503 for c in cap),
                         "429": sum(c.status == 429 for c in cap)}
    facts["staging"] = sum(c.tag == "staging" for c in calls)
    facts["blip"] = sum(c.tag == "blip" for c in calls)
    facts["batch"] = sum(c.tag == "batch" for c in calls)
    facts["calls"] = len(calls)
    new_fraud = {}
    for c in calls:
        if c.model == FRAUD and c.version == FRAUD_V_NEW and c.host not in new_fraud:
            new_fraud[c.host] = c.ts + (SKEW_MS if c.host == SKEW_HOST else 0)
    facts["first_new_fraud"] = {h: rfc3339(new_fraud[h]) for h in HOSTS}

    # access lines first: they keep the true times; write_inference then shifts inf-1's stamps
    rng_access = Random("%d:access" % seed)
    entries = gateway_only(seed, pop, route)
    for c in calls:
        entries[route_of(route, c.client)].append(access_for_call(rng_access, c))
    os.makedirs(out, exist_ok=True)
    gw_stats = write_gateways(out, entries)
    inf_stats = write_inference(out, seed, calls, facts)
    facts["rogue"] = [e for e in entries[GW_US] if e.kind == "rogue_admin"]
    facts["scan"] = [e for e in entries[GW_US] if e.kind == "scanner"]
    facts["walk"] = [e for e in entries[GW_EU] if e.kind == "walker"]

    write_json(os.path.join(out, "config.json"), CONFIG)
    expected = build_expected()
    write_json(os.path.join(out, "expected.json"), expected)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(render_readme(seed, peak, inf_stats, gw_stats, facts, expected))
    return {"inference": inf_stats, "gateways": gw_stats, "facts": facts, "expected": expected}


def incident_details(facts: dict) -> list:
    """One line per incident (same order as expected.json), with the counts made."""
    t, b, f = facts["truncated"], facts["backwards"], facts["future"]
    return [
        "fraud-scorer %s -> %s, no approved change; first %s records by host: %s" % (
            FRAUD_V_OLD, FRAUD_V_NEW, FRAUD_V_NEW, ", ".join("%s %s" % kv for kv in facts["first_new_fraud"].items())),
        "%d support-llm calls in the window on all hosts: latency x%g, %d answered 503, %d answered 429" % (
            facts["capacity"]["calls"], CAPACITY_LATENCY_FACTOR, facts["capacity"]["503"], facts["capacity"]["429"]),
        "%d calls routed to %s have access lines (rid) but no inference record" % (facts["gap"]["calls"], GAP_HOST),
        "%s cut to %d of %d bytes inside member %d of %d; %d complete lines recoverable (last ts %s), %d records lost, "
        "%d-byte partial line" % (t["file"], t["bytes"], t["bytes_before"], t["members_intact"] + 1,
                                  t["members_written"], t["complete_lines"], t["last_complete_ts"], t["lost"],
                                  t["partial_tail_bytes"]),
        "%d records stamped 09:00-09:30 written after %d stamped 09:30-10:00 (line %d: %s -> %s)" % (
            b["moved"], b["ahead"], b["line"], b["jump_from"], b["jump_to"]),
        "%d %s records written twice in a row (%s)" % (facts["duplicates"]["records"], DUP_HOST, facts["duplicates"]["file"]),
        "%s inference ts = true time + %d s for the whole run (median access - inference about -%d s)" % (
            SKEW_HOST, SKEW_MS // 1000, SKEW_MS // 1000),
        "%d requests from %s (%d nikto, %d sqlmap), %s..%s, all 404, gateway-us" % (
            len(facts["scan"]), SCANNER_IP, sum("Nikto" in e.agent for e in facts["scan"]),
            sum("sqlmap" in e.agent for e in facts["scan"]), rfc3339(facts["scan"][0].ts), rfc3339(facts["scan"][-1].ts)),
        "%d requests from %s to %d distinct made-up paths, browser agent, all 404, %s..%s, gateway-eu" % (
            len(facts["walk"]), WALKER_IP, len(set(e.request for e in facts["walk"])),
            rfc3339(facts["walk"][0].ts), rfc3339(facts["walk"][-1].ts)),
        "%s (not an administrator) from %s: %s, status 200, gateway-us" % (
            ROGUE_CLIENT, facts["rogue"][0].ip,
            "; ".join("%s at %s" % (e.request.rsplit(" ", 1)[0], rfc3339(e.ts)) for e in facts["rogue"])),
        "%d fraud-scorer records on %s logged as model %s version %s" % (
            facts["staging"], STAGING_HOST, STAGING_MODEL, STAGING_VERSION),
        "%d consecutive %s records from line %d (true time %s) stamped %s..%s" % (
            f["records"], FUTURE_HOST, f["first_line"], f["true_first"], f["first"], f["last"]),
    ]


def render_readme(seed, peak, inf_stats, gw_stats, facts, expected) -> str:
    L = []
    w = L.append
    w("# modelwatch ops scenario (seed %d)" % seed)
    w("")
    w("Generated by `python3 tools/scenario_ops.py --out DIR --seed %d%s`; judge with" % (
        seed, "" if peak == PEAK_CALLS_PER_MIN else " --peak-rate %g" % peak))
    w("`python3 tools/evaluate_scenario.py DIR`. Same seed, same bytes. Numbers here are counted, not typed.")
    w("")
    w("2026-11-18T00:00Z to 2026-11-21T00:00Z. `fraud-scorer` and `support-llm` on inf-1, inf-2, inf-3 (each call on a")
    w("random host), about %g calls/min at the 15:00 UTC peak, %d model calls in all. Each client uses one gateway." % (
        peak, facts["calls"]))
    w("Access log format: nginx combined + ` rt=$request_time rid=$request_id key=$http_x_api_key`;")
    w("gateway-eu writes `$time_local` in +01:00, gateway-us in -05:00. Inference `ts` is UTC `Z`.")
    w("")
    w("## Files")
    w("")
    w("| file | bytes | uncompressed (as written) | lines (as written) | gzip members (as written) | span (as written) |")
    w("| --- | ---: | ---: | ---: | ---: | --- |")
    for rel, s in inf_stats.items():
        w("| `%s` | %d | %d | %d | %d%s | %s .. %s |" % (rel, s["bytes"], s["raw_bytes"], s["lines"], s["members"],
                                                      " (truncated)" if s.get("truncated") else "", s["first_ts"], s["last_ts"]))
    for rel, s in gw_stats.items():
        w("| `%s` | %d | %d | %d | %s | %s .. %s |" % (rel, s["bytes"], s["raw_bytes"], s["lines"],
                                                     "1" if rel.endswith(".gz") else "-", s["first"], s["last"]))
    w("")
    for rel, s in gw_stats.items():
        w("- `%s` by kind: %s" % (rel, ", ".join("%s %d" % kv for kv in s["by_kind"].items())))
    w("")
    w("`config.json` (pass with `--config`): approved change support-llm %s 2026-11-19 09:00-11:00Z; administrator %s." % (
        LLM_V_NEW, ADMINISTRATOR))
    w("")
    w("## Decoys (must stay below medium)")
    w("")
    w("- Daily cycle; `%s` (%s) sends fraud-scorer batches 02:00-03:00 UTC every night, about 3x the hour's normal" % (
        BATCH_CLIENT, BATCH_IP))
    w("  volume (%d calls in all), normal latency." % facts["batch"])
    w("- Health probe 10.0.0.5 `GET /healthz` every 10 s and scraper 10.0.0.7 `GET /metrics` every 15 s on both gateways.")
    w("- Approved change: support-llm %s -> %s, %s. Listed in `allowed`." % (
        LLM_VERSION, LLM_V_NEW, ", ".join("%s %s" % (h, rfc3339(t)) for h, t in LLM_ROLLOUT.items())))
    w("- fraud-scorer latency x%g on all hosts %s..%s (%d calls): one 5-minute window." % (
        BLIP_FACTOR, rfc3339(BLIP[0]), rfc3339(BLIP[1]), facts["blip"]))
    w("- %d-%d 401s a day from typo'd keys, each from its own address; %d-%d `GET /v1/models/unknown` 404s a day." % (
        TYPO_401_PER_DAY + UNKNOWN_404_PER_DAY))
    w("- `%s` `POST /admin/models/reload` once a day from %s." % (ADMINISTRATOR, ADMINISTRATOR_IP))
    w("")
    w("## Incidents (expected.json)")
    w("")
    for n, (inc, detail) in enumerate(zip(expected["incidents"], incident_details(facts)), 1):
        w("%d. **%s** `%s` %s, %s..%s (min %s, slack %d s): %s." % (
            n, inc["name"], inc["type"], json.dumps(inc["entity"]), inc["start"], inc["end"], inc["min_severity"],
            inc["slack_seconds"], detail))
    w("")
    w("Side effects worth knowing: the truncated %s file loses that host's records after its last complete" % TRUNC_HOST)
    w("line, so those calls appear in the access logs only; inf-1's +42 s stamps put its records of the last")
    w("42 s of the run into its 2026-11-20 file.")
    w("")
    return "\n".join(L)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--peak-rate", type=float, default=PEAK_CALLS_PER_MIN,
                    help="model calls per minute at the 15:00 UTC peak, all hosts (default %(default)g)")
    args = ap.parse_args(argv)
    t0 = time.time()
    r = generate(args.out, args.seed, args.peak_rate)
    dt = time.time() - t0
    files = list(r["inference"].values()) + list(r["gateways"].values())
    print("%s (seed %d): %d model calls, %d files, %.1f MB uncompressed, %.1f MB on disk, %.1f s" % (
        args.out, args.seed, r["facts"]["calls"], len(files), sum(s["raw_bytes"] for s in files) / 1e6,
        sum(s["bytes"] for s in files) / 1e6, dt))
    for n, (inc, detail) in enumerate(zip(r["expected"]["incidents"], incident_details(r["facts"])), 1):
        print("%2d %-22s %-55s %s..%s  %s" % (n, inc["type"], json.dumps(inc["entity"]), inc["start"], inc["end"], detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
