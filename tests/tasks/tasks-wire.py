#!/usr/bin/python3
"""Drives a server's `generate_report` task tool (the examples
server-with-tasks in C, Python, GJS and Vala) over the 2026-07-28 wire of
the tasks extension (SEP-2663), with raw HTTP: the official TypeScript SDK
client has no support for SEP-2663 tasks (its tasks are the older
`tasks/result` design of 2025-11-25).

    tasks-wire.py -- SERVER ARGV...   (the server gets --transport
                                       streamable-http --port 0 appended)

Prints TAP; exits non-zero if a check fails.
"""
import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

EXTENSION = "io.modelcontextprotocol/tasks"
TASKS = {"extensions": {EXTENSION: {}}}
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/\S*)")

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))
    print(f"{'ok' if condition else 'not ok'} {len(checks)} - {name}"
          + (f"\n# {detail}" if detail and not condition else ""), flush=True)


class Server:
    def __init__(self, argv):
        self.process = subprocess.Popen(argv + ["--transport", "streamable-http", "--port", "0"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.url = None
        found = threading.Event()

        def read():
            for line in self.process.stderr:
                sys.stderr.write("[server] " + line)
                match = LISTENING.search(line)
                if match and self.url is None:
                    self.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        found.wait(120)
        if self.url is None:
            raise SystemExit("the server printed no 'listening on' line")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9


class Client:
    def __init__(self, url):
        self.url = url
        self.next_id = 0

    def rpc(self, method, params, capabilities, name=None):
        """The JSON-RPC response of one stateless request."""
        self.next_id += 1
        params = dict(params)
        params["_meta"] = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                           "io.modelcontextprotocol/clientCapabilities": capabilities}
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                           "params": params}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
        if name is not None:
            headers["Mcp-Name"] = name
        request = urllib.request.Request(self.url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            return json.load(error)

    def call(self, arguments, capabilities):
        return self.rpc("tools/call", {"name": "generate_report", "arguments": arguments},
                        capabilities, "generate_report")

    def get(self, task_id):
        return self.rpc("tasks/get", {"taskId": task_id}, TASKS, task_id)

    def wait(self, task_id, status):
        """tasks/get until the status is no longer @status (generous)."""
        for _ in range(3000):
            task = self.get(task_id)["result"]
            if task["status"] != status:
                return task
            time.sleep(0.05)
        raise AssertionError(f"task {task_id} stayed {status}")


def main():
    argv = sys.argv[sys.argv.index("--") + 1:]
    server = Server(argv)
    client = Client(server.url)
    try:
        discover = client.rpc("server/discover", {}, {})["result"]
        check("server/discover advertises the tasks extension",
              EXTENSION in discover["capabilities"].get("extensions", {}), discover)
        tools = client.rpc("tools/list", {}, {})["result"]["tools"]
        report = [t for t in tools if t["name"] == "generate_report"]
        check("tools/list says generate_report may run as a task",
              report and report[0].get("execution", {}).get("taskSupport") == "optional", tools)

        created = client.call({"topic": "tides", "steps": 3}, TASKS)["result"]
        check("a task-augmented call answers with a CreateTaskResult",
              created.get("resultType") == "task" and created.get("status") == "working"
              and "taskId" in created and "content" not in created, created)
        task_id = created["taskId"]
        working = client.get(task_id)["result"]
        check("tasks/get right away finds the task working",
              working["taskId"] == task_id and working["status"] == "working"
              and working["resultType"] == "complete", working)
        with_message = working
        while with_message["status"] == "working" and "statusMessage" not in with_message:
            time.sleep(0.05)
            with_message = client.get(task_id)["result"]
        check("the handler's status message shows on tasks/get",
              re.fullmatch(r"step \d of 3", with_message.get("statusMessage", "")), with_message)
        done = client.wait(task_id, "working")
        texts = [c.get("text") for c in done.get("result", {}).get("content", [])]
        check("the task completes with the result inlined",
              done["status"] == "completed" and texts == ["Report on tides: 3 steps"], done)

        plain = client.call({"topic": "waves", "steps": 1}, {})["result"]
        check("without the extension the result comes in the response",
              plain.get("resultType") == "complete" and "taskId" not in plain
              and plain["content"][0]["text"] == "Report on waves: 1 steps", plain)

        long_task = client.call({"topic": "ocean", "steps": 10000}, TASKS)["result"]["taskId"]
        ack = client.rpc("tasks/cancel", {"taskId": long_task}, TASKS, long_task)["result"]
        check("tasks/cancel is acknowledged", ack.get("resultType") == "complete" and "status" not in ack, ack)
        cancelled = client.get(long_task)["result"]
        check("a cancelled task stays cancelled", cancelled["status"] == "cancelled", cancelled)

        unknown = client.rpc("tasks/get", {"taskId": "nope"}, TASKS, "nope")
        check("an unknown task is -32602", unknown.get("error", {}).get("code") == -32602, unknown)
    finally:
        status = server.stop()
    check("the server stops cleanly on SIGTERM", status in (0, -signal.SIGTERM, 143), status)
    print(f"1..{len(checks)}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
