#!/usr/bin/env python3
"""create_bearer_token: a North bearer token for trying a server locally.

Prints the base64 of the JSON North sends in ``Authorization: Bearer``:
the server secret, an ID token for the user (HS256-signed with a key the
server does not check unless it trusts an issuer) and connector tokens.
With the defaults it prints the ready-made token of the North Python SDK
README, for test@company.com.

    python3 examples/python/create_bearer_token.py --email me@example.com
    python3 examples/python/create_bearer_token.py --connectors google,slack

Standard library only.

SPDX-License-Identifier: MIT
"""
import argparse
import base64
import hashlib
import hmac
import json


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def create_id_token(claims, key="does-not-matter"):
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(base64url(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims))
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64url(signature)


def create_bearer_token(email, server_secret="server_secret", connectors=None):
    tokens = {
        "server_secret": server_secret,
        "user_id_token": create_id_token({"email": email}),
        "connector_access_tokens": {"google": "abc"} if connectors is None else connectors,
    }
    return base64.b64encode(json.dumps(tokens).encode()).decode("ascii")


def main():
    parser = argparse.ArgumentParser(description="Create a bearer token to use with the MCP server.")
    parser.add_argument("--email", default="test@company.com",
                        help="Email of the user to create a token for (default: test@company.com)")
    parser.add_argument("--server-secret", default="server_secret",
                        help="The server secret to send (default: server_secret)")
    parser.add_argument("--connector", action="append", default=None, metavar="NAME=TOKEN",
                        help="A connector access token (repeatable; default: google=abc)")
    parser.add_argument("--connectors", default=None, metavar="A,B",
                        help="Comma-separated connector names, each with the token test-token-NAME "
                             "(the North Python SDK's option)")
    args = parser.parse_args()
    connectors = None
    if args.connectors is not None:
        connectors = {name: "test-token-" + name for name in args.connectors.split(",") if name}
    if args.connector is not None:
        connectors = dict(connectors or {}, **dict(item.split("=", 1) for item in args.connector))
    print(create_bearer_token(args.email, args.server_secret, connectors))


if __name__ == "__main__":
    main()
