#!/usr/bin/python3
"""The client's address behind nginx (deploy/nginx/, which sets
X-Forwarded-For): a replica that trusts the proxy's address
(--forwarded-allow-ips, FORWARDED_ALLOW_IPS; loopback by default) tells
clients apart by the address nginx appends, as uvicorn's proxy_headers do
for the North Python SDK. Each real client gets its own share of
max-subscription-bytes for its listen streams, and the debug line
"Authenticating request from" names it; an address sent by the client
itself, or by a peer that is not trusted, names nobody.

The clients connect from addresses of 127.0.0.0/8 of their own
(127.0.0.3, 127.0.0.4...), and nginx, with proxy_bind, from 127.0.0.2.
"""

import http.client
import json
import os
import re
import subprocess
import urllib.parse

import pytest

import deployfix
from deployfix import Nginx, Replicas, read_events

# A listen stream keeps a few KB: 100,000 bytes give one client (a
# quarter) room for a handful.
MAX_SUBSCRIPTION_BYTES = "100000"
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"}


class Client:
    """One client: connects to URL from SOURCE (a loopback address) and
    sends FORWARDED_FOR as X-Forwarded-For, if any. Its open listen
    streams stay open until close()."""

    def __init__(self, url, source=None, forwarded_for=None):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.source = source
        self.forwarded_for = forwarded_for
        self.streams = []
        self.next_id = 1

    def listen(self):
        """True when a new listen stream was acknowledged (and stays open),
        False when refused for max-subscription-bytes."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                          source_address=(self.source, 0) if self.source else None)
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": "subscriptions/listen",
                           "params": {"notifications": {"toolsListChanged": True}, "_meta": META}})
        self.next_id += 1
        headers = dict(HEADERS)
        if self.forwarded_for is not None:
            headers["X-Forwarded-For"] = self.forwarded_for
        conn.request("POST", self.path, body=body, headers=headers)
        response = conn.getresponse()
        if response.getheader("Content-Type", "").startswith("text/event-stream"):
            messages = read_events(response)
        else:
            messages = iter([json.loads(response.read())])
        for message in messages:
            if message.get("method") == "notifications/subscriptions/acknowledged":
                self.streams.append(conn)
                return True
            if "error" in message:
                conn.close()
                assert message["error"]["code"] == -32603, message
                assert "max-subscription-bytes" in message["error"]["message"], message
                return False
        raise AssertionError(f"listen: {response.status} and no answer")

    def fill_share(self):
        """Opens streams until one is refused: how many were kept."""
        for opened in range(50):
            if not self.listen():
                return opened
        raise AssertionError("50 listen streams and none refused")

    def close(self):
        for conn in self.streams:
            conn.close()
        self.streams = []


def authenticated_from(replica):
    """The addresses of the debug lines "Authenticating request from (...)"."""
    return re.findall(r"Authenticating request from \('([^']*)', \d+\)", replica.stderr())


def test_clients_behind_nginx_get_their_own_listen_share(tmp_path):
    # nginx and the replica on loopback, which the replica trusts by
    # default. Before, every client behind the proxy was nginx's address:
    # the first one who filled its share left none to the second.
    with Replicas(1, "--stateless", "--debug", "--max-subscription-bytes", MAX_SUBSCRIPTION_BYTES) as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        first = Client(nginx.url + "/mcp", forwarded_for="198.51.100.7")
        second = Client(nginx.url + "/mcp", forwarded_for="2001:db8::8")
        try:
            assert first.fill_share() > 0
            assert second.listen(), "the second client behind nginx shares the first one's listen budget"
            assert second.fill_share() > 0
        finally:
            first.close()
            second.close()
    assert replicas.exit_codes == [0], replicas.stderr()
    addresses = set(authenticated_from(replicas[0]))
    assert addresses == {"198.51.100.7", "2001:db8::8"}, replicas.stderr()[-3000:]
    assert "('198.51.100.7', 0)" in replicas.stderr()


def test_only_trusted_peers_name_the_client(tmp_path):
    # The replica trusts nginx's address (127.0.0.2) only. Clients on
    # 127.0.0.3 and 127.0.0.4 that both claim the same address still get
    # shares of their own: the walk from the right stops at the address
    # nginx saw. A client that reaches the replica directly is its TCP
    # address, whatever its X-Forwarded-For says.
    with Replicas(1, "--stateless", "--debug", "--max-subscription-bytes", MAX_SUBSCRIPTION_BYTES,
                  "--forwarded-allow-ips", "127.0.0.2") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path),
               extra_http="proxy_bind 127.0.0.2;") as nginx:
        spoofed = "198.51.100.7, 127.0.0.2"
        third = Client(nginx.url + "/mcp", source="127.0.0.3", forwarded_for=spoofed)
        fourth = Client(nginx.url + "/mcp", source="127.0.0.4", forwarded_for=spoofed)
        direct = Client(replicas[0].url + "/mcp", source="127.0.0.3", forwarded_for="127.0.0.5")
        try:
            assert third.fill_share() > 0
            assert fourth.listen(), "a client claiming another's address shares its listen budget"
            # Directly from 127.0.0.3: that address's share, which is full.
            assert not direct.listen(), "a peer that is not trusted chose its address"
        finally:
            third.close()
            fourth.close()
            direct.close()
    assert replicas.exit_codes == [0], replicas.stderr()
    addresses = authenticated_from(replicas[0])
    assert set(addresses) == {"127.0.0.3", "127.0.0.4"}, replicas.stderr()[-3000:]


@pytest.mark.parametrize("trusted", ["10.0.0.0/8", ""])
def test_proxy_not_trusted_is_the_client(tmp_path, trusted):
    # FORWARDED_ALLOW_IPS (uvicorn's variable) without nginx's address: the
    # client is nginx, whatever X-Forwarded-For says.
    env = {**os.environ, "FORWARDED_ALLOW_IPS": trusted}
    with Replicas(1, "--stateless", "--debug", env=env) as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        client = Client(nginx.url + "/mcp", forwarded_for="198.51.100.7")
        try:
            assert client.listen()
        finally:
            client.close()
    assert replicas.exit_codes == [0], replicas.stderr()
    assert authenticated_from(replicas[0]) == ["127.0.0.1"], replicas.stderr()[-3000:]


@pytest.mark.parametrize("args,env,source", [
    (["--forwarded-allow-ips", "127.0.0.1, proxy.example"], {}, "--forwarded-allow-ips"),
    ([], {"FORWARDED_ALLOW_IPS": "10.0.0.1/8"}, "FORWARDED_ALLOW_IPS"),
    # The option wins over the variable, as uvicorn's does.
    (["--forwarded-allow-ips", "::1/200"], {"FORWARDED_ALLOW_IPS": "127.0.0.1"}, "--forwarded-allow-ips"),
])
def test_malformed_setting_refused(args, env, source):
    # A typing error must not silently trust less, or more, than meant.
    result = subprocess.run([os.path.join(deployfix.EXAMPLES, "server-with-auth"), "--port", "0", *args],
                            env={**os.environ, **env}, stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert f"{source}: " in stderr and "is not a trusted proxy" in stderr, stderr
    assert "listening on" not in stderr
