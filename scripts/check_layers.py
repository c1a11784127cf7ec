#!/usr/bin/env python3
"""Checks every #include of the source tree against the layer table of DESIGN.md.

Each folder may include the headers of the folders listed for it, and its own; anything else
is a violation, printed as FILE:LINE and counted, and the exit status is 1. System and library
headers (<...>) are not checked. tests/, bench/ and fuzz/ may use everything and are not scanned.

usage: check_layers.py [ROOT]   (ROOT: the repository, by default the parent of scripts/)
"""
import pathlib
import re
import sys

# Folder -> the folders it may include (its own is always allowed). The most specific folder
# of a file decides (moe/offline before moe). Mirrors ../shared/DESIGN.md's table, with the
# tools/ libraries that cmd/moed links.
VALIDATOR = ["core", "evm", "moe", "consensus", "chain", "node"]
LAYERS = {
    "core": [],
    "evm": ["core"],
    "moe": ["core"],
    "moe/offline": ["core", "moe"],
    "consensus": ["core"],
    "chain": ["core", "evm", "moe", "consensus"],
    "node": ["core", "evm", "moe", "consensus", "chain"],
    "rpc": VALIDATOR,
    "tools/conformance": ["core", "evm"],
    "tools/load": ["core"],
    "cmd": VALIDATOR + ["rpc", "moe/offline", "tools/conformance", "tools/load", "cmd"],
}
# Folders below another that its parent may not include (the validator never links these).
PRIVATE = {"moe/offline"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = (".cpp", ".hpp", ".h", ".cc", ".in")


def folder_of(relpath: str) -> str | None:
    """The most specific layer folder that holds relpath (or None if none does)."""
    best = None
    for layer in LAYERS:
        if relpath == layer or relpath.startswith(layer + "/"):
            if best is None or len(layer) > len(best):
                best = layer
    return best


def allowed(layer: str, target: str) -> bool:
    target_layer = folder_of(target)
    if target_layer is None:
        return True  # a generated or third-party header outside the layer folders
    if target_layer == layer:
        return True
    if target_layer in PRIVATE and target_layer not in LAYERS[layer]:
        return False
    return target_layer in LAYERS[layer] or (
        target_layer not in PRIVATE and any(target_layer.startswith(a + "/") for a in LAYERS[layer]))


def check(root: pathlib.Path) -> list[str]:
    violations = []
    for layer in sorted(LAYERS):
        base = root / layer
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.suffix not in SOURCES:
                continue
            rel = path.relative_to(root).as_posix()
            if folder_of(rel) != layer:
                continue  # a subfolder with its own row is checked under that row
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and not allowed(layer, m.group(1)):
                    violations.append(f"{rel}:{number}: {layer}/ may not include \"{m.group(1)}\"")
    return violations


def main() -> int:
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    if not (root / "core").is_dir():
        print(f"check_layers: {root} has no core/ folder", file=sys.stderr)
        return 2
    violations = check(root)
    for v in violations:
        print(v)
    print(f"{len(violations)} include(s) against the layer table")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
