#!/usr/bin/env node
// ts_driver.mjs: the official MCP TypeScript SDK client (tests/node_modules),
// driven by the Python tests line by line over stdin/stdout.
//
// The first stdin line says how to connect and what to answer to the
// server's requests:
//   {"stdio": {"command": "...", "args": [...], "env": {...}}} or
//   {"url": "http://127.0.0.1:PORT/mcp", "headers": {...}},
//   and optionally "answers": {"elicitation/create": {...},
//   "sampling/createMessage": {...}, "roots/list": {...}}.
// It prints {"ready": {serverCapabilities…}} once initialized. Every later
// line is {"id": N, "op": "callTool", "params": {...}} (any Client method
// taking one params object: listTools, callTool, readResource, getPrompt,
// complete, setLoggingLevel…); the answer is {"id": N, "result": ...} or
// {"id": N, "error": {"message": ..., "code": ...}}. Notifications from the
// server (logging, progress) are printed, in the order they arrive, as {"notification": ...}.
//
// SPDX-License-Identifier: MIT
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema,
  LoggingMessageNotificationSchema, ProgressNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

const REQUEST_TIMEOUT_MS = 60000; // against hangs only; no timing is asserted

function print (message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

const lines = readline.createInterface({ input: process.stdin });
let client = null;

async function connect (setup) {
  const answers = setup.answers ?? {};
  const capabilities = {};
  if (answers['elicitation/create'])
    capabilities.elicitation = {};
  if (answers['sampling/createMessage'])
    capabilities.sampling = {};
  if (answers['roots/list'])
    capabilities.roots = {};
  client = new Client({ name: 'north-mcp-glib-python-tests', version: '1.0' }, { capabilities });
  if (answers['elicitation/create'])
    client.setRequestHandler(ElicitRequestSchema, () => answers['elicitation/create']);
  if (answers['sampling/createMessage'])
    client.setRequestHandler(CreateMessageRequestSchema, () => answers['sampling/createMessage']);
  if (answers['roots/list'])
    client.setRequestHandler(ListRootsRequestSchema, () => answers['roots/list']);
  client.onerror = (error) => process.stderr.write(`ts_driver: ${error?.message ?? error}\n`);
  client.setNotificationHandler(LoggingMessageNotificationSchema,
    (notification) => print({ notification }));
  // Progress as it arrives: the SDK's own onprogress dispatch drops the
  // notifications that come in the same read as the response.
  client.setNotificationHandler(ProgressNotificationSchema,
    (notification) => print({ notification }));

  let transport;
  if (setup.stdio) {
    transport = new StdioClientTransport({
      command: setup.stdio.command,
      args: setup.stdio.args ?? [],
      env: { ...process.env, ...(setup.stdio.env ?? {}) },
      stderr: 'inherit',
    });
  } else {
    transport = new StreamableHTTPClientTransport(new URL(setup.url), {
      requestInit: { headers: setup.headers ?? {} },
    });
  }
  await client.connect(transport);
  print({ ready: client.getServerCapabilities() ?? {} });
}

async function run (request) {
  const method = client[request.op];
  if (typeof method !== 'function')
    throw new Error(`no Client method ${request.op}`);
  const options = {
    timeout: REQUEST_TIMEOUT_MS,
    onprogress: () => {}, // makes the client send a progress token
  };
  if (request.op === 'callTool')
    return await client.callTool(request.params, undefined, options);
  if (request.op === 'setLoggingLevel')
    return await client.setLoggingLevel(request.params.level, options);
  return await method.call(client, request.params, options);
}

lines.on('line', async (line) => {
  const message = JSON.parse(line);
  if (client === null) {
    try {
      await connect(message);
    } catch (e) {
      print({ fatal: String(e?.stack ?? e) });
      process.exit(1);
    }
    return;
  }
  try {
    print({ id: message.id, result: await run(message) });
  } catch (e) {
    print({ id: message.id, error: { message: String(e?.message ?? e), code: e?.code ?? null } });
  }
});

lines.on('close', async () => {
  if (client !== null)
    await client.close();
  process.exit(0);
});
