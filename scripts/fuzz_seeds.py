#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (scripts/fuzz.sh): the encodings of ../shared/ethereum-tests
(RLP tests' "out", transaction tests' "txbytes", state tests' contract code), the repository's
own files (model files, genesis presets), and for the WAL and consensus targets what a real
devnet writes (build/cmd/moed/moed run for a few seconds under `moed load`: its consensus WAL,
and the votes, proposals and consensus data in it), one file per seed.

    scripts/fuzz_seeds.py TARGET SHARED_DIR REPO_DIR OUT_DIR
"""
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


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


def rlp_item(b, pos):
    """(start, end, end of item, is_list) of the RLP item at pos."""
    first = b[pos]
    if first < 0x80:
        return pos, pos + 1, pos + 1, False
    if first < 0xB8:
        return pos + 1, pos + 1 + first - 0x80, pos + 1 + first - 0x80, False
    if first < 0xC0:
        n = first - 0xB7
        size = int.from_bytes(b[pos + 1:pos + 1 + n], "big")
        return pos + 1 + n, pos + 1 + n + size, pos + 1 + n + size, False
    if first < 0xF8:
        return pos + 1, pos + 1 + first - 0xC0, pos + 1 + first - 0xC0, True
    n = first - 0xF7
    size = int.from_bytes(b[pos + 1:pos + 1 + n], "big")
    return pos + 1 + n, pos + 1 + n + size, pos + 1 + n + size, True


def rlp_strings(b):
    """The byte strings of an RLP list of strings (a proposal message)."""
    start, end, _, is_list = rlp_item(b, 0)
    if not is_list:
        return []
    out, pos = [], start
    while pos < end:
        s, e, nxt, _ = rlp_item(b, pos)
        out.append(b[s:e])
        pos = nxt
    return out


def wal_records(data):
    """(type, body) of each record of a consensus WAL file (node/consensus_wal.cpp)."""
    magic = b"moechain consensus wal v1\n"
    if not data.startswith(magic):
        return []
    out, pos = [], len(magic)
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        payload = data[pos + 8:pos + 8 + size]
        if size == 0 or len(payload) < size:
            break
        out.append((payload[0], payload[1:]))
        pos += 8 + size
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def from_devnet(repo):
    """Snapshots of a devnet's consensus WAL taken while it commits transfers (the WAL keeps
    only the current height, so one file holds a few records)."""
    moed = os.path.join(repo, "build", "cmd", "moed", "moed")
    if not os.access(moed, os.X_OK):
        print(f"fuzz seeds: no {moed}; the WAL and consensus targets start without a devnet's records", file=sys.stderr)
        return []
    home = tempfile.mkdtemp(prefix="moe-fuzz-seeds-")
    port = free_port()
    node = subprocess.Popen([moed, "devnet", "--home", os.path.join(home, "devnet"), "--rpc-port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = os.path.join(home, "devnet", "wal", "consensus.wal")
    snapshots = []
    try:
        load = subprocess.Popen([moed, "load", "--rpc", f"http://127.0.0.1:{port}", "--rate", "20", "--seconds", "3",
                                 "--accounts", "4", "--timeout", "10"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 6
        while time.time() < end:
            try:
                with open(wal, "rb") as f:
                    data = f.read()
                if data and data not in snapshots:
                    snapshots.append(data)
            except OSError:
                pass
            time.sleep(0.05)
        load.wait(timeout=30)
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    return snapshots


def consensus_seeds(wal_files):
    """The consensus target's inputs (fuzz/fuzz_consensus.cpp: a selector byte, then the
    encoding): votes (0), proposals (1) and consensus data (4) from the WAL's records."""
    out = []
    for data in wal_files:
        for kind, body in wal_records(data):
            if kind in (3, 5):  # a vote, received or our own
                out.append(bytes([0]) + body)
            elif kind in (2, 6):  # a proposal message (received ones carry a validity byte around it)
                parts = rlp_strings(body)
                if kind == 2 and parts:
                    parts = rlp_strings(parts[0])
                if len(parts) == 3:
                    out.append(bytes([1]) + parts[0])
                    out.append(bytes([4]) + parts[2])
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
    elif target == "wal":
        seeds = from_devnet(repo)
    elif target == "consensus":
        seeds = consensus_seeds(from_devnet(repo))
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
