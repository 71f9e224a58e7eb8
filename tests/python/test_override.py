# test_override.py: the PyGObject override of NorthMcp, in process
#
# SPDX-License-Identifier: MIT
import asyncio
import gc
import json
import re
import threading
import typing

import gi
import pytest

gi.require_version("Json", "1.0")
gi.require_version("NorthMcp", "1.0")
from gi.repository import GLib, Json, NorthMcp  # noqa: E402


def input_schema(tool):
    return NorthMcp.json_to_python(tool.get_input_schema())


# --- schemas from type hints ------------------------------------------------

def test_schema_of_plain_types_and_defaults():
    def tool(count: int, ratio: float, name: str, flag: bool = False,
             tags: list[str] = [], weights: dict[str, float] = {}) -> str:
        """Does things.

        At length."""

    made = NorthMcp.tool_from_function(tool)
    assert made.get_name() == "tool"
    assert made.get_description() == "Does things.\n\nAt length."
    schema = input_schema(made)
    properties = schema["properties"]
    assert schema["type"] == "object"
    assert schema["required"] == ["count", "ratio", "name"]
    assert properties["count"]["type"] == "integer"
    assert properties["ratio"]["type"] == "number"
    assert properties["name"]["type"] == "string"
    assert properties["flag"] == {"type": "boolean", "title": "Flag", "default": False}
    assert properties["tags"]["items"] == {"type": "string"}
    assert properties["weights"]["additionalProperties"] == {"type": "number"}


def test_schema_of_optional_literal_annotated_and_any():
    def tool(mode: typing.Literal["fast", "slow"],
             limit: typing.Optional[int] = None,
             note: typing.Annotated[str, "What to say"] = "hi",
             anything: typing.Any = None,
             pair: tuple[int, str] = (1, "a")):
        pass

    properties = input_schema(NorthMcp.tool_from_function(tool))["properties"]
    assert properties["mode"]["enum"] == ["fast", "slow"]
    assert properties["mode"]["type"] == "string"
    assert properties["limit"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert properties["limit"]["default"] is None
    assert properties["note"]["description"] == "What to say"
    assert "type" not in properties["anything"]
    assert properties["pair"]["prefixItems"] == [{"type": "integer"}, {"type": "string"}]


def test_context_parameter_is_not_in_the_schema():
    def tool(a: int, ctx: NorthMcp.Context):
        pass

    schema = input_schema(NorthMcp.tool_from_function(tool))
    assert list(schema["properties"]) == ["a"]


def test_unsupported_hints_are_refused():
    class Thing:
        pass

    def tool(thing: Thing):
        pass

    with pytest.raises(TypeError, match="tool 'tool': parameter 'thing': no JSON Schema"):
        NorthMcp.tool_from_function(tool)
    with pytest.raises(TypeError):
        NorthMcp.schema_for_type(bytes)


def test_decorator_names_hints_and_annotations():
    server = NorthMcp.Server("Test", "1.0", port=5999, server_secret="s3cret", debug=False)

    @server.tool("renamed", destructive=True, idempotent=False)
    def delete(item: str) -> str:
        """Delete an item"""
        return item

    @server.tool
    def bare() -> str:
        return "x"

    def added(n: int) -> int:
        return n

    server.add_tool(added, "plain_function", read_only=True)       # FastMCP's add_tool()
    assert server.lookup_tool("plain_function").get_input_schema() is not None

    assert delete("x") == "x"  # the function is returned unchanged
    assert server.get_port() == 5999
    assert server.get_auth().has_server_secret()
    tool = server.lookup_tool("renamed")
    assert tool is not None and server.lookup_tool("bare") is not None
    annotations = NorthMcp.json_to_python(tool.get_annotations())
    assert annotations == {"destructiveHint": True, "idempotentHint": False}


# --- results ------------------------------------------------------------------

def result_json(value):
    result = NorthMcp.tool_result_from_value(value)
    return NorthMcp.json_to_python(result.to_json())


def test_task_support_by_name_or_enum():
    async def work(topic: str) -> str:
        return topic

    tool = NorthMcp.tool_from_function(work, task_support="required")
    assert tool.get_task_support() == NorthMcp.TaskSupport.REQUIRED
    listed = json.loads(Json.to_string(tool.to_json(), False))
    assert listed["execution"] == {"taskSupport": "required"}
    tool = NorthMcp.tool_from_function(work, task_support=NorthMcp.TaskSupport.OPTIONAL)
    assert tool.props.task_support == NorthMcp.TaskSupport.OPTIONAL
    assert "execution" not in json.loads(Json.to_string(NorthMcp.tool_from_function(work).to_json(), False))
    with pytest.raises(TypeError, match="task_support must be"):
        NorthMcp.tool_from_function(work, task_support="sometimes")


def test_results_from_python_values():
    assert result_json("hello")["content"] == [{"type": "text", "text": "hello"}]
    assert result_json(42)["content"] == [{"type": "text", "text": "42"}]
    assert result_json(True)["content"] == [{"type": "text", "text": "true"}]
    assert result_json(None)["content"] == []
    as_dict = result_json({"a": [1, 2]})
    assert as_dict["structuredContent"] == {"a": [1, 2]}
    assert len(as_dict["content"]) == 1
    as_list = result_json(["x", {"y": 1}])
    assert [block["text"] for block in as_list["content"]] == ["x", '{"y": 1}']
    assert as_list["structuredContent"] == {"result": ["x", {"y": 1}]}
    explicit = NorthMcp.ToolResult.new_error("nope")
    assert NorthMcp.tool_result_from_value(explicit) is explicit
    with pytest.raises(TypeError):
        NorthMcp.tool_result_from_value(object())


def test_json_round_trip_keeps_64_bit_integers():
    value = {"big": 2**62, "neg": -(2**62), "f": 1.5, "s": "é", "n": None, "l": [True]}
    assert NorthMcp.json_to_python(NorthMcp.python_to_json(value)) == value
    with pytest.raises(ValueError):
        NorthMcp.python_to_json(float("nan"))


# --- the user ---------------------------------------------------------------------

def test_no_user_outside_a_request():
    with pytest.raises(NorthMcp.AuthenticationError):
        NorthMcp.get_authenticated_user()


def test_user_accessors():
    claims = Json.from_string('{"email": "a@b.c", "sub": "1"}').get_object()
    user = NorthMcp.User.new("a@b.c", {"google": "abc", "slack": "xyz"}, "id.token.x",
                             claims, {"tenant": "t1"})
    assert user.email == "a@b.c"
    assert user.connector_access_tokens == {"google": "abc", "slack": "xyz"}
    assert isinstance(user.connector_access_tokens, dict)
    assert user.id_token == "id.token.x"
    assert user.claims == {"email": "a@b.c", "sub": "1"}
    assert user.context == {"tenant": "t1"}


def test_no_access_token_outside_a_request():
    assert NorthMcp.get_access_token() is None


def test_access_token_repr_hides_the_token():
    token = NorthMcp.AccessToken(token="eyJ.secret.sig", client_id="a@b.c",
                                 claims={"email": "a@b.c", "connector_access_tokens": {"g": "t"}})
    assert "secret" not in repr(token) and "a@b.c" in repr(token)
    assert token.model_dump() == {"token": "eyJ.secret.sig", "client_id": "a@b.c", "scopes": [],
                                  "expires_at": None, "resource": None,
                                  "claims": {"email": "a@b.c", "connector_access_tokens": {"g": "t"}}}
    # A copy: changing it leaves the token alone.
    token.model_dump()["claims"]["connector_access_tokens"]["g"] = "x"
    assert token.claims["connector_access_tokens"] == {"g": "t"}


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("true", True), ("TRUE", True), ("1", True), ("Yes", True),
    ("on", True), (" on ", True), ("0", False), ("false", False), ("enabled", False),
    # Blanks are ASCII ones, as the servers' rule has them; str.strip()
    # also took \x1c-\x1f and no-break spaces, so that is_debug_mode()
    # said True where the server ran without debug.
    ("\tyes\n", True), ("\x1ctrue", False), ("\u00a0on", False)])
def test_is_debug_mode_reads_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("DEBUG", raising=False)
    else:
        monkeypatch.setenv("DEBUG", value)
    assert NorthMcp.is_debug_mode() is expected
    # The server's own default reads the same rule.
    assert NorthMcp.Server("Demo").get_debug() is expected



def test_health_check_keyword():
    # The North Python SDK's NorthMCPServer(health_check=False).
    assert NorthMcp.Server("Demo").get_health_check() is True
    assert NorthMcp.Server("Demo", health_check=False).get_health_check() is False


# --- the asyncio loop on GLib -----------------------------------------------------------

def test_event_loop_runs_coroutines_on_the_glib_main_loop():
    loop = NorthMcp.get_event_loop()
    main_loop = GLib.MainLoop()
    ticks = []
    outcome = {}

    def tick():
        ticks.append(len(ticks))
        return GLib.SOURCE_CONTINUE

    async def work():
        assert asyncio.get_running_loop() is loop
        release = threading.Event()
        waiter = loop.run_in_executor(None, release.wait)
        # The GLib main loop keeps dispatching while the coroutine waits.
        while len(ticks) < 3:
            await asyncio.sleep(0.01)
        release.set()
        await waiter
        values = await asyncio.gather(asyncio.sleep(0, "a"), asyncio.to_thread(lambda: "b"))
        try:
            await asyncio.wait_for(asyncio.sleep(3600), 0.01)
        except asyncio.TimeoutError:
            values.append("timeout")
        return values

    def done(task):
        outcome["value"] = task.result()
        main_loop.quit()

    source = GLib.timeout_add(5, tick)
    loop.create_task(work()).add_done_callback(done)
    main_loop.run()
    GLib.source_remove(source)
    assert outcome["value"] == ["a", "b", "timeout"]
    assert len(ticks) >= 3


# --- ownership: servers and tools are freed -------------------------------------------------

def rss_kib():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 // 1024


def make_server(finalized):
    server = NorthMcp.Server("Leak", "1.0")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add"""
        return a + b

    @server.tool(read_only=True)
    async def later(text: str, ctx: NorthMcp.Context) -> dict:
        """Later"""
        return {"text": text}

    server.weak_ref(lambda: finalized.append("server"))
    for tool in server.list_tools():
        tool.weak_ref(lambda: finalized.append("tool"))
    return server


def test_servers_with_tools_are_freed_and_memory_stays_flat():
    finalized = []
    batches = 10
    per_batch = 100
    samples = []
    for _ in range(batches):
        for _ in range(per_batch):
            server = make_server(finalized)
            del server
        gc.collect()
        samples.append(rss_kib())

    count = batches * per_batch
    assert finalized.count("server") == count
    assert finalized.count("tool") == 2 * count
    # A leak of a server and its two tools per iteration would add well
    # over 1 KiB each time (900 iterations between the two samples);
    # PyGObject itself leaks ~120 bytes per callback it registers, hence
    # tools override the call vfunc.
    growth = samples[-1] - samples[0]
    print("RSS after each batch (KiB):", samples)
    assert growth < 256, "RSS grew by %d KiB: %r" % (growth, samples)


def add_and_remove(server, kind):
    if kind == "prompt":
        server.prompt("greet")(lambda name: "Hello " + name)
        assert server.remove_prompt("greet")
    elif kind == "resource":
        server.resource("notes://fixed")(lambda: "a note")
        assert server.remove_resource("notes://fixed")
    else:
        server.resource("notes://{title}")(lambda title: "note " + title)
        assert server.remove_resource_template("notes://{title}")


def features_of(server):
    return server.list_prompts() + server.list_resources() + server.list_resource_templates()


@pytest.mark.parametrize("kind", ["prompt", "resource", "template"])
@pytest.mark.parametrize("completion", [False, True], ids=["plain", "with-completion"])
def test_added_and_removed_features_do_not_grow_memory(kind, completion):
    """A server that adds and removes prompts, resources and templates made
    from functions as it runs: each is freed and leaves nothing behind
    (PyGObject kept ~80 bytes for every callback set on one, hence they
    override their class's vfuncs, as tools do)."""
    server = NorthMcp.Server("Features", "1.0")
    if completion:
        server.completion()(lambda ref, argument, context: ["a"])
    for _ in range(1000):
        add_and_remove(server, kind)
    gc.collect()
    before = rss_kib()
    for _ in range(10000):
        add_and_remove(server, kind)
    gc.collect()
    growth = rss_kib() - before
    # 800 KiB for 80 bytes a cycle.
    assert growth < 256, "RSS grew by %d KiB over 10,000 cycles" % growth
    assert features_of(server) == []

    # The ones the server has are freed with it.
    finalized = []
    server.resource("last://{x}" if kind == "template" else "last://x")(lambda x=None: "x")
    server.prompt("last")(lambda: "x")
    for feature in features_of(server):
        feature.weak_ref(lambda: finalized.append(True))
    del server, feature
    gc.collect()
    assert finalized == [True, True]


def test_event_loop_callbacks_do_not_grow_memory():
    loop = NorthMcp.get_event_loop()
    main_loop = GLib.MainLoop()
    samples = []

    async def spin():
        for _ in range(10):
            for _ in range(2000):
                await asyncio.sleep(0)
                loop.call_later(0, lambda: None)
            samples.append(rss_kib())

    def done(task):
        task.result()
        main_loop.quit()

    loop.create_task(spin()).add_done_callback(done)
    main_loop.run()
    # 18 000 callbacks and timers between the first and last sample.
    growth = samples[-1] - samples[0]
    assert growth < 256, "RSS grew by %d KiB: %r" % (growth, samples)


def test_run_rejects_bad_options_with_status_1(capfd):
    server = NorthMcp.Server("Options", "1.0")
    assert server.run(argv=["prog", "--transport", "carrier-pigeon"]) == 1
    assert "Unknown transport 'carrier-pigeon'" in capfd.readouterr().err
    # Keyword defaults are applied before the command line is parsed.
    assert server.run("nonsense", argv=["prog"], port=6001) == 1
    assert server.get_port() == 6001


# --- FastMCP parity: schemas, conversions, results, errors ----------------------------------

import dataclasses  # noqa: E402
import enum  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pydantic  # noqa: E402

# The override module itself, for its private helpers.
impl = sys.modules["gi.overrides.NorthMcp"]


class Shade(enum.Enum):
    DARK = "dark"
    LIGHT = "light"


@dataclasses.dataclass
class Tree:
    name: str
    children: "list[Tree]" = dataclasses.field(default_factory=list)
    shade: typing.Optional[Shade] = None


class Inner(pydantic.BaseModel):
    value: int


class Outer(pydantic.BaseModel):
    inner: Inner
    items: typing.List[Inner] = []


def test_decoration_errors_name_the_tool_and_the_parameter():
    class Opaque:
        pass

    def lookup(key: str, thing: Opaque):
        pass

    with pytest.raises(TypeError, match=r"^tool 'lookup': parameter 'thing': no JSON Schema"):
        NorthMcp.tool_from_function(lookup)
    with pytest.raises(TypeError, match=r"^tool 'renamed': parameter 'thing'"):
        NorthMcp.tool_from_function(lookup, "renamed")
    server = NorthMcp.Server("Errors", "1.0")
    with pytest.raises(TypeError, match=r"^prompt 'lookup': parameter 'thing'"):
        server.prompt()(lookup)
    with pytest.raises(TypeError, match=r"resource 'lookup': the variables \['other'\]"):
        server.resource("x://{key}/{other}", name="lookup")(lambda key: key)
    with pytest.raises(TypeError, match=r"resource 'fixed': x://fixed has no variables "
                                        r"for the parameters \['key'\]"):
        server.resource("x://fixed", name="fixed")(lambda key: key)


def test_recursive_dataclass_schema_and_conversion():
    schema = NorthMcp.schema_for_type(Tree)
    assert schema["$ref"] == "#/$defs/Tree"
    tree = schema["$defs"]["Tree"]
    assert tree["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    assert tree["required"] == ["name"]
    assert tree["properties"]["shade"]["anyOf"] == [{"$ref": "#/$defs/Shade"}, {"type": "null"}]
    value = impl._convert({"name": "a", "children": [{"name": "b", "shade": "dark"}]},
                              Tree, "tree")
    assert value == Tree("a", [Tree("b", [], Shade.DARK)])


def test_pydantic_v1_models_nest_in_defs():
    schema = NorthMcp.schema_for_type(Outer)
    outer = schema["$defs"]["Outer"]
    assert outer["properties"]["inner"] == {"$ref": "#/$defs/Inner"}
    assert schema["$defs"]["Inner"]["properties"]["value"]["type"] == "integer"
    value = impl._convert({"inner": {"value": 1.0}, "items": [{"value": 2}]}, Outer, "o")
    assert isinstance(value, Outer) and value.inner.value == 1 and value.items[0].value == 2
    with pytest.raises(NorthMcp.ArgumentError, match="argument 'o'"):
        impl._convert({"inner": {"value": "x"}}, Outer, "o")


def test_conversions_follow_the_hints():
    convert = impl._convert
    assert convert([1, "2"], tuple[int, str], "t") == (1, "2")
    assert convert(["dark", "dark"], set[Shade], "s") == {Shade.DARK}
    # Tool arguments are JSON: a string stays a string.
    assert convert("7", typing.Union[int, str], "u") == "7"
    with pytest.raises(NorthMcp.ArgumentError, match="argument 'n' must be an integer"):
        convert("7", int, "n")
    # Template variables and prompt arguments are text.
    assert convert("7", typing.Union[int, str], "u", True) == 7
    assert convert("seven", typing.Union[int, str], "u", True) == "seven"
    assert convert("false", bool, "b", True) is False
    assert convert("2", typing.Literal[1, 2], "l", True) == 2
    assert convert("dark", Shade, "s", True) is Shade.DARK
    assert convert(None, typing.Optional[Tree], "o") is None
    assert convert({"a": 2.0}, dict[str, int], "d") == {"a": 2}
    with pytest.raises(NorthMcp.ArgumentError, match=r"argument 'l\[1\]' must be an integer"):
        convert([1, 2.5], list[int], "l")


def test_output_schema_rules():
    def spec(hint):
        return impl._output_spec(hint, "f")

    assert spec(inspect_empty()) == (None, False)
    assert spec(dict) == (None, False)
    assert spec(typing.Any) == (None, False)
    schema, wrap = spec(None)
    assert wrap and schema["properties"]["result"] == {"type": "null", "title": "Result"}
    schema, wrap = spec(Tree)                   # recursive: the root stays in $defs too
    assert not wrap and schema["type"] == "object" and "Tree" in schema["$defs"]
    schema, wrap = spec(dict[str, float])
    assert not wrap and schema["additionalProperties"] == {"type": "number"}
    schema, wrap = spec(dict[int, str])
    assert wrap


def inspect_empty():
    import inspect
    return inspect.Parameter.empty


def test_results_of_objects():
    as_dataclass = result_json(Tree("a"))
    assert as_dataclass["structuredContent"] == {"name": "a", "children": [], "shade": None}
    as_model = result_json(Inner(value=3))
    assert as_model["structuredContent"] == {"value": 3}
    assert result_json(Shade.DARK)["content"] == [{"type": "text", "text": "dark"}]


def test_error_messages_have_the_type_and_no_quark():
    message = impl._error_message
    assert message(KeyError("nope")) == "KeyError: 'nope'"
    assert message(ValueError()) == "ValueError"
    assert message(NorthMcp.ToolError("plain")) == "plain"
    error = GLib.Error.new_literal(NorthMcp.error_quark(), "went wrong", 2)
    assert message(error) == "GLib.Error: went wrong"
    assert "quark" not in message(error)


def test_context_logging_needs_no_await_but_allows_it():
    done = NorthMcp.Context.info.__doc__
    assert "awaitable" in done
    awaitable = impl._DONE

    async def use():
        await awaitable
        return "ok"

    coroutine = use()
    with pytest.raises(StopIteration) as stop:
        coroutine.send(None)
    assert stop.value.value == "ok"


def test_loop_serves_sockets_and_signals_on_the_glib_main_loop():
    import signal
    import socket
    loop = NorthMcp.get_event_loop()
    main_loop = GLib.MainLoop()
    outcome = {}

    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(line.upper())
        await writer.drain()
        writer.close()

    async def work():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"ping\n")
        echoed = await reader.readline()
        writer.close()
        server.close()
        await server.wait_closed()
        infos = await loop.getaddrinfo("127.0.0.1", port, type=socket.SOCK_STREAM)
        got_signal = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, got_signal.set_result, "usr1")
        try:
            os.kill(os.getpid(), signal.SIGUSR1)
            signalled = await got_signal
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)
        return echoed, infos[0][4], signalled

    def done(task):
        outcome["value"] = task.result()
        main_loop.quit()

    loop.create_task(work()).add_done_callback(done)
    main_loop.run()
    echoed, address, signalled = outcome["value"]
    assert echoed == b"PING\n" and address[0] == "127.0.0.1" and signalled == "usr1"
    with pytest.raises(RuntimeError, match="runs whenever the GLib main loop runs"):
        loop.run_until_complete(asyncio.sleep(0))


def serve_while(work):
    """Runs work() in a thread while the GLib main loop runs here (the
    server's); what it returned."""
    main_loop = GLib.MainLoop()
    outcome = []

    def client():
        try:
            outcome.append(work())
        finally:
            GLib.idle_add(main_loop.quit)

    thread = threading.Thread(target=client)
    thread.start()
    main_loop.run()
    thread.join()
    assert outcome, "the client thread failed"
    return outcome[0]


def serve_posts(server, bodies):
    """POSTs each of @bodies to @server's /mcp in turn; their answers."""
    import urllib.request
    url = "http://127.0.0.1:%d/mcp" % server.get_bound_port()

    def post_all():
        answers = []
        for body in bodies:
            request = urllib.request.Request(url, json.dumps(body).encode(), {
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream"})
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append(json.loads(response.read()))
        return answers

    return serve_while(post_all)


def serve_gets(server, path, count):
    """GETs @path of @server @count times; the statuses and bodies."""
    import urllib.error
    import urllib.request
    url = "http://127.0.0.1:%d%s" % (server.get_bound_port(), path)

    def get_all():
        answers = []
        for _ in range(count):
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    answers.append((response.status, response.read()))
            except urllib.error.HTTPError as error:
                answers.append((error.code, error.read()))
        return answers

    return serve_while(get_all)


def test_request_signals_over_http():
    server = NorthMcp.Server("Signals", "1.0")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add"""
        return a + b

    events = []
    server.connect("request-started",
                   lambda _, context: events.append(("started", context.get_method())))
    server.connect("request-finished",
                   lambda _, context, error: events.append(
                       ("finished", context.get_method(),
                        None if error is None else (error.domain, error.code))))
    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    answers = serve_posts(server, [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
         "params": {"name": "add", "arguments": {"a": 1, "b": 2}}},
        {"jsonrpc": "2.0", "id": 2, "method": "no/such"}])
    server.stop()
    assert answers[0]["result"]["content"][0]["text"] == "3"
    assert answers[1]["error"]["code"] == -32601
    assert events == [
        ("started", "tools/call"), ("finished", "tools/call", None),
        ("started", "no/such"), ("finished", "no/such", ("north-mcp-jsonrpc-error-quark", -32601)),
    ]


def test_bindings_folder_without_pygobject_says_so():
    # -S: no site-packages, hence no PyGObject; bindings/python still on
    # PYTHONPATH, as in a virtualenv without PyGObject.
    bindings = next(path for path in sys.path if path.endswith(os.path.join("bindings", "python")))
    result = subprocess.run([sys.executable, "-S", "-c", "import gi; gi.require_version('NorthMcp', '1.0')"],
                            env=dict(os.environ, PYTHONPATH=bindings),
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "PyGObject (the 'gi' module) is not installed for this Python" in result.stderr
    assert "has no attribute 'require_version'" not in result.stderr


PYDANTIC2_PROGRAM = r'''
import json, typing
import pydantic
import gi
gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp
impl = __import__("sys").modules["gi.overrides.NorthMcp"]

class Inner(pydantic.BaseModel):
    SCHEMA = {"title": "Inner", "type": "object", "properties": {"v": {"type": "integer"}}}

class Model(pydantic.BaseModel):
    SCHEMA = {"title": "Model", "type": "object",
              "properties": {"inner": {"$ref": "#/$defs/Inner"}},
              "$defs": {"Inner": Inner.SCHEMA}}

def tool(m: Model, n: typing.Annotated[int, pydantic.Field(description="n", ge=1)],
         s: str = pydantic.Field("x", max_length=3)) -> Model:
    return m

made = NorthMcp.tool_from_function(tool)
value = impl._convert({"inner": {"v": 1}}, Model, "m")
print(json.dumps({
    "input": NorthMcp.json_to_python(made.get_input_schema()),
    "output": NorthMcp.json_to_python(made.get_output_schema()),
    "converted": [type(value).__name__, value.inner],
    "dumped": impl._to_jsonable(value),
}))
'''


def test_pydantic_2_api_is_used_when_present():
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_pydantic2")
    result = subprocess.run([sys.executable, "-c", PYDANTIC2_PROGRAM],
                            env=dict(os.environ, PYTHONPATH=fake + os.pathsep +
                                     os.environ.get("PYTHONPATH", "")),
                            capture_output=True, text=True, check=True)
    got = json.loads(result.stdout)
    schema = got["input"]
    assert schema["properties"]["m"] == {"$ref": "#/$defs/Model"}
    assert schema["$defs"]["Model"]["properties"]["inner"] == {"$ref": "#/$defs/Inner"}
    assert schema["$defs"]["Inner"]["properties"]["v"] == {"type": "integer"}
    assert schema["properties"]["n"] == {"type": "integer", "description": "n", "minimum": 1,
                                         "title": "N"}
    assert schema["properties"]["s"] == {"type": "string", "maxLength": 3, "title": "S",
                                         "default": "x"}
    assert schema["required"] == ["m", "n"]
    assert got["output"]["title"] == "Model" and "Inner" in got["output"]["$defs"]
    assert got["converted"] == ["Model", {"v": 1}]
    assert got["dumped"] == {"inner": {"v": 1}}


@pytest.mark.parametrize("version", ["1.0.0", "2.1-beta+7", "v3", "2024.10.1"])
def test_server_takes_a_version_positionally(version):
    assert NorthMcp.Server("Demo", version).get_version() == version


def test_server_refuses_instructions_in_the_version_place():
    # FastMCP("Demo", "Answer briefly.") ported by changing its constructor
    # line: FastMCP's second positional argument is the instructions, and it
    # must not silently become the version.
    with pytest.raises(TypeError, match="instructions="):
        NorthMcp.Server("Demo", "Answer briefly.")
    with pytest.raises(TypeError, match="instructions="):
        NorthMcp.Server("Demo", "1. Use the add tool for sums")
    server = NorthMcp.Server("Demo", instructions="Answer briefly.", version="dev")
    assert (server.get_version(), server.get_instructions()) == ("dev", "Answer briefly.")
    assert NorthMcp.Server("Demo").get_version() == "0.1.0"
    with pytest.raises(TypeError, match="twice"):
        NorthMcp.Server("Demo", "1.0", version="2.0")
    with pytest.raises(TypeError, match="positionally"):
        NorthMcp.Server("Demo", "1.0", "Answer briefly.")


def test_depends_takes_plain_functions_only():
    async def coroutine():
        return 1

    with pytest.raises(TypeError, match="coroutine function"):
        NorthMcp.Depends(coroutine)
    with pytest.raises(TypeError, match="takes a function"):
        NorthMcp.Depends(42)


# --- failures any client can cause, in the log ---------------------------------------------

def test_failing_tool_calls_do_not_flood_the_log(capfd, monkeypatch):
    # Any client can call a tool that raises as often as it likes: one
    # line the first time, then one a minute at most (the interval is
    # shortened here as NORTH_MCP_LOG_INTERVAL_MS does), with the count
    # left out; the whole traceback every time in debug mode only. The
    # client's error result is the same every time.
    server = NorthMcp.Server("Failing", "1.0", debug=False)

    @server.tool()
    def fail() -> str:
        """Fails"""
        raise KeyError("nope")

    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "fail", "arguments": {}}}
    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    try:
        answers = []
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 0, raising=False)
        answers += serve_posts(server, [call])
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 3600 * 24, raising=False)
        answers += serve_posts(server, [call] * 20)
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 0, raising=False)
        answers += serve_posts(server, [call])
        lines = [line for line in capfd.readouterr().err.splitlines() if "failed" in line]
        assert len(lines) == 2, lines
        assert re.fullmatch(r"NorthMcp: tool 'fail' failed: KeyError: 'nope' \(.*test_override\.py:\d+ "
                            r"in fail\)( \(\d+ more since the last line\))?", lines[0])
        assert lines[1].startswith("NorthMcp: tool 'fail' failed: KeyError: 'nope' (")
        assert lines[1].endswith(" in fail) (20 more since the last line)")

        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 3600 * 24, raising=False)
        server.set_debug(True)
        answers += serve_posts(server, [call] * 3)
        err = capfd.readouterr().err
        assert err.count("NorthMcp: tool 'fail' failed:\nTraceback (most recent call last):\n") == 3
        assert err.count("\nKeyError: 'nope'\n") == 3
    finally:
        server.stop()
    for answer in answers:
        assert answer["result"] == {"content": [{"type": "text", "text": "KeyError: 'nope'"}],
                                    "isError": True}


def test_failing_routes_do_not_flood_the_log(capfd, monkeypatch):
    # Custom routes are not behind North authentication: anybody can
    # request one that raises as often as they like. Logged as tool
    # failures are; the answer stays a 500.
    server = NorthMcp.Server("Failing routes", "1.0", debug=False)

    @server.custom_route("/boom", methods=["GET"])
    def boom(request):
        raise KeyError("nope")

    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    try:
        answers = []
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 0, raising=False)
        answers += serve_gets(server, "/boom", 1)
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 3600 * 24, raising=False)
        answers += serve_gets(server, "/boom", 20)
        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 0, raising=False)
        answers += serve_gets(server, "/boom", 1)
        lines = [line for line in capfd.readouterr().err.splitlines() if "failed" in line]
        assert len(lines) == 2, lines
        assert lines[0].startswith("NorthMcp: route boom failed: KeyError: 'nope'")
        assert lines[1].startswith("NorthMcp: route boom failed: KeyError: 'nope'")
        assert lines[1].endswith(" (20 more since the last line)")

        monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 3600 * 24, raising=False)
        server.set_debug(True)
        answers += serve_gets(server, "/boom", 3)
        err = capfd.readouterr().err
        assert err.count("NorthMcp: route boom failed:\nTraceback (most recent call last):\n") == 3
        assert err.count("\nKeyError: 'nope'\n") == 3
    finally:
        server.stop()
    assert answers == [(500, b"Internal Server Error")] * 25


def test_repeated_request_headers_are_joined_once(monkeypatch):
    """A custom route's request.headers joins a field repeated in the head
    into one value, each value copied once: the joined value was built
    again for each repetition, quadratic in the head (the 60,000 bytes of
    the larger head here copied 64 MB). Measured by the bytes the headers
    were given, for heads of 1x and 8x the fields, not by time."""
    given = []

    class CountingHeaders(impl._Headers):
        def __setitem__(self, name, value):
            given.append(len(value))
            super().__setitem__(name, value)

    monkeypatch.setattr(impl, "_Headers", CountingHeaders)
    server = NorthMcp.Server("Headers", "1.0")

    @server.custom_route("/headers", methods=["GET"])
    def headers(request):
        return {"x-rep": len(request.headers["X-Rep"]),
                "commas": request.headers["x-rep"].count(", ")}

    def get(fields):
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", server.get_bound_port(), timeout=60)
        try:
            connection.putrequest("GET", "/headers")
            for _ in range(fields):
                connection.putheader("X-Rep", "v" * 6)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    try:
        copied = []
        for fields in (500, 4000):      # 4000 lines "X-Rep: vvvvvv": 60,000 bytes of head
            del given[:]
            status, answer = serve_while(lambda: get(fields))
            assert status == 200
            assert answer == {"x-rep": 6 * fields + 2 * (fields - 1), "commas": fields - 1}
            copied.append(sum(given))
        # Each value once: the joined value, and the few other fields.
        assert copied[0] < 6 * 500 + 2 * 500 + 1024, copied
        assert copied[1] < 8 * copied[0], copied
    finally:
        server.stop()


def test_removed_and_replaced_resources_are_forgotten():
    """ctx.read_resource() reads the resources the server has now: not one
    removed or replaced since, whose function the server kept for good
    (a server that adds and removes resources as it runs grew by every
    one, and its context read the first one of a URI ever added)."""
    server = NorthMcp.Server("Resources", "1.0")

    @server.tool()
    async def read(uri: str, ctx: NorthMcp.Context) -> str:
        try:
            return (await ctx.read_resource(uri))[0].content
        except NorthMcp.McpError as error:
            return "error %d" % error.code

    cycles = 1000
    for i in range(cycles):
        server.resource("notes://now")(lambda i=i: "note %d" % i)
        server.resource("gone://fixed")(lambda: "gone")
        server.resource("gone://{item}")(lambda item: "gone " + item)
        assert server.remove_resource("gone://fixed")
        assert server.remove_resource_template("gone://{item}")
    server.resource("notes://{title}")(lambda title: "template " + title)

    gc.collect()
    readers = sum(type(thing).__name__ == "_ResourceReader" for thing in gc.get_objects())
    assert readers <= 2, "%d readers kept for 2 resources" % readers

    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    calls = [{"jsonrpc": "2.0", "id": n, "method": "tools/call",
              "params": {"name": "read", "arguments": {"uri": uri}}}
             for n, uri in enumerate(["notes://now", "gone://fixed", "gone://x", "notes://x"])]
    answers = serve_posts(server, calls)
    server.stop()
    assert [answer["result"]["content"][0]["text"] for answer in answers] == [
        "note %d" % (cycles - 1), "error -32002", "error -32002", "template x"]


def test_read_resource_answers_as_the_resource_does(capfd):
    """ctx.read_resource() goes through the library's resources/read: what
    it returns and raises is what the resource's function returned and
    raised, async or not; any resource of the server is read, also one made
    without a function or returning a NorthMcp.ResourceContents."""
    server = NorthMcp.Server("Reads", "1.0")

    @server.resource("fail://{key}")
    def fail(key: int) -> str:
        raise KeyError("no key %d" % key)

    @server.resource("later://bytes")
    async def later() -> bytes:
        await asyncio.sleep(0)
        return b"\x00\x01"

    @server.resource("made://fixed", mime_type="text/markdown")
    def made() -> NorthMcp.ResourceContents:
        return NorthMcp.ResourceContents.new_text("made://fixed", "text/markdown", "# made")

    @server.resource("wrap://{uri}")
    async def wrap(uri: str, ctx: NorthMcp.Context) -> str:
        return "wrapped " + (await ctx.read_resource(uri))[0].content

    server.add_resource(NorthMcp.Resource.new_text("plain://note", "note", "text/plain", "plain"))

    @server.tool()
    async def read(uri: str, ctx: NorthMcp.Context) -> list:
        try:
            return [[item.content if isinstance(item.content, str) else item.content.hex(),
                     item.mime_type] for item in await ctx.read_resource(uri)]
        except Exception as error:
            return ["%s: %s" % (type(error).__name__, error), getattr(error, "code", None)]

    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    uris = ["fail://3", "fail://x", "later://bytes", "made://fixed", "plain://note",
            "wrap://plain%3A%2F%2Fnote", "wrap://fail%3A%2F%2F4", "nothing://here"]
    calls = [{"jsonrpc": "2.0", "id": n, "method": "tools/call",
              "params": {"name": "read", "arguments": {"uri": uri}}} for n, uri in enumerate(uris)]
    answers = serve_posts(server, calls)
    server.stop()
    assert [answer["result"]["structuredContent"]["result"] for answer in answers] == [
        ["KeyError: 'no key 3'", None],
        ["ArgumentError: argument 'key' must be an integer, got string", None],
        [["0001", "application/octet-stream"]],
        [["# made", "text/markdown"]],
        [["plain", "text/plain"]],
        [["wrapped plain", "text/plain"]],
        ["KeyError: 'no key 4'", None],
        ["McpError: Unknown resource: nothing://here", -32002]]
    # The caller has the exceptions: no failure line for them.
    assert "failed" not in capfd.readouterr().err


def test_failure_lines_escape_what_the_client_sent(capfd, monkeypatch):
    # An exception's message often quotes the client's arguments: its
    # control characters are escaped, as the library's own log lines do,
    # so that one failure is one line and a client cannot write lines of
    # its own (nor terminal escapes), also in debug mode's traceback.
    server = NorthMcp.Server("Failing", "1.0", debug=False)

    @server.tool()
    def weather(city: str) -> str:
        """Fails"""
        raise ValueError("unknown city: " + city)

    sent = "Paris\nNorthMcp: forged\r\x1b[2J\x85\u2028\ttab"
    escaped = "Paris\\nNorthMcp: forged\\r\\x1b[2J\\x85\\u2028\ttab"
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "weather", "arguments": {"city": sent}}}
    monkeypatch.setattr(impl, "_LOG_INTERVAL_S", 0, raising=False)
    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    try:
        answers = serve_posts(server, [call])
        err = capfd.readouterr().err
        lines = [line for line in err.splitlines() if "NorthMcp" in line]
        assert len(lines) == 1 and lines[0].startswith(
            "NorthMcp: tool 'weather' failed: ValueError: unknown city: %s (" % escaped), err

        server.set_debug(True)
        answers += serve_posts(server, [call])
        err = capfd.readouterr().err
        assert "\nValueError: unknown city: %s\n" % escaped in err, err
        assert not re.search(r"[\r\x1b\x85\u2028]|^NorthMcp: forged", err, re.MULTILINE), err
    finally:
        server.stop()
    # The client's own answer is its own business: unescaped.
    for answer in answers:
        assert answer["result"]["content"][0]["text"] == "ValueError: unknown city: " + sent


def test_read_resource_cancelled_by_its_caller_ends(capfd):
    """A tool that cancels the asyncio task awaiting ctx.read_resource()
    (asyncio.wait_for(), a task it gave up on) ends the read: the
    resource's function is cancelled with it, rather than running on for
    nobody until it finishes (for good, for one that waits on something
    that never comes)."""
    server = NorthMcp.Server("Reads", "1.0")
    events = []
    started = asyncio.Event()

    @server.resource("slow://forever")
    async def slow() -> str:
        events.append("started")
        started.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return "never"

    @server.tool()
    async def give_up(ctx: NorthMcp.Context) -> str:
        reading = asyncio.ensure_future(ctx.read_resource("slow://forever"))
        await started.wait()
        reading.cancel()
        try:
            await reading
        except asyncio.CancelledError:
            return "gave up"
        return "read"

    server.set_stateless(True)
    server.set_port(0)
    server.start(NorthMcp.TransportKind.STREAMABLE_HTTP)
    answers = serve_posts(server, [{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                    "params": {"name": "give_up", "arguments": {}}}])
    # Whatever the cancellation has left to do is ready now: no timer.
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass
    server.stop()
    assert answers[0]["result"]["content"][0]["text"] == "gave up"
    assert events == ["started", "cancelled"]
    # Nobody failed: no line, no asyncio warning.
    assert capfd.readouterr().err == ""


def test_features_made_from_functions_refuse_another_handler():
    """The handler of a tool, resource, template or prompt made from a
    function is that function (the class's virtual method runs it):
    set_func() and set_async_func() on one would be ignored, so they raise
    TypeError rather than do nothing."""
    def work(item_id: int = 0) -> str:
        return "work"

    made = [NorthMcp.tool_from_function(work),
            NorthMcp.resource_from_function(work, "work://fixed"),
            NorthMcp.resource_from_function(work, "work://{item_id}"),
            NorthMcp.prompt_from_function(work)]
    assert [type(feature).__name__ for feature in made] == [
        "FunctionTool", "FunctionResource", "FunctionResourceTemplate", "FunctionPrompt"]
    for feature in made:
        for setter in ("set_func", "set_async_func"):
            with pytest.raises(TypeError, match=r"^%s\(\): the handler of a %s is its Python "
                                                r"function \(\.function, work\(\)\)"
                                                % (setter, type(feature).__name__)):
                getattr(feature, setter)(lambda *args: None)
        assert feature.function is work
    # Completion functions are theirs to set.
    made[2].set_completion_func(lambda *args: None)
    made[3].set_completion_func(lambda *args: None)
