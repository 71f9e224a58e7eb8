#!/usr/bin/python3
"""north-mcp-dbus-bridge against hostile-dbus-service.py (run under
dbus-run-session, through with-service.py): its limits on what a service
can make it hold and how long a silent one can make it wait.

    check-bridge-hostile.py BRIDGE schemas|silent|nested|replies

schemas: no tool's input schema and description together exceed 16 KiB
  (a method of 255 variants would take 63 KB), and all the tools of the
  bridge together stay within 4 MiB (1021 methods of 13 KB each took 14 MB,
  in every tools/list and in memory), while the small method and the first
  bulk methods are still served.
silent: children that never answer Introspect do not keep the bridge from
  serving those that do: with the defaults, 20 silent children (one after
  the other, 25 s each with GDBus's default timeout: over 8 minutes) must
  not keep the bridge from answering within 150 s; with
  --introspection-timeout 500, 250 silent children make the attachment
  stop after 6 timeouts (the log says so), and the children that answered
  are served either way.
nested: introspection data GDBus must not parse is refused, and the
  bridge serves the rest: a <node> inside a <method> (GLib 2.74's parser
  crashed, taking the bridge with it) and 40,000 nested <node>s (which it
  took some 18 s to parse, the main loop stopped meanwhile).
replies: a reply of 100,000 one-byte structures `(y)` (200,000 values as
  JSON, 800 KB, within the 4 MiB limit of a reply and the 262,144 values
  of a message) is refused as too large as JSON, as a method's result and
  as a property resource (4 MB of them made 8 million JSON nodes: 2 GB of
  RSS), while a small reply of the same type is served. A reply of
  1,500,000 empty signatures (3 MB: GDBus made a GVariant of each, some
  250 MB) is dropped unread, holding more than a message's 262,144
  values, and the call fails saying so; the bridge's peak RSS stays under
  64 MiB with it too.
  Replies of 16 MB (2,000,000 empty strings) and of 6 MiB (786,432) are
  dropped unread, past the 4 MiB a reply may take: the calls fail saying
  so and the bridge's peak RSS stays under 64 MiB (GDBus read them whole
  and made a GVariant of each string first: 350 MB, and 130 MB for the
  one of 6 MiB, which the stream passed on up to 8 MiB).
stuck: an application that stops reading its bus socket (the service,
  stopped with SIGSTOP) has at most 16 activations of its actions in
  flight: 40 tool calls make 16 activations, the other 24 are refused at
  once (each was sent anyway, without a reply, and piled up without
  bound), the bridge keeps answering, and once the application resumes
  the 16 are answered and a new call is served.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading

SCHEMA_LIMIT = 16 << 10
TOTAL_LIMIT = 4 << 20
FIRST_ANSWER = 150  # seconds: generous, the bridge needs about 10


class Bridge:
    """The bridge over stdio; its debug log is kept (self.log())."""

    def __init__(self, bridge, args):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([bridge, "--dest", "org.north.HostileTest", *args,
                                         "--transport", "stdio"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr,
                                        env={**os.environ, "G_MESSAGES_DEBUG": "NorthMcp"})
        self.lines = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, message):
        self.process.stdin.write((json.dumps(message, separators=(",", ":")) + "\n").encode())
        self.process.stdin.flush()

    def request(self, method, params, timeout=60):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError(f"the bridge ended (status {self.process.wait()})")
            message = json.loads(line)
            if message.get("id") == self.next_id:
                return message

    def initialize(self, timeout):
        answer = self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                             "clientInfo": {"name": "check-bridge-hostile",
                                                            "version": "1"}}, timeout)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def tools(self):
        tools, cursor = [], None
        while True:
            answer = self.request("tools/list", {"cursor": cursor} if cursor else {})
            tools += answer["result"]["tools"]
            cursor = answer["result"].get("nextCursor")
            if not cursor:
                return tools

    def close(self):
        self.process.stdin.close()
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")


def listing_size(tool):
    """What a tool adds to tools/list, as the bridge counts it."""
    schema = json.dumps(tool["inputSchema"], separators=(",", ":"), ensure_ascii=False)
    return len(schema.encode()) + len(tool.get("description", "").encode())


def schemas(bridge_path):
    bridge = Bridge(bridge_path, ["--object-path", "/org/north/Schemas", "--recursive"])
    bridge.initialize(FIRST_ANSWER)
    tools = bridge.tools()
    status = bridge.close()
    log = bridge.log()
    names = {tool["name"] for tool in tools}
    largest = max(tools, key=listing_size)
    total = sum(listing_size(tool) for tool in tools)
    bulk = sum(1 for name in names if ".Bulk.M" in name)
    return [
        ("the small method is served", "Schemas.Small" in names),
        ("a method of 255 variants is not served, and the log says why", "Schemas.Variants" not in names
         and "org.north.Schemas.Variants not served: its description and input schema take" in log),
        ("a method of 48 long DocStrings is not served", "Schemas.LongDocs" not in names),
        (f"no tool takes more than {SCHEMA_LIMIT} bytes (the largest, {largest['name']}, "
         f"takes {listing_size(largest)})", listing_size(largest) <= SCHEMA_LIMIT),
        (f"the tools take at most {TOTAL_LIMIT} bytes together ({len(tools)} take {total})",
         total <= TOTAL_LIMIT),
        (f"bulk methods are served up to the limit ({bulk} of them), and the log says why not more",
         bulk >= 200 and "would take more than 4194304 bytes together" in log),
        ("the bridge exits cleanly", status == 0),
    ]


def silent(bridge_path):
    checks = []
    for root, args, quiet in (("/org/north/Silent", [], 20),
                              ("/org/north/Endless", ["--introspection-timeout", "500"], 250)):
        bridge = Bridge(bridge_path, ["--object-path", root, "--recursive", *args])
        try:
            bridge.initialize(FIRST_ANSWER)
            answered = True
        except (queue.Empty, RuntimeError):
            answered = False
        names = sorted(tool["name"] for tool in bridge.tools()) if answered else []
        status = bridge.close()
        log = bridge.log()
        what = f"{root} {' '.join(args)}".strip()
        checks += [
            (f"{what}: the bridge answers within {FIRST_ANSWER} s despite {quiet} silent children",
             answered),
            (f"{what}: the children that answered are served ({names})",
             names == [f"live{i}.Live.Ping" for i in range(5)]),
            (f"{what}: the bridge exits cleanly", status == 0),
        ]
    # 16 calls at a time, none of which ends before the timeout: by 6
    # timeouts, at most 96 of the 250 silent children can have had theirs.
    checks.append(("/org/north/Endless: attaching stops after 6 timeouts, and the log says so",
                   "objects not introspected" in log and "longer than 3000 ms" in log))
    return checks


def nested(bridge_path):
    bridge = Bridge(bridge_path, ["--object-path", "/org/north/Nested", "--recursive"])
    try:
        bridge.initialize(FIRST_ANSWER)
        names = sorted(tool["name"] for tool in bridge.tools())
    except (queue.Empty, RuntimeError):
        names = None
    status = bridge.close()
    log = bridge.log()
    return [
        (f"the bridge serves the object and its good child ({names})",
         names == ["Live.Ping", "good.Live.Ping"]),
        ("a <node> inside a <method> is refused, and the log says so",
         "Child /org/north/Nested/bad skipped: <node> cannot stand inside <method>" in log),
        ("40,000 nested <node>s are refused, and the log says so",
         "Child /org/north/Nested/deep skipped: Elements nest deeper than 64" in log),
        ("the bridge exits cleanly", status == 0),
    ]


PEAK_LIMIT = 64 << 20


def peak_rss(pid):
    """The peak resident size of @pid so far, in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def replies(bridge_path):
    bridge = Bridge(bridge_path, ["--object-path", "/org/north/Replies"])
    bridge.initialize(FIRST_ANSWER)
    few = bridge.request("tools/call", {"name": "Replies.Few", "arguments": {}})
    huge = bridge.request("tools/call", {"name": "Replies.Huge", "arguments": {}}, 120)
    mid = bridge.request("tools/call", {"name": "Replies.Mid", "arguments": {}}, 120)
    crowd = bridge.request("tools/call", {"name": "Replies.Crowd", "arguments": {}}, 120)
    peak = peak_rss(bridge.process.pid)
    after = bridge.request("tools/call", {"name": "Replies.Few", "arguments": {}})
    many = bridge.request("tools/call", {"name": "Replies.Many", "arguments": {}}, 120)
    read = bridge.request("resources/read", {"uri": "dbus-property:/org/north/Replies/org.north.Replies.Items"},
                          120)
    status = bridge.close()
    many_text = json.dumps(many)[:300]
    read_text = json.dumps(read)[:300]
    crowd_text = json.dumps(crowd)[:300]
    return [
        ("a small reply is served", few.get("result", {}).get("structuredContent") == {"items": [[0]] * 3}),
        (f"a reply of 16 MB is refused unread ({json.dumps(huge)[:300]})",
         huge.get("result", {}).get("isError") is True
         and "LimitsExceeded: The reply of 16000001 bytes is larger than the 4194304 bytes" in json.dumps(huge)),
        (f"a reply of 6 MiB is refused unread ({json.dumps(mid)[:300]})",
         mid.get("result", {}).get("isError") is True
         and "LimitsExceeded: The reply of 6291457 bytes is larger than the 4194304 bytes" in json.dumps(mid)),
        (f"the bridge's peak RSS stays under {PEAK_LIMIT >> 20} MiB ({peak >> 20} MiB)", peak < PEAK_LIMIT),
        ("the bridge serves calls after it", after == {**few, "id": after.get("id")}),
        (f"a reply of 1,500,000 values is refused unread ({crowd_text})",
         crowd.get("result", {}).get("isError") is True
         and "LimitsExceeded: The reply holds more than the 262144 values a reply may hold" in crowd_text),
        (f"a reply of 200,000 values is refused as too large as JSON ({many_text})",
         many.get("result", {}).get("isError") is True and "too large as JSON" in many_text),
        (f"a property of 200,000 values is refused as too large as JSON ({read_text})",
         "error" in read and "too large as JSON" in read_text),
        ("the bridge exits cleanly", status == 0),
    ]


def service_pid():
    """The process of org.north.HostileTest, as the bus knows it."""
    import gi
    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixProcessID", GLib.Variant("(s)", ("org.north.HostileTest",)),
                          GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, -1, None)
    return reply.unpack()[0]


MAX_ACTIVATIONS = 16


def stuck(bridge_path):
    bridge = Bridge(bridge_path, ["--object-path", "/org/north/Stuck"])
    bridge.initialize(FIRST_ANSWER)
    names = [tool["name"] for tool in bridge.tools()]
    poke = {"name": "poke", "arguments": {"parameter": "x" * 1000}}
    first = bridge.request("tools/call", poke)
    pid = service_pid()
    calls = 40
    answers = {}
    os.kill(pid, signal.SIGSTOP)
    try:
        first_id = bridge.next_id + 1
        for _ in range(calls):
            bridge.next_id += 1
            bridge.send({"jsonrpc": "2.0", "id": bridge.next_id, "method": "tools/call", "params": poke})
        # Answered in order: the refusals come before the list.
        bridge.next_id += 1
        bridge.send({"jsonrpc": "2.0", "id": bridge.next_id, "method": "tools/list", "params": {}})
        while bridge.next_id not in answers:
            line = bridge.lines.get(timeout=60)
            if line is None:
                break
            message = json.loads(line)
            answers[message.get("id")] = message
        listed = answers.get(bridge.next_id, {})
        ids = range(first_id, first_id + calls)
    finally:
        os.kill(pid, signal.SIGCONT)
    stopped = {i: answers[i] for i in ids if i in answers}
    refused = [m for m in stopped.values() if m.get("result", {}).get("isError")
               and "has not answered 16 calls yet" in json.dumps(m)]
    # Once resumed, the application answers the activations in flight.
    resumed = {}
    while len(resumed) + len(stopped) < calls:
        try:
            line = bridge.lines.get(timeout=60)
        except queue.Empty:
            break
        if line is None:
            break
        message = json.loads(line)
        resumed[message.get("id")] = message
    activated = [m for m in resumed.values() if "Activated the action 'poke'" in json.dumps(m)]
    after = bridge.request("tools/call", poke)
    status = bridge.close()
    return [
        (f"the action is served ({names})", names == ["poke"]),
        (f"an activation is answered ({json.dumps(first)[:200]})",
         "Activated the action 'poke'" in json.dumps(first)),
        (f"with the application stopped, {calls - MAX_ACTIVATIONS} of {calls} calls are refused at once "
         f"({len(refused)} refused, {len(stopped)} answered: {json.dumps(list(stopped.values())[:1])[:300]})",
         len(refused) == calls - MAX_ACTIVATIONS and len(stopped) == calls - MAX_ACTIVATIONS),
        ("the bridge keeps answering (tools/list)", listed.get("result", {}).get("tools") is not None),
        (f"once resumed, the {MAX_ACTIVATIONS} activations in flight are answered ({len(activated)})",
         len(activated) == MAX_ACTIVATIONS),
        (f"and a new call is served ({json.dumps(after)[:200]})",
         "Activated the action 'poke'" in json.dumps(after)),
        ("the bridge exits cleanly", status == 0),
    ]


def main():
    bridge, mode = sys.argv[1], sys.argv[2]
    checks = {"schemas": schemas, "silent": silent, "nested": nested, "replies": replies,
              "stuck": stuck}[mode](bridge)
    for number, (name, ok) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {number} - {name}")
    print(f"1..{len(checks)}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
