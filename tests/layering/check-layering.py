#!/usr/bin/env python3
"""Fails when a lower layer of north-mcp-glib includes a higher layer's
private header.

The library's folders are layers, lowest first (see README "Layout"). A file
may include the private headers of its own folder and of lower layers only;
what a lower layer needs from a higher one goes through a public header, an
interface or a signal. Public headers are not checked.

Below the top level, code does not name the server either (NorthMcpServer,
its macros, any north_mcp_server_* function, public or private): what a
layer needs of it comes down as arguments (a tracer, a debug flag, the
request's headers) or through the interface the server implements,
NorthMcpProtocolHost (protocol/north-mcp-protocol-host-private.h) for
protocol/ and NorthMcpTransportHost (north-mcp-transport-host-private.h)
for transport/. SERVER_ALLOWED lists the folders that must name it, what
they may name, and why.

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
EXCEPTIONS = {}

# Folder -> (what of the server its code may name, why). Every other
# folder below the top level names nothing of it.
SERVER_ALLOWED = {
    'protocol': ('the type', 'north_mcp_context_get_server() (public API) hands the server '
                 'to handlers as an opaque object, which NorthMcpProtocolHost.get_server gives; '
                 'protocol calls none of its functions'),
    'desktop': ('the public API', 'the D-Bus bridge and action groups are add-ons built on the '
                'server\'s public API, as an application is (they define '
                'north_mcp_server_add_action_group()); the server\'s private functions stay off limits'),
}
# What replaces the server in the folders that may not name it.
INSTEAD = {
    'transport': 'NorthMcpTransportHost (north-mcp-transport-host-private.h)',
    'protocol': 'NorthMcpProtocolHost (north-mcp-protocol-host-private.h)',
}
SERVER_FUNCTION = re.compile(r'\bnorth_mcp_server_\w+')
SERVER_NAME = re.compile(r'\b(north_mcp_server_\w+|NorthMcpServer\w*|NORTH_MCP_(?:TYPE_|IS_)?SERVER\b)')
# Comments, then string and character literals (which may hold "/*").
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+-private\.h)"', re.M)


def code_of(path):
    """@path's code without its comments and string literals (line
    numbers kept)."""
    return COMMENT_OR_STRING.sub(
        lambda m: '' if m.group(0)[0] in '"\'' else '\n' * m.group(0).count('\n'),
        path.read_text(encoding='utf-8'))


def server_names(path, rel, layer, public):
    """Where @path's code, in @layer below the top level, names more of the
    server than SERVER_ALLOWED lets it; and whether it names it at all."""
    allowed = SERVER_ALLOWED.get(layer, (None, None))[0]
    instead = INSTEAD.get(layer, 'arguments, or an interface the server implements')
    found, named = [], False
    for number, line in enumerate(code_of(path).split('\n'), 1):
        for name in SERVER_NAME.findall(line):
            named = True
            if allowed == 'the type' and name == 'NorthMcpServer':
                continue
            if allowed == 'the public API':
                if not SERVER_FUNCTION.fullmatch(name) or name in public:
                    continue
                found.append(f'{rel}:{number} calls {name}, private to the server: '
                             'use its public API')
                continue
            found.append(f'{rel}:{number} names {name}, of the layer above: use {instead}')
    return found, named


def public_server_functions(root):
    """The north_mcp_server_* functions the public headers declare."""
    names = {'north_mcp_server_get_type'}
    for header in root.rglob('*.h'):
        if not header.name.endswith('-private.h'):
            names.update(SERVER_FUNCTION.findall(code_of(header)))
    return names


def main():
    root = pathlib.Path(sys.argv[1]) / 'north-mcp-glib'
    owner = {}
    for layer in LAYERS:
        for header in (root / layer).glob('*-private.h'):
            owner[header.name] = layer

    public = public_server_functions(root)
    errors = []
    used = set()
    naming = set()
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
            if rank < LAYERS['.']:
                found, named = server_names(path, rel, layer, public)
                errors.extend(found)
                if named:
                    naming.add(layer)

    for layer in sorted(set(SERVER_ALLOWED) - naming):
        errors.append(f'{layer}/ no longer names the server: drop it from SERVER_ALLOWED')
    for stale in sorted(set(EXCEPTIONS) - used):
        errors.append(f'exception no longer needed: {stale[0]} -> {stale[1]}')
    for error in errors:
        print(error, file=sys.stderr)
    print(f'{len(errors)} layering violation(s)')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
