#!/usr/bin/python3
"""Validate JSON messages against a definition of the official MCP schema.

Usage:
  validate-messages.py [--revision REV] [--result] DEFINITION [FILE...]

Checks each JSON value read from FILE (or stdin; '-' too) against
DEFINITION of schema/REV/schema.json (for example CallToolResult,
InitializeResult, ListToolsResult, JSONRPCMessage). A file holds one JSON
value or several, one per line (NDJSON). With --result, a JSON-RPC response
is read and its "result" member is checked (an error response fails).

Exit status: 0 when every message is valid, 1 when one is not (the reasons
are printed on stderr), 2 on usage errors.

As a module: validate(message, definition, revision) returns a list of
error strings (empty when valid). Needs python3-jsonschema (Debian 12 ships
4.10, which knows drafts 7 and 2020-12, the two the schemas use).
"""

import argparse
import json
import os
import sys

import jsonschema

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcp")
DEFAULT_REVISION = "2025-11-25"

_validators = {}


def revisions():
    return sorted(name for name in os.listdir(SCHEMA_DIR)
                  if os.path.isfile(os.path.join(SCHEMA_DIR, name, "schema.json")))


def _load(revision):
    path = os.path.join(SCHEMA_DIR, revision, "schema.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator_for(definition, revision=DEFAULT_REVISION):
    """A validator of one definition; the schema's own $refs resolve
    against the whole document, as the wrapper keeps its definitions."""
    key = (revision, definition)
    if key in _validators:
        return _validators[key]

    document = _load(revision)
    # Draft 2020-12 documents keep definitions in $defs, draft-07 ones in
    # definitions; both forms of "#/..." references then resolve.
    defs_key = "$defs" if "$defs" in document else "definitions"
    if definition not in document[defs_key]:
        raise KeyError("no definition %r in the %s schema" % (definition, revision))

    wrapper = dict(document)
    wrapper["$ref"] = "#/%s/%s" % (defs_key, definition)
    cls = jsonschema.validators.validator_for(wrapper)
    cls.check_schema(wrapper)
    validator = cls(wrapper)
    _validators[key] = validator
    return validator


def _path(error):
    parts = ["$"]
    for p in error.absolute_path:
        parts.append("[%d]" % p if isinstance(p, int) else ".%s" % p)
    return "".join(parts)


def validate(message, definition, revision=DEFAULT_REVISION):
    validator = validator_for(definition, revision)
    errors = sorted(validator.iter_errors(message), key=lambda e: list(e.absolute_path))
    return ["%s: %s" % (_path(e), e.message) for e in errors]


def _read_messages(stream):
    text = stream.read()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        pass
    # NDJSON: one message per non-empty line.
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revision", default=DEFAULT_REVISION,
                        help="schema revision (default %s; available: %s)"
                        % (DEFAULT_REVISION, ", ".join(revisions())))
    parser.add_argument("--result", action="store_true",
                        help="check the \"result\" member of JSON-RPC responses")
    parser.add_argument("definition")
    parser.add_argument("files", nargs="*", default=["-"])
    args = parser.parse_args(argv)

    if args.revision not in revisions():
        parser.error("unknown revision %s (available: %s)"
                     % (args.revision, ", ".join(revisions())))
    try:
        validator_for(args.definition, args.revision)
    except KeyError as e:
        parser.error(str(e.args[0]))

    failed = 0
    count = 0
    for name in args.files:
        try:
            if name == "-":
                messages = _read_messages(sys.stdin)
            else:
                with open(name, encoding="utf-8") as f:
                    messages = _read_messages(f)
        except (OSError, ValueError) as e:
            print("%s: cannot read JSON: %s" % (name, e), file=sys.stderr)
            failed += 1
            continue

        for index, message in enumerate(messages):
            count += 1
            where = "%s#%d" % (name, index + 1)
            if args.result:
                if not isinstance(message, dict) or "result" not in message:
                    print("%s: not a JSON-RPC result response: %s"
                          % (where, json.dumps(message)[:200]), file=sys.stderr)
                    failed += 1
                    continue
                message = message["result"]
            errors = validate(message, args.definition, args.revision)
            if errors:
                failed += 1
                for error in errors:
                    print("%s: %s: %s" % (where, args.definition, error), file=sys.stderr)

    print("%d of %d messages valid against %s (%s)"
          % (count - failed, count, args.definition, args.revision))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
