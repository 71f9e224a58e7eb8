#!/usr/bin/env node
// Drives a server written with one of the bindings with the official MCP
// TypeScript SDK client (@modelcontextprotocol/sdk, pinned in
// tests/package.json) and checks what the issue-12 features promise. TAP
// output; the exit status is 0 only when every check passed.
//
//   node ts-bindings.mjs --checks output-schema[,context...] \
//        (--url http://127.0.0.1:PORT/mcp | --command PATH --args ARG...)
//
// output-schema: the server has a `stats` tool with an outputSchema
//   ({count: integer, label: string}, count required) whose `mode`
//   argument makes it return matching ("good"), mismatching ("wrong") or
//   text-only ("text") results.
// context: the tools of tests/gjs/context-server.js (elicitation, sampling,
//   roots, resources, progress, logging, the North user after `await`,
//   thrown errors). Needs --url: the user comes from the bearer token.

let Client, StreamableHTTPClientTransport, StdioClientTransport, types;
try {
  ({ Client } = await import('@modelcontextprotocol/sdk/client/index.js'));
  ({ StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
  ({ StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js'));
  types = await import('@modelcontextprotocol/sdk/types.js');
} catch (e) {
  process.stderr.write(`ts-bindings: cannot load @modelcontextprotocol/sdk (${e.message}).\n` +
    'Install the pinned npm packages first: (cd tests && npm ci)\n');
  process.exit(1);
}

const REQUEST_TIMEOUT_MS = 30000; // against hangs only; no timing is asserted

function parseCommandLine (argv) {
  const o = { checks: [], args: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--checks': o.checks = argv[++i].split(','); break;
      case '--url': o.url = new URL(argv[++i]); break;
      case '--command': o.command = argv[++i]; break;
      case '--args': o.args = argv.slice(i + 1); i = argv.length; break;
      default:
        process.stderr.write(`ts-bindings: unknown argument "${arg}"\n`);
        process.exit(2);
    }
  }
  if (!o.url && !o.command) {
    process.stderr.write('ts-bindings: give --url or --command\n');
    process.exit(2);
  }
  return o;
}

let testNumber = 0;
let failures = 0;

async function check (description, fn) {
  try {
    await fn();
    console.log(`ok ${++testNumber} - ${description}`);
  } catch (e) {
    failures++;
    console.log(`not ok ${++testNumber} - ${description}`);
    for (const line of String(e?.stack ?? e).split('\n'))
      console.log(`# ${line}`);
  }
}

function expect (condition, message) {
  if (!condition)
    throw new Error(message);
}

const show = (v) => JSON.stringify(v);
const textOf = (result) => (result.content ?? []).filter(b => b.type === 'text').map(b => b.text).join('\n');

// The base64 JSON bearer token North sends (see examples/python/create_bearer_token.py).
function bearerFor (email) {
  const b64url = (s) => Buffer.from(s).toString('base64url');
  const idToken = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.` +
    `${b64url(JSON.stringify({ email }))}.c2lnbmF0dXJl`;
  return Buffer.from(JSON.stringify({
    server_secret: 'server_secret',
    user_id_token: idToken,
    connector_access_tokens: { google: 'abc' },
  })).toString('base64');
}

async function connect (o, email) {
  const client = new Client({ name: 'ts-bindings', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {}, roots: { listChanged: false } } });
  client.setRequestHandler(types.ElicitRequestSchema, async (request) => ({
    action: 'accept',
    content: { answer: `yes to ${request.params.message}` },
  }));
  client.setRequestHandler(types.CreateMessageRequestSchema, async (request) => ({
    role: 'assistant',
    model: 'test-model',
    content: { type: 'text', text: `echo: ${request.params.messages[0].content.text}` },
  }));
  client.setRequestHandler(types.ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///home/ada/project', name: 'project' }],
  }));
  let transport;
  if (o.url) {
    const headers = email ? { Authorization: `Bearer ${bearerFor(email)}` } : {};
    transport = new StreamableHTTPClientTransport(o.url, { requestInit: { headers } });
  } else {
    transport = new StdioClientTransport({ command: o.command, args: o.args, stderr: 'inherit' });
  }
  await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
  return client;
}

const call = (client, name, args = {}, options = {}) =>
  client.callTool({ name, arguments: args }, undefined, { timeout: REQUEST_TIMEOUT_MS, ...options });

async function outputSchemaChecks (client) {
  await check('stats declares its output schema', async () => {
    const { tools } = await client.listTools();
    const stats = tools.find(t => t.name === 'stats');
    expect(stats?.outputSchema?.properties?.count?.type === 'integer',
      `outputSchema is ${show(stats?.outputSchema)}`);
  });
  await check('a matching structured result passes the SDK client\'s own validation', async () => {
    const result = await call(client, 'stats', { mode: 'good', n: 7, label: 'apples' });
    expect(!result.isError, `isError: ${show(result)}`);
    expect(show(result.structuredContent) === show({ count: 7, label: 'apples' }) ||
           show(result.structuredContent) === show({ label: 'apples', count: 7 }),
      `structuredContent is ${show(result.structuredContent)}`);
    expect(JSON.parse(textOf(result)).count === 7, `text is ${textOf(result)}`);
  });
  await check('a mismatching result becomes an isError result naming the member', async () => {
    // Without the server's check the SDK client throws "Structured content
    // does not match the tool's output schema" here.
    const result = await call(client, 'stats', { mode: 'wrong' });
    expect(result.isError === true, `not an error: ${show(result)}`);
    expect(result.structuredContent === undefined, `structuredContent sent: ${show(result)}`);
    expect(textOf(result) === "Output validation error: structuredContent member 'count' must be an integer, got string",
      `text is ${show(textOf(result))}`);
  });
  await check('a result without structuredContent is an isError result', async () => {
    const result = await call(client, 'stats', { mode: 'text' });
    expect(result.isError === true, `not an error: ${show(result)}`);
    expect(textOf(result) === 'Output validation error: outputSchema defined but no structured output returned',
      `text is ${show(textOf(result))}`);
  });
}

async function contextChecks (o) {
  const ada = await connect(o, 'ada@example.com');
  const bob = await connect(o, 'bob@example.com');
  try {
    await check('await context.elicit() resolves with the answer; the user is the caller\'s after it', async () => {
      const [a, b] = await Promise.all([call(ada, 'ask', { question: 'tea?' }),
        call(bob, 'ask', { question: 'coffee?' })]);
      expect(textOf(a) === 'ada@example.com: accept yes to tea?', `ada got ${show(textOf(a))}`);
      expect(textOf(b) === 'bob@example.com: accept yes to coffee?', `bob got ${show(textOf(b))}`);
    });
    await check('after awaiting a GLib timeout, each caller is still who they were', async () => {
      // Both calls wait at once: the second one's user must not leak into the first.
      const [a, b] = await Promise.all([call(ada, 'whoami_later', { ms: 80 }),
        call(bob, 'whoami_later', { ms: 20 })]);
      expect(textOf(a) === 'ada@example.com ada@example.com ada@example.com', `ada got ${show(textOf(a))}`);
      expect(textOf(b) === 'bob@example.com bob@example.com bob@example.com', `bob got ${show(textOf(b))}`);
    });
    await check('a continuation that outlives its request sees no user', async () => {
      const first = await call(ada, 'leak_check', { phase: 'start' });
      expect(textOf(first) === 'started', `got ${show(textOf(first))}`);
      await new Promise(resolve => setTimeout(resolve, 200));
      const second = await call(bob, 'leak_check', { phase: 'report' });
      expect(textOf(second) === 'late continuation saw: nobody', `got ${show(textOf(second))}`);
    });
    await check('await context.sample() returns the client\'s message', async () => {
      const result = await call(ada, 'summarize', { text: 'long story' });
      expect(textOf(result) === 'echo: Summarize: long story', `got ${show(textOf(result))}`);
    });
    await check('await context.listRoots() returns the roots', async () => {
      const result = await call(ada, 'roots');
      expect(textOf(result) === 'file:///home/ada/project', `got ${show(textOf(result))}`);
    });
    await check('await context.readResource() reads the server\'s own resource', async () => {
      const result = await call(ada, 'read_note', { title: 'todo' });
      expect(textOf(result) === 'note todo: write tests (text/plain)', `got ${show(textOf(result))}`);
    });
    await check('context.progress() sends progress notifications', async () => {
      const seen = [];
      const result = await call(ada, 'count_to', { n: 3 }, {
        onprogress: (p) => seen.push(`${p.progress}/${p.total}:${p.message}`),
        resetTimeoutOnProgress: true,
      });
      expect(textOf(result) === 'counted to 3', `got ${show(textOf(result))}`);
      expect(show(seen) === show(['1/3:step 1', '2/3:step 2', '3/3:step 3']), `progress was ${show(seen)}`);
    });
    await check('context.info()/warning() send log notifications', async () => {
      const logs = [];
      ada.setNotificationHandler(types.LoggingMessageNotificationSchema,
        (n) => logs.push(`${n.params.level}:${typeof n.params.data === 'string' ? n.params.data : show(n.params.data)}`));
      await ada.setLoggingLevel('debug');
      const result = await call(ada, 'chatty');
      expect(textOf(result) === 'done', `got ${show(textOf(result))}`);
      await new Promise(resolve => setTimeout(resolve, 100));
      expect(show(logs) === show(['debug:looking', 'info:found 2', 'warning:{"left":1}', 'error:oops']),
        `logs were ${show(logs)}`);
    });
    await check('a thrown error is an isError result with its message', async () => {
      const result = await call(ada, 'explode');
      expect(result.isError === true, `not an error: ${show(result)}`);
      expect(textOf(result) === 'RangeError: the fuse was too short', `got ${show(textOf(result))}`);
    });
  } finally {
    await ada.close().catch(() => {});
    await bob.close().catch(() => {});
  }
}

const o = parseCommandLine(process.argv.slice(2));
try {
  if (o.checks.includes('output-schema')) {
    const client = await connect(o, 'ada@example.com');
    try {
      await outputSchemaChecks(client);
    } finally {
      await client.close().catch(() => {});
    }
  }
  if (o.checks.includes('context'))
    await contextChecks(o);
} catch (e) {
  failures++;
  console.log(`not ok ${++testNumber} - client run`);
  for (const line of String(e?.stack ?? e).split('\n'))
    console.log(`# ${line}`);
}
console.log(`1..${testNumber}`);
process.exit(failures > 0 ? 1 : 0);
