#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (scripts/fuzz.sh): the encodings of ../shared/ethereum-tests
(RLP tests' "out", transaction tests' "txbytes", state tests' contract code) and the repository's
own files (model files, genesis presets), one file per seed.

    scripts/fuzz_seeds.py TARGET SHARED_DIR REPO_DIR OUT_DIR
"""
import glob
import hashlib
import json
import os
import sys


def hex_bytes(s):
    if not isinstance(s, str):
        return None
    s = s[2:] if s.startswith("0x") else s
    try:
        return bytes.fromhex(s)
    except ValueError:
        return None


def walk(value, key):
    """Every string under `key` anywhere in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from walk(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)


def from_tests(pattern, key, limit):
    out = []
    for path in sorted(glob.glob(pattern, recursive=True)):
        try:
            doc = json.load(open(path))
        except (OSError, ValueError):
            continue
        for s in walk(doc, key):
            b = hex_bytes(s)
            if b is not None:
                out.append(b)
            if len(out) >= limit:
                return out
    return out


def main():
    target, shared, repo, out_dir = sys.argv[1:5]
    tests = os.path.join(shared, "ethereum-tests")
    seeds = []
    if target in ("rlp", "block"):
        seeds = from_tests(os.path.join(tests, "RLPTests", "**", "*.json"), "out", 2000)
    elif target == "transaction":
        seeds = from_tests(os.path.join(tests, "TransactionTests", "**", "*.json"), "txbytes", 2000)
    elif target == "evm":
        seeds = from_tests(os.path.join(tests, "GeneralStateTests", "**", "*.json"), "code", 2000)
    elif target == "model":
        seeds = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(repo, "chain-config", "models", "*.moe")))]
    elif target == "config":
        seeds = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(repo, "chain-config", "*.json")))]
    elif target == "jsonrpc":
        seeds = [s.encode() for s in (
            '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]}',
            '[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1,[2,{"a":3}]]},{"jsonrpc":"2.0","method":"echo"}]',
            '{"jsonrpc":"2.0","id":"x","method":"eth_sendRawTransaction","params":["0x02f8"]}',
            '{"jsonrpc":"2.0","id":2,"method":"eth_estimateGas","params":["0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"]}',
        )]
    os.makedirs(out_dir, exist_ok=True)
    for b in seeds:
        with open(os.path.join(out_dir, hashlib.sha1(b).hexdigest()), "wb") as f:
            f.write(b)
    print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
