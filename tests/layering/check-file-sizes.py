#!/usr/bin/env python3
"""Fails when a source file of north-mcp-glib grows past what one reader
takes in (issue 11): no .c file of the library over 1,200 lines, and the
server's own file, north-mcp-server.c, under 1,000. A file that grows past
it is doing two jobs: split it by job, one type per file pair.

Usage: check-file-sizes.py SOURCE_ROOT
"""
import pathlib
import sys

MAX_LINES = 1200
MAX_SERVER_LINES = 999


def main():
    root = pathlib.Path(sys.argv[1]) / 'north-mcp-glib'
    errors = []
    for path in sorted(root.rglob('*.c')):
        lines = len(path.read_text(encoding='utf-8').splitlines())
        limit = MAX_SERVER_LINES if path.name == 'north-mcp-server.c' else MAX_LINES
        if lines > limit:
            errors.append(f'{path.relative_to(root).as_posix()}: {lines} lines (at most {limit})')
    for error in errors:
        print(error, file=sys.stderr)
    print(f'{len(errors)} file(s) too long')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
