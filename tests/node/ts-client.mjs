#!/usr/bin/env node
// Drives an MCP server with the official TypeScript SDK client
// (@modelcontextprotocol/sdk, pinned in tests/package.json) and checks the
// answers of the `add` tool. Output is TAP; the exit status is 0 only when
// every check passed.
//
//   node ts-client.mjs --url http://127.0.0.1:PORT/mcp [--stateful|--stateless]
//                      [--header 'Name: value']...
//   node ts-client.mjs --transport stdio --command PATH [--env NAME=VALUE]...
//                      --args ARG...
//
// Streamable HTTP, --stateful (the default): the server must issue an
// Mcp-Session-Id on initialize; a second call must reuse it; a request with an
// unknown session id must get 404 and one without a session id 400; DELETE
// must end the session (the old id then gets 404).
// Streamable HTTP, --stateless: no Mcp-Session-Id; a bare tools/list POST with
// no initialize before it must be answered with JSON.
// stdio: the client spawns the server (--command, and every argument after
// --args) and talks over its stdin/stdout.

let Client, StreamableHTTPClientTransport, StdioClientTransport;
try {
  ({ Client } = await import('@modelcontextprotocol/sdk/client/index.js'));
  ({ StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
  ({ StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js'));
} catch (e) {
  process.stderr.write(`ts-client: cannot load @modelcontextprotocol/sdk (${e.message}).\n` +
    'Install the pinned npm packages first: (cd tests && npm ci)\n');
  process.exit(1);
}

const REQUEST_TIMEOUT_MS = 20000; // against hangs only; no timing is asserted

function usage (message) {
  process.stderr.write(`ts-client: ${message}\n` +
    'usage: ts-client.mjs --url URL [--stateful|--stateless] [--header "Name: value"]...\n' +
    '       ts-client.mjs --transport stdio --command PATH [--env NAME=VALUE]... [--args ARG...]\n');
  process.exit(2);
}

function parseCommandLine (argv) {
  const o = { transport: 'streamable-http', headers: {}, env: {}, args: [], mode: 'stateful' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length)
        usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--url': o.url = value(); break;
      case '--transport': o.transport = value(); break;
      case '--stateful': o.mode = 'stateful'; break;
      case '--stateless': o.mode = 'stateless'; break;
      case '--command': o.command = value(); break;
      case '--header': {
        const h = value();
        const colon = h.indexOf(':');
        if (colon <= 0)
          usage(`bad header "${h}" (expected "Name: value")`);
        o.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
        break;
      }
      case '--env': {
        const e = value();
        const eq = e.indexOf('=');
        if (eq <= 0)
          usage(`bad --env "${e}" (expected NAME=VALUE)`);
        o.env[e.slice(0, eq)] = e.slice(eq + 1);
        break;
      }
      case '--args': o.args = argv.slice(i + 1); i = argv.length; break;
      case '--help': case '-h': usage('help');
      default: usage(`unknown argument "${arg}"`);
    }
  }
  if (o.transport === 'stdio') {
    if (!o.command)
      usage('--transport stdio needs --command');
  } else if (o.transport === 'streamable-http') {
    if (!o.url)
      usage('--url is required for streamable-http');
    try { o.url = new URL(o.url); } catch { usage(`invalid URL "${o.url}"`); }
  } else {
    usage(`unsupported transport "${o.transport}"`);
  }
  return o;
}

// --- TAP -------------------------------------------------------------------

let testNumber = 0;
let failures = 0;

class CheckFailed extends Error {}

function ok (description) {
  console.log(`ok ${++testNumber} - ${description}`);
}

function notOk (description, detail) {
  failures++;
  console.log(`not ok ${++testNumber} - ${description}`);
  for (const line of String(detail).split('\n'))
    console.log(`# ${line}`);
}

// Runs one check; a failed check stops the run (later checks depend on it).
async function check (description, fn) {
  try {
    const r = await fn();
    ok(description);
    return r;
  } catch (e) {
    notOk(description, e instanceof CheckFailed ? e.message : (e?.stack ?? e));
    throw new CheckFailed(description);
  }
}

function expect (condition, message) {
  if (!condition)
    throw new CheckFailed(message);
}

const show = (v) => JSON.stringify(v);

// The client of the current run, closed on the way out even after a failure
// (for stdio this ends the server process).
let activeClient = null;

async function closeClient () {
  if (!activeClient)
    return;
  const client = activeClient;
  activeClient = null;
  await Promise.race([
    client.close().catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, 5000).unref()),
  ]);
}

// --- the checks ------------------------------------------------------------

async function checkAddListed (client) {
  const { tools } = await client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS });
  expect(Array.isArray(tools), `tools/list returned no tools array: ${show(tools)}`);
  const add = tools.find((t) => t.name === 'add');
  expect(add, `no tool named "add" in ${show(tools.map((t) => t.name))}`);
  const schema = add.inputSchema;
  expect(schema && schema.type === 'object', `add.inputSchema is not an object schema: ${show(schema)}`);
  for (const member of ['a', 'b']) {
    const type = schema.properties?.[member]?.type;
    expect(type === 'integer', `add.inputSchema.properties.${member}.type is ${show(type)}, expected "integer"`);
    expect(Array.isArray(schema.required) && schema.required.includes(member),
      `add.inputSchema.required does not list "${member}": ${show(schema.required)}`);
  }
}

async function checkAdd (client, a, b) {
  const result = await client.callTool({ name: 'add', arguments: { a, b } }, undefined,
    { timeout: REQUEST_TIMEOUT_MS });
  expect(!result.isError, `add returned isError: ${show(result)}`);
  const block = result.content?.[0];
  expect(block?.type === 'text', `first content block is not text: ${show(result.content)}`);
  expect(block.text === String(a + b), `add(${a}, ${b}) returned text ${show(block.text)}, expected "${a + b}"`);
}

// A raw HTTP request next to the SDK client, for what the SDK does not expose.
async function rawPost (o, body, extraHeaders = {}) {
  return fetch(o.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...o.headers,
      ...extraHeaders,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

const listRequest = (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

async function runHttp (o) {
  const transport = new StreamableHTTPClientTransport(o.url, { requestInit: { headers: o.headers } });
  const client = activeClient = new Client({ name: 'north-mcp-glib-ts-client', version: '1.0.0' });

  await check(`initialize over Streamable HTTP (${o.mode})`, async () => {
    await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
    const info = client.getServerVersion();
    expect(info?.name && info?.version, `serverInfo lacks name/version: ${show(info)}`);
    expect(client.getServerCapabilities()?.tools, 'server does not declare the tools capability');
  });

  const version = transport.protocolVersion;
  const sessionId = transport.sessionId;
  if (o.mode === 'stateful') {
    await check('server issued an Mcp-Session-Id', async () => {
      expect(typeof sessionId === 'string' && sessionId.length > 0, 'no Mcp-Session-Id after initialize');
      expect(/^[\x21-\x7e]+$/.test(sessionId), `session id has characters outside 0x21-0x7E: ${show(sessionId)}`);
    });
  } else {
    await check('server issued no Mcp-Session-Id (stateless)', async () => {
      expect(sessionId === undefined, `stateless server issued session id ${show(sessionId)}`);
    });
  }

  await check('tools/list lists add(a: integer, b: integer)', () => checkAddListed(client));
  await check('tools/call add {a: 2, b: 3} returns "5"', () => checkAdd(client, 2, 3));
  await check('second tools/call add {a: 40, b: 2} returns "42"', () => checkAdd(client, 40, 2));

  const versionHeader = version ? { 'MCP-Protocol-Version': version } : {};
  if (o.mode === 'stateful') {
    await check('the session was reused for every request', async () => {
      expect(transport.sessionId === sessionId,
        `session id changed from ${show(sessionId)} to ${show(transport.sessionId)}`);
    });
    await check('a request with an unknown session id gets 404', async () => {
      const r = await rawPost(o, listRequest(9001), { ...versionHeader, 'Mcp-Session-Id': 'no-such-session-0' });
      expect(r.status === 404, `got HTTP ${r.status}: ${await r.text()}`);
    });
    await check('a request without a session id gets 400', async () => {
      const r = await rawPost(o, listRequest(9002), versionHeader);
      expect(r.status === 400, `got HTTP ${r.status}: ${await r.text()}`);
    });
    await check('DELETE ends the session; its id then gets 404', async () => {
      const d = await fetch(o.url, {
        method: 'DELETE',
        headers: { ...o.headers, ...versionHeader, 'Mcp-Session-Id': sessionId },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      expect(d.ok, `DELETE got HTTP ${d.status}: ${await d.text()}`);
      const r = await rawPost(o, listRequest(9003), { ...versionHeader, 'Mcp-Session-Id': sessionId });
      expect(r.status === 404, `POST after DELETE got HTTP ${r.status}: ${await r.text()}`);
    });
  } else {
    await check('a bare tools/list POST (no initialize) is answered with JSON', async () => {
      const r = await rawPost(o, listRequest(9004), versionHeader);
      const text = await r.text();
      expect(r.status === 200, `got HTTP ${r.status}: ${text}`);
      const type = r.headers.get('content-type') ?? '';
      expect(type.startsWith('application/json'), `Content-Type is ${show(type)}, expected application/json`);
      const msg = JSON.parse(text);
      expect(msg.id === 9004 && msg.result?.tools?.some((t) => t.name === 'add'),
        `unexpected reply: ${text}`);
    });
  }
  await closeClient();
}

async function runStdio (o) {
  const transport = new StdioClientTransport({
    command: o.command,
    args: o.args,
    // Keep the whole environment (sanitizer options, G_DEBUG, ...), not the
    // SDK's short default list.
    env: { ...process.env, ...o.env },
    stderr: 'inherit',
  });
  const client = activeClient = new Client({ name: 'north-mcp-glib-ts-client', version: '1.0.0' });
  await check('initialize over stdio', async () => {
    await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
    const info = client.getServerVersion();
    expect(info?.name && info?.version, `serverInfo lacks name/version: ${show(info)}`);
  });
  await check('tools/list lists add(a: integer, b: integer)', () => checkAddListed(client));
  await check('tools/call add {a: 2, b: 3} returns "5"', () => checkAdd(client, 2, 3));
  await check('second tools/call add {a: 40, b: 2} returns "42"', () => checkAdd(client, 40, 2));
  await closeClient();
}

const o = parseCommandLine(process.argv.slice(2));
try {
  if (o.transport === 'stdio')
    await runStdio(o);
  else
    await runHttp(o);
} catch (e) {
  if (!(e instanceof CheckFailed))
    notOk('client run', e?.stack ?? e);
}
await closeClient();
console.log(`1..${testNumber}`);
if (failures > 0)
  process.stderr.write(`ts-client: FAILED (${failures} check(s) failed)\n`);
process.exit(failures > 0 ? 1 : 0);
