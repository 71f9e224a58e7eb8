#!/usr/bin/python3
"""Judges one run of the MCP conformance harness (@modelcontextprotocol/conformance).

Reads the harness's console output (--log), the checks.json files it wrote
with `-o` (--results) and its exit status, cross-checks them, prints one TAP
line per scenario and exits 0 only if the run passed:

  * every scenario that counts has no FAILURE check and at least one SUCCESS
    check (a scenario with no checks at all proves nothing);
  * scenarios that count: with --requirements, the ones the revision scores
    (the harness lists the others under "Not scored for ..."; they are shown
    as TODO and only count with --strict); otherwise every scenario run;
  * the summary, the checks.json files and the exit status agree, and the
    number of scenarios matches the announced one (else the output was not
    understood, which fails the run too);
  * WARNING checks (SHOULDs) are listed but only fail with --fail-on-warnings;
  * a scenario whose checks the harness all SKIPPED (it cannot test it yet,
    e.g. tasks-status-notifications in 0.2.0-alpha.12) is a TAP SKIP: it
    neither passes nor fails.

--expect-failing A,B,... (or --expect-passing A,B,...; for the runner's own
self-check against a server that is known to be incomplete) passes only if
exactly those counting scenarios fail (pass).  They are not meant as a
baseline for the real fixture: issue 4 wants none.

Output format of the harness (0.2.0-alpha.12), suite/requirements mode:
    Running requirements 2025-11-25 (33 scenarios) against URL
    === Running scenario: NAME ===        (one block per scenario)
    === SUMMARY ===
    ✓ NAME: 3 passed, 0 failed            (✗ when failed > 0)
    Total: 41 passed, 26 failed
    Not scored for 2025-11-25: 3 scenario(s) run, 1 failing. ...
      ✗ NAME (pending)
single scenario mode (--scenario):
    Passed: 2/2, 0 failed, 0 warnings
"""

import argparse
import collections
import json
import os
import re
import sys

HEADER = re.compile(r"^Running (.+?) \((\d+) scenarios\) against (\S+)")
SUMMARY_START = re.compile(r"^=== SUMMARY ===\s*$")
SUMMARY_LINE = re.compile(r"^([✓✗]) (\S+): (\d+) passed, (\d+) failed\s*$")
TOTAL = re.compile(r"^Total: (\d+) passed, (\d+) failed\s*$")
NOT_SCORED_START = re.compile(r"^Not scored for (\S+): (\d+) scenario\(s\) run, (\d+) failing")
NOT_SCORED_LINE = re.compile(r"^  ([✓✗]) (\S+) \((.*)\)\s*$")
SINGLE_RESULT = re.compile(r"^Passed: (\d+)/(\d+), (\d+) failed, (\d+) warnings\s*$")
RESULT_DIR = re.compile(r"^server-(.+)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotUnderstood(Exception):
    pass


def parse_log(text, mode):
    lines = [ANSI.sub("", l) for l in text.splitlines()]
    out = {"announced": None, "summary": collections.OrderedDict(), "total": None,
           "not_scored": {}, "single": None}
    section = None
    for line in lines:
        if out["announced"] is None and (m := HEADER.match(line)):
            out["announced"] = int(m.group(2))
        elif SUMMARY_START.match(line):
            section = "summary"
        elif NOT_SCORED_START.match(line):
            section = "not_scored"
        elif section == "summary" and (m := SUMMARY_LINE.match(line)):
            out["summary"][m.group(2)] = (int(m.group(3)), int(m.group(4)))
        elif section == "summary" and (m := TOTAL.match(line)):
            out["total"] = (int(m.group(1)), int(m.group(2)))
        elif section == "not_scored" and (m := NOT_SCORED_LINE.match(line)):
            out["not_scored"][m.group(2)] = m.group(3)
        elif mode == "scenario" and (m := SINGLE_RESULT.match(line)):
            out["single"] = tuple(int(g) for g in m.groups())
    return out


def read_results(results_dir):
    """Returns {scenario: [check, ...]} from the harness's checks.json files."""
    checks = {}
    if not results_dir or not os.path.isdir(results_dir):
        return checks
    for entry in sorted(os.listdir(results_dir)):
        m = RESULT_DIR.match(entry)
        path = os.path.join(results_dir, entry, "checks.json")
        if not m or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise NotUnderstood(f"{path}: not a JSON array")
        checks.setdefault(m.group(1), []).extend(data)
    return checks


def count(checks, status):
    return sum(1 for c in checks if c.get("status") == status)


def build_scenarios(parsed, checks, mode, scenario_arg):
    """Merges the console summary and checks.json into one list of scenarios."""
    if mode == "scenario":
        if parsed["single"] is None:
            raise NotUnderstood("no 'Passed: x/y, n failed, w warnings' line in the output")
        passed, _, failed, _ = parsed["single"]
        summary = {scenario_arg: (passed, failed)}
    else:
        if parsed["announced"] is None:
            raise NotUnderstood("no 'Running ... (N scenarios) against URL' line in the output")
        summary = parsed["summary"]
        if not summary:
            raise NotUnderstood("no '=== SUMMARY ===' section in the output")
        if len(summary) != parsed["announced"]:
            raise NotUnderstood(f"{parsed['announced']} scenarios announced, "
                                f"{len(summary)} in the summary")
        if parsed["total"] is None:
            raise NotUnderstood("no 'Total: x passed, y failed' line in the output")
        sums = (sum(p for p, _ in summary.values()), sum(f for _, f in summary.values()))
        if sums != parsed["total"]:
            raise NotUnderstood(f"summary lines add up to {sums}, Total says {parsed['total']}")
    unknown = set(parsed["not_scored"]) - set(summary)
    if unknown:
        raise NotUnderstood(f"not-scored scenarios missing from the summary: {sorted(unknown)}")

    scenarios = []
    for name, (passed, failed) in summary.items():
        sc = {"name": name, "passed": passed, "failed": failed, "warnings": 0,
              "checks": checks.get(name), "not_scored": parsed["not_scored"].get(name)}
        if sc["checks"] is not None:
            got = (count(sc["checks"], "SUCCESS"), count(sc["checks"], "FAILURE"))
            if got != (passed, failed):
                raise NotUnderstood(f"{name}: summary says {passed} passed/{failed} failed, "
                                    f"checks.json has {got[0]}/{got[1]}")
            sc["warnings"] = count(sc["checks"], "WARNING")
        elif failed == 0:
            # Without -o results the harness still prints the summary; a
            # scenario that crashed has a FAILURE in it.  A passing one must
            # have saved its checks.
            raise NotUnderstood(f"{name}: passed but no checks.json was saved")
        scenarios.append(sc)
    return scenarios


def tap_diagnostics(sc, with_warnings):
    lines = []
    for c in sc["checks"] or []:
        status = c.get("status")
        if status == "FAILURE" or (with_warnings and status == "WARNING"):
            message = c.get("errorMessage") or c.get("description") or ""
            message = " ".join(str(message).split())
            if len(message) > 400:
                message = message[:400] + "…"
            lines.append(f"#   {status} [{c.get('id')}] {message}")
    if sc["checks"] is None:
        lines.append("#   (no checks.json: the harness could not run the scenario; see the log)")
    return lines


def main():
    ap = argparse.ArgumentParser(description="Judges a conformance harness run.")
    ap.add_argument("--log", required=True, help="the harness's console output")
    ap.add_argument("--results", help="the harness's -o directory")
    ap.add_argument("--exit-code", type=int, required=True, help="the harness's exit status")
    ap.add_argument("--mode", choices=["requirements", "suite", "scenario"], required=True)
    ap.add_argument("--scenario", help="the scenario name (--mode scenario)")
    ap.add_argument("--label", default="conformance")
    ap.add_argument("--strict", action="store_true",
                    help="not-scored scenarios must pass too")
    ap.add_argument("--fail-on-warnings", action="store_true")
    expect = ap.add_mutually_exclusive_group()
    expect.add_argument("--expect-failing", default=None,
                        help="comma-separated scenarios that must fail (self-check only)")
    expect.add_argument("--expect-passing", default=None,
                        help="comma-separated scenarios that must pass, all others "
                             "that count must fail (self-check only)")
    ap.add_argument("--summary-file", help="also write the closing summary line here")
    args = ap.parse_args()

    with open(args.log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        parsed = parse_log(text, args.mode)
        checks = read_results(args.results)
        scenarios = build_scenarios(parsed, checks, args.mode, args.scenario)
    except (NotUnderstood, OSError, ValueError) as e:
        print("not ok 1 - conformance harness output understood")
        print(f"# {e}")
        print(f"# harness exit status {args.exit_code}; full output in {args.log}")
        print("1..1")
        return 1

    expect_failing = None
    expected_names = set()
    if args.expect_failing is not None:
        expect_failing = expected_names = {s for s in args.expect_failing.split(",") if s}
    elif args.expect_passing is not None:
        expected_names = {s for s in args.expect_passing.split(",") if s}
        expect_failing = {sc["name"] for sc in scenarios
                          if sc["not_scored"] is None or args.strict} - expected_names

    n = 0
    bad = []
    counting_failed = []
    for sc in scenarios:
        n += 1
        counts = f"{sc['passed']} passed, {sc['failed']} failed, {sc['warnings']} warnings"
        failing = sc["failed"] > 0
        vacuous = sc["passed"] == 0 and sc["failed"] == 0
        counts_here = sc["not_scored"] is None or args.strict
        if counts_here and (failing or vacuous):
            counting_failed.append(sc["name"])
        warn = args.fail_on_warnings and sc["warnings"] > 0

        skipped = bool(sc["checks"]) and all(c.get("status") == "SKIPPED" for c in sc["checks"])
        if counts_here and vacuous and skipped and expect_failing is None:
            # The harness itself skips every check (it cannot test this
            # yet): nothing to judge, and not a pass either.
            ok = True
            directive = " # SKIP the harness skips every check of this scenario"
            if sc["name"] in counting_failed:
                counting_failed.remove(sc["name"])
        elif not counts_here:
            ok = not failing
            directive = f" # TODO not scored ({sc['not_scored']})" if failing else ""
        elif expect_failing is not None:
            expected = sc["name"] in expect_failing
            ok = (failing or vacuous) == expected
            directive = " # expected to fail (self-check)" if expected and ok else ""
            if expected and not ok:
                counts += "; expected to fail but passed"
        else:
            ok = not failing and not vacuous and not warn
            directive = ""
            if vacuous:
                counts += "; no check passed"
        print(f"{'ok' if ok else 'not ok'} {n} - {sc['name']}: {counts}{directive}")
        for line in tap_diagnostics(sc, with_warnings=True):
            print(line)
        if not ok and not directive.startswith(" # TODO"):
            bad.append(sc["name"])

    # The harness's own verdict must agree with what we read.
    if args.mode == "requirements":
        expected_exit = 1 if any(sc["failed"] > 0 for sc in scenarios if sc["not_scored"] is None) else 0
    else:
        expected_exit = 1 if any(sc["failed"] > 0 for sc in scenarios) else 0
    n += 1
    if args.exit_code == expected_exit:
        print(f"ok {n} - harness exit status {args.exit_code} agrees with the results")
    else:
        print(f"not ok {n} - harness exit status {args.exit_code}, expected {expected_exit} from the results")
        bad.append("harness-exit-status")

    if expect_failing is not None:
        unknown = expected_names - {sc["name"] for sc in scenarios}
        if unknown:
            n += 1
            print(f"not ok {n} - scenarios named in --expect-* that did not run: {sorted(unknown)}")
            bad.append("expect-failing")

    scored = [sc for sc in scenarios if sc["not_scored"] is None]
    unscored = [sc for sc in scenarios if sc["not_scored"] is not None]
    scored_passed = sum(1 for sc in scored if sc["failed"] == 0 and sc["passed"] > 0)
    checks_passed = sum(sc["passed"] for sc in scenarios)
    checks_failed = sum(sc["failed"] for sc in scenarios)
    warnings = sum(sc["warnings"] for sc in scenarios)
    line = (f"{args.label}: {scored_passed}/{len(scored)} "
            f"{'scored ' if args.mode == 'requirements' else ''}scenarios passed; "
            f"checks {checks_passed} passed, {checks_failed} failed, {warnings} warnings")
    if unscored:
        line += (f"; not scored: {len(unscored)} run, "
                 f"{sum(1 for sc in unscored if sc['failed'] > 0)} failing")
    if args.strict:
        all_passed = sum(1 for sc in scenarios if sc["failed"] == 0 and sc["passed"] > 0)
        all_skipped = sum(1 for sc in scenarios if sc["checks"] and sc["passed"] == 0 and sc["failed"] == 0
                          and all(c.get("status") == "SKIPPED" for c in sc["checks"]))
        line += (f"; strict: {all_passed}/{len(scenarios)} scenarios passed, "
                 f"{all_skipped} skipped by the harness")
    verdict = "FAIL" if bad else "PASS"
    print(f"# {verdict} {line}")
    if counting_failed and expect_failing is None:
        print(f"# failing: {', '.join(counting_failed)}")
    print(f"1..{n}")
    if args.summary_file:
        with open(args.summary_file, "w", encoding="utf-8") as f:
            f.write(f"{verdict} {line}\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
