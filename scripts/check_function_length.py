#!/usr/bin/env python3
"""Checks that no function in chain/, node/ or rpc/ is longer than 120 lines (issue 18).

A function is a definition that starts at column 0 (our style: namespaces are not indented)
and whose body closes with a '}' at column 0; its length runs from the first line of its
signature to that '}', lambdas inside it included. Member functions defined inside a class
body are short by our style and not checked. Each violation is printed as FILE:LINE NAME
LENGTH and counted, and the exit status is 1.

usage: check_function_length.py [ROOT] [FOLDER...]   (ROOT: the repository, by default the
parent of scripts/; FOLDERs: relative to ROOT, by default chain node rpc)
"""
import pathlib
import re
import sys

LIMIT = 120
NOT_FUNCTIONS = re.compile(r"^(namespace|struct|class|enum|union|extern|using|template\s*<[^>]*>\s*(struct|class))\b")


def functions(path):
    """(first line, name, length) of each column-0 function definition in the file."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    out = []
    i = 0
    while i < len(lines):
        code = lines[i].split("//")[0].rstrip()
        starts = code and not code[0].isspace() and "(" in code and not code.startswith(("}", "#", "/*", "*")) \
            and not NOT_FUNCTIONS.match(code) and "=" not in code.split("(")[0]
        if not starts:
            i += 1
            continue
        # The signature runs on until a line ends with '{' (a definition) or ';' (a declaration).
        brace = i
        while brace < len(lines) and brace - i < 8 and not lines[brace].split("//")[0].rstrip().endswith(("{", ";")):
            brace += 1
        if brace - i >= 8 or brace == len(lines) or not lines[brace].split("//")[0].rstrip().endswith("{"):
            i += 1
            continue
        end = brace + 1
        while end < len(lines) and not lines[end].startswith("}"):
            end += 1
        name = re.search(r"([~\w:]+)\s*\(", code)
        out.append((i + 1, name.group(1) if name else "?", end - i + 1))
        i = end + 1
    return out


def main(argv):
    root = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    folders = argv[2:] or ["chain", "node", "rpc"]
    violations = 0
    longest = (0, "", "")
    for folder in folders:
        for path in sorted((root / folder).rglob("*.cpp")):
            for line, name, length in functions(path):
                where = f"{path.relative_to(root)}:{line}"
                if length > longest[0]:
                    longest = (length, where, name)
                if length > LIMIT:
                    print(f"{where} {name} {length} lines")
                    violations += 1
    print(f"longest: {longest[2]} at {longest[1]}, {longest[0]} lines")
    print(f"{violations} function(s) longer than {LIMIT} lines")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
