#!/usr/bin/env python3
"""Access logs whose API keys are crafted to collide in modelwatch's public, stable hash.

Issue 15's hash-flooding case: API keys and user names are logged even on a 401, so anyone can
choose them. Keys whose stable hash (FNV-1a 64, then MurmurHash3's 64-bit finaliser; see
Sources/ModelWatchCore/Hashing/ByteHashing.swift) shares its low BITS bits would all land in one
cluster of a table placed by that hash alone. modelwatch places keys by the hash re-mixed with a
per-process seed, so such keys should cost what random keys cost.

  colliding_keys.py --out DIR [--keys 3000] [--bits 16] [--lines 300000] [--seed 5]

writes DIR/crafted/access.log (keys sharing BITS low hash bits) and DIR/random/access.log (random
keys of the same shape), with the same addresses, paths, statuses and times, line for line.
The search is vectorised with numpy: 3,000 keys sharing 16 bits need about 2 x 10^8 candidates.
"""
import argparse
import os
import random

import numpy as np

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x00000100000001B3)
DIGITS = 12
PREFIX = b"sk-live-"


def mix(value):
    """MurmurHash3's 64-bit finaliser (fmix64), as ByteHashing.mix."""
    value = value ^ (value >> np.uint64(33))
    value = value * np.uint64(0xFF51AFD7ED558CCD)
    value = value ^ (value >> np.uint64(33))
    value = value * np.uint64(0xC4CEB9FE1A85EC53)
    return value ^ (value >> np.uint64(33))


def stable_hash(data: bytes) -> int:
    """ByteHashing.hash of one byte string (the reference the vectorised search is checked by)."""
    with np.errstate(over="ignore"):
        value = FNV_OFFSET
        for byte in data:
            value = (value ^ np.uint64(byte)) * FNV_PRIME
        return int(mix(np.array([value], dtype=np.uint64))[0])


def crafted_keys(count: int, bits: int, chunk: int = 1 << 22):
    """The first `count` keys sk-live-<12 digits> whose stable hash has `bits` low zero bits."""
    mask = np.uint64((1 << bits) - 1)
    with np.errstate(over="ignore"):
        prefix_state = FNV_OFFSET
        for byte in PREFIX:
            prefix_state = (prefix_state ^ np.uint64(byte)) * FNV_PRIME
        found = []
        start = 0
        while len(found) < count:
            numbers = np.arange(start, start + chunk, dtype=np.uint64)
            state = np.full(chunk, prefix_state, dtype=np.uint64)
            for position in range(DIGITS):
                digit = (numbers // np.uint64(10 ** (DIGITS - 1 - position))) % np.uint64(10)
                state = (state ^ (digit + np.uint64(ord("0")))) * FNV_PRIME
            hits = numbers[(mix(state) & mask) == 0]
            found.extend(int(n) for n in hits)
            start += chunk
    keys = [PREFIX + b"%012d" % n for n in found[:count]]
    assert all(stable_hash(key) & ((1 << bits) - 1) == 0 for key in keys[:20])
    return [key.decode() for key in keys]


def write_log(path, keys, lines, seed):
    """Combined-format lines, each key's calls spread over a day, mostly refused (401) as a key
    spray would be; the same random draws whatever the keys are."""
    rng = random.Random(seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    paths = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"]
    with open(path, "w") as out:
        for index in range(lines):
            second = index * 86400 // lines
            key = keys[rng.randrange(len(keys))]
            address = f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            status = 401 if rng.random() < 0.9 else 200
            hour, minute, sec = second // 3600, second // 60 % 60, second % 60
            out.write(
                f'{address} - {key} [17/Nov/2026:{hour:02d}:{minute:02d}:{sec:02d} +0000] '
                f'"POST {rng.choice(paths)} HTTP/1.1" {status} {rng.randrange(100, 5000)} "-" "python-requests/2.31"\n'
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--keys", type=int, default=3000)
    parser.add_argument("--bits", type=int, default=16)
    parser.add_argument("--lines", type=int, default=300000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    crafted = crafted_keys(args.keys, args.bits)
    rng = random.Random(args.seed + 1)
    randoms = [PREFIX.decode() + "%012d" % rng.randrange(10**12) for _ in range(args.keys)]
    write_log(os.path.join(args.out, "crafted", "access.log"), crafted, args.lines, args.seed)
    write_log(os.path.join(args.out, "random", "access.log"), randoms, args.lines, args.seed)
    print(f"{args.keys} keys sharing {args.bits} low hash bits; {args.lines} lines each in {args.out}")


if __name__ == "__main__":
    main()
