#!/usr/bin/env python3
"""Turns `perf script` output of loaded moed processes into costs per committed transfer.

Each sample's CPU time (its cpu-clock period, in ns) goes to the innermost frame of its stack
that names a component (sender recovery, Keccak, RocksDB, the EVM, ...), so the components sum
to the whole; the leaf symbols are listed too. Figures are microseconds of node CPU per
committed transfer and that as a multiple of one sender recovery measured in the same run.

usage: perf script -F comm,tid,period,ip,sym,dso | profile_report.py COMMITTED RECOVERY_NS
"""
import collections
import sys

# (component, substrings of a frame's symbol or object); the first frame from the leaf that
# matches any of them decides, and within a frame the first component listed.
COMPONENTS = [
    ("memory (malloc/free)", ["malloc", "_int_free", "cfree", "operator new", "operator delete", "__libc_free"]),
    ("sender recovery (libsecp256k1)", ["secp256k1"]),
    ("Keccak-256 (Crypto++)", ["Keccak", "keccak"]),
    ("MoE inference (oneDNN, moe::nn)", ["dnnl", "moe::nn::", "int8_matmul", "libdnnl"]),
    ("RocksDB", ["rocksdb", "librocksdb"]),
    ("trie and state", ["moe::core::Trie", "moe::core::trie", "moe::evm::State", "NodeStore"]),
    ("EVM", ["moe::evm::"]),
    ("RLP", ["moe::core::rlp"]),
    ("JSON (nlohmann)", ["nlohmann"]),
    ("HTTP, WebSocket, sockets (Boost.Beast/Asio)", ["boost::beast", "boost::asio"]),
    ("consensus and P2P", ["moe::consensus", "moe::node::p2p", "ConsensusDriver"]),
    ("mempool", ["Mempool"]),
    ("screening and statistics", ["Screening", "AccountStats", "fraud_features", "screen"]),
    ("C++ and C library (strings, maps, copies)", ["libstdc++", "libc.so", "std::", "memcpy", "memmove", "memset", "strlen"]),
    ("kernel", ["[kernel", "kallsyms"]),
]


def parse(stream):
    """Yields (period_ns, [(symbol, dso), ...] leaf first) per sample."""
    period, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if period is not None:
                yield period, frames
            period, frames = None, []
            continue
        if not line.startswith((" ", "\t")):
            fields = line.split()
            # comm tid period [event:]  -- the period is the last integer field
            numbers = [f for f in fields[1:] if f.rstrip(":").isdigit()]
            period = int(numbers[-1].rstrip(":")) if len(numbers) >= 2 else None
            frames = []
        else:
            parts = line.strip().split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
            dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
            sym = rest[:rest.rfind(" (")] if " (" in rest else rest
            frames.append((sym, dso))
    if period is not None:
        yield period, frames


def component(frames):
    for sym, dso in frames:
        text = sym + " " + dso
        for name, needles in COMPONENTS:
            if any(n in text for n in needles):
                return name
    return "other moed code"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    committed = int(argv[1])
    recovery_ns = float(argv[2])
    by_component = collections.Counter()
    by_leaf = collections.Counter()
    total = 0
    for period, frames in parse(sys.stdin):
        total += period
        by_component[component(frames)] += period
        leaf = frames[0][0] if frames else "?"
        by_leaf[leaf.split("+0x")[0]] += period
    if total == 0 or committed == 0:
        sys.exit(f"nothing to report: {total} ns sampled, {committed} committed")
    us = lambda ns: ns / 1000.0 / committed
    print(f"node CPU {total / 1e9:.2f} s for {committed} committed transfers: {us(total):.1f} us each, "
          f"{us(total) * 1000 / recovery_ns:.1f} sender recoveries ({recovery_ns / 1000:.1f} us, bench_core, same run)")
    print()
    print("| component (innermost frame) | share | us per committed transfer | x a sender recovery |")
    print("| --- | --- | --- | --- |")
    for name, ns in by_component.most_common():
        print(f"| {name} | {100 * ns / total:.1f}% | {us(ns):.1f} | {us(ns) * 1000 / recovery_ns:.2f} |")
    print()
    print("| leaf symbol | share | us per committed transfer |")
    print("| --- | --- | --- |")
    for sym, ns in by_leaf.most_common(15):
        print(f"| `{sym[:90]}` | {100 * ns / total:.1f}% | {us(ns):.1f} |")


if __name__ == "__main__":
    main(sys.argv)
