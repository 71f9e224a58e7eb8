#!/usr/bin/env node
// A small MCP server built with the official TypeScript SDK, used as a
// reference peer: it lets the test scripts of tests/node and tests/conformance
// be checked against an implementation nobody here wrote.
//
// It offers one tool, add(a: integer, b: integer), like examples/c
// server-with-auth, over Streamable HTTP (stateful or stateless JSON mode) or
// stdio, and accepts the command line the C examples share:
//
//   node reference-server.mjs [--transport stdio|streamable-http]
//                             [--host 127.0.0.1] [--port N] [--stateful|--stateless]
//                             [--require-bearer TOKEN] [--fault NAME]
//
// With --port 0 the kernel picks the port; the actual URL is printed to stderr
// as "listening on http://127.0.0.1:PORT/mcp" (the line the C examples print).
//
// --fault makes the server misbehave on purpose so that tests can show that the
// client script notices:
//   wrong-sum       add returns a + b + 1
//   no-add          the tool is called "plus" instead of "add"
//   string-schema   the input schema declares a and b as strings
//   forget-session  (stateful) every session is forgotten once initialized,
//                   so the first request after the handshake gets 404
//   tool-error      add returns isError: true

import http from 'node:http';
import { randomUUID, webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ErrorCode,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';

// Node 18 (Debian 12's own nodejs) has no global crypto, which the SDK's
// HTTP transport uses.
globalThis.crypto ??= webcrypto;

const FAULTS = ['wrong-sum', 'no-add', 'string-schema', 'forget-session', 'tool-error'];

function usage (message) {
  process.stderr.write(`reference-server: ${message}\n`);
  process.exit(2);
}

let opts;
try {
  opts = parseArgs({
    options: {
      transport: { type: 'string', default: 'streamable-http' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5222' },
      stateful: { type: 'boolean', default: false },
      stateless: { type: 'boolean', default: false },
      'require-bearer': { type: 'string' },
      fault: { type: 'string' },
      debug: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  usage(e.message);
}

if (!['stdio', 'streamable-http'].includes(opts.transport))
  usage(`unsupported transport "${opts.transport}"`);
if (opts.stateful && opts.stateless)
  usage('--stateful and --stateless are exclusive');
if (opts.fault !== undefined && !FAULTS.includes(opts.fault))
  usage(`unknown fault "${opts.fault}" (known: ${FAULTS.join(', ')})`);
const port = Number.parseInt(opts.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  usage(`invalid port "${opts.port}"`);
const stateless = opts.stateless; // stateful is the default, as in the SDK

function log (message) {
  process.stderr.write(`reference-server: ${message}\n`);
}

function createMcpServer () {
  const server = new Server(
    { name: 'north-mcp-reference-server', version: '1.0.0' },
    { capabilities: { tools: {}, logging: {} } });
  const intType = opts.fault === 'string-schema' ? 'string' : 'integer';
  const toolName = opts.fault === 'no-add' ? 'plus' : 'add';

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{
      name: toolName,
      description: 'Add two integers.',
      inputSchema: {
        type: 'object',
        properties: { a: { type: intType }, b: { type: intType } },
        required: ['a', 'b'],
      },
    }],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name !== toolName)
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const { a, b } = request.params.arguments ?? {};
    if (!Number.isInteger(a) || !Number.isInteger(b))
      return { content: [{ type: 'text', text: 'a and b must be integers' }], isError: true };
    if (opts.fault === 'tool-error')
      return { content: [{ type: 'text', text: 'deliberate failure' }], isError: true };
    const sum = a + b + (opts.fault === 'wrong-sum' ? 1 : 0);
    log('This tool was called by: unauthenticated user');
    return { content: [{ type: 'text', text: String(sum) }] };
  });
  return server;
}

async function runStdio () {
  const server = createMcpServer();
  await server.connect(new StdioServerTransport());
  log('serving on stdio');
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJsonRpcError (res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

// Stateful: one transport (and one Server) per session, found by the
// Mcp-Session-Id header.
const sessions = new Map();

async function handleStateful (req, res, body) {
  const sessionId = req.headers['mcp-session-id'];
  if (sessionId !== undefined) {
    const transport = sessions.get(sessionId);
    if (!transport)
      return sendJsonRpcError(res, 404, -32001, 'Session not found');
    if (opts.fault === 'forget-session' && body?.method === 'notifications/initialized')
      sessions.delete(sessionId);
    return transport.handleRequest(req, res, body);
  }
  if (req.method !== 'POST' || !isInitializeRequest(body))
    return sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');

  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => { sessions.set(id, transport); },
    onsessionclosed: (id) => { sessions.delete(id); },
  });
  transport.onclose = () => {
    if (transport.sessionId)
      sessions.delete(transport.sessionId);
  };
  await createMcpServer().connect(transport);
  return transport.handleRequest(req, res, body);
}

// Stateless JSON mode: a fresh transport and server for every request.
async function handleStateless (req, res, body) {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  const server = createMcpServer();
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  return transport.handleRequest(req, res, body);
}

async function handle (req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/health' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    return;
  }
  if (url.pathname !== '/mcp') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
    return;
  }
  if (opts['require-bearer'] !== undefined &&
      req.headers.authorization !== `Bearer ${opts['require-bearer']}`) {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'no authentication headers present' }));
    return;
  }
  let body;
  if (req.method === 'POST') {
    const text = await readBody(req);
    try {
      body = JSON.parse(text);
    } catch {
      return sendJsonRpcError(res, 400, -32700, 'Parse error');
    }
  }
  if (opts.debug)
    log(`${req.method} ${url.pathname} ${body ? JSON.stringify(body) : ''}`);
  return stateless ? handleStateless(req, res, body) : handleStateful(req, res, body);
}

function runHttp () {
  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`error: ${e.stack ?? e}`);
      if (!res.headersSent)
        sendJsonRpcError(res, 500, -32603, 'Internal error');
      else
        res.end();
    });
  });
  httpServer.listen(port, opts.host, () => {
    const { port: bound } = httpServer.address();
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    log(`${stateless ? 'stateless' : 'stateful'} mode`);
    // The test scripts parse this line; keep its form.
    process.stderr.write(`listening on http://${host}:${bound}/mcp\n`);
  });
  const stop = () => {
    for (const t of sessions.values())
      t.close();
    httpServer.close(() => process.exit(0));
    httpServer.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (opts.transport === 'stdio')
  await runStdio();
else
  runHttp();
