# NorthMcp.py: the Pythonic layer of north-mcp-glib for PyGObject
#
# SPDX-License-Identifier: MIT
"""Python conveniences on top of the NorthMcp introspection module.

PyGObject loads this file by itself when a program imports
``gi.repository.NorthMcp``::

    import gi
    gi.require_version("NorthMcp", "1.0")
    from gi.repository import NorthMcp

    mcp = NorthMcp.Server("Demo", port=5222)

    @mcp.tool()
    def add(a: int, b: int) -> int:
        \"\"\"Add two numbers\"\"\"
        return a + b

    if __name__ == "__main__":
        mcp.run()

What it adds:

- ``Server(name, version, port=..., server_secret=..., debug=..., ...)``
  and the ``@server.tool()`` decorator, which derives the tool's name,
  description (the docstring) and input JSON Schema (the type hints) from a
  plain function, converts the arguments to Python values and the return
  value to an MCP tool result;
- ``async def`` tools, run on the GLib main loop by a small asyncio event
  loop of this module (``asyncio.sleep``, ``asyncio.gather``,
  ``asyncio.to_thread``, ``loop.run_in_executor`` work; socket and
  subprocess APIs of asyncio do not);
- ``get_authenticated_user()``, raising ``AuthenticationError`` when the
  request carries no North user, and ``User.email``,
  ``User.connector_access_tokens`` (a dict) and friends;
- ``@server.resource(uri)`` and ``@server.prompt()`` likewise;
- ``Context`` with awaitable ``sample()``, ``elicit()``, ``list_roots()``,
  progress and logging shortcuts;
- ``Server.run()``, which parses ``--transport`` and the other shared
  options from ``sys.argv``.
"""

import asyncio
import collections
import collections.abc
import contextvars
import inspect
import json
import selectors
import sys
import threading
import traceback
import types
import typing

from gi.repository import GLib, GObject, Json

from ..module import get_introspection_module
from ..overrides import override

NorthMcp = get_introspection_module("NorthMcp")

__all__ = []

_NoneType = type(None)


# ---------------------------------------------------------------------------
# JSON: json-glib nodes <-> Python values. Going through JSON text keeps the
# conversion exact (64-bit integers, nested containers) and simple.

def json_to_python(value):
    """Converts a ``Json.Node``, ``Json.Object`` or ``Json.Array`` to plain
    Python values (dict, list, str, int, float, bool, None)."""
    if value is None:
        return None
    if isinstance(value, Json.Object):
        value = Json.Node.alloc().init_object(value)
    elif isinstance(value, Json.Array):
        value = Json.Node.alloc().init_array(value)
    return json.loads(Json.to_string(value, False))


def python_to_json(value):
    """Converts a JSON-serialisable Python value to a new ``Json.Node``."""
    return Json.from_string(json.dumps(value, allow_nan=False, default=_json_default))


def _json_default(value):
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError("%s is not JSON serializable" % type(value).__name__)


__all__ += ["json_to_python", "python_to_json"]


# ---------------------------------------------------------------------------
# The asyncio event loop of async tools: the standard library's selector
# loop (sockets, transports, servers, subprocesses, signals, executors),
# driven by the GLib main context instead of its own run_forever(). GLib
# watches the selector's epoll descriptor; whenever it is readable, or a
# callback is ready, or a timer is due, one asyncio iteration runs with a
# select() that does not block. One loop, no polling, no extra thread.

class _NonBlockingSelector(selectors.BaseSelector):
    """The selector of a GLibEventLoop: a real epoll (or poll) selector
    whose select() never waits. GLib does the waiting, on fileno()."""

    def __init__(self):
        self._selector = selectors.DefaultSelector()

    def fileno(self):
        return self._selector.fileno()

    def register(self, fileobj, events, data=None):
        return self._selector.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._selector.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._selector.modify(fileobj, events, data)

    def select(self, timeout=None):
        return self._selector.select(0)

    def get_key(self, fileobj):
        return self._selector.get_key(fileobj)

    def get_map(self):
        return self._selector.get_map()

    def close(self):
        self._selector.close()


class _LoopSource(GLib.Source):
    """Ready when the loop has callbacks queued or a timer is due. One
    source for all callbacks, rather than a source per callback: PyGObject
    3.42 leaks a little memory for every callback it hands to GLib."""

    def __init__(self, loop):
        super().__init__()
        self._loop = loop
        self.set_priority(GLib.PRIORITY_DEFAULT)
        self.set_can_recurse(False)

    def prepare(self):
        timeout = self._loop._timeout_ms()
        return timeout == 0, timeout

    def check(self):
        return self._loop._timeout_ms() == 0

    def dispatch(self, callback, args):
        self._loop._iterate()
        return GLib.SOURCE_CONTINUE


class GLibEventLoop(asyncio.SelectorEventLoop):
    """The asyncio event loop async tools run on: asyncio's own
    ``SelectorEventLoop`` (all of its socket, server, subprocess, signal
    and executor APIs), iterated by the GLib main context it was made for
    (the thread's default one) rather than by ``run_forever()``. It counts
    as running whenever that context is iterated, as
    ``north_mcp_server_run()`` does."""

    def __init__(self):
        super().__init__(_NonBlockingSelector())
        self._main_context = GLib.MainContext.ref_thread_default()
        self._tasks = set()
        # What run_forever() would set: the loop "runs" on this thread.
        self._thread_id = threading.get_ident()
        self._source = _LoopSource(self)
        self._source.attach(self._main_context)
        self._fd_source = GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, self._selector.fileno(), GLib.IOCondition.IN,
            self._on_selector_ready)

    def _on_selector_ready(self, fd, condition):
        self._iterate()
        return GLib.SOURCE_CONTINUE

    def _timeout_ms(self):
        if self._ready or self._stopping:
            return 0
        if not self._scheduled:
            return -1
        delay = self._scheduled[0].when() - self.time()
        return 0 if delay <= 0 else max(1, int(delay * 1000 + 0.999))

    def _iterate(self):
        if self.is_closed():
            return
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self)
        try:
            self._run_once()
        finally:
            asyncio.events._set_running_loop(previous)

    def run_forever(self):
        raise RuntimeError("this event loop runs whenever the GLib main loop runs "
                           "(NorthMcp.Server.run()); await in an async tool instead")

    def run_until_complete(self, future):
        raise RuntimeError("this event loop runs whenever the GLib main loop runs "
                           "(NorthMcp.Server.run()); await in an async tool instead")

    def _run_until_done(self, awaitable):
        """Iterates the GLib main context until @awaitable is done (for the
        lifespan, before and after the server runs); returns its result."""
        task = asyncio.ensure_future(awaitable, loop=self)
        while not task.done():
            self._main_context.iteration(True)
        return task.result()

    def create_task(self, coro, *, name=None, context=None):
        task = super().create_task(coro, name=name, context=context)
        # asyncio keeps only weak references to tasks.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def call_soon_threadsafe(self, callback, *args, context=None):
        handle = super().call_soon_threadsafe(callback, *args, context=context)
        self._main_context.wakeup()
        return handle

    def close(self):
        if self.is_closed():
            return
        self._source.destroy()
        GLib.source_remove(self._fd_source)
        self._thread_id = None
        super().close()


_loop = None


def get_event_loop():
    """Returns the ``GLibEventLoop`` async tools run on (one per process,
    bound to the main context of the thread that first asks for it). It is
    also set as the thread's current asyncio event loop."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = GLibEventLoop()
        asyncio.set_event_loop(_loop)
    return _loop


__all__ += ["GLibEventLoop", "get_event_loop"]


# ---------------------------------------------------------------------------
# The authenticated user

class AuthenticationError(Exception):
    """Raised by get_authenticated_user() when the current request carries
    no authenticated North user (stdio transport, or no credentials)."""


# The NorthMcp.Context of the tool call being run. The C library knows the
# current context only during the synchronous part of a call; async tools
# resume later, in a task whose contextvars carry it.
_current_context = contextvars.ContextVar("north_mcp_current_context", default=None)


def get_current_context():
    """Returns the ``NorthMcp.Context`` of the tool call being run, also
    inside ``async def`` tools, or ``None`` outside of a call."""
    context = _current_context.get()
    if context is None:
        context = NorthMcp.Context.get_current()
    return context


def get_authenticated_user():
    """Returns the ``NorthMcp.User`` the current request acts for.

    Raises ``AuthenticationError`` when there is none, as the North Python
    SDK does.
    """
    context = get_current_context()
    user = context.get_user() if context is not None else None
    if user is None:
        raise AuthenticationError("User not found in context")
    return user


__all__ += ["AuthenticationError", "get_current_context", "get_authenticated_user"]


class User(NorthMcp.User):
    """A North user, with Pythonic accessors."""

    @property
    def email(self):
        """The user's e-mail address (``None`` when the ID token has none)."""
        return self.get_email()

    @property
    def connector_access_tokens(self):
        """Connector name -> OAuth access token, as a new dict."""
        return dict(self.get_connector_access_tokens() or {})

    @property
    def id_token(self):
        """The raw user ID token, or ``None``."""
        return self.get_id_token()

    @property
    def claims(self):
        """The ID token's claims as a dict (empty without a token)."""
        return json_to_python(self.get_claims()) or {}

    @property
    def context(self):
        """The X-North-Context values as a new dict."""
        return dict(self.get_context() or {})

    def __repr__(self):
        return "<NorthMcp.User email=%r connectors=%r>" % (
            self.email, sorted(self.connector_access_tokens))


User = override(User)
__all__.append("User")


# ---------------------------------------------------------------------------
# The request context

def _gio_call(start, finish, *args):
    """Runs a Gio-style ``*_async``/``*_finish`` pair; returns an asyncio
    future of the finish() value, resolved on the GLib main loop."""
    loop = get_event_loop()
    future = loop.create_future()

    def ready(source, result, *_):
        if future.cancelled():
            return
        try:
            future.set_result(finish(result))
        except Exception as error:
            future.set_exception(error)

    start(*args, ready)
    return future


class Context(NorthMcp.Context):
    """One request, as its handler sees it, with awaitable requests to the
    client and logging shortcuts."""

    @property
    def user(self):
        """The request's ``NorthMcp.User``, or ``None``."""
        return self.get_user()

    async def send_request(self, method, params=None):
        """Sends @method with @params (a dict) to the client; returns the
        result as Python values. Raises ``GLib.Error`` on failure."""
        node = await _gio_call(
            self.send_request_async, self.send_request_finish, method,
            python_to_json(params).get_object() if params is not None else None,
            self.get_cancellable())
        return json_to_python(node)

    async def sample(self, params):
        """``sampling/createMessage`` with @params (a dict: ``messages``,
        ``maxTokens``…); returns the result dict."""
        result = await _gio_call(self.sample_async, self.sample_finish,
                                 python_to_json(params).get_object(), self.get_cancellable())
        return json_to_python(result)

    async def elicit(self, message, requested_schema):
        """``elicitation/create`` (form mode); returns the result dict
        (``action`` and, when accepted, ``content``)."""
        result = await _gio_call(self.elicit_async, self.elicit_finish, message,
                                 python_to_json(requested_schema).get_object(),
                                 self.get_cancellable())
        return json_to_python(result)

    async def list_roots(self):
        """``roots/list``; returns the list of roots (dicts)."""
        roots = await _gio_call(self.list_roots_async, self.list_roots_finish,
                                self.get_cancellable())
        return json_to_python(roots)

    def progress(self, progress, total=None, message=None):
        """Reports progress (when the client asked for it)."""
        self.report_progress(float(progress), -1.0 if total is None else float(total), message)

    def _log(self, level, message, logger):
        self.log_message(level, logger, str(message))

    def debug(self, message, logger=None):
        """Sends a ``notifications/message`` at debug level."""
        self._log(NorthMcp.LogLevel.DEBUG, message, logger)

    def info(self, message, logger=None):
        """Sends a ``notifications/message`` at info level."""
        self._log(NorthMcp.LogLevel.INFO, message, logger)

    def warning(self, message, logger=None):
        """Sends a ``notifications/message`` at warning level."""
        self._log(NorthMcp.LogLevel.WARNING, message, logger)

    def error(self, message, logger=None):
        """Sends a ``notifications/message`` at error level."""
        self._log(NorthMcp.LogLevel.ERROR, message, logger)


Context = override(Context)
__all__.append("Context")


# ---------------------------------------------------------------------------
# Tools from functions

def _json_type_of(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    raise TypeError("Literal values must be str, int, float, bool or None, not %r" % (value,))


def _is_union(origin):
    return origin is typing.Union or origin is getattr(types, "UnionType", None)


def schema_for_type(hint):
    """Returns the JSON Schema (a dict) of a Python type hint: int, float,
    str, bool, None, list/tuple/set[...], dict[str, ...], Optional[...],
    Union[...], Literal[...], Any, and Annotated[T, "description"]."""
    if hint is inspect.Parameter.empty or hint is typing.Any or hint is object:
        return {}
    if hint is None or hint is _NoneType:
        return {"type": "null"}

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    if origin is typing.Annotated:
        schema = dict(schema_for_type(args[0]))
        for extra in args[1:]:
            if isinstance(extra, str):
                schema["description"] = extra
            elif isinstance(extra, dict):
                schema.update(extra)
        return schema
    if _is_union(origin):
        schemas = [schema_for_type(arg) for arg in args]
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if origin is typing.Literal:
        schema = {"enum": list(args)}
        kinds = {_json_type_of(value) for value in args}
        if len(kinds) == 1:
            schema["type"] = kinds.pop()
        return schema

    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is str:
        return {"type": "string"}

    container = origin or hint
    if isinstance(container, type):
        if issubclass(container, (str, bytes)):
            raise TypeError("no JSON Schema for %r" % (hint,))
        if issubclass(container, collections.abc.Mapping):
            schema = {"type": "object"}
            if len(args) == 2 and schema_for_type(args[1]):
                schema["additionalProperties"] = schema_for_type(args[1])
            return schema
        if issubclass(container, tuple) and args and args[-1] is not Ellipsis:
            items = [schema_for_type(arg) for arg in args]
            return {"type": "array", "prefixItems": items,
                    "minItems": len(items), "maxItems": len(items)}
        if issubclass(container, (collections.abc.Sequence, collections.abc.Set)):
            schema = {"type": "array"}
            if args and schema_for_type(args[0]):
                schema["items"] = schema_for_type(args[0])
            return schema

    raise TypeError("no JSON Schema for the type hint %r: use int, float, str, "
                    "bool, list, dict, Optional, Literal or Any" % (hint,))


__all__.append("schema_for_type")


def _is_context_hint(hint):
    return isinstance(hint, type) and issubclass(hint, NorthMcp.Context)


class _ToolSpec:
    """What the C tool keeps as user data: the function and how to call it."""

    __slots__ = ("function", "parameters", "context_parameter", "var_keyword")

    def __init__(self, function):
        self.function = function
        self.parameters = {}          # name -> (hint, has_default)
        self.context_parameter = None
        self.var_keyword = False


def _describe_function(function):
    """Returns (spec, input_schema) for @function."""
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:
        hints = getattr(function, "__annotations__", {})

    spec = _ToolSpec(function)
    properties = {}
    required = []

    for name, parameter in signature.parameters.items():
        hint = hints.get(name, inspect.Parameter.empty)
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            spec.var_keyword = True
            continue
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL,
                              inspect.Parameter.POSITIONAL_ONLY):
            raise TypeError("tool %s: parameter %s must be passable by keyword"
                            % (function.__name__, name))
        if _is_context_hint(hint):
            spec.context_parameter = name
            continue

        schema = dict(schema_for_type(hint))
        schema.setdefault("title", name.replace("_", " ").title())
        has_default = parameter.default is not inspect.Parameter.empty
        if has_default:
            try:
                json.dumps(parameter.default, allow_nan=False)
                schema["default"] = parameter.default
            except (TypeError, ValueError):
                pass
        else:
            required.append(name)
        properties[name] = schema
        spec.parameters[name] = (hint, has_default)

    input_schema = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = required
    return spec, input_schema


def _coerce(value, hint):
    """Adjusts a JSON value to the parameter's type hint where JSON and
    Python differ (a JSON number 3 for a float, an array for a tuple)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _coerce(value, args[0])
    if _is_union(origin):
        if value is None:
            return None
        members = [arg for arg in args if arg is not _NoneType]
        if len(members) == 1:
            return _coerce(value, members[0])
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    container = origin or hint
    if isinstance(container, type) and isinstance(value, list):
        if issubclass(container, tuple):
            return tuple(value)
        if issubclass(container, (set, frozenset)):
            return container(value)
        if args and issubclass(container, list):
            return [_coerce(item, args[0]) for item in value]
    return value


def tool_result_from_value(value):
    """Converts what a tool function returned to a ``NorthMcp.ToolResult``:
    a str becomes a text block; a number or bool its JSON text; a dict
    structured content (and its JSON text); a list one text block per item
    and ``{"result": [...]}`` as structured content; ``None`` an empty
    result; a ``Json.Node`` content block is added as is; a
    ``NorthMcp.ToolResult`` is returned unchanged."""
    if isinstance(value, NorthMcp.ToolResult):
        return value
    if value is None:
        return NorthMcp.ToolResult.new()
    if isinstance(value, str):
        return NorthMcp.ToolResult.new_text(value)
    if isinstance(value, (bool, int, float)):
        return NorthMcp.ToolResult.new_text(json.dumps(value, allow_nan=False))
    if isinstance(value, Json.Node):
        result = NorthMcp.ToolResult.new()
        result.add_content(value)
        return result
    if isinstance(value, collections.abc.Mapping):
        return NorthMcp.ToolResult.new_structured(python_to_json(dict(value)))
    if isinstance(value, (list, tuple, set, frozenset)):
        # As FastMCP does: one text block per item, and the whole list as
        # structured content.
        items = list(value)
        result = NorthMcp.ToolResult.new()
        for item in items:
            if isinstance(item, Json.Node):
                result.add_content(item)
            else:
                result.add_text(item if isinstance(item, str)
                                else json.dumps(item, allow_nan=False, default=_json_default))
        if not any(isinstance(item, Json.Node) for item in items):
            result.set_structured_content(python_to_json({"result": items}))
        return result
    raise TypeError("a tool cannot return %s: return str, a number, a dict, "
                    "a list or a NorthMcp.ToolResult" % type(value).__name__)


def _error_message(exception):
    message = str(exception)
    return message if message else type(exception).__name__


def _log_exception(context, exception):
    server = context.get_server()
    if server is not None and server.get_debug():
        traceback.print_exception(type(exception), exception,
                                  exception.__traceback__, file=sys.stderr)


def _is_jsonrpc_error(exception):
    return (isinstance(exception, GLib.Error)
            and exception.domain == GLib.quark_to_string(NorthMcp.jsonrpc_error_quark()))


def _return_error(context, exception):
    """Answers @context with a JSON-RPC error for @exception."""
    if _is_jsonrpc_error(exception):
        context.return_error_literal(NorthMcp.jsonrpc_error_quark(),
                                     exception.code, exception.message)
    else:
        context.return_error_literal(NorthMcp.error_quark(), NorthMcp.Error.FAILED,
                                     _error_message(exception))


def _finish_tool(context, value, exception):
    """Completes a tools/call: an exception is a result with isError."""
    if context.is_completed():
        return
    if exception is None:
        try:
            result = tool_result_from_value(value)
        except Exception as error:  # a bad return value is the tool's error
            exception = error
    if exception is not None:
        _log_exception(context, exception)
        if _is_jsonrpc_error(exception):
            _return_error(context, exception)
            return
        result = NorthMcp.ToolResult.new_error(_error_message(exception))
    context.return_tool_result(result)


def _invoke(context, function, kwargs, finish):
    """Calls @function; completes @context with finish(context, value,
    exception) now, or when the coroutine it returned is done."""
    token = _current_context.set(context)
    try:
        value = function(**kwargs)
    except Exception as error:
        finish(context, None, error)
        return
    finally:
        _current_context.reset(token)

    if inspect.isawaitable(value):
        try:
            _start_task(context, value, finish)
        except Exception as error:
            finish(context, None, error)
    else:
        finish(context, value, None)


def _run_tool(tool, context, arguments, spec):
    """Runs a tool made from a function."""
    try:
        values = json_to_python(arguments) or {}
        kwargs = {}
        for name, (hint, has_default) in spec.parameters.items():
            if name in values:
                kwargs[name] = _coerce(values[name], hint)
            elif not has_default:
                raise TypeError("missing required argument '%s'" % name)
        if spec.var_keyword:
            for name, value in values.items():
                if name not in spec.parameters:
                    kwargs[name] = value
        if spec.context_parameter is not None:
            kwargs[spec.context_parameter] = context
    except Exception as error:
        _finish_tool(context, None, error)
        return
    _invoke(context, spec.function, kwargs, _finish_tool)


def _start_task(context, awaitable, finish):
    loop = get_event_loop()
    task_context = contextvars.copy_context()
    task_context.run(_current_context.set, context)

    async def await_it():
        return await awaitable

    task = loop.create_task(await_it(), context=task_context)
    cancellable = context.get_cancellable()
    handler = 0
    if cancellable is not None:
        # GObject's connect(): Gio.Cancellable.connect() is another API.
        handler = GObject.Object.connect(
            cancellable, "cancelled", lambda *_: loop.call_soon_threadsafe(task.cancel))

    def done(task):
        if handler:
            GObject.signal_handler_disconnect(cancellable, handler)
        if task.cancelled():
            finish(context, None, RuntimeError("The request was cancelled"))
        elif task.exception() is not None:
            finish(context, None, task.exception())
        else:
            finish(context, task.result(), None)

    task.add_done_callback(done)


class FunctionTool(NorthMcp.Tool):
    """A tool whose handler is a Python function (see
    ``tool_from_function()``).

    It overrides the ``call`` virtual method rather than setting a callback
    with ``set_async_func()``: PyGObject 3.42 leaks a little memory for
    every callback it registers, and a virtual method is registered once per
    class."""

    __gtype_name__ = "NorthMcpPythonFunctionTool"

    def __init__(self, spec, name, description=None):
        super().__init__(name=name, description=description)
        self._spec = spec

    @property
    def function(self):
        """The Python function this tool runs."""
        return self._spec.function

    def do_call(self, context, arguments):
        _run_tool(self, context, arguments, self._spec)


__all__.append("FunctionTool")


def tool_from_function(function, name=None, description=None, *, title=None,
                       annotations=None, read_only=None, destructive=None,
                       idempotent=None, open_world=None, output_schema=None,
                       meta=None):
    """Makes a ``NorthMcp.Tool`` from a plain (or ``async def``) function.

    The name defaults to the function's name, the description to its
    docstring, and the input schema is derived from its type hints; a
    parameter annotated ``NorthMcp.Context`` receives the request context.
    ``annotations`` is a dict of MCP tool annotations (``readOnlyHint``…);
    ``read_only``, ``destructive``, ``idempotent`` and ``open_world`` set
    the hints one by one.
    """
    spec, input_schema = _describe_function(function)
    if description is None:
        description = inspect.getdoc(function)
    tool = FunctionTool(spec, name or function.__name__, description)
    tool.set_input_schema_json(json.dumps(input_schema))
    if output_schema is not None:
        tool.set_output_schema_json(json.dumps(output_schema))
    if title is not None:
        tool.set_title(title)
    if annotations:
        if hasattr(annotations, "model_dump"):
            annotations = annotations.model_dump(exclude_none=True)
        tool.set_annotations(python_to_json(dict(annotations)).get_object())
    for hint, value in ((NorthMcp.ToolHint.READ_ONLY, read_only),
                        (NorthMcp.ToolHint.DESTRUCTIVE, destructive),
                        (NorthMcp.ToolHint.IDEMPOTENT, idempotent),
                        (NorthMcp.ToolHint.OPEN_WORLD, open_world)):
        if value is not None:
            tool.set_hint(hint, bool(value))
    if meta:
        tool.set_meta(python_to_json(dict(meta)).get_object())
    return tool


__all__ += ["tool_from_function", "tool_result_from_value"]


# ---------------------------------------------------------------------------
# Resources and prompts from functions

def resource_contents_from_value(value, uri, mime_type=None):
    """Converts what a resource function returned to a
    ``NorthMcp.ResourceContents``: a str is text (``text/plain`` unless
    the resource says otherwise), bytes a blob, a dict or list JSON text
    (``application/json``); a ``NorthMcp.ResourceContents`` is returned
    unchanged."""
    if isinstance(value, NorthMcp.ResourceContents):
        return value
    if isinstance(value, str):
        return NorthMcp.ResourceContents.new_text(uri, mime_type or "text/plain", value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return NorthMcp.ResourceContents.new_blob(
            uri, mime_type or "application/octet-stream", GLib.Bytes.new(bytes(value)))
    if isinstance(value, (collections.abc.Mapping, list, tuple)):
        return NorthMcp.ResourceContents.new_text(
            uri, mime_type or "application/json",
            json.dumps(value, allow_nan=False, default=_json_default))
    raise TypeError("a resource cannot return %s: return str, bytes, a dict, "
                    "a list or a NorthMcp.ResourceContents" % type(value).__name__)


def _finish_resource(uri, mime_type):
    def finish(context, value, exception):
        if context.is_completed():
            return
        if exception is None:
            try:
                contents = resource_contents_from_value(value, uri, mime_type)
            except Exception as error:
                exception = error
        if exception is not None:
            _log_exception(context, exception)
            _return_error(context, exception)
            return
        context.return_resource_contents(contents)
    return finish


_ROLES = {"user": NorthMcp.Role.USER, "assistant": NorthMcp.Role.ASSISTANT}


def prompt_result_from_value(value, description=None):
    """Converts what a prompt function returned to a
    ``NorthMcp.PromptResult``: a str is one user message; a list holds
    messages, each a str (user) or a dict ``{"role": "user"|"assistant",
    "content": str or an MCP content block}``; a ``NorthMcp.PromptResult``
    is returned unchanged."""
    if isinstance(value, NorthMcp.PromptResult):
        return value
    result = NorthMcp.PromptResult.new(description)
    messages = [value] if isinstance(value, (str, collections.abc.Mapping)) else value
    if not isinstance(messages, (list, tuple)):
        raise TypeError("a prompt cannot return %s: return str, a list of messages "
                        "or a NorthMcp.PromptResult" % type(value).__name__)
    for message in messages:
        if isinstance(message, str):
            result.add_text(NorthMcp.Role.USER, message)
            continue
        if not isinstance(message, collections.abc.Mapping) or "content" not in message:
            raise TypeError("a prompt message is a str or a dict with 'role' and 'content'")
        role = _ROLES.get(message.get("role", "user"))
        if role is None:
            raise ValueError("a prompt message's role is 'user' or 'assistant', not %r"
                             % (message.get("role"),))
        content = message["content"]
        if isinstance(content, str):
            result.add_text(role, content)
        else:
            result.add_message(role, python_to_json(dict(content)))
    return result


def _finish_prompt(description):
    def finish(context, value, exception):
        if context.is_completed():
            return
        if exception is None:
            try:
                result = prompt_result_from_value(value, description)
            except Exception as error:
                exception = error
        if exception is not None:
            _log_exception(context, exception)
            _return_error(context, exception)
            return
        context.return_prompt_result(result)
    return finish


def _keyword_parameters(function):
    """(context parameter or None, {name: (description, required)})."""
    hints = {}
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:
        pass
    context_parameter = None
    parameters = {}
    for name, parameter in inspect.signature(function).parameters.items():
        hint = hints.get(name, inspect.Parameter.empty)
        if _is_context_hint(hint):
            context_parameter = name
            continue
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL,
                              inspect.Parameter.VAR_KEYWORD,
                              inspect.Parameter.POSITIONAL_ONLY):
            continue
        description = None
        if typing.get_origin(hint) is typing.Annotated:
            description = next((extra for extra in typing.get_args(hint)[1:]
                                if isinstance(extra, str)), None)
        parameters[name] = (description, parameter.default is inspect.Parameter.empty)
    return context_parameter, parameters


def _call_with(context, function, context_parameter, parameters, values, finish):
    kwargs = {name: values[name] for name in parameters if name in values}
    if context_parameter is not None:
        kwargs[context_parameter] = context
    _invoke(context, function, kwargs, finish)


def resource_from_function(function, uri, name=None, description=None, *,
                           mime_type=None, title=None):
    """Makes a ``NorthMcp.Resource`` (a fixed URI) or, when @uri is an RFC
    6570 template such as ``notes://{title}``, a
    ``NorthMcp.ResourceTemplate`` whose variables are passed to @function
    as keyword arguments. @function may be ``async def``."""
    name = name or function.__name__
    if description is None:
        description = inspect.getdoc(function)
    context_parameter, parameters = _keyword_parameters(function)

    if "{" in uri:
        made = NorthMcp.ResourceTemplate.new(uri, name)
        variables = set(made.get_template().get_variables())
        unknown = {p for p, (_, required) in parameters.items() if required} - variables
        if unknown:
            raise TypeError("resource %s: parameters %s are not variables of %s"
                            % (name, sorted(unknown), uri))

        def read(template, context, read_uri, values, *_):
            _call_with(context, function, context_parameter, parameters,
                       dict(values or {}), _finish_resource(read_uri, mime_type))
    else:
        made = NorthMcp.Resource.new(uri, name)

        def read(resource, context, *_):
            _call_with(context, function, context_parameter, parameters, {},
                       _finish_resource(uri, mime_type))

    if description:
        made.set_description(description)
    if mime_type:
        made.set_mime_type(mime_type)
    if title:
        made.set_title(title)
    made.set_async_func(read)
    return made


def prompt_from_function(function, name=None, description=None, *, title=None):
    """Makes a ``NorthMcp.Prompt`` from a function whose parameters are the
    prompt's arguments (strings; a parameter without default is required;
    ``Annotated[str, "text"]`` describes it). It returns a str, a list of
    messages or a ``NorthMcp.PromptResult``; it may be ``async def``."""
    name = name or function.__name__
    if description is None:
        description = inspect.getdoc(function)
    context_parameter, parameters = _keyword_parameters(function)
    prompt = NorthMcp.Prompt.new(name, description)
    for argument, (argument_description, required) in parameters.items():
        prompt.add_argument(argument, argument_description, required)
    if title:
        prompt.set_title(title)

    def get(prompt_, context, arguments, *_):
        _call_with(context, function, context_parameter, parameters,
                   dict(arguments or {}), _finish_prompt(description))

    prompt.set_async_func(get)
    return prompt


__all__ += ["resource_contents_from_value", "prompt_result_from_value",
            "resource_from_function", "prompt_from_function"]


# ---------------------------------------------------------------------------
# The server

class Server(NorthMcp.Server):
    """An MCP server for North.

    ``Server(name, version="0.1.0", *, port=None, host=None,
    server_secret=None, trusted_issuers=None, require_auth=None,
    audience=None, debug=None, stateless=None, instructions=None,
    title=None)``
    """

    def __init__(self, name="north-mcp-server", version="0.1.0", *, port=None,
                 host=None, server_secret=None, trusted_issuers=None,
                 require_auth=None, audience=None, debug=None, stateless=None,
                 instructions=None, title=None, **properties):
        super().__init__(name=name, version=version, **properties)
        if port is not None:
            self.set_port(port)
        if host is not None:
            self.set_host(host)
        if debug is not None:
            self.set_debug(debug)
        if stateless is not None:
            self.set_stateless(stateless)
        if instructions is not None:
            self.set_instructions(instructions)
        if title is not None:
            self.set_title(title)
        auth = self.get_auth()
        if server_secret is not None:
            auth.set_server_secret(server_secret)
        if trusted_issuers is not None:
            auth.set_trusted_issuers(list(trusted_issuers))
        if require_auth is not None:
            auth.set_require_auth(require_auth)
        if audience is not None:
            auth.set_audience(audience)

    def tool(self, name=None, description=None, **kwargs):
        """A decorator that adds a function as a tool (see
        ``tool_from_function()`` for the keyword arguments). Usable as
        ``@server.tool()``, ``@server.tool("name")`` or ``@server.tool``.
        The function itself is returned unchanged."""
        if callable(name):
            function, name = name, None
            self.add_tool(tool_from_function(function, name, description, **kwargs))
            return function

        def decorator(function):
            self.add_tool(tool_from_function(function, name, description, **kwargs))
            return function

        return decorator

    def resource(self, uri, name=None, description=None, **kwargs):
        """A decorator that adds a function as a resource, or as a resource
        template when @uri has ``{variables}`` (see
        ``resource_from_function()``). The function is returned unchanged."""
        def decorator(function):
            made = resource_from_function(function, uri, name, description, **kwargs)
            if isinstance(made, NorthMcp.ResourceTemplate):
                self.add_resource_template(made)
            else:
                self.add_resource(made)
            return function

        return decorator

    def prompt(self, name=None, description=None, **kwargs):
        """A decorator that adds a function as a prompt (see
        ``prompt_from_function()``). Usable as ``@server.prompt()`` or
        ``@server.prompt``. The function is returned unchanged."""
        if callable(name):
            function, name = name, None
            self.add_prompt(prompt_from_function(function, name, description, **kwargs))
            return function

        def decorator(function):
            self.add_prompt(prompt_from_function(function, name, description, **kwargs))
            return function

        return decorator

    def run(self, transport=None, argv=None, *, host=None, port=None):
        """Serves until SIGINT/SIGTERM (or, on stdio, until standard input
        ends), parsing ``--transport``, ``--port``, ``--debug`` and the
        other shared options from ``argv`` (default ``sys.argv``).
        ``transport``, ``host`` and ``port`` are defaults that the command
        line overrides. Returns the exit status."""
        if host is not None:
            self.set_host(host)
        if port is not None:
            self.set_port(port)
        args = list(sys.argv if argv is None else argv) or [self.get_name()]
        if transport is not None and not any(
                arg in ("--transport", "-t") or arg.startswith("--transport=")
                for arg in args[1:]):
            args[1:1] = ["--transport", transport]
        get_event_loop()
        return NorthMcp.Server.run(self, args)


Server = override(Server)
__all__.append("Server")
