#!/usr/bin/python3
"""Top functions of a callgrind output file, by self and by inclusive cost.

    cgtop.py FILE [--requests N] [--top 30]

callgrind_annotate 3.19 mixes inclusive and self costs for dumps taken with
`callgrind_control --dump` in a running program; this reads the format
directly (name compression, `calls=` lines followed by the call's inclusive
cost). Inclusive cost = self + the cost of the calls a function makes
(recursion is counted once per level, which is fine for a profile summary).
"""

import argparse
import collections
import re
import sys


def parse(path):
    names = {"fn": {}, "ob": {}}
    self_cost = collections.Counter()
    incl = collections.Counter()
    obj_of = {}
    fn = None
    ob = None
    after_calls = False
    total = 0
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            m = re.match(r"^(c?)(fn|ob)=\((\d+)\)(?: (.*))?$", line)
            if m:
                callee, kind, ident, name = m.groups()
                if name is not None:
                    names[kind][ident] = name
                name = names[kind].get(ident, f"?{ident}")
                if not callee:
                    if kind == "fn":
                        fn = name
                        obj_of.setdefault(fn, ob)
                    else:
                        ob = name
                continue
            if line.startswith("calls="):
                after_calls = True
                continue
            if line.startswith("summary:"):
                total = int(line.split()[1])
                continue
            if line[0] in "0123456789+-*" and fn is not None:
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if after_calls:
                    incl[fn] += cost
                    after_calls = False
                else:
                    self_cost[fn] += cost
                    incl[fn] += cost
    return total, self_cost, incl, obj_of


def short_obj(o):
    return (o or "?").rsplit("/", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--requests", type=int, default=0)
    ap.add_argument("--top", type=int, default=30)
    o = ap.parse_args()
    total, self_cost, incl, obj_of = parse(o.file)
    total = total or sum(self_cost.values())
    out = sys.stdout
    out.write(f"Total instructions: {total:,}")
    if o.requests:
        out.write(f" over {o.requests:,} requests = **{total / o.requests:,.0f} instructions per request**")
    out.write("\n\n")
    for title, table in (("Self cost (exclusive)", self_cost), ("Inclusive cost", incl)):
        out.write(f"### {title}, top {o.top}\n\n| % | Ir{'/req' if o.requests else ''} | function | object |\n|---:|---:|---|---|\n")
        skip = ("(below main)", "main", "__libc_start_main", "__libc_start_call_main",
                "g_main_loop_run", "g_main_context_iterate.isra.0")
        rows = [(f, c) for f, c in table.most_common() if not (title.startswith("Incl") and f.split("@")[0] in skip)]
        for f, c in rows[:o.top]:
            per = c / o.requests if o.requests else c
            out.write(f"| {100 * c / total:.1f} | {per:,.0f} | `{f}` | {short_obj(obj_of.get(f))} |\n")
        out.write("\n")


if __name__ == "__main__":
    main()
