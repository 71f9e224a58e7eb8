# fastmcp_server.py: a server written the FastMCP way with the Python
# override, for test_fastmcp_parity.py: schemas from every kind of hint,
# converted arguments, structured results, the awaitable Context,
# completion, custom routes, a lifespan and async networking in tools.
#
# SPDX-License-Identifier: MIT
import asyncio
import contextlib
import dataclasses
import enum
import sys
import typing

import aiohttp
import httpx
import pydantic

import gi

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import (  # noqa: E402
    Completion, Context, JSONResponse, PlainTextResponse, Request, ToolError)

events = []


@contextlib.asynccontextmanager
async def lifespan(server):
    await asyncio.sleep(0)
    events.append("lifespan entered")
    print("lifespan: entered", file=sys.stderr, flush=True)
    try:
        yield {"db": "connected", "server": server.name}
    finally:
        print("lifespan: left", file=sys.stderr, flush=True)


mcp = NorthMcp.Server("Parity", "1.0.0", lifespan=lifespan)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    """A point in the plane"""
    x: float
    y: float
    label: str = "origin"


class Address(typing.TypedDict):
    street: str
    city: str
    zip: typing.NotRequired[str]


class Person(pydantic.BaseModel):
    name: str = pydantic.Field(description="Full name")
    age: int = pydantic.Field(ge=0, le=150)
    tags: typing.List[str] = []


@dataclasses.dataclass
class NoteOut:
    title: str
    words: int
    color: Color


@mcp.tool()
def describe(color: Color, priority: Priority, point: Point, address: Address,
             person: Person,
             mode: typing.Literal["short", "long"] = "short",
             limit: typing.Optional[int] = None,
             scores: dict[str, list[float]] = {},
             note: typing.Annotated[str, "A note"] = "",
             count: typing.Annotated[int, pydantic.Field(description="How many", ge=1, le=10)] = 1,
             ratio: float = pydantic.Field(0.5, description="A ratio", ge=0, le=1)) -> dict:
    """Tells the Python types of what arrived"""
    return {
        "color": [type(color).__name__, color.name],
        "priority": [type(priority).__name__, priority.name],
        "point": [type(point).__name__, point.x, point.y, point.label],
        "address": [type(address).__name__, dict(address)],
        "person": [type(person).__name__, person.name, person.age, person.tags],
        "mode": mode, "limit": limit, "scores": scores, "note": note,
        "count": [type(count).__name__, count], "ratio": ratio,
    }


@mcp.tool()
def open_named(name: typing.Annotated[str, pydantic.Field(regex=r"^[a-z]+$")],
               step: typing.Annotated[float, pydantic.Field(multiple_of=0.5)] = 1.0) -> str:
    """Opens a file by a lowercase name (pattern), in steps of a half (multipleOf)"""
    return f"opened {name} by {step}"


@mcp.tool()
def double(n: int) -> int:
    """Doubles an integer"""
    return n * 2 if isinstance(n, int) else "not an int"


@mcp.tool()
def words(text: str) -> list[str]:
    """Splits a text"""
    return text.split()


@mcp.tool()
def make_note(title: str, color: Color = Color.RED) -> NoteOut:
    """Returns a dataclass"""
    return NoteOut(title, len(title.split()), color)


@mcp.tool()
def adult(name: str) -> Person:
    """Returns a pydantic model"""
    return Person(name=name, age=42, tags=["x"])


@mcp.tool()
def home() -> Address:
    """Returns a TypedDict"""
    return Address(street="Main St", city="Springfield")


@mcp.tool()
def inventory() -> dict[str, int]:
    """Returns dict[str, int]"""
    return {"apples": 3}


@mcp.tool()
def maybe(flag: bool) -> typing.Optional[str]:
    """Returns an Optional"""
    return "yes" if flag else None


@mcp.tool()
def fail(kind: str) -> str:
    """Raises the exception asked for"""
    if kind == "key":
        raise KeyError("nope")
    if kind == "tool":
        raise ToolError("just this text")
    if kind == "empty":
        raise RuntimeError()
    return 1 / 0


@mcp.tool()
async def talk(ctx: Context, steps: int = 3) -> str:
    """Logs and reports progress, awaiting each as FastMCP does"""
    await ctx.debug("debug line")
    await ctx.info("info line")
    await ctx.warning("warning line")
    await ctx.error("error line", extra={"step": 0})
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step}")
    return f"request {ctx.request_id}: {ctx.request_context.lifespan_context['db']}"


@mcp.tool()
async def read_own(uri: str, ctx: Context) -> dict:
    """Reads one of this server's resources"""
    contents = await ctx.read_resource(uri)
    return {"items": [[c.content if isinstance(c.content, str) else c.content.hex(),
                       c.mime_type] for c in contents]}


class Answer(pydantic.BaseModel):
    name: str
    age: int


@mcp.tool()
async def ask(ctx: Context) -> str:
    """Elicits a pydantic model"""
    answer = await ctx.elicit("Who are you?", schema=Answer)
    if answer.action != "accept":
        return answer.action
    return f"{type(answer.data).__name__}: {answer.data.name} is {answer.data.age}"


@mcp.tool()
async def fetch_httpx(url: str) -> str:
    """Fetches a URL with httpx.AsyncClient"""
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        return f"{response.status_code} {response.text}"


@mcp.tool()
async def fetch_aiohttp(url: str) -> str:
    """Fetches a URL with aiohttp"""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return f"{response.status} {await response.text()}"


@mcp.tool()
async def fetch_raw(host: str, port: int, path: str) -> str:
    """Speaks HTTP/1.0 over asyncio.open_connection"""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return f"{head.split()[1].decode()} {body.decode()}"


@mcp.tool()
async def run_echo(text: str) -> str:
    """Runs /bin/echo as an asyncio subprocess"""
    process = await asyncio.create_subprocess_exec(
        "/bin/echo", text, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    return output.decode().strip()


@mcp.resource("items://{item_id}")
def item(item_id: int) -> dict:
    """An item by number"""
    return {"id": item_id, "type": type(item_id).__name__}


@mcp.resource("config://app", mime_type="application/json")
async def config() -> dict:
    """The configuration"""
    await asyncio.sleep(0)
    return {"debug": False}


@mcp.resource("blob://bytes")
def raw() -> bytes:
    return b"\x01\x02"


@mcp.prompt()
def repeat(word: str, times: int = 2, loud: bool = False) -> str:
    """Repeats a word"""
    text = " ".join([word] * times)
    return f"{type(times).__name__}: " + (text.upper() if loud else text)


@mcp.completion()
async def complete(ref, argument, context):
    if ref.type == "ref/prompt" and argument.name == "word":
        return Completion(values=[w for w in ("apple", "apricot", "banana")
                                  if w.startswith(argument.value)])
    if ref.type == "ref/resource" and argument.name == "item_id":
        return [str(n) for n in range(10, 13)]
    return None


@mcp.custom_route("/ready", methods=["GET"])
async def ready(request: Request) -> JSONResponse:
    await asyncio.sleep(0)
    return JSONResponse({"status": "ready", "query": request.query_params,
                         "agent": request.headers.get("X-Test")})


@mcp.custom_route("/echo", methods=["POST"])
async def echo_body(request: Request) -> JSONResponse:
    body = await request.json()
    return JSONResponse({"method": request.method, "path": request.path, "body": body},
                        status_code=201)


@mcp.custom_route("/metrics", methods=["GET"])
def metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse("requests_total 0\n")


if __name__ == "__main__":
    sys.exit(mcp.run())
