#!/usr/bin/env python3
"""Fails when a lower layer of north-mcp-glib includes a higher layer's
private header.

The library's folders are layers, lowest first (see README "Layout"). A file
may include the private headers of its own folder and of lower layers only;
what a lower layer needs from a higher one goes through a public header, an
interface or a signal. Public headers are not checked: any layer may use the
public API, except that transport/ reaches the server only through the
NorthMcpTransportHost interface (protocol/north-mcp-transport-host-private.h):
its code names no north_mcp_server_* function and no NorthMcpServer. The
other layers below the server (protocol/ through NorthMcpProtocolHost,
protocol/north-mcp-protocol-host-private.h) name no north_mcp_server_*
function that the public headers do not declare.

Usage: check-layering.py SOURCE_ROOT
"""

import pathlib
import re
import sys

# Folder -> rank. Same rank, different folder: siblings, which must not
# include each other's private headers either.
LAYERS = {
    'util': 0,        # memory, random ids, encodings
    'json': 1,        # JSON reading/writing, schemas
    'auth': 2,        # North tokens and users
    'features': 3,    # tools, prompts, resources, templates, content
    'telemetry': 4,   # spans and tracers (used by the protocol)
    'store': 5,       # state shared by replicas: the store interface, memory and Redis stores, the Redis client
    'protocol': 6,    # JSON-RPC, dispatch, sessions, registries, revisions
    'transport': 7,   # stdio and HTTP
    'desktop': 7,     # D-Bus bridge, on the features/protocol public API
    '.': 8,           # NorthMcpServer, north_mcp_server_run(), errors
}

# (including file, included header) -> why it is allowed for now.
EXCEPTIONS = {
    ('telemetry/north-mcp-trace-request.c', 'north-mcp-request-scope-private.h'):
        'the tracer parents spans on the current request scope, which belongs '
        'below both layers (util) once protocol/north-mcp-context.c is split',
}

# Layers whose code must not name the server at all, and what they use.
HOST_ONLY = {
    'transport': 'NorthMcpTransportHost (north-mcp-transport-host-private.h)',
}
SERVER_FUNCTION = re.compile(r'\bnorth_mcp_server_\w+')
SERVER_NAME = re.compile(r'\b(north_mcp_server_\w+|NorthMcpServer\w*|NORTH_MCP_SERVER\b|NORTH_MCP_IS_SERVER\b)')
# Comments, then string and character literals (which may hold "/*").
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+-private\.h)"', re.M)


def code_of(path):
    """@path's code without its comments and string literals (line
    numbers kept)."""
    return COMMENT_OR_STRING.sub(
        lambda m: '' if m.group(0)[0] in '"\'' else '\n' * m.group(0).count('\n'),
        path.read_text(encoding='utf-8'))


def server_names(path, rel, instead):
    """Where @path's code names the server."""
    found = []
    for number, line in enumerate(code_of(path).split('\n'), 1):
        for name in SERVER_NAME.findall(line):
            found.append(f'{rel}:{number} names {name}: use {instead}')
    return found


def public_server_functions(root):
    """The north_mcp_server_* functions the public headers declare."""
    names = {'north_mcp_server_get_type'}
    for header in root.rglob('*.h'):
        if not header.name.endswith('-private.h'):
            names.update(SERVER_FUNCTION.findall(code_of(header)))
    return names


def private_server_calls(path, rel, public):
    """Where @path's code names a north_mcp_server_* function that is not
    public API: the server's private functions are for its own files."""
    found = []
    for number, line in enumerate(code_of(path).split('\n'), 1):
        for name in SERVER_FUNCTION.findall(line):
            if name not in public:
                found.append(f'{rel}:{number} calls {name}, private to the server: '
                             'use NorthMcpProtocolHost (north-mcp-protocol-host-private.h)')
    return found


def main():
    root = pathlib.Path(sys.argv[1]) / 'north-mcp-glib'
    owner = {}
    for layer in LAYERS:
        for header in (root / layer).glob('*-private.h'):
            owner[header.name] = layer

    public = public_server_functions(root)
    errors = []
    used = set()
    for layer, rank in LAYERS.items():
        for path in sorted((root / layer).glob('*.[ch]')):
            rel = path.relative_to(root).as_posix()
            for header in INCLUDE.findall(path.read_text(encoding='utf-8')):
                target = owner.get(header)
                if target is None or target == layer or LAYERS[target] < rank:
                    continue
                if (rel, header) in EXCEPTIONS:
                    used.add((rel, header))
                    continue
                errors.append(f'{rel} ({layer}) includes {header} ({target})')
            if layer in HOST_ONLY:
                errors.extend(server_names(path, rel, HOST_ONLY[layer]))
            elif rank < LAYERS['.']:
                errors.extend(private_server_calls(path, rel, public))

    for stale in sorted(set(EXCEPTIONS) - used):
        errors.append(f'exception no longer needed: {stale[0]} -> {stale[1]}')
    for error in errors:
        print(error, file=sys.stderr)
    print(f'{len(errors)} layering violation(s)')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
