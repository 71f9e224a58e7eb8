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

What it adds, with FastMCP's names (a FastMCP server ports by changing its
import and constructor lines; see doc/getting-started-python.md):

- ``Server(name, version, port=..., server_secret=..., debug=...,
  lifespan=..., ...)`` and the ``@server.tool()``, ``@server.resource()``,
  ``@server.prompt()``, ``@server.completion()`` and
  ``@server.custom_route()`` decorators;
- JSON Schemas from type hints (dataclasses, TypedDict, Enum, Literal,
  unions, containers, ``Annotated`` with a text or a pydantic ``Field``,
  pydantic v1/v2 models), arguments converted to the hints, and
  ``outputSchema``/``structuredContent`` from return annotations;
- ``async def`` handlers on ``GLibEventLoop``, asyncio's own selector loop
  driven by the GLib main context: sockets, servers, subprocesses, signals
  and executors work, hence httpx and aiohttp;
- ``Context`` with awaitable ``sample()``, ``elicit()``, ``list_roots()``,
  ``read_resource()``, logging and ``report_progress()``;
- errors as ``"ExceptionType: message"`` results, with a stderr line (once
  a minute at most; every traceback in debug mode);
- ``get_authenticated_user()``, raising ``AuthenticationError`` when the
  request carries no North user, and ``User.email``,
  ``User.connector_access_tokens`` (a dict) and friends;
  ``get_access_token()``, the same user as FastMCP's ``AccessToken``
  (the North Python SDK's newer accessor), and ``is_debug_mode()``;
- ``Server.run()``, which parses ``--transport`` and the other shared
  options from ``sys.argv``, and ``await server.shutdown()``, a graceful
  stop.
"""

import asyncio
import base64
import collections
import collections.abc
import contextvars
import dataclasses
import datetime
import enum
import inspect
import json
import logging
import os
import re
import selectors
import sys
import threading
import time
import traceback
import types
import typing
import urllib.parse
import uuid

from gi.repository import Gio, GLib, GObject, Json

try:
    from gi.repository import Soup
except ImportError:         # custom routes need Soup 3 (gir1.2-soup-3.0)
    Soup = None

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


def get_north_context():
    """Returns the North context of the current request as a dict: every
    ``X-North-Context-*`` header, keyed by the rest of its name in lower
    case, empty values kept, with or without credentials — the North Python
    SDK's ``get_north_context()``. Works in tools (also ``async def``) and
    in custom route callbacks; ``{}`` elsewhere."""
    context = get_current_context()
    if context is not None:
        return dict(context.get_north_context())
    return dict(NorthMcp.get_north_context())


class AccessToken:
    """The North user of a request in the shape of FastMCP's
    ``AccessToken``, filled as the North Python SDK fills it: ``token`` is
    the raw ID token (``""`` without one), ``client_id`` the e-mail
    (``""`` without one), ``scopes`` is ``[]``, ``expires_at`` and
    ``resource`` are ``None``, and ``claims`` is
    ``{"email": ..., "connector_access_tokens": {...}}`` (not the ID
    token's claims: those are ``User.claims``)."""

    __slots__ = ("token", "client_id", "scopes", "expires_at", "resource", "claims")

    def __init__(self, token, client_id, scopes=None, expires_at=None, resource=None,
                 claims=None):
        self.token = token
        self.client_id = client_id
        self.scopes = list(scopes or [])
        self.expires_at = expires_at
        self.resource = resource
        self.claims = dict(claims or {})

    def model_dump(self):
        """The fields as a new dict, as pydantic's ``model_dump()``."""
        return {"token": self.token, "client_id": self.client_id,
                "scopes": list(self.scopes), "expires_at": self.expires_at,
                "resource": self.resource, "claims": json.loads(json.dumps(self.claims))}

    def __repr__(self):
        # Never the token itself: reprs end up in logs.
        return "AccessToken(client_id=%r, scopes=%r, token=<%d characters>)" % (
            self.client_id, self.scopes, len(self.token))


def get_access_token():
    """FastMCP's ``get_access_token()`` as the North Python SDK serves it:
    the current request's North user as an ``AccessToken``, or ``None``
    when there is no user (stdio, no call running, or an open-mode request
    without credentials, where the SDK hands out an ``AccessToken`` whose
    fields are all empty)."""
    context = get_current_context()
    user = context.get_user() if context is not None else None
    if user is None:
        return None
    email = user.get_email()
    connectors = dict(user.get_connector_access_tokens() or {})
    return AccessToken(token=user.get_id_token() or "", client_id=email or "",
                       claims={"email": email, "connector_access_tokens": connectors})


def is_debug_mode():
    """Whether the environment asks for debug mode: ``DEBUG`` is ``true``,
    ``1``, ``yes`` or ``on`` (any case, surrounding ASCII blanks ignored),
    as the North Python SDK's ``is_debug_mode()`` and the servers' own
    default read it."""
    # ASCII blanks only, as the C rule (str.strip() takes more).
    return os.environ.get("DEBUG", "").strip(" \t\n\v\f\r").lower() in ("true", "1", "yes", "on")


__all__ += ["AuthenticationError", "get_current_context", "get_authenticated_user",
            "get_north_context", "AccessToken", "get_access_token", "is_debug_mode"]


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

def _gio_call(start, finish, *args, cancels=True):
    """Runs a Gio-style ``*_async``/``*_finish`` pair, @args followed by a
    cancellable; returns an asyncio future of the finish() value, resolved
    on the GLib main loop. When @cancels, cancelling the future (the task
    awaiting it was cancelled) cancels the call: it would otherwise run on
    for nobody, a request to the client holding one of the session's 64
    places until answered, a read running the resource's function to its
    end. (The library also ends the context's calls with the request that
    makes them.)"""
    loop = get_event_loop()
    future = loop.create_future()
    cancellable = Gio.Cancellable() if cancels else None

    def done(future):
        if future.cancelled():
            cancellable.cancel()

    def ready(source, result, *_):
        if future.cancelled():
            return
        try:
            future.set_result(finish(result))
        except GLib.Error as error:
            # No "north-mcp-error-quark: … (2)" in what users see.
            future.set_exception(McpError(error.message, error.code, error.domain))
        except Exception as error:
            future.set_exception(error)

    start(*args, cancellable, ready)
    if cancellable is not None:
        future.add_done_callback(done)
    return future


class _Done:
    """What the logging and progress methods of Context return: they send
    at once, and ``await ctx.info(...)`` (FastMCP's style) works too."""

    __slots__ = ()

    def __await__(self):
        return iter(())


_DONE = _Done()

_LEVELS = {level.value_nick: level for level in (
    NorthMcp.LogLevel.DEBUG, NorthMcp.LogLevel.INFO, NorthMcp.LogLevel.NOTICE,
    NorthMcp.LogLevel.WARNING, NorthMcp.LogLevel.ERROR, NorthMcp.LogLevel.CRITICAL,
    NorthMcp.LogLevel.ALERT, NorthMcp.LogLevel.EMERGENCY)}


class ReadResourceContents(typing.NamedTuple):
    """One item of ``Context.read_resource()``: ``content`` is str (text)
    or bytes (a blob)."""
    content: typing.Union[str, bytes]
    mime_type: typing.Optional[str] = None


# Where Context.read_resource() collects the exception of the resource
# function it runs, to raise that one as it was: the library hands back a
# JSON-RPC error made of its message.
_read_failures = contextvars.ContextVar("north_mcp_read_failures", default=None)


def _serves(server, uri):
    """Whether @server has a resource at @uri or a template matching it."""
    return server is not None and (server.lookup_resource(uri) is not None or any(
        template.match(uri) is not None for template in server.list_resource_templates()))


class ElicitationResult:
    """What ``Context.elicit()`` returns for a schema given as a type:
    ``action`` ("accept", "decline" or "cancel") and, when accepted,
    ``data``, the answer converted to that type."""

    def __init__(self, action, data=None, content=None):
        self.action = action
        self.data = data
        self.content = content

    def __repr__(self):
        return "ElicitationResult(action=%r, data=%r)" % (self.action, self.data)


class RequestContext:
    """``ctx.request_context`` as in FastMCP: ``lifespan_context`` (what
    the server's lifespan yielded), ``request_id`` and ``meta``."""

    def __init__(self, context):
        server = context.get_server()
        self.lifespan_context = getattr(server, "_lifespan_context", None)
        self.request_id = context.request_id
        self.meta = json_to_python(context.get_meta()) or {}
        self.session = context.get_session()


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
            python_to_json(params).get_object() if params is not None else None)
        return json_to_python(node)

    async def sample(self, params):
        """``sampling/createMessage`` with @params (a dict: ``messages``,
        ``maxTokens``…); returns the result dict."""
        result = await _gio_call(self.sample_async, self.sample_finish,
                                 python_to_json(params).get_object())
        return json_to_python(result)

    async def elicit(self, message, requested_schema=None, *, schema=None):
        """``elicitation/create`` (form mode). With a JSON Schema dict,
        returns the result dict (``action`` and, when accepted,
        ``content``); with a type (a pydantic model, dataclass or
        TypedDict, as FastMCP's ``schema=``), an ``ElicitationResult``
        whose ``data`` is the answer converted to that type."""
        kind = requested_schema if requested_schema is not None else schema
        as_type = isinstance(kind, type)
        requested = kind
        if as_type:
            builder = _SchemaBuilder()
            reference = builder.of(kind)
            requested = builder.defs.get(reference.get("$ref", "").rsplit("/", 1)[-1], reference)
            requested = {key: value for key, value in requested.items() if key != "title"}
        result = await _gio_call(self.elicit_async, self.elicit_finish, message,
                                 python_to_json(requested).get_object())
        result = json_to_python(result)
        if not as_type:
            return result
        content = result.get("content")
        data = _convert(content, kind, "content") if result.get("action") == "accept" else None
        return ElicitationResult(result.get("action"), data, content)

    async def list_roots(self):
        """``roots/list``; returns the list of roots (dicts)."""
        roots = await _gio_call(self.list_roots_async, self.list_roots_finish)
        return json_to_python(roots)

    async def read_resource(self, uri):
        """Reads one of this server's resources (a fixed URI or a
        template) as a ``resources/read`` would, through the library's
        ``read_resource_async()``: a child span of this request's,
        cancelled with it or with the task awaiting it. Returns a list of
        ``ReadResourceContents`` (``content``, ``mime_type``), as FastMCP
        does. The exception of a resource function is raised here as it
        was; an unknown URI raises ``McpError`` (-32002), as does any
        other failure."""
        failures = []
        # Set while the read starts: the function runs now, or in a task
        # that copies this context.
        token = _read_failures.set(failures)
        try:
            future = _gio_call(self.read_resource_async, self.read_resource_finish, uri)
        finally:
            _read_failures.reset(token)
        try:
            contents = await future
        except McpError as error:
            if failures:
                raise failures[0] from None
            if (error.domain == _NORTH_MCP_DOMAIN and error.code == NorthMcp.Error.INVALID_ARGUMENT
                    and not _serves(self.get_server(), uri)):
                raise McpError("Unknown resource: %s" % uri, -32002) from None
            raise
        return [ReadResourceContents(item["text"] if "text" in item
                                     else base64.b64decode(item.get("blob", "")),
                                     item.get("mimeType"))
                for item in json_to_python(contents)]

    @property
    def request_id(self):
        """The JSON-RPC id of the request, as a str."""
        node = self.get_request_id()
        value = json_to_python(node) if isinstance(node, Json.Node) else node
        return None if value is None else str(value)

    @property
    def request_context(self):
        """FastMCP's ``ctx.request_context`` (``lifespan_context``…)."""
        return RequestContext(self)

    @property
    def fastmcp(self):
        """The server, as FastMCP's ``ctx.fastmcp``."""
        return self.get_server()

    @property
    def session(self):
        """The ``NorthMcp.Session`` (``None`` for stateless HTTP)."""
        return self.get_session()

    def report_progress(self, progress, total=None, message=None):
        """Reports progress when the client asked for it (a progress
        token). Sends at once; may be awaited, as in FastMCP."""
        NorthMcp.Context.report_progress(self, float(progress),
                                         -1.0 if total is None else float(total), message)
        return _DONE

    def progress(self, progress, total=None, message=None):
        """The same as ``report_progress()``."""
        return self.report_progress(progress, total, message)

    def log(self, level, message, logger=None, *, logger_name=None, extra=None):
        """Sends a ``notifications/message`` at @level ("debug", "info",
        "warning", "error"… or a ``NorthMcp.LogLevel``); @extra (a dict)
        is sent along as ``{"msg": message, **extra}``. Sends at once; may
        be awaited, as in FastMCP."""
        if isinstance(level, str):
            if level not in _LEVELS:
                raise ValueError("unknown log level %r: use one of %s"
                                 % (level, ", ".join(_LEVELS)))
            level = _LEVELS[level]
        logger = logger_name if logger_name is not None else logger
        if isinstance(message, Json.Node):
            NorthMcp.Context.log(self, level, logger, message)
        elif extra:
            NorthMcp.Context.log(self, level, logger,
                                 python_to_json(dict({"msg": str(message)}, **extra)))
        else:
            self.log_message(level, logger, str(message))
        return _DONE

    def debug(self, message, logger=None, **kwargs):
        """``notifications/message`` at debug level (awaitable)."""
        return self.log(NorthMcp.LogLevel.DEBUG, message, logger, **kwargs)

    def info(self, message, logger=None, **kwargs):
        """``notifications/message`` at info level (awaitable)."""
        return self.log(NorthMcp.LogLevel.INFO, message, logger, **kwargs)

    def warning(self, message, logger=None, **kwargs):
        """``notifications/message`` at warning level (awaitable)."""
        return self.log(NorthMcp.LogLevel.WARNING, message, logger, **kwargs)

    def error(self, message, logger=None, **kwargs):
        """``notifications/message`` at error level (awaitable)."""
        return self.log(NorthMcp.LogLevel.ERROR, message, logger, **kwargs)


Context = override(Context)
__all__ += ["Context", "ReadResourceContents", "ElicitationResult", "RequestContext"]


# ---------------------------------------------------------------------------
# Tracing

class Span(NorthMcp.Span):
    """An OpenTelemetry span (see ``NorthMcp.Tracer``). A context manager:
    ``with ctx.span("fetch") as span:`` ends it on leaving and, on an
    exception, records the exception's class — and its message only when
    the tracer's ``record_error_details`` is set."""

    def set_attribute(self, key, value):
        """Sets an attribute of a str, int, float or bool value."""
        if isinstance(value, bool):
            self.set_attribute_boolean(key, value)
        elif isinstance(value, int):
            self.set_attribute_int(key, value)
        elif isinstance(value, float):
            self.set_attribute_double(key, value)
        else:
            self.set_attribute_string(key, str(value))

    def set_attributes(self, attributes):
        for key, value in (attributes or {}).items():
            self.set_attribute(key, value)

    def add_event(self, name, attributes=None):
        """Adds an event; @attributes is a dict of str, int, float or bool."""
        NorthMcp.Span.add_event(self, name, python_to_json(attributes).get_object()
                                if attributes else None)

    # traced_span()'s record_exception_details: None follows the tracer.
    _record_details = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            self._record_exception(exc_type.__name__, str(exc))
        self.end()
        return False

    def _record_exception(self, kind, message):
        if self._record_details is None:
            self.record_error(kind, message)
        elif not self._record_details:
            self.record_error(kind, None)
        else:
            self.set_attribute("error.type", kind)
            self.set_status(NorthMcp.SpanStatus.ERROR, message)
            self.add_event("exception", {"exception.type": kind, "exception.message": message})


Span = override(Span)


def _start_span(context, name, attributes):
    span = context.start_span(name) if context is not None else Span()
    span.set_attributes(attributes)
    return span


def _context_span(self, name, attributes=None):
    """A child span of the request's span, as a context manager."""
    return _start_span(self, name, attributes)


Context.span = _context_span


def span(name, attributes=None):
    """A child span of the current request's span (the North Python SDK's
    ``traced_span``): ``with NorthMcp.span("step"):``. Outside a request,
    a span that records nothing."""
    return _start_span(get_current_context(), name, attributes)


def traced_span(name, *, record_exception_details=None, attributes=None, tracer=None):
    """The North Python SDK's ``traced_span``: a child span of the current
    request's span, as a context manager. An escaping exception is recorded
    by its class; with its message too when ``record_exception_details`` is
    true, or, left ``None``, when the server's ``TelemetryConfig`` says
    ``record_sensitive_data`` (the tracer's ``record-error-details``).
    ``tracer`` is accepted for the SDK's signature; spans always go to the
    server's ``NorthMcp.Tracer``."""
    made = span(name, attributes)
    if record_exception_details is not None:
        made._record_details = bool(record_exception_details)
    return made


@dataclasses.dataclass(frozen=True)
class TelemetryConfig:
    """The North Python SDK's telemetry options, for
    ``Server(..., telemetry=TelemetryConfig(...))``:
    ``record_sensitive_data`` sets the tracer's ``record-error-details``
    (exception messages in spans) and ``log_trace_context`` its
    ``log-trace-context`` (``[trace_id=… span_id=…]`` at the end of the
    library's log lines inside a traced request). Whether spans are
    exported at all is the tracer's endpoint (``OTEL_*`` variables), as
    the SDK leaves it to the TracerProvider."""

    record_sensitive_data: bool = False
    log_trace_context: bool = True

    def traced_span(self, name, *, attributes=None, tracer=None):
        """``traced_span()`` following this config's ``record_sensitive_data``."""
        return traced_span(name, record_exception_details=self.record_sensitive_data,
                           attributes=attributes, tracer=tracer)


def get_telemetry_config():
    """The current request's server's ``TelemetryConfig``: the one given to
    ``Server(telemetry=...)``, or one read from its tracer."""
    context = get_current_context()
    server = context.get_server() if context is not None else None
    if server is None:
        return TelemetryConfig(record_sensitive_data=False, log_trace_context=False)
    return server.telemetry


class TraceContextFormatter(logging.Formatter):
    """The North Python SDK's formatter: a record logged inside a traced
    request ends with ``[trace_id=… span_id=…]`` of the request's span."""

    def format(self, record):
        line = super().format(record)
        context = get_current_context()
        span = context.get_span() if context is not None else None
        if span is None or not span.is_recording():
            return line
        return "%s [trace_id=%s span_id=%s]" % (line, span.get_trace_id(), span.get_span_id())


__all__ += ["Span", "span", "traced_span", "TelemetryConfig", "get_telemetry_config",
            "TraceContextFormatter"]


# ---------------------------------------------------------------------------
# Citations

def _glib_datetime(value):
    if isinstance(value, GLib.DateTime):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        value = value.timestamp()
    elif isinstance(value, datetime.date):
        value = datetime.datetime(value.year, value.month, value.day,
                                  tzinfo=datetime.timezone.utc).timestamp()
    return GLib.DateTime.new_from_unix_utc(int(value))


def citation(content, *, title=None, url=None, label=None, author_name=None,
             last_updated=None, page_number=None):
    """A result item North (1.13 and later) shows as a cited document: the
    dict ``{"text", "title", "url", "_north_metadata": {"renderer":
    "document", "content", "title", "url", "label", "meta": {"author_name",
    "last_updated", "page_number"}}}`` that ``NorthMcp.Citation`` builds,
    members not given left out. @last_updated: a ``datetime`` (naive means
    UTC), a ``date``, Unix seconds or a ``GLib.DateTime``. Return a list of
    these from a tool."""
    properties = {"title": title, "url": url, "label": label, "author_name": author_name,
                  "last_updated": None if last_updated is None else _glib_datetime(last_updated),
                  "page_number": page_number}
    item = NorthMcp.Citation(content=content,
                             **{name: value for name, value in properties.items() if value is not None})
    return json_to_python(item.to_json())


__all__.append("citation")


# ---------------------------------------------------------------------------
# JSON Schemas from type hints, and JSON values converted to those hints:
# what FastMCP does with pydantic, done by hand so that pydantic stays
# optional (v1 and v2 models are used through whichever API they have).

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


def _is_pydantic_model(hint):
    return (isinstance(hint, type) and any(
        base.__module__.startswith("pydantic") and base.__name__ == "BaseModel"
        for base in hint.__mro__))


def _is_pydantic_field(value):
    return type(value).__name__ == "FieldInfo" and type(value).__module__.startswith("pydantic")


def _is_typeddict(hint):
    return isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__total__")


def _pydantic_undefined(value):
    return type(value).__name__ in ("UndefinedType", "PydanticUndefinedType")


_CONSTRAINTS = (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"),
                ("lt", "exclusiveMaximum"), ("multiple_of", "multipleOf"),
                ("pattern", "pattern"), ("regex", "pattern"))


def _apply_metadata(schema, extra):
    """Adds what an ``Annotated`` extra says to @schema: a str is the
    description; a dict is merged; a pydantic ``Field(...)`` (v1 or v2) or an
    annotated-types constraint gives title, description, bounds, lengths,
    pattern and examples."""
    if isinstance(extra, str):
        schema["description"] = extra
        return
    if isinstance(extra, collections.abc.Mapping):
        schema.update(extra)
        return
    items = [extra] + list(getattr(extra, "metadata", None) or [])
    for item in items:
        for attribute, keyword in _CONSTRAINTS:
            value = getattr(item, attribute, None)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                schema[keyword] = value
        for attribute in ("min_length", "min_items"):
            value = getattr(item, attribute, None)
            if isinstance(value, int):
                schema["minItems" if schema.get("type") == "array" else "minLength"] = value
        for attribute in ("max_length", "max_items"):
            value = getattr(item, attribute, None)
            if isinstance(value, int):
                schema["maxItems" if schema.get("type") == "array" else "maxLength"] = value
    for attribute in ("title", "description"):
        value = getattr(extra, attribute, None)
        if isinstance(value, str):
            schema[attribute] = value
    examples = getattr(extra, "examples", None)
    if isinstance(examples, list):
        schema["examples"] = examples


class _SchemaBuilder:
    """Makes the JSON Schemas of type hints; named types (dataclasses,
    TypedDicts, Enums, pydantic models) go to ``$defs`` once, so that
    recursive types work and the C validator resolves them by ``$ref``."""

    def __init__(self):
        self.defs = {}
        self._names = {}      # type -> its $defs name

    def finish(self, schema):
        if self.defs:
            schema = dict(schema)
            schema["$defs"] = self.defs
        return schema

    def _define(self, hint, make):
        name = self._names.get(hint)
        if name is None:
            name = hint.__name__
            while name in self.defs:
                name += "_"
            self._names[hint] = name
            self.defs[name] = {}            # reserved: recursion stops here
            self.defs[name] = make()
        return {"$ref": "#/$defs/" + name}

    def of(self, hint):
        if hint is inspect.Parameter.empty or hint is typing.Any or hint is object:
            return {}
        if hint is None or hint is _NoneType:
            return {"type": "null"}

        origin = typing.get_origin(hint)
        args = typing.get_args(hint)

        if origin is typing.Annotated:
            schema = dict(self.of(args[0]))
            for extra in args[1:]:
                _apply_metadata(schema, extra)
            return schema
        if origin in (getattr(typing, "Required", None), getattr(typing, "NotRequired", None)):
            return self.of(args[0])
        if _is_union(origin):
            schemas = [self.of(arg) for arg in args]
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
        for kind, format_ in ((datetime.datetime, "date-time"), (datetime.date, "date"),
                              (datetime.time, "time"), (uuid.UUID, "uuid")):
            if hint is kind:
                return {"type": "string", "format": format_}

        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._define(hint, lambda: self._enum(hint))
        if _is_pydantic_model(hint):
            return self._define(hint, lambda: self._pydantic(hint))
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self._define(hint, lambda: self._dataclass(hint))
        if _is_typeddict(hint):
            return self._define(hint, lambda: self._typeddict(hint))

        container = origin or hint
        if isinstance(container, type):
            if issubclass(container, (str, bytes)):
                raise TypeError("no JSON Schema for %r" % (hint,))
            if issubclass(container, collections.abc.Mapping):
                schema = {"type": "object"}
                if len(args) == 2 and self.of(args[1]):
                    schema["additionalProperties"] = self.of(args[1])
                return schema
            if issubclass(container, tuple) and args and args[-1] is not Ellipsis:
                items = [self.of(arg) for arg in args]
                return {"type": "array", "prefixItems": items,
                        "minItems": len(items), "maxItems": len(items)}
            if issubclass(container, (collections.abc.Sequence, collections.abc.Set)):
                schema = {"type": "array"}
                if args and self.of(args[0]):
                    schema["items"] = self.of(args[0])
                return schema

        raise TypeError("no JSON Schema for the type hint %r: use int, float, str, bool, "
                        "list, dict, Optional, Literal, Any, an Enum, a dataclass, a "
                        "TypedDict or a pydantic model" % (hint,))

    def _enum(self, hint):
        values = [member.value for member in hint]
        schema = {"title": hint.__name__, "enum": values}
        kinds = {_json_type_of(value) for value in values}
        if len(kinds) == 1:
            schema["type"] = kinds.pop()
        return schema

    def _object(self, hint, fields, required):
        schema = {"type": "object", "title": hint.__name__, "properties": fields}
        if required:
            schema["required"] = required
        doc = hint.__dict__.get("__doc__")           # its own, not dict's
        if doc and not doc.startswith(hint.__name__ + "("):   # not the generated one
            doc = inspect.cleandoc(doc)
            schema["description"] = doc
        return schema

    def _dataclass(self, hint):
        hints = typing.get_type_hints(hint, include_extras=True)
        properties, required = {}, []
        for field in dataclasses.fields(hint):
            if not field.init:
                continue
            schema = _titled(self.of(hints.get(field.name, field.type)), field.name)
            if field.default is not dataclasses.MISSING:
                _set_default(schema, field.default)
            elif field.default_factory is dataclasses.MISSING:
                required.append(field.name)
            properties[field.name] = schema
        return self._object(hint, properties, required)

    def _typeddict(self, hint):
        hints = typing.get_type_hints(hint, include_extras=True)
        required_keys = getattr(hint, "__required_keys__", frozenset(hints))
        properties = {name: _titled(self.of(value), name) for name, value in hints.items()}
        return self._object(hint, properties, [k for k in hints if k in required_keys])

    def _pydantic(self, hint):
        template = "#/$defs/{model}"
        if hasattr(hint, "model_json_schema"):          # pydantic 2
            schema = hint.model_json_schema(ref_template=template)
            nested = schema.pop("$defs", {})
        else:                                            # pydantic 1
            schema = hint.schema(ref_template=template)
            nested = schema.pop("definitions", {})
        for name, definition in nested.items():
            self.defs.setdefault(name, definition)
        return schema


def _title(name):
    return name.replace("_", " ").title()


def _titled(schema, name):
    """@schema with a title from @name, as pydantic does (not next to a
    bare $ref, whose target has its own)."""
    schema = dict(schema)
    if "$ref" not in schema:
        schema.setdefault("title", _title(name))
    return schema


def _set_default(schema, default):
    try:
        json.dumps(default, allow_nan=False)
    except (TypeError, ValueError):
        default = _to_jsonable(default)
        try:
            json.dumps(default, allow_nan=False)
        except (TypeError, ValueError):
            return
    schema["default"] = default


def schema_for_type(hint):
    """Returns the JSON Schema (a dict) of a Python type hint: int, float,
    str, bool, None, list/tuple/set[...], dict[str, ...], Optional[...],
    Union[...], Literal[...], Any, Enum, dataclasses, TypedDict, pydantic
    models, datetime/date/time/UUID, and Annotated[T, "description"] or
    Annotated[T, pydantic.Field(...)]. Named types are in ``$defs``."""
    builder = _SchemaBuilder()
    return builder.finish(builder.of(hint))


__all__.append("schema_for_type")


class ArgumentError(ValueError):
    """A tool, resource or prompt argument that does not fit its hint."""


def _kind_of(value):
    try:
        return _json_type_of(value)
    except TypeError:
        return {dict: "object", list: "array"}.get(type(value), type(value).__name__)


def _fail(path, expected, value):
    raise ArgumentError("argument '%s' must be %s, got %s" % (path, expected, _kind_of(value)))


def _convert(value, hint, path, text=False):
    """Converts the JSON value @value (already checked against the schema
    by the server) to the type hint @hint: integral floats to int, objects
    to dataclasses, TypedDicts and pydantic models, values to Enum members.
    With @text (URI template variables and prompt arguments, which are
    always strings), strings become the numbers and booleans the hint asks
    for. @path names the argument."""
    if hint is inspect.Parameter.empty or hint is typing.Any or hint is object:
        return value
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated or origin in (getattr(typing, "Required", None),
                                                getattr(typing, "NotRequired", None)):
        return _convert(value, args[0], path, text)
    if _is_union(origin):
        if value is None and _NoneType in args:
            return None
        errors = []
        for member in args:
            if member is _NoneType:
                continue
            try:
                return _convert(value, member, path, text)
            except (ArgumentError, TypeError, ValueError) as error:
                errors.append(error)
        raise errors[0] if len(errors) == 1 else ArgumentError(
            "argument '%s' matches none of %s" % (path, hint))
    if origin is typing.Literal:
        for choice in args:
            if value == choice or (text and isinstance(value, str) and
                                   not isinstance(choice, str) and value == json.dumps(choice)):
                return choice
        _fail(path, "one of %s" % ", ".join(json.dumps(choice) for choice in args), value)
    if hint is None or hint is _NoneType:
        if value is not None:
            _fail(path, "null", value)
        return None
    if hint is bool:
        if text and isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            _fail(path, "a boolean", value)
        return value
    if hint is int:
        if text and isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                _fail(path, "an integer", value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            _fail(path, "an integer", value)
        return value
    if hint is float:
        if text and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                _fail(path, "a number", value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            _fail(path, "a number", value)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            _fail(path, "a string", value)
        return value
    if hint in (datetime.datetime, datetime.date, datetime.time):
        if not isinstance(value, str):
            _fail(path, "an ISO 8601 string", value)
        try:
            return hint.fromisoformat(value.replace("Z", "+00:00") if hint is not datetime.date
                                      else value)
        except ValueError:
            _fail(path, "an ISO 8601 %s" % hint.__name__, value)
    if hint is uuid.UUID:
        try:
            return uuid.UUID(value)
        except (TypeError, ValueError, AttributeError):
            _fail(path, "a UUID", value)

    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        for member in hint:
            if member.value == value or (text and isinstance(value, str) and
                                         not isinstance(member.value, str) and
                                         value == json.dumps(member.value)):
                return member
        _fail(path, "one of %s" % ", ".join(json.dumps(m.value) for m in hint), value)
    if _is_pydantic_model(hint):
        try:
            if hasattr(hint, "model_validate"):
                return hint.model_validate(value)
            return hint.parse_obj(value)
        except Exception as error:
            raise ArgumentError("argument '%s': %s" % (path, error)) from None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            _fail(path, "an object", value)
        hints = typing.get_type_hints(hint)
        kwargs = {}
        for field in dataclasses.fields(hint):
            if field.init and field.name in value:
                kwargs[field.name] = _convert(value[field.name], hints.get(field.name),
                                              "%s.%s" % (path, field.name), text)
        try:
            return hint(**kwargs)
        except TypeError as error:
            raise ArgumentError("argument '%s': %s" % (path, error)) from None
    if _is_typeddict(hint):
        if not isinstance(value, dict):
            _fail(path, "an object", value)
        hints = typing.get_type_hints(hint)
        return {key: _convert(item, hints.get(key, typing.Any), "%s.%s" % (path, key), text)
                for key, item in value.items()}

    container = origin or hint
    if isinstance(container, type):
        if issubclass(container, collections.abc.Mapping):
            if not isinstance(value, dict):
                _fail(path, "an object", value)
            if len(args) == 2:
                return {key: _convert(item, args[1], "%s.%s" % (path, key), text)
                        for key, item in value.items()}
            return value
        if issubclass(container, (collections.abc.Sequence, collections.abc.Set)) \
                and not issubclass(container, (str, bytes)):
            if not isinstance(value, list):
                _fail(path, "an array", value)
            if issubclass(container, tuple) and args and args[-1] is not Ellipsis:
                items = [_convert(item, arg, "%s[%d]" % (path, index), text)
                         for index, (item, arg) in enumerate(zip(value, args))]
            else:
                item_hint = args[0] if args else typing.Any
                items = [_convert(item, item_hint, "%s[%d]" % (path, index), text)
                         for index, item in enumerate(value)]
            if issubclass(container, tuple):
                return tuple(items)
            if issubclass(container, collections.abc.Set):
                return frozenset(items) if container is frozenset else set(items)
            return items
    return value


def _to_jsonable(value):
    """Python values to JSON values: dataclasses and pydantic models to
    objects, Enum members to their values, tuples and sets to arrays, dates
    to ISO 8601 text; what JSON has stays as it is."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return _to_jsonable(value.value)
    if isinstance(value, collections.abc.Mapping):
        return {str(key.value if isinstance(key, enum.Enum) else key): _to_jsonable(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_to_jsonable(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _to_jsonable(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):                    # pydantic 2
        return value.model_dump(mode="json")
    if _is_pydantic_model(type(value)):                  # pydantic 1
        return json.loads(value.json())
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _output_spec(hint, name):
    """(outputSchema or None, wrap) for a return annotation, as FastMCP
    decides: objects (dataclasses, TypedDicts, pydantic models,
    ``dict[str, T]``) are the structured content themselves; primitives,
    lists, unions and the like are wrapped as ``{"result": ...}``; no
    annotation, a bare ``dict``, ``Any`` or a class without fields give no
    schema."""
    if hint is inspect.Parameter.empty or hint is typing.Any or hint is object:
        return None, False
    bare = hint
    while typing.get_origin(bare) is typing.Annotated:
        bare = typing.get_args(bare)[0]
    if isinstance(bare, type) and issubclass(bare, (NorthMcp.ToolResult, Json.Node)):
        return None, False
    builder = _SchemaBuilder()
    origin = typing.get_origin(bare)
    args = typing.get_args(bare)
    try:
        if origin is not None and isinstance(origin, type) and \
                issubclass(origin, collections.abc.Mapping):
            if len(args) == 2 and args[0] is not str:
                wrap = True
            else:
                return builder.finish(builder.of(hint)), False
        elif (_is_pydantic_model(bare) or _is_typeddict(bare) or
              (dataclasses.is_dataclass(bare) and isinstance(bare, type))):
            name_ = builder.of(bare)["$ref"].rsplit("/", 1)[1]
            root = dict(builder.defs[name_])
            if ('"#/$defs/%s"' % name_) not in json.dumps(builder.defs):
                del builder.defs[name_]      # not recursive: only needed at the top
            return builder.finish(root), False
        elif origin is None and isinstance(bare, type) and \
                bare not in (str, int, float, bool, bytes, _NoneType) and \
                not issubclass(bare, enum.Enum):
            return None, False
        else:
            wrap = True
        result = dict(builder.of(hint), title="Result")
    except TypeError:
        return None, False
    schema = {"type": "object", "properties": {"result": result},
              "required": ["result"], "title": name + "Output"}
    return builder.finish(schema), wrap


def _is_context_hint(hint):
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return isinstance(hint, type) and issubclass(hint, NorthMcp.Context)


_UNSET = object()


class _ToolSpec:
    """What the C tool keeps as user data: the function and how to call it."""

    __slots__ = ("function", "parameters", "context_parameter", "dependencies",
                 "var_keyword", "output_wrap", "output_schema", "owner")

    def __init__(self, function):
        self.function = function
        self.parameters = {}          # name -> (hint, has_default)
        self.context_parameter = None
        self.dependencies = {}        # name -> Depends
        self.var_keyword = False
        self.output_wrap = False
        self.output_schema = None
        self.owner = "tool " + getattr(function, "__name__", "?")


def _type_hints(function):
    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception:
        return dict(getattr(function, "__annotations__", {}))


class Depends:
    """FastMCP's (and the North Python SDK's) ``Depends``: a parameter
    whose default is ``Depends(function)`` is left out of the input schema
    and gets ``function()``'s value, called inside the request (so
    ``Depends(get_telemetry_config)`` or ``Depends(get_current_context)``
    work) before each call. What a client sends under that name is
    ignored. The function is called without arguments and must not be a
    coroutine function."""

    __slots__ = ("dependency",)

    def __init__(self, dependency):
        if not callable(dependency):
            raise TypeError("Depends() takes a function")
        if inspect.iscoroutinefunction(dependency):
            raise TypeError("Depends(): %r is a coroutine function; only plain "
                            "functions are supported" % (dependency,))
        self.dependency = dependency

    def resolve(self):
        return self.dependency()

    def __repr__(self):
        return "Depends(%r)" % (self.dependency,)


__all__ += ["Depends"]


def _describe_function(function, kind="tool", name=None):
    """Returns (spec, input_schema) for @function; errors name the tool (or
    resource, prompt) and the parameter."""
    signature = inspect.signature(function)
    hints = _type_hints(function)
    spec = _ToolSpec(function)
    spec.owner = "%s '%s'" % (kind, name or getattr(function, "__name__", "?"))
    builder = _SchemaBuilder()
    properties = {}
    required = []

    for parameter_name, parameter in signature.parameters.items():
        hint = hints.get(parameter_name, inspect.Parameter.empty)
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            spec.var_keyword = True
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError("%s: parameter '%s' must be passable by keyword"
                            % (spec.owner, parameter_name))
        if _is_context_hint(hint):
            spec.context_parameter = parameter_name
            continue
        if isinstance(parameter.default, Depends):
            spec.dependencies[parameter_name] = parameter.default
            continue

        default = parameter.default
        field = None
        if _is_pydantic_field(default):         # def f(x: int = Field(ge=1))
            field = default
            default = getattr(field, "default", inspect.Parameter.empty)
            if _pydantic_undefined(default) or default is Ellipsis:
                factory = getattr(field, "default_factory", None)
                default = factory() if factory else inspect.Parameter.empty
        try:
            schema = dict(builder.of(hint))
        except TypeError as error:
            raise TypeError("%s: parameter '%s': %s" % (spec.owner, parameter_name, error)) \
                from None
        if field is not None:
            _apply_metadata(schema, field)
        schema = _titled(schema, parameter_name)
        has_default = default is not inspect.Parameter.empty
        if has_default:
            _set_default(schema, default)
        else:
            required.append(parameter_name)
        properties[parameter_name] = schema
        # A Field() default is not a value: pass the value it holds.
        spec.parameters[parameter_name] = (hint, has_default,
                                           default if field is not None else _UNSET)

    input_schema = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = required
    return spec, builder.finish(input_schema)


def _text_of(value):
    return value if isinstance(value, str) else json.dumps(
        value, allow_nan=False, default=_json_default)


def tool_result_from_value(value, output_schema=None, wrap=False):
    """Converts what a tool function returned to a ``NorthMcp.ToolResult``.

    Without an output schema: a str becomes a text block; a number or bool
    its JSON text; a dict (or a dataclass, TypedDict or pydantic model)
    structured content and its JSON text; a list one text block per item
    and ``{"result": [...]}`` as structured content; ``None`` an empty
    result; a ``Json.Node`` content block is added as is; a
    ``NorthMcp.ToolResult`` is returned unchanged.

    With @output_schema (made from the return annotation), the structured
    content is the value itself, or ``{"result": value}`` when @wrap, as
    FastMCP does."""
    if isinstance(value, NorthMcp.ToolResult):
        return value
    if isinstance(value, Json.Node):
        result = NorthMcp.ToolResult.new()
        result.add_content(value)
        return result
    if isinstance(value, (list, tuple, set, frozenset)) and \
            any(isinstance(item, Json.Node) for item in value):
        result = NorthMcp.ToolResult.new()
        for item in value:
            if isinstance(item, Json.Node):
                result.add_content(item)
            else:
                result.add_text(_text_of(_to_jsonable(item)))
        return result

    plain = _to_jsonable(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        # As FastMCP does: one text block per item.
        result = NorthMcp.ToolResult.new()
        for item in plain:
            result.add_text(_text_of(item))
        structured = {"result": plain}
    elif plain is None:
        result = NorthMcp.ToolResult.new()
        structured = {"result": None} if output_schema is not None else None
    elif isinstance(plain, (str, bool, int, float)):
        result = NorthMcp.ToolResult.new_text(_text_of(plain))
        structured = {"result": plain} if output_schema is not None else None
    elif isinstance(plain, dict):
        result = NorthMcp.ToolResult.new_text(_text_of(plain))
        structured = {"result": plain} if wrap else plain
    else:
        raise TypeError("a tool cannot return %s: return str, a number, a dict, a list, "
                        "a dataclass, a pydantic model or a NorthMcp.ToolResult"
                        % type(value).__name__)
    if structured is not None:
        result.set_structured_content(python_to_json(structured))
    return result


class ToolError(Exception):
    """Raise it from a tool to answer with an error result whose text is
    just the message (other exceptions read ``"ExceptionType: message"``),
    as FastMCP's ``ToolError``."""


class McpError(Exception):
    """A request to the client (``Context.sample()``, ``elicit()``…) or a
    ``NorthMcp`` call failed. ``code`` is the JSON-RPC or ``NorthMcp.Error``
    code, ``domain`` the GLib error domain name."""

    def __init__(self, message, code=0, domain=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.domain = domain


def _error_message(exception):
    """"ExceptionType: message", without GLib's "domain-quark: … (code)"."""
    if isinstance(exception, (ToolError, ArgumentError)):
        return str(exception) or type(exception).__name__
    if isinstance(exception, GLib.Error):
        name, message = "GLib.Error", exception.message or ""
    else:
        name, message = type(exception).__name__, str(exception)
    return "%s: %s" % (name, message) if message else name


def _where(exception):
    """'file:line in function' of the innermost frame of the traceback."""
    frames = traceback.extract_tb(exception.__traceback__)
    if not frames:
        return None
    frame = frames[-1]
    return "%s:%d in %s" % (frame.filename, frame.lineno, frame.name)


def _read_log_interval():
    """How often one kind of line is written at most, in seconds: a minute,
    or NORTH_MCP_LOG_INTERVAL_MS (tests), as the library's own log
    throttle (util/north-mcp-log-throttle.c) reads them."""
    value = os.environ.get("NORTH_MCP_LOG_INTERVAL_MS", "")
    if re.fullmatch(r"[0-9]{1,10}", value, re.ASCII) and int(value) <= 0x7fffffff:
        return int(value) / 1000
    return 60.0


_LOG_INTERVAL_S = _read_log_interval()


class _LogThrottle:
    """Where one kind of line was last written, as the library's
    NorthMcpLogThrottle: what any client can cause at will (a tool that
    raises, called in a loop) would otherwise write a line per request,
    disk spent for the sender and real warnings buried."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last = None
        self._unlogged = 0

    def passes(self):
        """The end of a line that may be written now: "" or " (N more since
        the last line)"; None for a line left out (and counted)."""
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < _LOG_INTERVAL_S:
                self._unlogged += 1
                return None
            self._last, skipped, self._unlogged = now, self._unlogged, 0
        return " (%d more since the last line)" % skipped if skipped else ""


_handler_failures = _LogThrottle()
_route_failures = _LogThrottle()


# The C0 controls but tab, DEL, the C1 controls and the line and paragraph
# separators, as the library's own log lines escape them (auth/north-mcp-log.c).
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def _escape_controls(text):
    """@text with its control characters escaped as repr() would: one
    failure is one line, whatever the client sent that its message quotes
    (no line of the client's own, no terminal escape)."""
    return _CONTROLS.sub(lambda match: _CONTROL_ESCAPES.get(match.group()) or (
        "\\x%02x" % ord(match.group()) if match.group() < "\u0100"
        else "\\u%04x" % ord(match.group())), text)


def _escaped_traceback(exception):
    """The traceback of @exception, its messages escaped (the frames are
    the program's; the chained exceptions' headers are kept)."""
    for chunk in traceback.TracebackException.from_exception(exception).format():
        if chunk.startswith(("  File ", "Traceback", "\n")):
            yield chunk
        else:
            yield _escape_controls(chunk.rstrip("\n")) + "\n"


def _log_failure(owner, exception, debug, throttle):
    """A line on stderr for a failed call, through @throttle: the first
    time, then once a minute at most, ending with the count of those left
    out; the whole traceback of every one in debug mode (the operator
    asked for each). What the exception says is escaped (see
    _escape_controls())."""
    if debug:
        print("NorthMcp: %s failed:" % owner, file=sys.stderr)
        sys.stderr.write("".join(_escaped_traceback(exception)))
    else:
        more = throttle.passes()
        if more is None:
            return
        where = _where(exception)
        print("NorthMcp: %s failed: %s%s%s" % (owner, _escape_controls(_error_message(exception)),
                                               " (%s)" % where if where else "", more),
              file=sys.stderr)
    sys.stderr.flush()


def _log_exception(context, exception, owner):
    """_log_failure() of a handler's exception, but for the ones meant as
    the client's answer."""
    server = context.get_server()
    if not isinstance(exception, (ToolError, ArgumentError)):
        _log_failure(owner, exception, server is not None and server.get_debug(),
                     _handler_failures)


_JSONRPC_DOMAIN = GLib.quark_to_string(NorthMcp.jsonrpc_error_quark())
_NORTH_MCP_DOMAIN = GLib.quark_to_string(NorthMcp.error_quark())


def _is_jsonrpc_error(exception):
    if isinstance(exception, McpError):
        return exception.domain == _JSONRPC_DOMAIN
    return isinstance(exception, GLib.Error) and exception.domain == _JSONRPC_DOMAIN


def _return_error(context, exception):
    """Answers @context with a JSON-RPC error for @exception."""
    if _is_jsonrpc_error(exception):
        context.return_error_literal(NorthMcp.jsonrpc_error_quark(), exception.code,
                                     exception.message)
    else:
        context.return_error_literal(NorthMcp.error_quark(), NorthMcp.Error.FAILED,
                                     _error_message(exception))


def _tool_finisher(spec):
    def finish(context, value, exception):
        """Completes a tools/call: an exception is a result with isError."""
        if context.is_completed():
            return
        if exception is None:
            try:
                result = tool_result_from_value(value, spec.output_schema, spec.output_wrap)
            except Exception as error:  # a bad return value is the tool's error
                exception = error
        if exception is not None:
            _log_exception(context, exception, spec.owner)
            if _is_jsonrpc_error(exception):
                _return_error(context, exception)
                return
            result = NorthMcp.ToolResult.new_error(_error_message(exception))
        context.return_tool_result(result)
    return finish


def _invoke(context, function, kwargs, finish, args=()):
    """Calls @function; completes @context with finish(context, value,
    exception) now, or when the coroutine it returned is done."""
    token = _current_context.set(context)
    try:
        value = function(*args, **kwargs)
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


def _convert_arguments(spec, values, context, text=False):
    """The keyword arguments of a call: @values converted to the hints
    (from strings when @text: template variables, prompt arguments)."""
    kwargs = {}
    for name, (hint, has_default, default) in spec.parameters.items():
        if name in values:
            kwargs[name] = _convert(values[name], hint, name, text)
        elif not has_default:
            raise ArgumentError("missing required argument '%s'" % name)
        elif default is not _UNSET:
            kwargs[name] = default
    if spec.var_keyword:
        for name, value in values.items():
            if name not in spec.parameters and name not in spec.dependencies:
                kwargs[name] = value
    if spec.context_parameter is not None:
        kwargs[spec.context_parameter] = context
    if spec.dependencies:
        token = _current_context.set(context)
        try:
            for name, dependency in spec.dependencies.items():
                kwargs[name] = dependency.resolve()
        finally:
            _current_context.reset(token)
    return kwargs


def _run_tool(tool, context, arguments, spec):
    """Runs a tool made from a function."""
    finish = _tool_finisher(spec)
    try:
        kwargs = _convert_arguments(spec, json_to_python(arguments) or {}, context)
    except Exception as error:
        finish(context, None, error)
        return
    _invoke(context, spec.function, kwargs, finish)


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
    class. Its ``set_func()`` and ``set_async_func()`` raise ``TypeError``
    (see ``_refuse_handler()``)."""

    __gtype_name__ = "NorthMcpPythonFunctionTool"
    # PyGObject registers no GType for a class whose module is gi.overrides.*
    # (it takes it for an override of its parent): do_call would then
    # replace NorthMcpTool's own `call`, and every tool made with
    # NorthMcp.Tool.new() or in C would run this method.
    __module__ = "gi.repository.NorthMcp.python"

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


class ToolAnnotations(dict):
    """MCP tool annotations by keyword, as ``mcp.types.ToolAnnotations``:
    ``ToolAnnotations(destructiveHint=True, title="…")``. A dict; unset
    hints are left out."""

    def __init__(self, **hints):
        super().__init__((key, value) for key, value in hints.items() if value is not None)

    def model_dump(self, exclude_none=True, **_):
        return dict(self)


def tool_from_function(function, name=None, description=None, *, title=None,
                       annotations=None, read_only=None, destructive=None,
                       idempotent=None, open_world=None, output_schema=None,
                       structured_output=None, meta=None, task_support=None):
    """Makes a ``NorthMcp.Tool`` from a plain (or ``async def``) function.

    The name defaults to the function's name, the description to its
    docstring, and the input schema is derived from its type hints; a
    parameter annotated ``NorthMcp.Context`` receives the request context.
    The return annotation gives the output schema and the structured
    content, as FastMCP does (``structured_output=False`` turns that off;
    ``output_schema`` sets one by hand).
    ``annotations`` is a dict (or ``ToolAnnotations``) of MCP tool
    annotations (``readOnlyHint``…); ``read_only``, ``destructive``,
    ``idempotent`` and ``open_world`` set the hints one by one.
    ``task_support`` (``"optional"``, ``"required"`` or a
    ``NorthMcp.TaskSupport``) lets an ``async def`` tool run as a task of
    the tasks extension (protocol revision 2026-07-28).
    Errors in the hints raise ``TypeError`` naming the tool and parameter.
    """
    name = name or function.__name__
    spec, input_schema = _describe_function(function, "tool", name)
    if description is None:
        description = inspect.getdoc(function)
    tool = FunctionTool(spec, name, description)
    tool.set_input_schema_json(json.dumps(input_schema))
    if output_schema is None and structured_output is not False:
        returns = inspect.signature(function).return_annotation
        if returns is not inspect.Signature.empty:
            returns = _type_hints(function).get("return", returns)
        output_schema, spec.output_wrap = _output_spec(returns, name)
        if output_schema is None and structured_output:
            raise TypeError("tool '%s': structured_output needs a return annotation "
                            "with a JSON Schema, not %r" % (name, returns))
    if output_schema is not None:
        spec.output_schema = output_schema
        tool.set_output_schema_json(json.dumps(output_schema))
    if title is not None:
        tool.set_title(title)
    if annotations:
        if hasattr(annotations, "model_dump"):
            annotations = annotations.model_dump(exclude_none=True)
        elif hasattr(annotations, "dict") and not isinstance(annotations, dict):
            annotations = annotations.dict(exclude_none=True)
        tool.set_annotations(python_to_json(dict(annotations)).get_object())
    for hint, value in ((NorthMcp.ToolHint.READ_ONLY, read_only),
                        (NorthMcp.ToolHint.DESTRUCTIVE, destructive),
                        (NorthMcp.ToolHint.IDEMPOTENT, idempotent),
                        (NorthMcp.ToolHint.OPEN_WORLD, open_world)):
        if value is not None:
            tool.set_hint(hint, bool(value))
    if meta:
        tool.set_meta(python_to_json(dict(meta)).get_object())
    if task_support is not None:
        if isinstance(task_support, str):
            try:
                task_support = getattr(NorthMcp.TaskSupport, task_support.upper())
            except AttributeError:
                raise TypeError("tool '%s': task_support must be 'forbidden', 'optional' or "
                                "'required', not %r" % (name, task_support)) from None
        tool.set_task_support(task_support)
    return tool


__all__ += ["tool_from_function", "tool_result_from_value", "ToolAnnotations",
            "ToolError", "McpError", "ArgumentError"]


# ---------------------------------------------------------------------------
# Resources and prompts from functions

def _resource_parts(value, mime_type=None):
    """(content, mime type) of what a resource function returned: a str is
    text (``text/plain`` unless the resource says otherwise), bytes a blob,
    a dict, list, dataclass or pydantic model JSON text."""
    if isinstance(value, str):
        return value, mime_type or "text/plain"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), mime_type or "application/octet-stream"
    plain = _to_jsonable(value)
    if isinstance(plain, (dict, list)):
        return (json.dumps(plain, allow_nan=False, default=_json_default),
                mime_type or "application/json")
    raise TypeError("a resource cannot return %s: return str, bytes, a dict, "
                    "a list or a NorthMcp.ResourceContents" % type(value).__name__)


def resource_contents_from_value(value, uri, mime_type=None):
    """Converts what a resource function returned to a
    ``NorthMcp.ResourceContents``: a str is text (``text/plain`` unless
    the resource says otherwise), bytes a blob, a dict, list, dataclass or
    pydantic model JSON text (``application/json``); a
    ``NorthMcp.ResourceContents`` is returned unchanged."""
    if isinstance(value, NorthMcp.ResourceContents):
        return value
    content, mime_type = _resource_parts(value, mime_type)
    if isinstance(content, bytes):
        return NorthMcp.ResourceContents.new_blob(uri, mime_type, GLib.Bytes.new(content))
    return NorthMcp.ResourceContents.new_text(uri, mime_type, content)


def _finisher(owner, complete):
    """finish(context, value, exception) for resources and prompts: an
    exception becomes a JSON-RPC error naming it; one of a function that
    Context.read_resource() runs is also raised there, and not logged (its
    caller has it)."""
    def finish(context, value, exception):
        if context.is_completed():
            return
        if exception is None:
            try:
                complete(context, value)
                return
            except Exception as error:
                exception = error
        failures = _read_failures.get()
        if failures is None:
            _log_exception(context, exception, owner)
        else:
            failures.append(exception)
        _return_error(context, exception)
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


def _argument_description(hint, default):
    """The description of a prompt argument: Annotated[T, "text"] or a
    pydantic Field(description=...)."""
    schema = {}
    if typing.get_origin(hint) is typing.Annotated:
        for extra in typing.get_args(hint)[1:]:
            _apply_metadata(schema, extra)
    if _is_pydantic_field(default):
        _apply_metadata(schema, default)
    return schema.get("description")


def _run(context, spec, values, finish):
    """Runs the function of a resource or prompt with @values, strings
    converted to its hints; completes @context through finish()."""
    try:
        kwargs = _convert_arguments(spec, values, context, text=True)
    except Exception as error:
        finish(context, None, error)
        return
    _invoke(context, spec.function, kwargs, finish)


class _ResourceReader:
    """How a resource or template made from a function reads."""

    def __init__(self, spec, mime_type, owner):
        self.spec = spec
        self.mime_type = mime_type
        self.owner = owner

    def read(self, context, uri, variables):
        mime_type = self.mime_type
        _run(context, self.spec, variables, _finisher(
            self.owner, lambda context, value: context.return_resource_contents(
                resource_contents_from_value(value, uri, mime_type))))



# The features made from functions override their class's virtual methods
# rather than setting callbacks with set_async_func(): PyGObject 3.42 keeps
# ~80 bytes for every callback it registers, for good, and a server that
# adds and removes features as it runs would grow by each. As for
# FunctionTool, __module__ gives each class a GType of its own (not taken
# for an override of its parent, whose vfunc it would replace).

def _complete(feature, parent, context, argument, value, arguments):
    """The complete vfunc of prompts and templates made from functions: the
    server's completion handler (``@server.completion()``, set as
    ``_complete``), else what @parent does (the completion function set
    on @feature, as for any other)."""
    if feature._complete is None:
        parent.do_complete(feature, context, argument, value, arguments)
    else:
        feature._complete(context, argument, value, arguments)


class FunctionResource(NorthMcp.Resource):
    """A resource whose contents a Python function returns (see
    ``resource_from_function()``)."""

    __gtype_name__ = "NorthMcpPythonFunctionResource"
    __module__ = "gi.repository.NorthMcp.python"

    def __init__(self, reader, uri, name):
        super().__init__(uri=uri, name=name)
        self._reader = reader

    @property
    def function(self):
        """The Python function this resource runs."""
        return self._reader.spec.function

    def do_read(self, context):
        self._reader.read(context, self.get_uri(), {})


class FunctionResourceTemplate(NorthMcp.ResourceTemplate):
    """A resource template whose resources a Python function returns, the
    template's variables as its arguments (see
    ``resource_from_function()``)."""

    __gtype_name__ = "NorthMcpPythonFunctionResourceTemplate"
    __module__ = "gi.repository.NorthMcp.python"
    _complete = None

    def __init__(self, reader, uri_template, name):
        # Raises GLib.Error for an invalid template, as
        # ResourceTemplate.new() does (the property would only warn).
        NorthMcp.UriTemplate.new(uri_template)
        super().__init__(uri_template=uri_template, name=name)
        self._reader = reader

    @property
    def function(self):
        """The Python function this template runs."""
        return self._reader.spec.function

    def do_read(self, context, uri, variables):
        self._reader.read(context, uri, dict(variables or {}))

    def do_complete(self, context, argument, value, arguments):
        _complete(self, NorthMcp.ResourceTemplate, context, argument, value, arguments)


class FunctionPrompt(NorthMcp.Prompt):
    """A prompt whose messages a Python function returns (see
    ``prompt_from_function()``)."""

    __gtype_name__ = "NorthMcpPythonFunctionPrompt"
    __module__ = "gi.repository.NorthMcp.python"
    _complete = None

    def __init__(self, spec, name, description=None):
        super().__init__(name=name, description=description)
        self._spec = spec
        self._finish = _finisher("prompt '%s'" % name, lambda context, value: (
            context.return_prompt_result(prompt_result_from_value(value, description))))

    @property
    def function(self):
        """The Python function this prompt runs."""
        return self._spec.function

    def do_get(self, context, arguments):
        _run(context, self._spec, dict(arguments or {}), self._finish)

    def do_complete(self, context, argument, value, arguments):
        _complete(self, NorthMcp.Prompt, context, argument, value, arguments)


def _refuse_handler(setter, parent):
    """A set_func()/set_async_func() for the features made from functions:
    their virtual methods run the function, so the handler it would set
    would never run; raising says so where doing nothing would not."""
    def refuse(self, *args, **kwargs):
        function = self.function
        raise TypeError(
            "%s(): the handler of a %s is its Python function (.function, %s()), which "
            "its class runs, not a handler set on it; make one of another function, or "
            "a NorthMcp.%s whose %s() you call" % (
                setter, type(self).__name__, getattr(function, "__name__", repr(function)),
                parent, setter))
    refuse.__name__ = setter
    return refuse


for _class, _parent in ((FunctionTool, "Tool"), (FunctionResource, "Resource"),
                        (FunctionResourceTemplate, "ResourceTemplate"), (FunctionPrompt, "Prompt")):
    for _setter in ("set_func", "set_async_func"):
        setattr(_class, _setter, _refuse_handler(_setter, _parent))
del _class, _parent, _setter

__all__ += ["FunctionResource", "FunctionResourceTemplate", "FunctionPrompt"]


def resource_from_function(function, uri, name=None, description=None, *,
                           mime_type=None, title=None):
    """Makes a ``NorthMcp.Resource`` (a fixed URI) or, when @uri is an RFC
    6570 template such as ``items://{item_id}``, a
    ``NorthMcp.ResourceTemplate`` whose variables are passed to @function
    as keyword arguments, converted to their type hints
    (``item_id: int``). @function may be ``async def``."""
    name = name or function.__name__
    if description is None:
        description = inspect.getdoc(function)
    spec, _ = _describe_function(function, "resource", name)
    owner = "resource '%s'" % name
    reader = _ResourceReader(spec, mime_type, owner)

    if "{" in uri:
        made = FunctionResourceTemplate(reader, uri, name)
        variables = set(made.get_template().get_variables())
        required = {p for p, (_, has_default, _) in spec.parameters.items() if not has_default}
        unknown = required - variables
        if unknown:
            raise TypeError("%s: parameters %s are not variables of %s"
                            % (owner, sorted(unknown), uri))
        missing = variables - set(spec.parameters)
        if missing and not spec.var_keyword:
            raise TypeError("%s: the variables %s of %s are not parameters of %s()"
                            % (owner, sorted(missing), uri, function.__name__))
    else:
        required = [p for p, (_, has_default, _) in spec.parameters.items() if not has_default]
        if required:
            raise TypeError("%s: %s has no variables for the parameters %s"
                            % (owner, uri, sorted(required)))
        made = FunctionResource(reader, uri, name)

    if description:
        made.set_description(description)
    if mime_type:
        made.set_mime_type(mime_type)
    if title:
        made.set_title(title)
    return made


def prompt_from_function(function, name=None, description=None, *, title=None):
    """Makes a ``NorthMcp.Prompt`` from a function whose parameters are the
    prompt's arguments (a parameter without default is required;
    ``Annotated[str, "text"]`` or ``Field(description=...)`` describes it;
    the strings the client sends are converted to the hints, as
    ``count: int``). It returns a str, a list of messages or a
    ``NorthMcp.PromptResult``; it may be ``async def``."""
    name = name or function.__name__
    if description is None:
        description = inspect.getdoc(function)
    spec, _ = _describe_function(function, "prompt", name)
    prompt = FunctionPrompt(spec, name, description)
    signature = inspect.signature(function)
    for argument, (hint, has_default, _) in spec.parameters.items():
        prompt.add_argument(argument,
                            _argument_description(hint, signature.parameters[argument].default),
                            not has_default)
    if title:
        prompt.set_title(title)
    return prompt


__all__ += ["resource_contents_from_value", "prompt_result_from_value",
            "resource_from_function", "prompt_from_function"]


# ---------------------------------------------------------------------------
# Completion, with FastMCP's names (mcp.types)

class PromptReference(typing.NamedTuple):
    """The prompt whose argument is completed (``ref/prompt``)."""
    name: str
    type: str = "ref/prompt"


class ResourceTemplateReference(typing.NamedTuple):
    """The resource template whose variable is completed (``ref/resource``)."""
    uri: str
    type: str = "ref/resource"


class CompletionArgument(typing.NamedTuple):
    """The argument being completed and what the user typed so far."""
    name: str
    value: str


class CompletionContext(typing.NamedTuple):
    """The values of the other arguments, already resolved."""
    arguments: dict


class Completion(typing.NamedTuple):
    """What a completion handler returns: candidate ``values``, and
    optionally the ``total`` number of candidates and ``hasMore``."""
    values: list
    total: typing.Optional[int] = None
    hasMore: typing.Optional[bool] = None


def _complete_with(handler, reference):
    """A NorthMcpCompletionAsyncFunc that calls @handler(ref, argument,
    context) as FastMCP's ``@mcp.completion()`` does."""
    owner = "completion handler %s" % getattr(handler, "__name__", "?")

    def complete(context, value):
        if value is None:
            value = Completion([])
        elif not isinstance(value, Completion):
            value = Completion(list(value)) if not hasattr(value, "values") else Completion(
                list(value.values), getattr(value, "total", None), getattr(value, "hasMore", None))
        total = -1 if value.total is None else int(value.total)
        context.return_completion([str(item) for item in value.values], total,
                                  bool(value.hasMore))

    finish = _finisher(owner, complete)

    def func(*args):
        context, argument, typed, arguments = args[:4]
        others = dict(arguments or {})
        _invoke(context, handler, {}, finish,
                (reference, CompletionArgument(argument, typed or ""),
                 CompletionContext(others) if others else None))

    return func


def _complete_from(feature, handler):
    """Has @handler (``@server.completion()``) complete the arguments of
    @feature, a prompt or resource template."""
    if isinstance(feature, NorthMcp.Prompt):
        reference = PromptReference(feature.get_name())
    else:
        reference = ResourceTemplateReference(feature.get_uri_template())
    complete = _complete_with(handler, reference)
    if isinstance(feature, (FunctionPrompt, FunctionResourceTemplate)):
        feature._complete = complete    # run by its vfunc: no callback to register
    else:
        feature.set_completion_async_func(complete)


__all__ += ["PromptReference", "ResourceTemplateReference", "CompletionArgument",
            "CompletionContext", "Completion"]


# ---------------------------------------------------------------------------
# Custom HTTP routes, with a small request/response API (Starlette's names)

class Request:
    """An HTTP request to a custom route: ``method``, ``path``,
    ``headers`` (a case-insensitive dict), ``query_params`` (a dict),
    ``user`` (the North user or ``None``), ``await body()`` (bytes) and
    ``await json()``."""

    def __init__(self, message, path, user):
        self.message = message
        self.method = message.get_method()
        self.path = path
        self.user = user
        self.url = message.get_uri().to_string()
        self.headers = _Headers._of(message.get_request_headers())
        self.query_params = dict(urllib.parse.parse_qsl(message.get_uri().get_query() or "",
                                                        keep_blank_values=True))
        body = message.get_request_body().flatten() if message.get_request_body() else None
        self._body = bytes(body.get_data() or b"") if body is not None else b""

    async def body(self):
        return self._body

    async def json(self):
        return json.loads(self._body or b"null")


class _Headers(dict):
    """Header name (lower case) -> value; repeated headers are joined."""

    @classmethod
    def _of(cls, soup_headers):
        """The headers of @soup_headers (a Soup.MessageHeaders). The values
        of a repeated field are gathered and joined once: joined as they
        came, a head of thousands of one field copied its value again for
        each."""
        values = {}
        soup_headers.foreach(lambda name, value: values.setdefault(name.lower(), []).append(value))
        headers = cls()
        for name, given in values.items():
            headers[name] = ", ".join(given)
        return headers

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __contains__(self, name):
        return super().__contains__(name.lower())


class Response:
    """An HTTP response: ``content`` (str or bytes), ``status_code``,
    ``headers`` (a dict) and ``media_type``."""

    media_type = None

    def __init__(self, content=b"", status_code=200, headers=None, media_type=None):
        self.body = self.render(content)
        self.status_code = status_code
        self.headers = dict(headers or {})
        if media_type is not None:
            self.media_type = media_type

    def render(self, content):
        if content is None:
            return b""
        return content if isinstance(content, bytes) else str(content).encode("utf-8")

    def _send(self, message):
        message.set_status(self.status_code, None)
        headers = message.get_response_headers()
        for name, value in self.headers.items():
            headers.replace(name, str(value))
        message.set_response(self.media_type or "application/octet-stream",
                             Soup.MemoryUse.COPY, self.body)


class PlainTextResponse(Response):
    """A ``text/plain; charset=utf-8`` response."""
    media_type = "text/plain; charset=utf-8"


class JSONResponse(Response):
    """A JSON response of @content (any JSON-serialisable value)."""
    media_type = "application/json"

    def render(self, content):
        return json.dumps(_to_jsonable(content), allow_nan=False,
                          default=_json_default).encode("utf-8")


def _route_handler(function, methods):
    """A NorthMcpRouteFunc calling @function(request) (plain or async),
    which returns a Response (or a str, bytes or JSON value)."""
    allowed = [method.upper() for method in methods] if methods else None

    def respond(server, message, value, exception):
        if exception is not None:
            _log_failure("route %s" % function.__name__, exception, server.get_debug(),
                         _route_failures)
            value = PlainTextResponse("Internal Server Error", 500)
        elif not isinstance(value, Response):
            value = (PlainTextResponse(value) if isinstance(value, str)
                     else Response(value) if isinstance(value, bytes) else JSONResponse(value))
        value._send(message)

    def route(server, message, path, user, *_):
        if allowed and message.get_method() not in allowed and not (
                message.get_method() == "HEAD" and "GET" in allowed):
            response = PlainTextResponse("Method Not Allowed", 405,
                                         {"Allow": ", ".join(allowed)})
            response._send(message)
            return
        try:
            value = function(Request(message, path, user))
        except Exception as error:
            respond(server, message, None, error)
            return
        if not inspect.isawaitable(value):
            respond(server, message, value, None)
            return
        message.pause()

        def done(task):
            try:
                respond(server, message, task.result(), None)
            except BaseException as error:      # also when cancelled
                respond(server, message, None, error)
            message.unpause()

        get_event_loop().create_task(_await(value)).add_done_callback(done)

    return route


async def _await(awaitable):
    return await awaitable


__all__ += ["Request", "Response", "PlainTextResponse", "JSONResponse"]


# ---------------------------------------------------------------------------
# The server

# What a version given as the second positional argument may look like:
# digits first, no blanks ("1.0.0", "2.1-beta+7", "v3"). FastMCP's second
# positional argument is the instructions; a port that keeps it must not
# silently become the server's version.
_VERSION_ARGUMENT = re.compile(r"v?[0-9][0-9A-Za-z.+~_-]*\Z")


def _server_version(positional, version):
    if len(positional) > 1:
        raise TypeError("Server() takes the name and at most a version "
                        "positionally; give the rest by keyword")
    if not positional:
        return "0.1.0" if version is None else version
    if version is not None:
        raise TypeError("Server() got the version twice (positionally and "
                        "by keyword)")
    given = positional[0]
    if not isinstance(given, str) or not _VERSION_ARGUMENT.match(given):
        raise TypeError(
            "Server(name, version): %r is not a version (digits first, no "
            "blanks). FastMCP's second argument is the instructions: pass "
            "instructions=... (and any other version as version=...)"
            % (given if len(str(given)) <= 40 else str(given)[:40] + "…",))
    return given


class Server(NorthMcp.Server):
    """An MCP server for North.

    ``Server(name, version="0.1.0", *, port=None, host=None,
    server_secret=None, trusted_issuers=None, require_auth=None,
    audience=None, debug=None, stateless=None, instructions=None,
    title=None, lifespan=None, telemetry=None)``

    A version given positionally must look like one (digits first, no
    blanks, as ``"1.0.0"``); anything else raises ``TypeError``, because
    FastMCP's second positional argument is the instructions and a ported
    ``FastMCP("Demo", "Answer briefly.")`` must not set the version. Other
    versions go by keyword: ``version="dev"``.

    ``lifespan`` is FastMCP's: a function of the server returning an async
    context manager (``@contextlib.asynccontextmanager``), entered before
    the server serves and left after it stops; what it yields is
    ``ctx.request_context.lifespan_context`` in tools. FastMCP's
    ``stateless_http`` is ``stateless``; ``json_response`` is accepted and
    ignored (stateful sessions answer with SSE, stateless ones with JSON).
    """

    # Defaults for servers whose __init__ did not run: made by
    # NorthMcp.Server.new() or handed over from C.
    _lifespan = None
    _lifespan_context = None
    _completion = None
    _shutdowns = None

    def __init__(self, name="north-mcp-server", *positional, version=None,
                 port=None, host=None, server_secret=None, trusted_issuers=None,
                 require_auth=None, audience=None, debug=None, stateless=None,
                 instructions=None, title=None, lifespan=None, stateless_http=None,
                 json_response=None, telemetry=None, **properties):
        version = _server_version(positional, version)
        super().__init__(name=name, version=version, **properties)
        if telemetry is not None:
            tracer = self.get_tracer()
            tracer.set_record_error_details(telemetry.record_sensitive_data)
            tracer.set_log_trace_context(telemetry.log_trace_context)
        self._lifespan = lifespan
        self._lifespan_context = None
        self._completion = None
        self._shutdowns = []
        if stateless is None:
            stateless = stateless_http
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

    @property
    def name(self):
        """The server's name (FastMCP's ``mcp.name``)."""
        return self.get_name()

    @property
    def telemetry(self):
        """The North Python SDK's ``mcp.telemetry``: a ``TelemetryConfig``
        of what the server's tracer does now."""
        tracer = self.get_tracer()
        return TelemetryConfig(record_sensitive_data=tracer.get_record_error_details(),
                               log_trace_context=tracer.get_log_trace_context())

    def add_tool(self, tool, name=None, description=None, **kwargs):
        """Adds a ``NorthMcp.Tool``, or, as FastMCP's ``add_tool()``, a
        function (see ``tool_from_function()`` for the keyword
        arguments)."""
        if not isinstance(tool, NorthMcp.Tool):
            tool = tool_from_function(tool, name, description, **kwargs)
        NorthMcp.Server.add_tool(self, tool)

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
                if self._completion is not None:
                    _complete_from(made, self._completion)
            else:
                self.add_resource(made)
            return function

        return decorator

    def prompt(self, name=None, description=None, **kwargs):
        """A decorator that adds a function as a prompt (see
        ``prompt_from_function()``). Usable as ``@server.prompt()`` or
        ``@server.prompt``. The function is returned unchanged."""
        def add(function, name):
            made = prompt_from_function(function, name, description, **kwargs)
            self.add_prompt(made)
            if self._completion is not None:
                _complete_from(made, self._completion)
            return function

        if callable(name):
            return add(name, None)
        return lambda function: add(function, name)

    def completion(self):
        """A decorator for FastMCP's completion handler
        ``handler(ref, argument, context)`` (plain or async): ``ref`` is a
        ``PromptReference`` (``.name``) or ``ResourceTemplateReference``
        (``.uri``), ``argument`` a ``CompletionArgument`` (``.name``,
        ``.value``), ``context`` a ``CompletionContext`` or ``None``. It
        returns a ``Completion``, a list of str or ``None``. It serves
        every prompt and resource template of the server."""
        def decorator(function):
            self._completion = function
            for feature in self.list_prompts() + self.list_resource_templates():
                _complete_from(feature, function)
            return function

        return decorator

    def custom_route(self, path, methods=None, name=None, include_in_schema=True):
        """A decorator serving @path over HTTP with a function of a
        ``Request`` (plain or async) returning a ``Response``
        (``JSONResponse``, ``PlainTextResponse``), a str, bytes or a JSON
        value, as FastMCP's ``custom_route``. Other methods than @methods
        get 405. Custom routes are not subject to North authentication;
        ``request.user`` is the North user when credentials came along."""
        def decorator(function):
            self.add_route(path, _route_handler(function, methods))
            return function

        return decorator

    def _enter_lifespan(self, loop):
        if self._lifespan is None:
            return None
        manager = self._lifespan(self)
        self._lifespan_context = loop._run_until_done(manager.__aenter__())
        return manager

    def shutdown(self):
        """Stops the server gracefully (``NorthMcp.Server.shutdown_async()``):
        new connections are refused, the requests that run finish, then the
        server stops and a running ``run()`` returns, leaving the lifespan.
        An awaitable of ``True`` once every request ended; raises
        ``McpError`` when the ``shutdown-timeout`` property (seconds) cut
        some (``code`` ``Gio.IOErrorEnum.TIMED_OUT``), when ``stop()``
        came first (``CANCELLED``) or when a shutdown is under way already
        (``PENDING``). SIGTERM and SIGINT do the same in ``run()``. A
        tool that awaits it waits for its own request too: start it and
        return."""
        # Not cancelled with a task awaiting it: the drain may cancel that.
        future = _gio_call(self.shutdown_async, self.shutdown_finish, cancels=False)
        if self._shutdowns is None:
            self._shutdowns = []
        self._shutdowns.append(future)
        return future

    def _settle_shutdowns(self, loop):
        """asyncio resumes who awaits shutdown() from the main context,
        which stopped with the server: let them see the outcome first
        (without waiting: stop() has ended every shutdown)."""
        if self._shutdowns:
            pending, self._shutdowns = self._shutdowns, []
            settled = asyncio.gather(*pending, return_exceptions=True)
            while not settled.done() and loop._main_context.iteration(False):
                pass

    def run(self, transport=None, argv=None, *, host=None, port=None, mount_path=None,
            **_fastmcp_options):
        """Serves until SIGINT/SIGTERM (or, on stdio, until standard input
        ends), parsing ``--transport``, ``--port``, ``--debug`` and the
        other shared options from ``argv`` (default ``sys.argv``).
        ``transport`` (``"http"`` is FastMCP's name for
        ``"streamable-http"``), ``host`` and ``port`` are defaults that the
        command line overrides. The lifespan, if any, is entered first and left
        last, after a graceful shutdown's requests ended. Returns the exit
        status."""
        if host is not None:
            self.set_host(host)
        if port is not None:
            self.set_port(port)
        args = list(sys.argv if argv is None else argv) or [self.get_name()]
        if transport == "http":     # FastMCP's name for Streamable HTTP
            transport = "streamable-http"
        if transport is not None and not any(
                arg in ("--transport", "-t") or arg.startswith("--transport=")
                for arg in args[1:]):
            args[1:1] = ["--transport", transport]
        loop = get_event_loop()
        manager = self._enter_lifespan(loop)
        try:
            return NorthMcp.Server.run(self, args)
        finally:
            self._settle_shutdowns(loop)
            if manager is not None:
                loop._run_until_done(manager.__aexit__(None, None, None))
                self._lifespan_context = None


Server = override(Server)
__all__.append("Server")
