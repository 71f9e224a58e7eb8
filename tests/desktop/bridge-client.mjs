#!/usr/bin/env node
// Drives north-mcp-dbus-bridge, serving tests/desktop/dbus-test-service.py,
// with the official TypeScript SDK client. Output is TAP; the exit status
// is 0 only when every check passed.
//
//   node bridge-client.mjs --scenario full|allow-deny|interface|many-actions
//        (--url http://127.0.0.1:PORT/mcp | --command BRIDGE --args ARG...)

import { isDeepStrictEqual } from 'node:util';

const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
const {
  ToolListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} = await import('@modelcontextprotocol/sdk/types.js');

const TIMEOUT = 20000; // against hangs only; no timing is asserted
const opts = { timeout: TIMEOUT };

const o = { args: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--url') o.url = process.argv[++i];
  else if (a === '--scenario') o.scenario = process.argv[++i];
  else if (a === '--command') o.command = process.argv[++i];
  else if (a === '--args') { o.args = process.argv.slice(i + 1); break; }
  else { console.error(`bridge-client: unknown argument ${a}`); process.exit(2); }
}

// --- TAP -------------------------------------------------------------------

let n = 0;
let failures = 0;
const show = (v) => JSON.stringify(v);

async function check (description, fn, { fatal = false } = {}) {
  try {
    await fn();
    console.log(`ok ${++n} - ${description}`);
  } catch (e) {
    failures++;
    console.log(`not ok ${++n} - ${description}`);
    for (const line of String(e?.stack ?? e).split('\n'))
      console.log(`# ${line}`);
    if (fatal)
      throw e;
  }
}

function expect (condition, message) {
  if (!condition)
    throw new Error(message);
}

function expectEqual (actual, expected, what) {
  expect(isDeepStrictEqual(actual, expected), `${what}: got ${show(actual)}, expected ${show(expected)}`);
}

// Notifications arrive in any order relative to replies: wait for them.
const notifications = [];
const waiters = [];
function record (kind, params) {
  notifications.push({ kind, params });
  for (const w of [...waiters])
    if (w.match({ kind, params })) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
}
function waitFor (what, match) {
  if (notifications.some(match))
    return Promise.resolve();
  return new Promise((resolve, reject) => {
    const w = { match, resolve };
    waiters.push(w);
    setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT} ms`)), TIMEOUT).unref();
  });
}
const clearNotifications = () => notifications.splice(0);

// --- helpers -----------------------------------------------------------------

let client;

async function tools () {
  const { tools } = await client.listTools(undefined, opts);
  return tools;
}

async function call (name, args = {}) {
  return client.callTool({ name, arguments: args }, undefined, opts);
}

async function callOk (name, args = {}) {
  const r = await call(name, args);
  expect(!r.isError, `${name} returned isError: ${show(r)}`);
  const text = r.content?.[0]?.text;
  expectEqual(JSON.parse(text), r.structuredContent, `${name}: the text is the structured content`);
  return r.structuredContent;
}

async function callError (name, args, pattern) {
  const r = await call(name, args);
  expect(r.isError === true, `${name}(${show(args)}) did not fail: ${show(r)}`);
  const text = r.content?.[0]?.text ?? '';
  expect(pattern.test(text), `${name}: error text ${show(text)} does not match ${pattern}`);
}

async function read (uri) {
  const { contents } = await client.readResource({ uri }, opts);
  expect(contents?.[0]?.mimeType === 'application/json', `${uri}: not application/json: ${show(contents)}`);
  return JSON.parse(contents[0].text);
}

const countUri = 'dbus-property:/org/north/DesktopTest/org.north.DesktopTest.Count';
const nameUri = 'dbus-property:/org/north/DesktopTest/org.north.DesktopTest.Name';

// --- scenarios ---------------------------------------------------------------

async function full () {
  let list;
  await check('tools/list serves methods, actions and child objects; not h', async () => {
    list = await tools();
    const names = list.map((t) => t.name).sort();
    for (const expected of ['DesktopTest.EchoBasic', 'DesktopTest.EchoContainers', 'DesktopTest.Fail',
      'DesktopTest.Unnamed', 'Control.SetActionEnabled', 'app.greet', 'app.counter', 'app.quit',
      'app.dark-mode', 'child1.Child.Ping'])
      expect(names.includes(expected), `${expected} not in ${show(names)}`);
    expect(!names.some((x) => x.includes('WithFd')), `a method with an fd is served: ${show(names)}`);
    for (const name of names)
      expect(/^[A-Za-z0-9_.-]{1,64}$/.test(name), `tool name ${name} breaks MCP's rules`);
  });

  await check('schemas follow signatures, argument names and DocString annotations', async () => {
    const echo = list.find((t) => t.name === 'DesktopTest.EchoBasic');
    expect(echo.description === 'Returns its arguments, one of every basic D-Bus type. Returns an object with ' +
      "'flag', 'byte', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'double', 'text', 'path', 'signature'.",
    `description: ${show(echo.description)}`);
    const p = echo.inputSchema.properties;
    expectEqual(echo.inputSchema.required, ['flag', 'byte', 'int16', 'uint16', 'int32', 'uint32', 'int64',
      'uint64', 'double', 'text', 'path', 'signature'], 'required');
    expect(echo.inputSchema.additionalProperties === false, 'additionalProperties is not false');
    expectEqual([p.flag.type, p.double.type, p.text.type], ['boolean', 'number', 'string'], 'b d s');
    expectEqual([p.byte.minimum, p.byte.maximum], [0, 255], 'y range');
    expectEqual([p.int16.minimum, p.int16.maximum], [-32768, 32767], 'n range');
    expectEqual([p.uint16.minimum, p.uint16.maximum], [0, 65535], 'q range');
    expectEqual([p.int32.minimum, p.int32.maximum], [-2147483648, 2147483647], 'i range');
    expectEqual([p.uint32.minimum, p.uint32.maximum], [0, 4294967295], 'u range');
    expectEqual(p.int64.type, ['integer', 'string'], 'x type');
    expectEqual([p.int64.minimum, p.int64.maximum], [-9007199254740991, 9007199254740991], 'x number range');
    expectEqual(p.uint64.pattern, '^[0-9]{1,20}$', 't pattern');
    expect(new RegExp(p.path.pattern).test('/a/b') && !new RegExp(p.path.pattern).test('a/b'), 'o pattern');
    expect(new RegExp(p.signature.pattern).test('a{sv}'), 'g pattern');
    expect(p.text.description.startsWith('Any text'), `arg DocString: ${show(p.text.description)}`);

    const containers = list.find((t) => t.name === 'DesktopTest.EchoContainers').inputSchema.properties;
    expectEqual([containers.bytes.type, containers.bytes.contentEncoding], ['string', 'base64'], 'ay');
    expectEqual(containers.strings.items, { type: 'string' }, 'as');
    expect(containers.dict.type === 'object' && containers.dict.additionalProperties, 'a{sv}');
    expectEqual(containers.int_keys.propertyNames, { pattern: '^-?[0-9]+$' }, 'a{is} keys');
    expectEqual([containers.tuple.prefixItems.length, containers.tuple.items, containers.tuple.minItems,
      containers.tuple.maxItems], [3, false, 3, 3], '(isb)');
    expectEqual(containers.records.items.type, 'object', 'aa{sv}');

    const unnamed = list.find((t) => t.name === 'DesktopTest.Unnamed');
    expectEqual(unnamed.inputSchema.required, ['arg_0', 'arg_1'], 'unnamed in-args');
  });

  await check('every basic type class makes the round trip', async () => {
    const args = {
      flag: true, byte: 255, int16: -32768, uint16: 65535, int32: -2147483648, uint32: 4294967295,
      int64: '-9223372036854775808', uint64: '18446744073709551615', double: 2.5, text: 'héllo ✓',
      path: '/org/north/x', signature: 'a{sv}(ii)',
    };
    expectEqual(await callOk('DesktopTest.EchoBasic', args), args, 'EchoBasic');
    const small = { ...args, int64: -5, uint64: '42' };
    expectEqual(await callOk('DesktopTest.EchoBasic', small), { ...small, uint64: 42 }, 'EchoBasic (numbers)');
  });

  await check('every container type class makes the round trip', async () => {
    const args = {
      bytes: 'AAEC/w==', strings: ['a', '', 'c'],
      dict: { a: 1, b: 'x', c: [true, 'y'], d: { e: 2.5 } },
      int_keys: { '-1': 'minus', 7: 'seven' }, tuple: [1, 'x', true],
      variant: { k: ['v', 2] }, records: [{ x: 1 }, {}],
    };
    expectEqual(await callOk('DesktopTest.EchoContainers', args), args, 'EchoContainers');
  });

  await check('variants follow the documented type rule', async () => {
    const cases = [[5, 'x'], ['s', 's'], [1.5, 'd'], [true, 'b'], [[1, 'a'], 'av'], [{ a: 1 }, 'a{sv}'],
      [{ $type: 'u', $value: 5 }, 'u'], [{ $type: '(ii)', $value: [1, 2] }, '(ii)']];
    for (const [value, type] of cases)
      expectEqual(await callOk('DesktopTest.VariantType', { value }), { type }, `v from ${show(value)}`);
  });

  await check('unnamed out-arguments are arg_0, arg_1…', async () => {
    expectEqual(await callOk('DesktopTest.Unnamed', { arg_0: 3, arg_1: 'x' }), { arg_0: 'x', arg_1: 3 }, 'Unnamed');
  });

  await check('D-Bus errors become isError results naming the error', async () => {
    await callError('DesktopTest.Fail', { message: 'boom' }, /^org\.north\.DesktopTest\.Error\.Failed: boom$/);
    await callError('DesktopTest.Strict', { value: -1 },
      /^org\.freedesktop\.DBus\.Error\.InvalidArgs: value must be positive$/);
    expectEqual(await callOk('DesktopTest.Strict', { value: 4 }), { value: 4 }, 'Strict(4)');
    // An error is a reply too: its message is bounded like a description.
    const long = await call('DesktopTest.FailLong');
    const text = long.content?.[0]?.text ?? '';
    expect(long.isError === true && text.startsWith('org.north.DesktopTest.Error.Long: yyy'),
      `FailLong: ${text.slice(0, 80)}`);
    expect(text.length <= 4096 + 100, `an error message of ${text.length} characters`);
  });

  await check('bad arguments are refused with clear messages', async () => {
    const base = { flag: true, byte: 1, int16: 1, uint16: 1, int32: 1, uint32: 1, int64: 1, uint64: 1,
      double: 1, text: 't', path: '/', signature: 's' };
    await callError('DesktopTest.EchoBasic', { ...base, byte: 300 }, /byte/);
    await callError('DesktopTest.EchoBasic', { ...base, path: 'relative' }, /path/);
    await callError('DesktopTest.EchoBasic', { ...base, int64: 2 ** 60 }, /int64|decimal string/);
    await callError('DesktopTest.EchoBasic', { ...base, uint64: '-1' }, /uint64/);
    await callError('DesktopTest.EchoContainers', { bytes: '!!', strings: [], dict: {}, int_keys: {},
      tuple: [1, 'x', true], variant: 1, records: [] }, /base64/);
    await callError('DesktopTest.EchoContainers', { bytes: '', strings: [], dict: {}, int_keys: { x: 'y' },
      tuple: [1, 'x', true], variant: 1, records: [] }, /key 'x'/);
    const { text } = base;
    await callError('DesktopTest.EchoBasic', { text }, /missing|required/);
  });

  await check('values D-Bus would refuse are refused before the call, and the bridge goes on', async () => {
    // dbus-daemon closes the connection of a sender whose message breaks
    // D-Bus's nesting limits (32 arrays, 32 structures per signature, 64
    // containers in all): the bridge would lose the bus (and, with
    // exit-on-close, its life) to one client's arguments.
    const nested = (depth, leaf) => {
      let value = leaf;
      for (let i = 0; i < depth; i++)
        value = [value];
      return value;
    };
    const deep = [
      [{ $type: `${'a'.repeat(33)}y`, $value: [] }, /\$type/],
      [{ $type: `${'('.repeat(33)}y${')'.repeat(33)}`, $value: nested(33, 1) }, /\$type/],
      [{ $type: `${'a'.repeat(32)}y`, $value: [] }, /nests deeper than 32 levels/],
      [nested(32, 1), /nests deeper than 32 levels/], // v → av → v → … : 65 containers
      [nested(32, []), /nests deeper than 32 levels/],
    ];
    for (const [value, message] of deep) {
      await callError('DesktopTest.VariantType', { value }, message);
      expectEqual(await callOk('DesktopTest.Strict', { value: 3 }), { value: 3 },
        `a call after the refused ${show(value).slice(0, 40)}`);
    }
    // Signatures (g) and "$type"s that GVariant takes but D-Bus does not:
    // a dict entry outside an array, an empty structure, too many arrays.
    const base = { flag: true, byte: 1, int16: 1, uint16: 1, int32: 1, uint32: 1, int64: 1, uint64: 1,
      double: 1, text: 't', path: '/' };
    for (const signature of ['{sv}', '()', 'a{sv}{ss}', `${'a'.repeat(33)}y`,
      `${'('.repeat(33)}y${')'.repeat(33)}`]) {
      await callError('DesktopTest.EchoBasic', { ...base, signature }, /signature/);
      expectEqual(await callOk('DesktopTest.Strict', { value: 4 }), { value: 4 },
        `a call after the refused signature ${signature.slice(0, 40)}`);
    }
    await callError('DesktopTest.VariantType', { value: { $type: '{sv}', $value: ['a', 1] } }, /\$type/);
    expectEqual(await callOk('DesktopTest.Strict', { value: 5 }), { value: 5 }, 'a call after a {sv} variant');
    expectEqual(await callOk('DesktopTest.EchoBasic', { ...base, signature: 'a{sv}(ii)h' }),
      { ...base, signature: 'a{sv}(ii)h' }, 'a valid signature');
    // As deep as allowed still works.
    expectEqual(await callOk('DesktopTest.VariantType', { value: nested(15, 1) }), { type: 'av' },
      'nested arrays within the limit');
    expectEqual(await callOk('DesktopTest.VariantType',
      { value: { $type: `${'a'.repeat(31)}y`, $value: [] } }), { type: `${'a'.repeat(31)}y` },
    'an explicit type within the limit');
  });

  await check('a call waiting for its reply does not hold up others', async () => {
    // Wait answers only after Release: a bridge that blocked on the first
    // call would never pass the second one on.
    const waiting = callOk('DesktopTest.Wait');
    let released;
    for (let i = 0; i < 100 && !(released?.released > 0); i++)
      released = await callOk('DesktopTest.Release', { by: 'second call' });
    expectEqual(released, { released: 1 }, 'Release');
    expectEqual(await waiting, { released_by: 'second call' }, 'Wait');
  });

  await check('a cancelled call is answered no more, and the bridge goes on', async () => {
    const controller = new AbortController();
    const aborted = client.callTool({ name: 'DesktopTest.Wait', arguments: {} }, undefined,
      { timeout: TIMEOUT, signal: controller.signal }).then(() => false, () => true);
    // Requests are handled in order: once this one is answered, the service
    // holds the Wait call.
    await callOk('DesktopTest.Strict', { value: 1 });
    controller.abort('test');
    expect(await aborted, 'the aborted call resolved');
    // Its late reply must be dropped quietly.
    expectEqual(await callOk('DesktopTest.Release', { by: 'after cancel' }), { released: 1 }, 'Release');
    expectEqual(await callOk('DesktopTest.Strict', { value: 2 }), { value: 2 }, 'a call after the cancelled one');
  });

  await check('readable properties are resources (not write-only, not h)', async () => {
    const { resources } = await client.listResources(undefined, opts);
    const uris = resources.map((r) => r.uri).sort();
    expect(uris.includes(countUri) && uris.includes(nameUri), `${show(uris)}`);
    expect(!uris.some((u) => u.includes('Secret') || u.includes('Handle')), `${show(uris)}`);
    const count = resources.find((r) => r.uri === countUri);
    expect(count.description.startsWith('How often Increment was called.'), `DocString: ${show(count.description)}`);
    expectEqual(await read(nameUri), 'desktop test', 'Name');
  });

  await check('PropertiesChanged reaches subscribers as resources/updated', async () => {
    const before = await read(countUri);
    await client.subscribeResource({ uri: countUri }, opts);
    clearNotifications();
    expectEqual(await callOk('DesktopTest.Increment'), { count: before + 1 }, 'Increment');
    await waitFor('resources/updated for Count', (x) => x.kind === 'updated' && x.params.uri === countUri);
    expectEqual(await read(countUri), before + 1, 'Count after Increment');
  });

  await check('actions: parameters and state', async () => {
    const greet = list.find((t) => t.name === 'app.greet');
    expectEqual(greet.inputSchema.properties.parameter.type, 'string', 'greet parameter');
    const quit = list.find((t) => t.name === 'app.quit');
    expectEqual(quit.inputSchema.properties, {}, 'quit takes nothing');
    await call('app.greet', { parameter: 'hello' });
    expectEqual(await callOk('Control.LastActivation'), { activation: "greet:'hello'" }, 'activation');

    const counterUri = 'gaction-state:app.counter';
    expectEqual(await read(counterUri), 0, 'counter state');
    await client.subscribeResource({ uri: counterUri }, opts);
    clearNotifications();
    const r = await call('app.counter', { parameter: 5 });
    expect(!r.isError, show(r));
    await waitFor('resources/updated for the counter', (x) => x.kind === 'updated' && x.params.uri === counterUri);
    expectEqual(await read(counterUri), 5, 'counter state after activation');
    await callError('app.counter', { parameter: 2 ** 31 }, /2147483647/);
  });

  const hasTool = async (name) => (await tools()).some((t) => t.name === name);

  await check('disabled actions are hidden, with list_changed; enabled ones come back', async () => {
    clearNotifications();
    await callOk('Control.SetActionEnabled', { action: 'greet', enabled: false });
    await waitFor('tools/list_changed', (x) => x.kind === 'list_changed');
    expect(!(await hasTool('app.greet')), 'app.greet still listed while disabled');
    let refused = false;
    try {
      const r = await call('app.greet', { parameter: 'x' });
      refused = r.isError === true;
    } catch (e) {
      refused = true;
    }
    expect(refused, 'calling a disabled action was not refused');
    clearNotifications();
    await callOk('Control.SetActionEnabled', { action: 'greet', enabled: true });
    await waitFor('tools/list_changed', (x) => x.kind === 'list_changed');
    expect(await hasTool('app.greet'), 'app.greet not listed again once enabled');
  });

  await check('actions added and removed later add and remove tools', async () => {
    clearNotifications();
    await callOk('Control.AddAction', { action: 'fresh' });
    await waitFor('tools/list_changed', (x) => x.kind === 'list_changed');
    expect(await hasTool('app.fresh'), 'app.fresh not listed after AddAction');
    clearNotifications();
    await callOk('Control.RemoveAction', { action: 'fresh' });
    await waitFor('tools/list_changed', (x) => x.kind === 'list_changed');
    expect(!(await hasTool('app.fresh')), 'app.fresh still listed after RemoveAction');
  });

  await check('hostile introspection data is bounded and checked', async () => {
    const names = list.map((t) => t.name);
    expect(!names.some((x) => /Bad|Hidden|escape|TooManyArgs|TooDeep/.test(x)),
      `invalid names or signatures served: ${show(names)}`);
    const good = list.find((t) => t.name === 'hostile.Hostile.Good');
    expect(good, `hostile.Hostile.Good missing: ${show(names)}`);
    expectEqual(Object.keys(good.inputSchema.properties), ['dup', 'arg_1', 'arg_2'], 'clashing argument names');
    expect(good.description.length <= 4096, `description of ${good.description.length} characters`);
    // The interface was only claimed: the call fails, with the error named.
    await callError('hostile.Hostile.Good', { dup: 'a', arg_1: 'b', arg_2: 'c' },
      /^org\.freedesktop\.DBus\.Error\.UnknownMethod: /);
  });

  await check('child objects are served with --recursive', async () => {
    expectEqual(await callOk('child1.Child.Ping'), { reply: 'pong' }, 'Ping');
  });

  // Transport-independent, and slow under sanitizers: over stdio only.
  if (!o.url) await check('arguments larger than 4 MiB on D-Bus are refused before the call', async () => {
    // 400 kB of JSON zeros in a v are 200000 int64 variants, 16 bytes each
    // on D-Bus (8 times the JSON; the system bus refuses messages over
    // 32 MiB, D-Bus arrays over 64 MiB, by disconnecting), and some 10
    // times that in memory. (Long timeouts, against hangs only.)
    const slow = { timeout: 10 * TIMEOUT };
    const zeros = new Array(200000).fill(0);
    const large = await client.callTool({ name: 'DesktopTest.VariantType', arguments: { value: zeros } },
      undefined, slow);
    const largeText = large.content?.[0]?.text ?? '';
    expect(large.isError === true && /argument 'value'.*larger than 4 MiB/.test(largeText),
      `200000 zeros: ${show(large).slice(0, 200)}`);
    const after = await client.callTool({ name: 'DesktopTest.Strict', arguments: { value: 6 } }, undefined, slow);
    expectEqual(after.structuredContent, { value: 6 }, 'a call after a large one');
    expectEqual(await callOk('DesktopTest.VariantType', { value: zeros.slice(0, 1000) }), { type: 'av' },
      'a smaller array');
    // Arrays of fixed-size items count their bytes: 2 MiB of bytes fit.
    const bytes = Buffer.alloc(2 << 20, 7).toString('base64');
    expectEqual(await callOk('DesktopTest.VariantType', { value: { $type: 'ay', $value: bytes } }), { type: 'ay' },
      '2 MiB of bytes');
  });
}

async function allowDeny () {
  await check('only allowed, not denied, methods are tools', async () => {
    const names = (await tools()).map((t) => t.name).sort();
    expectEqual(names, ['DesktopTest.EchoBasic', 'child1.Child.Ping'], 'tools');
  });
  await check('only allowed properties are resources', async () => {
    const { resources } = await client.listResources(undefined, opts);
    expectEqual(resources.map((r) => r.uri), [countUri], 'resources');
  });
  await check('a denied method cannot be called', async () => {
    let refused = false;
    try {
      refused = (await call('DesktopTest.Dangerous')).isError === true;
    } catch (e) {
      refused = true;
    }
    expect(refused, 'DesktopTest.Dangerous was callable');
  });
}

async function interfaceOnly () {
  await check('--interface serves only that interface', async () => {
    const names = (await tools()).map((t) => t.name).sort();
    expectEqual(names, ['Control.AddAction', 'Control.LastActivation', 'Control.RemoveAction',
      'Control.SetActionEnabled'], 'tools');
    expect(!client.getServerCapabilities()?.resources, 'resources offered without properties');
  });
}

async function manyActions () {
  await check('actions count in the bridge\'s limit of 1024 tools', async () => {
    // Three objects of 400 actions each: 1200 tools unless the bridge's
    // limit covers the action groups it serves too.
    const names = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, opts);
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names.length === 1024, `${names.length} tools served`);
    expect(names.includes('a.action0'), 'a.action0 not served');
    expect(new Set(names).size === names.length, 'a tool name listed twice');
  });
}

// --- main --------------------------------------------------------------------

const transport = o.url
  ? new StreamableHTTPClientTransport(new URL(o.url))
  // The whole environment: the bridge needs DBUS_SESSION_BUS_ADDRESS.
  : new StdioClientTransport({ command: o.command, args: o.args, env: { ...process.env }, stderr: 'inherit' });
client = new Client({ name: 'north-mcp-bridge-test', version: '1.0.0' });
client.setNotificationHandler(ToolListChangedNotificationSchema, (m) => record('list_changed', m.params ?? {}));
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (m) => record('updated', m.params));

try {
  await check(`initialize (${o.url ? 'Streamable HTTP' : 'stdio'})`, async () => {
    await client.connect(transport, opts);
    expect(client.getServerVersion()?.name === 'north-mcp-dbus-bridge', show(client.getServerVersion()));
  }, { fatal: true });
  const scenario = { full, 'allow-deny': allowDeny, interface: interfaceOnly,
    'many-actions': manyActions }[o.scenario];
  if (!scenario)
    throw new Error(`unknown scenario ${o.scenario}`);
  await scenario();
} catch (e) {
  failures++;
  console.log(`not ok ${++n} - the run stopped`);
  console.log(`# ${e?.stack ?? e}`);
}
await Promise.race([client.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
console.log(`1..${n}`);
process.exit(failures === 0 ? 0 : 1);
