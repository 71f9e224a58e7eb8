#!/usr/bin/python3
"""Runs the commands of doc/getting-started-vala.md on a copy of its demo.

    test-guide.py GUIDE BUILD_ROOT NODE TS_CLIENT

Takes the ```vala block after "<!-- guide-test: demo.vala -->" as demo.vala
in a fresh directory, and the ```sh block after "<!-- guide-test: commands
-->" as the commands. The first command, `export NORTH=…`, is the one line
a reader adapts: it is replaced by NORTH pointing at a directory whose
`build` is BUILD_ROOT. Every other line runs verbatim in bash, in that
directory; the last one (the server) is started by the official MCP
TypeScript client (tests/node/ts-client.mjs over stdio), which calls the
demo's `add` tool. Output is the client's TAP.
"""
import os
import re
import subprocess
import sys
import tempfile


def block_after(text, marker, language):
    match = re.search(re.escape(marker) + r"\s*```" + language + r"\n(.*?)```", text, re.S)
    if match is None:
        sys.exit(f"test-guide: no ```{language} block after {marker!r} in the guide")
    return match.group(1)


def main():
    guide, build_root, node, ts_client = sys.argv[1:5]
    with open(guide, encoding="utf-8") as f:
        text = f.read()
    demo = block_after(text, "<!-- guide-test: demo.vala -->", "vala")
    commands = [line for line in block_after(text, "<!-- guide-test: commands -->", "sh").splitlines()
                if line.strip()]
    if len(commands) < 3 or not commands[0].startswith("export NORTH="):
        sys.exit(f"test-guide: expected 'export NORTH=…', build commands, then the run command; got {commands}")
    build_commands, run_command = commands[1:-1], commands[-1]

    with tempfile.TemporaryDirectory(prefix="north-vala-guide-") as work:
        north = os.path.join(work, "north")
        os.mkdir(north)
        os.symlink(os.path.abspath(build_root), os.path.join(north, "build"))
        with open(os.path.join(work, "demo.vala"), "w", encoding="utf-8") as f:
            f.write(demo)

        # A clean environment for the parts the guide sets itself.
        env = {k: v for k, v in os.environ.items()
               if k not in ("PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "GI_TYPELIB_PATH")}
        env["NORTH"] = north
        script = "set -e\n" + "\n".join(build_commands) + "\n"
        print(f"# running in {work}:", file=sys.stderr)
        for line in build_commands:
            print(f"#   {line}", file=sys.stderr)
        built = subprocess.run(["bash", "-c", script], cwd=work, env=env)
        if built.returncode != 0:
            print("not ok 1 - the guide's build commands")
            print("1..1")
            return 1
        print("ok 1 - the guide's build commands")
        sys.stdout.flush()

        # The run line, verbatim, started by the client over stdio; the
        # exports of the build lines are in force, as in the reader's shell.
        exports = [line for line in build_commands if line.startswith("export ")]
        shell_line = "\n".join(exports + [run_command])
        client = subprocess.run([node, ts_client, "--transport", "stdio", "--command", "bash",
                                 "--args", "-c", shell_line],
                                cwd=work, env=env, stdout=subprocess.PIPE, text=True)
        # Renumber the client's TAP after our own first test.
        count = 1
        for line in client.stdout.splitlines():
            numbered = re.match(r"(not ok|ok) (\d+)(.*)", line)
            if numbered:
                count += 1
                print(f"{numbered.group(1)} {count}{numbered.group(3)}")
            elif not line.startswith("1.."):
                print(line)
        print(f"1..{count}")
        return client.returncode


if __name__ == "__main__":
    sys.exit(main())
