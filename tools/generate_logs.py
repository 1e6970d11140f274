#!/usr/bin/env python3
"""Deterministic generator of synthetic logs for modelwatch.

Produces inference JSON lines (the native format of /work/shared/SPEC.md) and nginx access logs
with the extras `rt=$request_time rid=$request_id key=$http_x_api_key`.

Subcommands (one function per scenario; add new scenarios the same way, see `SCENARIOS` below):

    samples  --out DIR [--seed N]                 small fixture set with injected incidents
    large    --out FILE.gz --mb 500 [--seed N]    one big gzip file of inference lines
    archive  --out DIR --files 8 --mb-per-file 64 multi-file gzip archive (threads-scaling bench)
    gateway  --out DIR --files 4 --mb-per-file 80 rotated nginx access logs (3 gzip + 1 plain)

Every output is a pure function of the arguments: the same seed gives the same bytes (gzip members
are written with mtime 0, no file name, OS=3, by this process's zlib; `--compressor gzip|pigz`
hands compression to an external binary, whose bytes are then that binary's business).

Standard library only.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import json
import math
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from random import Random

# --------------------------------------------------------------------------------------------
# Time helpers. All times are integer milliseconds since the Unix epoch, UTC.
# --------------------------------------------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MS_PER_MIN = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000


def utc_ms(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, ms: int = 0) -> int:
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1000 + ms


def rfc3339(ts_ms: int, offset_min: int = 0) -> str:
    """`2026-11-17T00:01:35.971Z`, or with a numeric offset (`+01:00`) when offset_min != 0."""
    secs, ms = divmod(ts_ms, 1000)
    t = time.gmtime(secs + offset_min * 60)
    if offset_min == 0:
        suffix = "Z"
    else:
        sign = "+" if offset_min > 0 else "-"
        suffix = "%s%02d:%02d" % (sign, abs(offset_min) // 60, abs(offset_min) % 60)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s" % (
        t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ms, suffix)


def nginx_time_local(ts_ms: int, offset_min: int) -> str:
    """nginx `$time_local`: `16/Nov/2026:19:01:35 -0500` (seconds resolution, truncated)."""
    t = time.gmtime(ts_ms // 1000 + offset_min * 60)
    sign = "+" if offset_min >= 0 else "-"
    return "%02d/%s/%04d:%02d:%02d:%02d %s%02d%02d" % (
        t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec,
        sign, abs(offset_min) // 60, abs(offset_min) % 60)


def day_name(ts_ms: int) -> str:
    t = time.gmtime(ts_ms // 1000)
    return "%04d-%02d-%02d" % (t.tm_year, t.tm_mon, t.tm_mday)


def diurnal_factor(ts_ms: int) -> float:
    """Relative request rate by UTC hour: 0.3 at 03:00 UTC, 1.0 at 15:00 UTC (EU+US overlap)."""
    hour = (ts_ms % MS_PER_DAY) / MS_PER_HOUR
    return 0.3 + 0.7 * (1.0 - math.cos(2.0 * math.pi * (hour - 3.0) / 24.0)) / 2.0


def poisson(rng: Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def request_id(rng: Random) -> str:
    """A uuid4-shaped hex id; the gateway forwards it, so the access log's rid is the same."""
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) & 3], h[17:20], h[20:])


# --------------------------------------------------------------------------------------------
# gzip output, deterministic: header with mtime 0, no name, XFL 0, OS 3 (Unix), as `gzip -n`.
# --------------------------------------------------------------------------------------------

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


class GzipMemberWriter:
    """Writes gzip members (RFC 1952) one after another to a binary file object.

    `new_member()` closes the current member and opens the next, which is what `cat a.gz b.gz`,
    a logger that reopens its gzip stream on flush, or `pigz --independent`-style tools produce.
    """

    def __init__(self, fileobj, level: int = 6):
        self.f = fileobj
        self.level = level
        self.members = 0
        self._open = False

    def _start(self) -> None:
        self.f.write(GZIP_HEADER)
        self._comp = zlib.compressobj(self.level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY)
        self._crc = 0
        self._size = 0
        self._open = True
        self.members += 1

    def write(self, data: bytes) -> None:
        if not self._open:
            self._start()
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        out = self._comp.compress(data)
        if out:
            self.f.write(out)

    def end_member(self) -> None:
        if not self._open:
            return
        self.f.write(self._comp.flush(zlib.Z_FINISH))
        self.f.write((self._crc & 0xFFFFFFFF).to_bytes(4, "little"))
        self.f.write((self._size & 0xFFFFFFFF).to_bytes(4, "little"))
        self._open = False

    new_member = end_member  # the next write opens a new member

    def close(self) -> None:
        if self.members == 0:
            self._start()  # an empty input still gives a valid (empty) gzip file
        self.end_member()


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    import io
    buf = io.BytesIO()
    w = GzipMemberWriter(buf, level)
    w.write(data)
    w.close()
    return buf.getvalue()


class ThreadedGzipSink:
    """Compresses on a second thread (zlib releases the GIL), so generation and deflate overlap.

    With `compressor="gzip"` or `"pigz"` the bytes go to an external `gzip -n -c` / `pigz -n -c`
    process instead. `new_member()` is only supported by the in-process zlib compressor.
    """

    def __init__(self, path: str, level: int = 6, compressor: str = "zlib"):
        self.path = path
        self.compressor = compressor
        self._f = open(path, "wb")
        self._error: BaseException | None = None
        if compressor == "zlib":
            self._w = GzipMemberWriter(self._f, level)
            self._q: queue.Queue = queue.Queue(maxsize=8)
            self._t = threading.Thread(target=self._run, name="gzip", daemon=True)
            self._t.start()
        else:
            exe = shutil.which(compressor)
            if exe is None:
                raise SystemExit("error: %s not found on PATH; use --compressor zlib" % compressor)
            self._p = subprocess.Popen([exe, "-%d" % level, "-n", "-c"], stdin=subprocess.PIPE, stdout=self._f)

    def _run(self) -> None:
        try:
            while True:
                item = self._q.get()
                if item is None:
                    break
                if item is ThreadedGzipSink:
                    self._w.new_member()
                else:
                    self._w.write(item)
            self._w.close()
        except BaseException as e:  # surfaced in close()
            self._error = e

    def write(self, data: bytes) -> None:
        if self.compressor == "zlib":
            if self._error:
                raise self._error
            self._q.put(data)
        else:
            self._p.stdin.write(data)

    def new_member(self) -> None:
        if self.compressor != "zlib":
            raise SystemExit("error: multi-member output needs --compressor zlib")
        self._q.put(ThreadedGzipSink)

    def close(self) -> None:
        if self.compressor == "zlib":
            self._q.put(None)
            self._t.join()
            if self._error:
                raise self._error
        else:
            self._p.stdin.close()
            if self._p.wait() != 0:
                raise SystemExit("error: %s exited with status %d" % (self.compressor, self._p.returncode))
        self._f.close()


# --------------------------------------------------------------------------------------------
# The world: clients, their addresses and agents, and the two models.
# --------------------------------------------------------------------------------------------

FRAUD = "fraud-scorer"
LLM = "support-llm"
FRAUD_V_OLD, FRAUD_V_NEW = "3.2.1", "3.3.0"
LLM_VERSION = "2.4.0"

# country, traffic weight, fraud-risk logit shift
COUNTRIES = (
    ("US", 30, 0.0), ("GB", 10, 0.0), ("DE", 10, -0.1), ("FR", 7, 0.0), ("NL", 5, -0.1),
    ("ES", 5, 0.1), ("IT", 4, 0.1), ("BR", 6, 0.4), ("IN", 6, 0.3), ("CA", 4, 0.0),
    ("MX", 3, 0.3), ("AU", 3, 0.0), ("PL", 3, 0.1), ("SA", 2, 0.2), ("NG", 2, 0.8),
)
# merchant category, weight, risk shift
MERCHANT_CATS = (
    ("grocery", 24, -0.5), ("restaurants", 14, -0.3), ("fuel", 10, -0.3), ("fashion", 12, 0.0),
    ("electronics", 10, 0.5), ("travel", 8, 0.3), ("digital_goods", 9, 0.7), ("pharmacy", 5, 0.1),
    ("gambling", 2, 1.0), ("other", 6, 0.0),
)
INTENTS = ("billing", "refund", "shipping", "technical", "account", "cancel", "other")
LANGS = (("en", 70), ("de", 8), ("fr", 7), ("es", 8), ("pt", 4), ("nl", 3))
CHANNELS = (("chat", 60), ("email", 30), ("voice", 10))
FRAUD_AGENTS = ("python-requests/2.31.0", "okhttp/4.12.0", "Go-http-client/2.0", "Java/17.0.9",
                "Apache-HttpClient/4.5.14 (Java/11.0.21)", "axios/1.6.7", "python-httpx/0.27.0")
LLM_AGENTS = ("OpenAI/Python 1.30.1", "OpenAI/NodeJS/4.47.1", "python-httpx/0.27.0", "axios/1.6.7")
PUBLIC_FIRST_OCTETS = (5, 31, 37, 46, 62, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 92, 93,
                       94, 95, 109, 141, 151, 176, 178, 188, 193, 194, 195, 212, 213, 217)

EXTRACTION_CLIENT = "k-5c4a11"
ADMIN_CLIENT = "k-root01"
SCANNER_IP = "185.220.101.7"
STUFFING_IP = "45.155.205.33"
RESERVED_IPS = {SCANNER_IP, STUFFING_IP}


def _cum(weights):
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


COUNTRY_CUM = _cum(c[1] for c in COUNTRIES)
CAT_CUM = _cum(c[1] for c in MERCHANT_CATS)
LANG_CUM = _cum(w for _, w in LANGS)
CHANNEL_CUM = _cum(w for _, w in CHANNELS)


def pick(rng: Random, items, cum):
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def public_ip(rng: Random) -> str:
    while True:
        ip = "%d.%d.%d.%d" % (rng.choice(PUBLIC_FIRST_OCTETS), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        if ip not in RESERVED_IPS:
            return ip


class Client:
    __slots__ = ("key", "weight", "models", "ips", "ip_cum", "agent", "llm_agent")

    def __init__(self, key, weight, models, ips, agent, llm_agent):
        self.key, self.weight, self.models, self.agent, self.llm_agent = key, weight, models, agent, llm_agent
        self.ips = ips
        # the first address carries most of the traffic (an office NAT), the others less
        self.ip_cum = _cum([4.0] + [1.0] * (len(ips) - 1))


class Population:
    """`n` API clients with Zipf-like (heavy-tailed) usage. `EXTRACTION_CLIENT` is a small one."""

    def __init__(self, rng: Random, n: int = 40, extraction_rank: int = 28):
        keys = {EXTRACTION_CLIENT, ADMIN_CLIENT}
        self.clients: list[Client] = []
        for rank in range(1, n + 1):
            if rank == extraction_rank:
                key = EXTRACTION_CLIENT
            else:
                while True:
                    key = "k-%06x" % rng.getrandbits(24)
                    if key not in keys:
                        break
                keys.add(key)
            weight = 1.0 / rank ** 1.15
            r = rng.random()
            if rank <= 3:   # the three heaviest: a fraud-only, an LLM-only and a mixed client
                r = (0.0, 0.7, 0.9)[rank - 1]
            if key == EXTRACTION_CLIENT or r < 0.6:
                models = ((FRAUD, 1.0),)
            elif r < 0.85:
                models = ((LLM, 1.0),)
            else:
                models = ((FRAUD, 0.7), (LLM, 0.3))
            n_ips = 1 + (rng.randrange(3) if rank > 5 else 2 + rng.randrange(4))
            ips = [public_ip(rng) for _ in range(n_ips)]
            self.clients.append(Client(key, weight, models, ips, rng.choice(FRAUD_AGENTS), rng.choice(LLM_AGENTS)))
        self.cum = _cum(c.weight for c in self.clients)
        self.known_keys = keys

    def by_key(self, key: str) -> Client:
        return next(c for c in self.clients if c.key == key)

    def draw(self, rng: Random):
        """A (client, model, ip, agent) for one call."""
        c = self.clients[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]
        if len(c.models) == 1:
            model = c.models[0][0]
        else:
            model = FRAUD if rng.random() < c.models[0][1] else LLM
        ip = c.ips[bisect.bisect_right(c.ip_cum, rng.random() * c.ip_cum[-1])] if len(c.ips) > 1 else c.ips[0]
        return c, model, ip, (c.agent if model == FRAUD else c.llm_agent)


# --------------------------------------------------------------------------------------------
# One call: what the model saw and answered, and how the gateway logged it.
# --------------------------------------------------------------------------------------------

class Call:
    __slots__ = ("ts", "rid", "model", "version", "client", "ip", "host", "agent", "latency", "status",
                 "body", "features", "prediction", "score", "label", "prompt_tokens", "completion_tokens",
                 "logprobs", "top_logprobs", "ts_style", "tag")

    def __init__(self):
        self.features = None
        self.prediction = None
        self.score = None
        self.label = None
        self.prompt_tokens = None
        self.completion_tokens = None
        self.logprobs = None
        self.top_logprobs = None
        self.ts_style = "z"   # "z", "+01:00" (inf-2), or "epoch_ms"
        self.tag = "traffic"


def draw_status(rng: Random) -> int:
    r = rng.random()
    if r < 0.006:
        return 429
    if r < 0.009:
        return 500
    if r < 0.013:
        return 503
    return 200


def fraud_logit(amount: float, country_risk: float, tx_24h: int, new_device: bool, cat_risk: float) -> float:
    return (-5.5 + 0.7 * math.log(amount / 40.0) + 0.25 * tx_24h + 1.8 * new_device
            + country_risk + cat_risk)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def fill_fraud(rng: Random, call: Call, want_label: bool = True) -> None:
    amount = round(max(0.5, math.exp(rng.gauss(3.6, 1.15))), 2)
    country, _, c_risk = pick(rng, COUNTRIES, COUNTRY_CUM)
    tx_24h = int(rng.expovariate(0.45))
    new_device = rng.random() < 0.09
    if rng.random() < 0.04:
        cat, k_risk = None, 0.2
    else:
        cat, _, k_risk = pick(rng, MERCHANT_CATS, CAT_CUM)
    call.features = (amount, country, tx_24h, new_device, cat)
    logit = fraud_logit(amount, c_risk, tx_24h, new_device, k_risk)
    hidden = rng.gauss(0.0, 2.0)  # what the model sees beyond the logged features
    if call.status == 200:
        p = sigmoid(logit + hidden)
        fraud = p >= 0.5
        call.prediction = "fraud" if fraud else "legit"
        call.score = p if fraud else 1.0 - p
        call.latency = round(4.0 + math.exp(rng.gauss(2.0, 0.45)), 1)
        call.body = 96 + rng.randrange(24)
        if want_label and rng.random() < 0.30:
            truth = rng.random() < p   # a calibrated model
            call.label = "fraud" if truth else "legit"
    else:
        call.latency, call.body = error_latency_body(rng, call.status)


def fill_llm(rng: Random, call: Call) -> None:
    call.prompt_tokens = int(math.exp(rng.gauss(5.8, 0.7))) + 20
    r = rng.random()
    if r < 0.04:
        call.logprobs, call.top_logprobs = True, 1 + rng.randrange(5)
    elif r < 0.06:
        call.logprobs = False
    if rng.random() < 0.5:
        call.features = (pick(rng, LANGS, LANG_CUM)[0], pick(rng, CHANNELS, CHANNEL_CUM)[0])
    if call.status == 200:
        call.completion_tokens = int(math.exp(rng.gauss(5.0, 0.6))) + 5
        call.latency = round(180.0 + call.completion_tokens * 22.0 * rng.uniform(0.8, 1.25) + rng.gauss(0, 15) ** 2, 1)
        call.body = 420 + call.completion_tokens * 4 + rng.randrange(60)
        if rng.random() < 0.55:
            call.prediction = rng.choice(INTENTS)
    else:
        call.latency, call.body = error_latency_body(rng, call.status)


def error_latency_body(rng: Random, status: int):
    if status == 429:
        return round(rng.uniform(0.2, 0.9), 1), 57
    if status == 500:
        return round(rng.uniform(3.0, 40.0), 1), 48
    return round(rng.uniform(1.0, 5.0), 1), 53  # 503


def inference_line(call: Call) -> str:
    """The native JSON line (SPEC.md), fields in a fixed order, numbers formatted like a logger would."""
    if call.ts_style == "epoch_ms":
        ts = str(call.ts)
    elif call.ts_style == "+01:00":
        ts = '"%s"' % rfc3339(call.ts, 60)
    else:
        ts = '"%s"' % rfc3339(call.ts)
    parts = ['{"ts":%s,"request_id":"%s","model":"%s","model_version":"%s","client":"%s","ip":"%s","host":"%s","latency_ms":%s,"status":%d'
             % (ts, call.rid, call.model, call.version, call.client, call.ip, call.host, call.latency, call.status)]
    if call.model == FRAUD:
        amount, country, tx, new_dev, cat = call.features
        parts.append(',"features":{"amount":%.2f,"country":"%s","tx_24h":%d,"is_new_device":%s,"merchant_cat":%s}'
                     % (amount, country, tx, "true" if new_dev else "false", "null" if cat is None else '"%s"' % cat))
        if call.prediction is not None:
            parts.append(',"prediction":"%s","score":%.4f' % (call.prediction, call.score))
        if call.label is not None:
            parts.append(',"label":"%s"' % call.label)
    else:
        parts.append(',"prompt_tokens":%d' % call.prompt_tokens)
        if call.completion_tokens is not None:
            parts.append(',"completion_tokens":%d' % call.completion_tokens)
        if call.logprobs is not None:
            parts.append(',"logprobs":%s' % ("true" if call.logprobs else "false"))
            if call.top_logprobs is not None:
                parts.append(',"top_logprobs":%d' % call.top_logprobs)
        if call.features is not None:
            parts.append(',"features":{"lang":"%s","channel":"%s"}' % call.features)
        if call.prediction is not None:
            parts.append(',"prediction":"%s"' % call.prediction)
    parts.append("}\n")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Access log (nginx, -05:00).
# --------------------------------------------------------------------------------------------

GATEWAY_OFFSET_MIN = -300
ACCESS_FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                 '"$http_referer" "$http_user_agent" rt=$request_time rid=$request_id key=$http_x_api_key')


class AccessEntry:
    __slots__ = ("ts", "ip", "request", "status", "body", "agent", "rt", "rid", "key", "kind", "user")

    def __init__(self, ts, ip, request, status, body, agent, rt, rid, key, kind, user="-"):
        self.ts, self.ip, self.request, self.status, self.body = ts, ip, request, status, body
        self.agent, self.rt, self.rid, self.key, self.kind, self.user = agent, rt, rid, key, kind, user

    def line(self) -> str:
        return '%s - %s [%s] "%s" %d %d "-" "%s" rt=%.3f rid=%s key=%s\n' % (
            self.ip, self.user, nginx_time_local(self.ts, GATEWAY_OFFSET_MIN), self.request, self.status,
            self.body, self.agent, self.rt, self.rid, self.key)


def access_for_call(rng: Random, call: Call) -> AccessEntry:
    """The gateway's line for a proxied call: logged 0.3-6 ms after the model produced its answer."""
    overhead_ms = rng.uniform(0.3, 6.0)
    path = "/v1/models/fraud-scorer/predict" if call.model == FRAUD else "/v1/chat/completions"
    return AccessEntry(call.ts + int(overhead_ms), call.ip, "POST %s HTTP/1.1" % path, call.status, call.body,
                       call.agent, (call.latency + overhead_ms) / 1000.0, call.rid, call.client, call.tag)


# --------------------------------------------------------------------------------------------
# Scenario: samples
# --------------------------------------------------------------------------------------------

DAY1 = utc_ms(2026, 11, 16)
DAY2 = utc_ms(2026, 11, 17)
END = utc_ms(2026, 11, 18)
ROTATION = utc_ms(2026, 11, 17, 5)           # logrotate at local midnight: 17/Nov/2026:00:00:00 -0500
ROLLOUT = {"inf-1": utc_ms(2026, 11, 17, 14, 1, 0), "inf-2": utc_ms(2026, 11, 17, 14, 7, 30)}
GAP = (utc_ms(2026, 11, 17, 3, 0), utc_ms(2026, 11, 17, 3, 40))   # inf-2 writes nothing
EXTRACTION = (utc_ms(2026, 11, 17, 10, 0), utc_ms(2026, 11, 17, 12, 0))
EXTRACTION_FIXED = ("NL", 3, True, "electronics")     # country, tx_24h, is_new_device, merchant_cat
EXTRACTION_AMOUNT = (20.0, 1.25)                       # first amount, step
SCAN_START = utc_ms(2026, 11, 16, 22, 10, 7)
STUFFING = (utc_ms(2026, 11, 17, 8, 30), utc_ms(2026, 11, 17, 8, 32))
ADMIN_TS = utc_ms(2026, 11, 17, 16, 5, 23, 418)
PARTIAL = (utc_ms(2026, 11, 15, 22, 0), DAY1)
HALF_WRITTEN_AFTER = utc_ms(2026, 11, 17, 9, 14)   # inf-1 day 2: first record at/after this is cut
JUNK_AFTER = utc_ms(2026, 11, 17, 17, 42)           # inf-1 day 2: binary junk line after this record
ACCESS_TRUNC_AFTER = utc_ms(2026, 11, 17, 12, 31)
ACCESS_JUNK_AFTER = utc_ms(2026, 11, 17, 18, 3)
ACCESS_ERRLOG_AFTER = utc_ms(2026, 11, 17, 21, 47)
SAMPLE_RATE_PER_MIN = 7.0   # peak inference calls per minute (both hosts together)
EPOCH_MS_SHARE = 0.002

SCAN_PROBES = (
    ("GET", "/"), ("GET", "/.env"), ("GET", "/.git/config"), ("GET", "/.git/HEAD"), ("GET", "/wp-login.php"),
    ("GET", "/wp-admin/"), ("GET", "/xmlrpc.php"), ("GET", "/actuator/env"), ("GET", "/actuator/health"),
    ("GET", "/actuator/heapdump"), ("GET", "/../../etc/passwd"), ("GET", "/cgi-bin/../../../../etc/passwd"),
    ("GET", "/phpmyadmin/"), ("GET", "/server-status"), ("GET", "/.aws/credentials"), ("GET", "/config.json"),
    ("GET", "/.DS_Store"), ("GET", "/backup.zip"), ("GET", "/admin/"), ("GET", "/console"),
    ("POST", "/graphql"), ("GET", "/v2/api-docs"), ("GET", "/swagger-ui.html"), ("GET", "/.svn/entries"),
    ("GET", "/debug/pprof/"),
)
SQLMAP_PROBES = (
    "/v1/models/fraud-scorer/predict?id=1%27%20OR%20%271%27%3D%271",
    "/v1/models/fraud-scorer/predict?id=1%20AND%201%3D1",
    "/v1/models/fraud-scorer/predict?id=1%3BSELECT%20SLEEP%285%29",
    "/v1/models/fraud-scorer/predict?id=1%20UNION%20ALL%20SELECT%20NULL--",
    "/v1/models?name=%27%29%3B%20DROP%20TABLE%20models--",
)
NIKTO_UA = "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:%06d)"
SQLMAP_UA = "sqlmap/1.7.2#stable (https://sqlmap.org)"


def sample_traffic(rng: Random, pop: Population, start: int, end: int, rate: float) -> list[Call]:
    """Ordinary calls over [start, end): Poisson per minute, daily cycle, random host."""
    calls = []
    for minute in range(start, end, MS_PER_MIN):
        for _ in range(poisson(rng, rate * diurnal_factor(minute))):
            c = Call()
            c.ts = minute + rng.randrange(MS_PER_MIN)
            c.rid = request_id(rng)
            client, c.model, c.ip, c.agent = pop.draw(rng)
            c.client = client.key
            c.host = "inf-1" if rng.random() < 0.5 else "inf-2"
            c.status = draw_status(rng)
            (fill_fraud if c.model == FRAUD else fill_llm)(rng, c)
            if rng.random() < EPOCH_MS_SHARE:
                c.ts_style = "epoch_ms"
            calls.append(c)
    return calls


def extraction_calls(rng: Random, pop: Population) -> list[Call]:
    """k-5c4a11 sweeps `amount` over a fixed transaction, one query every 4-6 s."""
    client = pop.by_key(EXTRACTION_CLIENT)
    calls, t, k = [], EXTRACTION[0] + 2_317, 0
    c_risk = dict((c[0], c[2]) for c in COUNTRIES)[EXTRACTION_FIXED[0]]
    k_risk = dict((c[0], c[2]) for c in MERCHANT_CATS)[EXTRACTION_FIXED[3]]
    while t < EXTRACTION[1]:
        c = Call()
        c.ts, c.rid, c.model, c.client, c.ip, c.agent = t, request_id(rng), FRAUD, client.key, client.ips[0], client.agent
        c.host = "inf-1" if rng.random() < 0.5 else "inf-2"
        c.status = 200
        amount = round(EXTRACTION_AMOUNT[0] + EXTRACTION_AMOUNT[1] * k, 2)
        c.features = (amount,) + EXTRACTION_FIXED
        p = sigmoid(fraud_logit(amount, c_risk, EXTRACTION_FIXED[1], EXTRACTION_FIXED[2], k_risk))   # same input, same answer: no hidden noise
        fraud = p >= 0.5
        c.prediction, c.score = ("fraud", p) if fraud else ("legit", 1.0 - p)
        c.latency = round(4.0 + math.exp(rng.gauss(2.0, 0.45)), 1)
        c.body = 96 + rng.randrange(24)
        c.tag = "extraction"
        calls.append(c)
        k += 1
        t += rng.randrange(4_000, 6_001)
    return calls


def probe_entries(rng: Random, start: int, end: int) -> list[AccessEntry]:
    out = []
    for t in range(start + 4_000, end, 10_000):
        out.append(AccessEntry(t + rng.randrange(40), "10.0.0.5", "GET /healthz HTTP/1.1", 200, 2, "kube-probe/1.29",
                               rng.randrange(0, 2) / 1000.0, "-", "-", "health"))
    for t in range(start + 11_000, end, 15_000):
        out.append(AccessEntry(t + rng.randrange(80), "10.0.0.7", "GET /metrics HTTP/1.1", 200,
                               18_200 + rng.randrange(400), "Prometheus/2.48.1", rng.randrange(2, 5) / 1000.0,
                               "-", "-", "metrics"))
    return out


def scanner_entries(rng: Random) -> list[AccessEntry]:
    out, t = [], SCAN_START
    for i, (method, path) in enumerate(SCAN_PROBES):
        out.append(AccessEntry(t, SCANNER_IP, "%s %s HTTP/1.1" % (method, path), 404, 153, NIKTO_UA % (i + 1),
                               0.0, request_id(rng), "-", "scanner"))
        t += rng.randrange(300, 2_500)
    t += 20_000
    for path in SQLMAP_PROBES:
        out.append(AccessEntry(t, SCANNER_IP, "GET %s HTTP/1.1" % path, 404, 153, SQLMAP_UA,
                               rng.randrange(0, 2) / 1000.0, request_id(rng), "-", "scanner"))
        t += rng.randrange(800, 3_000)
    return out


def stuffing_entries(rng: Random, pop: Population) -> list[AccessEntry]:
    keys = set(pop.known_keys)
    times = sorted(rng.randrange(STUFFING[0] + 1_000, STUFFING[1] - 1_000) for _ in range(60))
    out = []
    for t in times:
        while True:
            key = "k-%06x" % rng.getrandbits(24)
            if key not in keys:
                break
        keys.add(key)
        out.append(AccessEntry(t, STUFFING_IP, "POST /v1/models/fraud-scorer/predict HTTP/1.1", 401, 33,
                               "python-requests/2.28.1", rng.randrange(0, 2) / 1000.0, request_id(rng), key, "stuffing"))
    return out


def write_gz_members(path: str, chunks: list[bytes], rng: Random, lines_per_member: tuple[int, int]) -> int:
    """Writes lines (bytes, each ending in \\n) as several gzip members; returns the member count."""
    with open(path, "wb") as f:
        w = GzipMemberWriter(f)
        i = 0
        while i < len(chunks):
            n = rng.randrange(lines_per_member[0], lines_per_member[1] + 1)
            w.write(b"".join(chunks[i:i + n]))
            w.end_member()
            i += n
        w.close()
        return w.members


def recoverable(data: bytes):
    """What a streaming reader (zcat) gets from possibly truncated gzip: (bytes, complete members, truncated?)."""
    out, members = [], 0
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data))
        out.append(d.flush())
        if not d.eof:
            return b"".join(out), members, True
        members += 1
        data = d.unused_data
    return b"".join(out), members, False


def cmd_samples(args) -> None:
    out = args.out
    seed = args.seed
    pop = Population(Random("%d:population" % seed))
    rng_traffic = Random("%d:traffic" % seed)
    rng_inc = Random("%d:incidents" % seed)
    rng_io = Random("%d:io" % seed)
    rng_access = Random("%d:access" % seed)

    calls = sample_traffic(rng_traffic, pop, DAY1, END, SAMPLE_RATE_PER_MIN)
    calls += extraction_calls(rng_inc, pop)
    calls.sort(key=lambda c: c.ts)
    for c in calls:
        if c.model == FRAUD:
            c.version = FRAUD_V_NEW if c.ts >= ROLLOUT[c.host] else FRAUD_V_OLD
        else:
            c.version = LLM_VERSION
        if c.host == "inf-2" and c.ts_style != "epoch_ms":
            c.ts_style = "+01:00"
    rids = [c.rid for c in calls]
    assert len(set(rids)) == len(rids), "request ids must be unique"

    manifest = {"seed": seed, "files": {}, "incidents": {}, "access_format": ACCESS_FORMAT}

    # ---- inference files ------------------------------------------------------------------
    gap_calls = [c for c in calls if c.host == "inf-2" and GAP[0] <= c.ts < GAP[1]]
    gap_rids = set(c.rid for c in gap_calls)
    half_written_rid = None
    for host in ("inf-1", "inf-2"):
        os.makedirs(os.path.join(out, "inference", host), exist_ok=True)
        for day in (DAY1, DAY2):
            sel = [c for c in calls if c.host == host and day <= c.ts < day + MS_PER_DAY and c.rid not in gap_rids]
            chunks, malformed = [], []
            half_done = junk_done = False
            for c in sel:
                line = inference_line(c).encode()
                if host == "inf-1" and day == DAY2 and not half_done and c.ts >= HALF_WRITTEN_AFTER:
                    # the process died mid-write: the record is lost, a prefix of it remains
                    half_done = True
                    half_written_rid = c.rid
                    chunks.append(line[: int(len(line) * 0.55)] + b"\n")
                    malformed.append({"kind": "half-written JSON", "line": len(chunks), "request_id": c.rid})
                    continue
                chunks.append(line)
                if host == "inf-1" and day == DAY2 and not junk_done and c.ts >= JUNK_AFTER:
                    junk_done = True
                    junk = b"\x00" * 24 + bytes(b for b in rng_io.randbytes(80) if b not in (0x0A, 0x0D)) + b"\xff\xfe\n"
                    chunks.append(junk)
                    malformed.append({"kind": "binary junk", "line": len(chunks), "bytes": len(junk) - 1})
            rel = "inference/%s/%s.jsonl.gz" % (host, day_name(day))
            members = write_gz_members(os.path.join(out, rel), chunks, rng_io, (500, 900))
            recs = [c for c in sel if c.rid != half_written_rid]
            manifest["files"][rel] = file_stats(out, rel, recs, len(chunks), malformed, members, "inference")

    # the truncated archive: 2026-11-15 late evening on inf-2, three members, last ~30% of bytes cut
    part_calls = [c for c in sample_traffic(Random("%d:partial" % seed), pop, PARTIAL[0], PARTIAL[1], SAMPLE_RATE_PER_MIN)]
    part_calls.sort(key=lambda c: c.ts)
    for c in part_calls:
        c.host = "inf-2"
        c.version = FRAUD_V_OLD if c.model == FRAUD else LLM_VERSION
        if c.ts_style != "epoch_ms":
            c.ts_style = "+01:00"
    rel = "inference/inf-2/2026-11-15-partial.jsonl.gz"
    path = os.path.join(out, rel)
    part_chunks = [inference_line(c).encode() for c in part_calls]
    members = write_gz_members(path, part_chunks, rng_io, (100, 130))
    with open(path, "rb") as f:
        full = f.read()
    cut = int(len(full) * 0.70)
    with open(path, "wb") as f:
        f.write(full[:cut])
    text, intact, truncated = recoverable(full[:cut])
    assert truncated
    complete_lines = text.count(b"\n")
    tail = len(text) - (text.rfind(b"\n") + 1)
    manifest["files"][rel] = {
        "kind": "inference (truncated gzip)", "bytes": cut, "bytes_before_truncation": len(full),
        "members_written": members, "members_intact": intact, "records_written": len(part_calls),
        "complete_lines_recoverable": complete_lines, "partial_tail_bytes": tail,
        "first_ts": rfc3339(part_calls[0].ts), "last_ts_written": rfc3339(part_calls[-1].ts),
        "last_ts_recoverable": rfc3339(part_calls[complete_lines - 1].ts) if complete_lines else None,
    }

    # ---- access log -----------------------------------------------------------------------
    entries = [access_for_call(rng_access, c) for c in calls]
    entries += probe_entries(rng_access, DAY1, END)
    entries += scanner_entries(rng_inc)
    entries += stuffing_entries(rng_inc, pop)
    admin_rid = request_id(rng_inc)
    entries.append(AccessEntry(ADMIN_TS, "10.0.3.21", "POST /admin/models/reload HTTP/1.1", 200, 27, "curl/8.5.0",
                               1.284, admin_rid, ADMIN_CLIENT, "admin"))
    entries.sort(key=lambda e: e.ts)
    os.makedirs(os.path.join(out, "gateway"), exist_ok=True)
    rotated = [e for e in entries if e.ts < ROTATION]
    current = [e for e in entries if e.ts >= ROTATION]

    data1 = "".join(e.line() for e in rotated).encode()
    rel1 = "gateway/access.log.1.gz"
    with open(os.path.join(out, rel1), "wb") as f:
        f.write(gzip_bytes(data1))
    manifest["files"][rel1] = access_stats(out, rel1, rotated, len(rotated), [], members=1)

    lines, malformed = [], []
    done = set()
    for e in current:
        ln = e.line().encode()
        if "trunc" not in done and e.ts >= ACCESS_TRUNC_AFTER and e.kind == "traffic" and e.rid != half_written_rid:
            # nginx was killed mid-write; the rest of this line never reached the disk
            done.add("trunc")
            cut_at = ln.index(b'"') + 16
            lines.append(ln[:cut_at] + b"\n")
            malformed.append({"kind": "truncated access line", "line": len(lines), "request_id": e.rid})
            e.kind = "lost"
            continue
        lines.append(ln)
        if "junk" not in done and e.ts >= ACCESS_JUNK_AFTER:
            done.add("junk")
            junk = b"\x00" * 40 + bytes(b for b in rng_io.randbytes(60) if b not in (0x0A, 0x0D)) + b"\n"
            lines.append(junk)
            malformed.append({"kind": "binary junk", "line": len(lines), "bytes": len(junk) - 1})
        if "errlog" not in done and e.ts >= ACCESS_ERRLOG_AFTER:
            done.add("errlog")
            t = time.gmtime(e.ts // 1000 + GATEWAY_OFFSET_MIN * 60)
            err = ("%04d/%02d/%02d %02d:%02d:%02d [error] 2817#2817: *4410391 upstream timed out (110: Connection timed out) "
                   "while reading response header from upstream, client: 10.0.0.5, server: api.example.com, "
                   'request: "GET /healthz HTTP/1.1", upstream: "http://10.0.1.12:8080/healthz", host: "api.example.com"\n'
                   % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)).encode()
            lines.append(err)
            malformed.append({"kind": "nginx error-log line", "line": len(lines)})
    rel2 = "gateway/access.log"
    with open(os.path.join(out, rel2), "wb") as f:
        f.write(b"".join(lines))
    manifest["files"][rel2] = access_stats(out, rel2, [e for e in current if e.kind != "lost"], len(lines), malformed)

    # ---- incidents ------------------------------------------------------------------------
    inc = manifest["incidents"]
    inc["truncated_gzip"] = {"file": rel, **{k: manifest["files"][rel][k] for k in (
        "members_written", "members_intact", "complete_lines_recoverable", "partial_tail_bytes", "bytes", "bytes_before_truncation")}}
    first_new = {}
    last_old = {}
    for c in calls:
        if c.model == FRAUD and c.rid not in gap_rids:
            if c.version == FRAUD_V_NEW and c.host not in first_new:
                first_new[c.host] = c.ts
            if c.version == FRAUD_V_OLD:
                last_old[c.host] = c.ts
    inc["model_rollout"] = {
        "model": FRAUD, "from": FRAUD_V_OLD, "to": FRAUD_V_NEW,
        "switch": {h: rfc3339(t) for h, t in ROLLOUT.items()},
        "last_old_record": {h: rfc3339(last_old[h]) for h in sorted(last_old)},
        "first_new_record": {h: rfc3339(first_new[h]) for h in sorted(first_new)},
        "records_new_version": sum(1 for c in calls if c.version == FRAUD_V_NEW and c.rid not in gap_rids),
    }
    before = [c.ts for c in calls if c.host == "inf-2" and c.ts < GAP[0]]
    after = [c.ts for c in calls if c.host == "inf-2" and c.ts >= GAP[1]]
    inc["logging_gap"] = {
        "host": "inf-2", "start": rfc3339(GAP[0]), "end": rfc3339(GAP[1]),
        "last_record_before": rfc3339(before[-1]), "first_record_after": rfc3339(after[0]),
        "calls_in_access_log_only": len(gap_calls),
        "by_model": {m: sum(1 for c in gap_calls if c.model == m) for m in (FRAUD, LLM)},
    }
    ex = [c for c in calls if c.tag == "extraction"]
    normal_ex = [c for c in calls if c.client == EXTRACTION_CLIENT and c.tag != "extraction"]
    inc["extraction"] = {
        "client": EXTRACTION_CLIENT, "ip": ex[0].ip, "model": FRAUD, "start": rfc3339(ex[0].ts), "end": rfc3339(ex[-1].ts),
        "queries": len(ex), "varying_feature": "amount",
        "amount_range": [ex[0].features[0], ex[-1].features[0]],
        "amount_step": EXTRACTION_AMOUNT[1],
        "fixed_features": dict(zip(("country", "tx_24h", "is_new_device", "merchant_cat"), EXTRACTION_FIXED)),
        "predictions": count_by(ex, lambda c: c.prediction),
        "first_fraud_amount": next((c.features[0] for c in ex if c.prediction == "fraud"), None),
        "by_host": {h: sum(1 for c in ex if c.host == h) for h in ("inf-1", "inf-2")},
        "client_ordinary_calls_2_days": len(normal_ex),
        "client_ordinary_calls_day1": sum(1 for c in normal_ex if c.ts < DAY2),
    }
    scan = [e for e in entries if e.kind == "scanner"]
    inc["vuln_probe"] = {"ip": SCANNER_IP, "start": rfc3339(scan[0].ts), "end": rfc3339(scan[-1].ts),
                         "requests": len(scan), "status": 404,
                         "nikto": sum(1 for e in scan if "Nikto" in e.agent),
                         "sqlmap": sum(1 for e in scan if "sqlmap" in e.agent), "file": rel1}
    stuff = [e for e in entries if e.kind == "stuffing"]
    inc["credential_stuffing"] = {"ip": STUFFING_IP, "start": rfc3339(stuff[0].ts), "end": rfc3339(stuff[-1].ts),
                                  "requests": len(stuff), "distinct_keys": len(set(e.key for e in stuff)),
                                  "status": 401, "file": rel2}
    inc["admin_action"] = {"client": ADMIN_CLIENT, "ip": "10.0.3.21", "request": "POST /admin/models/reload",
                           "ts": rfc3339(ADMIN_TS), "time_local": nginx_time_local(ADMIN_TS, GATEWAY_OFFSET_MIN),
                           "request_id": admin_rid, "file": rel2}
    inc["malformed"] = {r: manifest["files"][r]["malformed"] for r in manifest["files"]
                        if manifest["files"][r].get("malformed")}
    inc["half_written_request_id"] = half_written_rid
    inc["epoch_ms_records"] = {r: s["epoch_ms_ts"] for r, s in manifest["files"].items() if "epoch_ms_ts" in s}

    # ---- joins ----------------------------------------------------------------------------
    written_rids = set(c.rid for c in calls if c.rid not in gap_rids and c.rid != half_written_rid)
    access_rids = [e.rid for e in entries if e.rid != "-" and e.kind != "lost"]
    inf_calls_in_access = [e for e in entries if e.kind in ("traffic", "extraction")]
    manifest["joins"] = {
        "inference_records_total": len(written_rids),
        "access_lines_for_model_calls": len(inf_calls_in_access),
        "access_model_calls_without_inference_record": sum(1 for e in inf_calls_in_access if e.rid not in written_rids),
        "inference_records_without_access_line": sum(1 for r in written_rids if r not in set(access_rids)),
    }
    manifest["totals"] = {
        "inference_records": sum(s.get("records", 0) for s in manifest["files"].values() if s["kind"] == "inference"),
        "access_lines": sum(s["lines"] for s in manifest["files"].values() if s["kind"] == "access"),
        "bytes_on_disk": sum(s["bytes"] for s in manifest["files"].values()),
    }

    readme = render_samples_readme(manifest)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(readme)
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
    print_samples_summary(manifest)


def file_stats(out, rel, recs, lines, malformed, members, kind):
    s = {
        "kind": kind, "bytes": os.path.getsize(os.path.join(out, rel)), "members": members, "lines": lines,
        "records": len(recs), "malformed": malformed,
        "by_model": {m: sum(1 for c in recs if c.model == m) for m in (FRAUD, LLM)},
        "by_status": count_by(recs, lambda c: str(c.status)),
        "by_version": count_by(recs, lambda c: "%s %s" % (c.model, c.version)),
        "labelled": sum(1 for c in recs if c.label is not None),
        "epoch_ms_ts": sum(1 for c in recs if c.ts_style == "epoch_ms"),
        "ts_offset": "+01:00" if recs and recs[0].host == "inf-2" else "Z",
        "first_ts": rfc3339(recs[0].ts), "last_ts": rfc3339(recs[-1].ts),
    }
    return s


def access_stats(out, rel, entries, lines, malformed, members=None):
    s = {
        "kind": "access", "bytes": os.path.getsize(os.path.join(out, rel)), "lines": lines,
        "valid_lines": len(entries), "malformed": malformed,
        "by_kind": count_by(entries, lambda e: e.kind),
        "by_status": count_by(entries, lambda e: str(e.status)),
        "first_time_local": nginx_time_local(entries[0].ts, GATEWAY_OFFSET_MIN),
        "last_time_local": nginx_time_local(entries[-1].ts, GATEWAY_OFFSET_MIN),
        "first_utc": rfc3339(entries[0].ts - entries[0].ts % 1000),
        "last_utc": rfc3339(entries[-1].ts - entries[-1].ts % 1000),
    }
    if members:
        s["members"] = members
    return s


def count_by(items, key):
    out = {}
    for it in items:
        k = key(it)
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def print_samples_summary(m) -> None:
    print("samples (seed %d):" % m["seed"])
    for rel, s in m["files"].items():
        extra = ""
        if s["kind"] == "inference":
            extra = "records=%d malformed=%d members=%d epoch_ms=%d %s" % (
                s["records"], len(s["malformed"]), s["members"], s["epoch_ms_ts"], s["by_version"])
        elif s["kind"] == "access":
            extra = "lines=%d valid=%d malformed=%d %s" % (s["lines"], s["valid_lines"], len(s["malformed"]), s["by_kind"])
        else:
            extra = "written=%d recoverable_lines=%d members %d/%d intact" % (
                s["records_written"], s["complete_lines_recoverable"], s["members_intact"], s["members_written"])
        print("  %-46s %8d B  %s" % (rel, s["bytes"], extra))
    print("  total %d bytes" % m["totals"]["bytes_on_disk"])
    print(json.dumps(m["incidents"], indent=2))
    print(json.dumps(m["joins"], indent=2))


def render_samples_readme(m) -> str:
    f = m["files"]
    inc = m["incidents"]
    L = []
    w = L.append
    w("# modelwatch sample logs")
    w("")
    w("Synthetic, deterministic: regenerate with `python3 tools/generate_logs.py samples --out samples --seed %d`" % m["seed"])
    w("(same seed, same bytes). This file is written by the generator; its numbers are counted, not typed.")
    w("")
    w("Two days of traffic, 2026-11-16 and 2026-11-17 (UTC), for two models behind one nginx gateway:")
    w("`fraud-scorer` (tabular) and `support-llm` (LLM), served by hosts `inf-1` and `inf-2`. Traffic follows")
    w("a daily cycle (low at 03:00 UTC, peak at 15:00 UTC); 40 API clients with heavy-tailed usage.")
    w("")
    w("This README sits inside `samples/`; `modelwatch` skips `*.md` files when it walks a directory.")
    w("")
    w("## Files")
    w("")
    w("| file | bytes | format | lines | valid records | malformed | gzip members |")
    w("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for rel, s in f.items():
        if s["kind"] == "inference":
            w("| `%s` | %d | inference JSON lines, gzip | %d | %d | %d | %d |" % (
                rel, s["bytes"], s["lines"], s["records"], len(s["malformed"]), s["members"]))
        elif s["kind"] == "access":
            fmt = "nginx access log, gzip" if rel.endswith(".gz") else "nginx access log, plain text"
            w("| `%s` | %d | %s | %d | %d | %d | %s |" % (
                rel, s["bytes"], fmt, s["lines"], s["valid_lines"], len(s["malformed"]), s.get("members", "-")))
        else:
            w("| `%s` | %d | inference JSON lines, gzip, **truncated** | %d complete + 1 partial | %d | 1 (the cut line) | %d written, %d intact |" % (
                rel, s["bytes"], s["complete_lines_recoverable"], s["complete_lines_recoverable"],
                s["members_written"], s["members_intact"]))
    w("")
    w("Total on disk: %d bytes. Inference records (complete files): %d. Access-log lines: %d." % (
        m["totals"]["bytes_on_disk"], m["totals"]["inference_records"], m["totals"]["access_lines"]))
    w("")
    w("### Inference logs (`inference/HOST/YYYY-MM-DD.jsonl.gz`)")
    w("")
    w("- Native JSON lines (SPEC.md). One file per host per **UTC** day. Every file is **multi-member**")
    w("  gzip (a new member every 500-900 lines, as `cat a.gz b.gz` would give); a reader must go on")
    w("  after the first member's end.")
    w("- `ts`: `inf-1` writes UTC with `Z` and milliseconds (`2026-11-16T14:03:07.412Z`); `inf-2` writes the")
    w("  same instants with a `+01:00` offset (`2026-11-16T15:03:07.412+01:00`), so inf-2's last records of a")
    w("  UTC day show the next local date. A few records (0.2%, listed below) carry `ts` as an epoch")
    w("  milliseconds number (`1794873695971`).")
    w("- `fraud-scorer`: `features` = `amount` (float, lognormal), `country` (string), `tx_24h` (int),")
    w("  `is_new_device` (bool), `merchant_cat` (string, or `null` in about 4%); `prediction` `legit`/`fraud`;")
    w("  `score` = confidence in `prediction` (0.5..1); `label` (`legit`/`fraud`) on about 30% of status-200 fraud-scorer records.")
    w("- `support-llm`: `prompt_tokens`, `completion_tokens` (absent on errors), `logprobs` (+ `top_logprobs`)")
    w("  on about 6%, `features` `{lang, channel}` on about half, `prediction` a short intent string on about half.")
    w("- `status` mostly 200, about 0.6% 429, 0.3% 500, 0.4% 503 (no `prediction`/`score` on errors).")
    w("")
    w("| file | fraud-scorer | support-llm | versions | status | labelled | epoch-ms ts | first ts | last ts |")
    w("| --- | ---: | ---: | --- | --- | ---: | ---: | --- | --- |")
    for rel, s in f.items():
        if s["kind"] != "inference":
            continue
        w("| `%s` | %d | %d | %s | %s | %d | %d | %s | %s |" % (
            rel.split("/", 1)[1], s["by_model"][FRAUD], s["by_model"][LLM],
            ", ".join("%s: %d" % kv for kv in s["by_version"].items()),
            ", ".join("%s: %d" % kv for kv in s["by_status"].items()),
            s["labelled"], s["epoch_ms_ts"], s["first_ts"], s["last_ts"]))
    w("")
    w("### Gateway access log (`gateway/`)")
    w("")
    w("nginx `log_format` (pass it with `--access-format`):")
    w("")
    w("```")
    w(m["access_format"])
    w("```")
    w("")
    w("- `$time_local` is in **-05:00** (`[16/Nov/2026:19:01:35 -0500]` is 2026-11-17T00:01:35Z), seconds resolution.")
    w("- Rotated the way logrotate does at local midnight: `access.log.1.gz` (gzip, one member) holds everything")
    w("  before `17/Nov/2026:00:00:00 -0500` = 2026-11-17T05:00:00Z; `access.log` (plain text) the rest.")
    w("  So `access.log.1.gz` spans %s to %s local (%s to %s UTC)." % (
        f["gateway/access.log.1.gz"]["first_time_local"], f["gateway/access.log.1.gz"]["last_time_local"],
        f["gateway/access.log.1.gz"]["first_utc"], f["gateway/access.log.1.gz"]["last_utc"]))
    w("- Every model call has a line whose `rid` equals the inference record's `request_id`; the gateway logs it")
    w("  0-6 ms after the inference `ts`, `rt` = model latency + 0.3-6 ms. Paths: `POST /v1/models/fraud-scorer/predict`,")
    w("  `POST /v1/chat/completions`. `key` is the client (`k-xxxxxx`).")
    w("- Health probes `GET /healthz` from 10.0.0.5 (`kube-probe/1.29`) every 10 s and a Prometheus scraper")
    w("  `GET /metrics` from 10.0.0.7 every 15 s, both with `rid=-` and `key=-`.")
    w("")
    w("| file | lines | valid | by kind | by status |")
    w("| --- | ---: | ---: | --- | --- |")
    for rel, s in f.items():
        if s["kind"] == "access":
            w("| `%s` | %d | %d | %s | %s |" % (rel, s["lines"], s["valid_lines"],
                                               ", ".join("%s: %d" % kv for kv in s["by_kind"].items()),
                                               ", ".join("%s: %d" % kv for kv in s["by_status"].items())))
    w("")
    w("Kinds: `traffic` ordinary model calls, `extraction` the extraction client's calls, `health`, `metrics`,")
    w("`scanner`, `stuffing`, `admin` (see incidents).")
    w("")
    j = m["joins"]
    w("Joins: %d inference records in the complete files; %d access lines for model calls, of which %d have no" % (
        j["inference_records_total"], j["access_lines_for_model_calls"], j["access_model_calls_without_inference_record"]))
    w("inference record (the inf-2 logging gap plus the half-written record); %d inference record(s) have no access" % (
        j["inference_records_without_access_line"]))
    w("line (the call whose access line was truncated, incident 7).")
    w("")
    w("## Injected incidents")
    w("")
    t = inc["truncated_gzip"]
    w("1. **Truncated archive** (`ops.logging.integrity`): `%s` was written as %d gzip members (%d records of" % (
        t["file"], t["members_written"], f[t["file"]]["records_written"]))
    w("   2026-11-15 22:00-24:00 UTC, inf-2) and then cut to %d of its %d bytes (the last 30%%), in the middle of" % (
        t["bytes"], t["bytes_before_truncation"]))
    w("   member %d. `gzip -t` fails on it; a streaming reader recovers %d intact members, %d complete lines and a" % (
        t["members_intact"] + 1, t["members_intact"], t["complete_lines_recoverable"]))
    w("   %d-byte partial line (last complete record %s). Its request ids are not in the access log (that day was" % (
        t["partial_tail_bytes"], f[t["file"]]["last_ts_recoverable"]))
    w("   rotated away). It is the only file with 2026-11-15 data.")
    r = inc["model_rollout"]
    w("2. **Model version change** (`ops.change`): `fraud-scorer` %s -> %s on 2026-11-17, inf-1 from %s, inf-2 from" % (
        r["from"], r["to"], r["switch"]["inf-1"]))
    w("   %s. Last %s record: %s; first %s record: %s. %d records carry %s. The new" % (
        r["switch"]["inf-2"],
        r["from"], ", ".join("%s %s" % kv for kv in r["last_old_record"].items()),
        r["to"], ", ".join("%s %s" % kv for kv in r["first_new_record"].items()),
        r["records_new_version"], r["to"]))
    w("   version behaves statistically like the old one (no drift injected).")
    g = inc["logging_gap"]
    w("3. **Logging gap** (`ops.logging.gap`): inf-2 writes nothing from %s to %s (its last record before is %s," % (
        g["start"], g["end"], g["last_record_before"]))
    w("   first after %s), while the gateway keeps logging: %d calls routed to inf-2 in that window (%d fraud-scorer," % (
        g["first_record_after"], g["calls_in_access_log_only"], g["by_model"][FRAUD]))
    w("   %d support-llm) appear only in `access.log.1.gz` (their `rid`s match no inference record); inf-1 keeps writing." % g["by_model"][LLM])
    e = inc["extraction"]
    w("4. **Model extraction** (`abuse.extraction`): client `%s` from %s sends %d fraud-scorer queries from %s to %s" % (
        e["client"], e["ip"], e["queries"], e["start"], e["end"]))
    ff = e["fixed_features"]
    w("   (one every 4-6 s, both hosts: inf-1 %d, inf-2 %d), all the same transaction (country %s, tx_24h %d," % (
        e["by_host"]["inf-1"], e["by_host"]["inf-2"], ff["country"], ff["tx_24h"]))
    w("   is_new_device %s, merchant_cat %s) except `amount`, swept from %.2f to %.2f in steps of %.2f. The answers are" % (
        "true" if ff["is_new_device"] else "false", ff["merchant_cat"], e["amount_range"][0], e["amount_range"][1], e["amount_step"]))
    w("   deterministic in `amount` and cross the decision boundary at amount %.2f (%s)." % (
        e["first_fraud_amount"], ", ".join("%s: %d" % kv for kv in e["predictions"].items())))
    w("   No labels. The same client's ordinary traffic: %d calls over the two days (%d on day 1)." % (
        e["client_ordinary_calls_2_days"], e["client_ordinary_calls_day1"]))
    v = inc["vuln_probe"]
    w("5. **Vulnerability scan** (`ops.vuln_probe`): %s, %s to %s (22:10 UTC = 17:10 local), %d requests, all 404:" % (
        v["ip"], v["start"], v["end"], v["requests"]))
    w("   %d with a Nikto user agent (`/.env`, `/.git/config`, `/wp-login.php`, `/actuator/env`, `/../../etc/passwd`, ...)," % v["nikto"])
    w("   then %d sqlmap injections against `/v1/models/...`. In `%s`, `key=-`." % (v["sqlmap"], v["file"]))
    s = inc["credential_stuffing"]
    w("6. **Credential stuffing** (`abuse.credential_stuffing`): %s, %s to %s, %d requests with %d distinct unknown" % (
        s["ip"], s["start"], s["end"], s["requests"], s["distinct_keys"]))
    w("   keys, all 401, `POST /v1/models/fraud-scorer/predict`. Access log only (`%s`)." % s["file"])
    w("7. **Malformed lines** (reject counts):")
    for rel, items in inc["malformed"].items():
        w("   - `%s`: %d — %s." % (rel, len(items), "; ".join(
            "line %d: %s" % (it["line"], it["kind"]) for it in items)))
    w("   The half-written inference line is record `%s` cut at 55%% of its length (its access line is intact);" % inc["half_written_request_id"])
    w("   the truncated access line's call is lost from the access log (its inference record is intact). Line numbers")
    w("   are 1-based in the decompressed stream.")
    a = inc["admin_action"]
    w("8. **Admin call** (`ops.admin_action`): `%s` by `%s` from %s at %s (`[%s]`), status 200, rid `%s`, in `%s`." % (
        a["request"], a["client"], a["ip"], a["ts"], a["time_local"], a["request_id"], a["file"]))
    w("")
    w("Also present by design: epoch-milliseconds `ts` in %s records (%s)." % (
        sum(inc["epoch_ms_records"].values()),
        ", ".join("%s: %d" % (k.split("/", 1)[1], v) for k, v in inc["epoch_ms_records"].items())))
    w("")
    return "\n".join(L)


# --------------------------------------------------------------------------------------------
# Scenarios: large and archive (benchmarks)
# --------------------------------------------------------------------------------------------

BENCH_START = utc_ms(2026, 11, 1)


class DiurnalClock:
    """Maps a fraction 0..1 of the output to a time in [start, start + days), denser in daytime."""

    def __init__(self, start: int, days: float):
        self.start = start
        self.minutes = max(1, int(days * 1440))
        self.cum = _cum(diurnal_factor(start + i * MS_PER_MIN) for i in range(self.minutes))

    def at(self, frac: float) -> int:
        x = frac * self.cum[-1]
        i = min(bisect.bisect_left(self.cum, x), self.minutes - 1)
        lo = self.cum[i - 1] if i else 0.0
        within = min(1.0, (x - lo) / (self.cum[i] - lo))
        if within >= 1.0:
            return self.start + (i + 1) * MS_PER_MIN - 1
        return self.start + i * MS_PER_MIN + int(within * MS_PER_MIN)


def stream_inference(sink, rng: Random, pop: Population, target_bytes: int, clock: DiurnalClock,
                     hosts: list[str], chunk_bytes: int = 1 << 20, member_bytes: int = 0, member_ms: int = 0,
                     render=None):
    """Writes inference lines until `target_bytes` (uncompressed); constant memory. Returns (lines, bytes).

    A new gzip member starts every `member_bytes` uncompressed bytes, or (`member_ms`) at the first chunk
    boundary after the clock enters a new period of that length (one member per hour, as a logger that
    reopens its gzip stream hourly writes). `render(rng, call)` turns a call into its line (default: the
    inference JSON line; the gateway scenario passes the access-log line instead)."""
    written = lines = 0
    since_member = 0
    member_period = None
    buf, size = [], 0
    last_ts = 0
    n_hosts = len(hosts)
    while written + size < target_bytes:
        c = Call()
        ts = clock.at((written + size) / target_bytes)
        if ts < last_ts:
            ts = last_ts
        last_ts = ts
        c.ts = ts
        c.rid = request_id(rng)
        client, c.model, c.ip, c.agent = pop.draw(rng)
        c.client = client.key
        c.host = hosts[rng.randrange(n_hosts)] if n_hosts > 1 else hosts[0]
        c.status = draw_status(rng)
        if c.model == FRAUD:
            fill_fraud(rng, c)
            c.version = FRAUD_V_OLD
        else:
            fill_llm(rng, c)
            c.version = LLM_VERSION
        if rng.random() < EPOCH_MS_SHARE:
            c.ts_style = "epoch_ms"
        elif c.host == "inf-2":
            c.ts_style = "+01:00"
        line = inference_line(c) if render is None else render(rng, c)
        buf.append(line)
        size += len(line)
        lines += 1
        if size >= chunk_bytes:  # hand a ~1 MB chunk to the compressor
            data = "".join(buf).encode()
            sink.write(data)
            written += len(data)
            since_member += len(data)
            buf, size = [], 0
            period = ts // member_ms if member_ms else None
            if member_period is None:
                member_period = period
            new_period = member_ms and period != member_period
            if ((member_bytes and since_member >= member_bytes) or new_period) and written < target_bytes:
                sink.new_member()
                since_member = 0
                member_period = period
    if buf:
        data = "".join(buf).encode()
        sink.write(data)
        written += len(data)
    return lines, written


def cmd_large(args) -> None:
    t0 = time.time()
    target = int(args.mb * 1_000_000)
    pop = Population(Random("%d:population" % args.seed), n=args.clients)
    rng = Random("%d:large" % args.seed)
    clock = DiurnalClock(BENCH_START, args.days)
    hosts = ["inf-%d" % (i + 1) for i in range(args.hosts)]
    d = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(d, exist_ok=True)
    sink = ThreadedGzipSink(args.out, args.level, args.compressor)
    lines, written = stream_inference(sink, rng, pop, target, clock, hosts, member_bytes=int(args.member_mb * 1_000_000),
                                      member_ms=int(args.member_hours * MS_PER_HOUR))
    sink.close()
    dt = time.time() - t0
    gz = os.path.getsize(args.out)
    print("%s: %d lines, %.1f MB uncompressed, %.1f MB gzip, %.1f s, %.1f MB/s uncompressed" % (
        args.out, lines, written / 1e6, gz / 1e6, dt, written / 1e6 / dt))


def _archive_file(job):
    path, seed, index, mb, host, day_start, clients, level, member_mb = job
    pop = Population(Random("%d:population" % seed), n=clients)
    rng = Random("%d:archive:%d" % (seed, index))
    sink = ThreadedGzipSink(path, level, "zlib")
    lines, written = stream_inference(sink, rng, pop, int(mb * 1_000_000), DiurnalClock(day_start, 1), [host],
                                      member_bytes=int(member_mb * 1_000_000))
    sink.close()
    return path, lines, written, os.path.getsize(path)


def cmd_archive(args) -> None:
    t0 = time.time()
    jobs = []
    for k in range(args.files):
        host = "inf-%d" % (k % args.hosts + 1)
        day = BENCH_START + (k // args.hosts) * MS_PER_DAY
        d = os.path.join(args.out, host)
        os.makedirs(d, exist_ok=True)
        jobs.append((os.path.join(d, "%s.jsonl.gz" % day_name(day)), args.seed, k, args.mb_per_file, host, day,
                     args.clients, args.level, args.member_mb))
    workers = max(1, min(args.jobs or os.cpu_count() or 1, len(jobs)))
    total_lines = total_bytes = total_gz = 0
    with ProcessPoolExecutor(max_workers=workers) as ex:
        for path, lines, written, gz in ex.map(_archive_file, jobs):
            total_lines += lines
            total_bytes += written
            total_gz += gz
            print("%s: %d lines, %.1f MB uncompressed, %.1f MB gzip" % (path, lines, written / 1e6, gz / 1e6))
    dt = time.time() - t0
    print("archive %s: %d files, %d lines, %.1f MB uncompressed, %.1f MB gzip, %.1f s (%d processes), %.1f MB/s" % (
        args.out, len(jobs), total_lines, total_bytes / 1e6, total_gz / 1e6, dt, workers, total_bytes / 1e6 / dt))


def _gateway_line(rng: Random, call: Call) -> str:
    return access_for_call(rng, call).line()


def _gateway_file(job):
    path, seed, index, mb, day_start, days, clients, level = job
    pop = Population(Random("%d:population" % seed), n=clients)
    rng = Random("%d:gateway:%d" % (seed, index))
    clock = DiurnalClock(day_start, days)
    if path.endswith(".gz"):
        sink = ThreadedGzipSink(path, level, "zlib")
    else:
        sink = open(path, "wb")
    lines, written = stream_inference(sink, rng, pop, int(mb * 1_000_000), clock, ["inf-1"], render=_gateway_line)
    sink.close()
    return path, lines, written, os.path.getsize(path)


def cmd_gateway(args) -> None:
    """Rotated gateway access logs, logrotate-style: access.log.N.gz (oldest first in time) and a plain access.log."""
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    jobs = []
    for k in range(args.files):
        age = args.files - 1 - k   # access.log.3.gz is the oldest, access.log the current file
        name = "access.log" if age == 0 else "access.log.%d.gz" % age
        jobs.append((os.path.join(args.out, name), args.seed, k, args.mb_per_file,
                     BENCH_START + k * args.days_per_file * MS_PER_DAY, args.days_per_file, args.clients, args.level))
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs or os.cpu_count() or 1, len(jobs)))) as ex:
        total_lines = total_bytes = 0
        for path, lines, written, size in ex.map(_gateway_file, jobs):
            total_lines += lines
            total_bytes += written
            print("%s: %d lines, %.1f MB uncompressed, %.1f MB on disk" % (path, lines, written / 1e6, size / 1e6))
    print("gateway %s: %d files, %d lines, %.1f MB uncompressed, %.1f s" % (
        args.out, len(jobs), total_lines, total_bytes / 1e6, time.time() - t0))


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="generate_logs.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="scenario", required=True, metavar="SCENARIO")

    s = sub.add_parser("samples", help="small two-day fixture set with injected incidents (a few MB)")
    s.add_argument("--out", required=True, help="output directory (e.g. samples)")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--manifest", help="also write the counts as JSON to this file (keep it outside --out)")
    s.set_defaults(func=cmd_samples)

    def bench_opts(sp, hosts):
        sp.add_argument("--seed", type=int, default=1)
        sp.add_argument("--clients", type=int, default=200, help="number of API clients (default 200)")
        sp.add_argument("--hosts", type=int, default=hosts, help="serving hosts inf-1..inf-N (default %d)" % hosts)
        sp.add_argument("--level", type=int, default=6, help="gzip level (default 6)")
        sp.add_argument("--member-mb", type=float, default=0,
                        help="start a new gzip member every this many MB uncompressed (default 0: one member)")

    s = sub.add_parser("large", help="one gzip file of inference JSON lines of about --mb MB uncompressed")
    s.add_argument("--out", required=True, help="output file, e.g. bench-data/large.jsonl.gz")
    s.add_argument("--mb", type=float, default=500, help="uncompressed size in MB (10^6 bytes)")
    s.add_argument("--days", type=float, default=7, help="time span covered, from 2026-11-01T00:00Z (default 7)")
    s.add_argument("--compressor", choices=("zlib", "gzip", "pigz"), default="zlib",
                   help="zlib: in-process on a second thread, byte-identical everywhere the zlib version is "
                        "(default); gzip/pigz: pipe to that program")
    s.add_argument("--member-hours", type=float, default=0,
                   help="start a new gzip member when the records enter a new period of this many hours "
                        "(default 0: off; 1 = one member per hour, as an hourly-flushing logger writes)")
    bench_opts(s, 4)
    s.set_defaults(func=cmd_large)

    s = sub.add_parser("archive", help="a directory of per-host, per-day gzip inference logs")
    s.add_argument("--out", required=True, help="output directory, e.g. bench-data/archive")
    s.add_argument("--files", type=int, default=8)
    s.add_argument("--mb-per-file", type=float, default=64, help="uncompressed MB per file")
    s.add_argument("--jobs", type=int, default=0, help="generator processes (default: CPU count)")
    bench_opts(s, 2)
    s.set_defaults(func=cmd_archive)

    s = sub.add_parser("gateway", help="rotated nginx access logs: --files - 1 gzip files and one plain access.log")
    s.add_argument("--out", required=True, help="output directory, e.g. bench-data/gateway")
    s.add_argument("--files", type=int, default=4)
    s.add_argument("--mb-per-file", type=float, default=80, help="uncompressed MB per file")
    s.add_argument("--days-per-file", type=int, default=1, help="days each file covers (default 1)")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--clients", type=int, default=200, help="number of API clients (default 200)")
    s.add_argument("--level", type=int, default=6, help="gzip level (default 6)")
    s.add_argument("--jobs", type=int, default=0, help="generator processes (default: CPU count)")
    s.set_defaults(func=cmd_gateway)
    return p


SCENARIOS = ("samples", "large", "archive", "gateway")  # add a cmd_X function and a subparser in build_parser()


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
