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
// resources, prompts, progress: the example servers of those names
//   (examples/gjs/server-with-*.js, examples/vala/server-with-*.vala),
//   which must behave the same in every language.
// ask: an `ask` tool that elicits an answer, then reads the user without
//   the context (tests/vala/ask-server.vala). Needs --url.
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
    // The whole environment: the server may need GI_TYPELIB_PATH and the like.
    transport = new StdioClientTransport({ command: o.command, args: o.args, stderr: 'inherit',
      env: { ...process.env } });
  }
  await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
  return client;
}

// Progress notifications as they arrive. The SDK runs notification handlers
// in a later microtask but drops a request's onprogress handler as soon as
// its response arrives, so onprogress misses a last notification that
// comes in the same read as the response; this handler sees them all.
function recordProgress (client) {
  const seen = [];
  client.setNotificationHandler(types.ProgressNotificationSchema,
    (n) => seen.push(`${n.params.progress}/${n.params.total}:${n.params.message}`));
  return seen;
}

const settle = () => new Promise(resolve => setTimeout(resolve, 100));

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

async function rejects (promise, pattern) {
  try {
    await promise;
  } catch (e) {
    expect(pattern.test(String(e?.message ?? e)), `rejected with ${show(String(e?.message ?? e))}`);
    return;
  }
  throw new Error('did not reject');
}

async function resourcesChecks (client) {
  await check('resources/list shows notes://index as JSON', async () => {
    const { resources } = await client.listResources();
    const index = resources.find(r => r.uri === 'notes://index');
    expect(index?.mimeType === 'application/json' && index?.name === 'index', `resources: ${show(resources)}`);
  });
  await check('resources/templates/list shows notes://{title}', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.some(t => t.uriTemplate === 'notes://{title}' && t.name === 'note'),
      `templates: ${show(resourceTemplates)}`);
  });
  await check('reading the index gives the titles', async () => {
    const { contents } = await client.readResource({ uri: 'notes://index' });
    expect(show(JSON.parse(contents[0].text)) === show(['groceries', 'todo']), `contents: ${show(contents)}`);
  });
  await check('reading a note through the template', async () => {
    const { contents } = await client.readResource({ uri: 'notes://todo' });
    expect(contents[0].text === 'write tests' && contents[0].mimeType === 'text/plain' &&
           contents[0].uri === 'notes://todo', `contents: ${show(contents)}`);
  });
  await check('reading a missing note is an error naming it', async () => {
    await rejects(client.readResource({ uri: 'notes://nope' }), /nope/);
  });
  await check('note_stats reads the resource and returns a structured result', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find(t => t.name === 'note_stats');
    expect(tool?.outputSchema?.properties?.words?.type === 'integer', `tool: ${show(tool)}`);
    const result = await call(client, 'note_stats', { title: 'groceries' });
    expect(!result.isError && result.structuredContent?.words === 2 &&
           result.structuredContent?.title === 'groceries', `result: ${show(result)}`);
  });
}

async function promptsChecks (client) {
  await check('prompts/list shows the arguments and which are required', async () => {
    const { prompts } = await client.listPrompts();
    const review = prompts.find(p => p.name === 'review_code');
    const args = Object.fromEntries((review?.arguments ?? []).map(a => [a.name, a.required === true]));
    expect(show(args) === show({ code: true, language: false }), `review_code: ${show(review)}`);
    expect(prompts.some(p => p.name === 'debug_error'), `prompts: ${show(prompts)}`);
  });
  await check('a prompt with its optional argument', async () => {
    const { messages } = await client.getPrompt({ name: 'review_code',
      arguments: { code: 'x = 1', language: 'python' } });
    expect(messages.length === 1 && messages[0].role === 'user' &&
           messages[0].content.text === 'Please review this python code:\n\nx = 1', `messages: ${show(messages)}`);
  });
  await check('a prompt without its optional argument', async () => {
    const { messages } = await client.getPrompt({ name: 'review_code', arguments: { code: 'x' } });
    expect(messages[0].content.text === 'Please review this code:\n\nx', `messages: ${show(messages)}`);
  });
  await check('a prompt of several messages', async () => {
    const { messages } = await client.getPrompt({ name: 'debug_error', arguments: { error: 'E42' } });
    expect(show(messages.map(m => [m.role, m.content.text])) === show([
      ['user', "I'm seeing this error: E42"],
      ['assistant', "I'll help debug that. What have you tried so far?"]]), `messages: ${show(messages)}`);
  });
  await check('a missing required argument is refused', async () => {
    await rejects(client.getPrompt({ name: 'review_code', arguments: {} }), /code/);
  });
}

async function progressChecks (client) {
  await check('process_items reports progress and log messages, then a structured result', async () => {
    const logs = [];
    client.setNotificationHandler(types.LoggingMessageNotificationSchema,
      (n) => logs.push(`${n.params.level}:${n.params.data}`));
    await client.setLoggingLevel('info');
    const seen = recordProgress(client);
    const result = await call(client, 'process_items', { items: ['a', 'b', 'c'] }, { onprogress: () => {} });
    await settle();
    expect(!result.isError && show(result.structuredContent) === show({ processed: 3, results: ['A', 'B', 'C'] }),
      `result: ${show(result)}`);
    expect(show(seen) === show(['1/3:processed a', '2/3:processed b', '3/3:processed c']), `progress: ${show(seen)}`);
    expect(show(logs) === show(['info:processing a', 'info:processing b', 'info:processing c']), `logs: ${show(logs)}`);
  });
}

async function askCheck (ada, bob) {
  await check('the client answers an elicitation; the user is the caller\'s after it', async () => {
    const [a, b] = await Promise.all([call(ada, 'ask', { question: 'tea?' }),
      call(bob, 'ask', { question: 'coffee?' })]);
    expect(textOf(a) === 'ada@example.com: accept yes to tea?', `ada got ${show(textOf(a))}`);
    expect(textOf(b) === 'bob@example.com: accept yes to coffee?', `bob got ${show(textOf(b))}`);
  });
}

async function withTwoUsers (o, run) {
  const ada = await connect(o, 'ada@example.com');
  const bob = await connect(o, 'bob@example.com');
  try {
    await run(ada, bob);
  } finally {
    await ada.close().catch(() => {});
    await bob.close().catch(() => {});
  }
}

async function contextChecks (o) {
  const ada = await connect(o, 'ada@example.com');
  const bob = await connect(o, 'bob@example.com');
  try {
    await askCheck(ada, bob);
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
      const seen = recordProgress(ada);
      // onprogress makes the SDK send a progressToken.
      const result = await call(ada, 'count_to', { n: 3 }, { onprogress: () => {} });
      expect(textOf(result) === 'counted to 3', `got ${show(textOf(result))}`);
      await settle();
      expect(show(seen) === show(['1/3:step 1', '2/3:step 2', '3/3:step 3']), `progress was ${show(seen)}`);
    });
    await check('context.info()/warning() send log notifications', async () => {
      const logs = [];
      ada.setNotificationHandler(types.LoggingMessageNotificationSchema,
        (n) => logs.push(`${n.params.level}:${typeof n.params.data === 'string' ? n.params.data : show(n.params.data)}`));
      await ada.setLoggingLevel('debug');
      const result = await call(ada, 'chatty');
      expect(textOf(result) === 'done', `got ${show(textOf(result))}`);
      await settle();
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
  for (const [name, run] of [['resources', resourcesChecks], ['prompts', promptsChecks],
    ['progress', progressChecks]]) {
    if (!o.checks.includes(name))
      continue;
    const client = await connect(o, 'ada@example.com');
    try {
      await run(client);
    } finally {
      await client.close().catch(() => {});
    }
  }
  if (o.checks.includes('ask'))
    await withTwoUsers(o, askCheck);
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
