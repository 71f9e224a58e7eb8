// Benchmark peer: the official TypeScript MCP SDK serving one tool,
// add(a, b) -> the sum as text, in three shapes:
//
//   --mode docs    the stateless pattern from the SDK's docs: a fresh McpServer
//                  and StreamableHTTPServerTransport for every POST (express)
//   --mode pooled  the best correct stateless pattern found: McpServer objects
//                  are reused from a free list (one per in-flight request, so
//                  JSON-RPC ids of concurrent clients never collide); the SDK
//                  forbids reusing a stateless transport, so that stays fresh
//   --mode pooled-http  the same free list on plain node:http instead of
//                  express (the body read and parsed by hand): the strongest
//                  v1 pattern measured here (express costs ~40 %)
//   --mode stateful  the docs' stateful pattern: one McpServer + transport per
//                  session (Mcp-Session-Id), GET opens the standalone SSE stream
//   --mode stdio   McpServer + StdioServerTransport
//   --mode bare    no MCP at all: node's own http server answering a fixed body
//                  (the node counterpart of soup-floor.c, for context)
//
// HTTP modes use enableJsonResponse and print
// "listening on http://127.0.0.1:PORT/mcp" to stderr, like our examples.
import express from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import http from 'node:http';

function arg (name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const mode = arg('--mode', 'docs');
const port = Number(arg('--port', '0'));

function getServer () {
  const server = new McpServer({ name: 'bench-ts', version: '1.0.0' });
  server.registerTool('add', {
    description: 'Add two integers',
    inputSchema: { a: z.number().int(), b: z.number().int() },
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

function jsonRpcError (res, err) {
  if (!res.headersSent) {
    res.status(500).json({
      jsonrpc: '2.0',
      error: { code: -32603, message: `Internal server error: ${err}` },
      id: null,
    });
  }
}

if (mode === 'stdio') {
  const server = getServer();
  await server.connect(new StdioServerTransport());
} else if (mode === 'bare') {
  const body = '{"result":{"content":[{"type":"text","text":"5"}]},"jsonrpc":"2.0","id":1}';
  const listener = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  listener.listen(port, '127.0.0.1', () => {
    console.error(`listening on http://127.0.0.1:${listener.address().port}/mcp`);
  });
  const stop = () => { listener.close(() => process.exit(0)); listener.closeAllConnections(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else if (mode === 'pooled-http') {
  const free = [];
  const methodNotAllowed = (res) => { res.writeHead(405, { Allow: 'POST' }).end(); };
  const listener = http.createServer((req, res) => {
    if (req.url !== '/mcp')
      return void res.writeHead(404).end();
    if (req.method !== 'POST')
      return void methodNotAllowed(res);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const server = free.pop() ?? getServer();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', async () => {
          await server.close();
          free.push(server);
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      } catch (err) {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: `Internal server error: ${err}` }, id: null }));
        }
      }
    });
  });
  listener.listen(port, '127.0.0.1', () => {
    console.error(`listening on http://127.0.0.1:${listener.address().port}/mcp`);
  });
  const stop = () => { listener.close(() => process.exit(0)); listener.closeAllConnections(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const app = express();
  app.use(express.json());

  if (mode === 'docs') {
    app.post('/mcp', async (req, res) => {
      try {
        const server = getServer();
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', () => {
          transport.close();
          server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      } catch (err) {
        jsonRpcError(res, err);
      }
    });
  } else if (mode === 'pooled') {
    const free = [];
    app.post('/mcp', async (req, res) => {
      const server = free.pop() ?? getServer();
      try {
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', async () => {
          await server.close(); // closes the transport, detaches it
          free.push(server);
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      } catch (err) {
        jsonRpcError(res, err);
      }
    });
  } else if (mode === 'stateful') {
    const transports = new Map();
    app.post('/mcp', async (req, res) => {
      try {
        const sid = req.headers['mcp-session-id'];
        let transport = sid ? transports.get(sid) : undefined;
        if (!transport && !sid && isInitializeRequest(req.body)) {
          transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            enableJsonResponse: true,
            onsessioninitialized: (id) => { transports.set(id, transport); },
          });
          transport.onclose = () => {
            if (transport.sessionId)
              transports.delete(transport.sessionId);
          };
          await getServer().connect(transport);
        } else if (!transport) {
          res.status(sid ? 404 : 400).json({
            jsonrpc: '2.0',
            error: { code: -32000, message: sid ? 'Session not found' : 'Bad Request: No valid session ID provided' },
            id: null,
          });
          return;
        }
        await transport.handleRequest(req, res, req.body);
      } catch (err) {
        jsonRpcError(res, err);
      }
    });
    const onSession = async (req, res) => {
      const transport = transports.get(req.headers['mcp-session-id']);
      if (!transport) {
        res.status(400).send('Invalid or missing session ID');
        return;
      }
      await transport.handleRequest(req, res);
    };
    app.get('/mcp', onSession);
    app.delete('/mcp', onSession);
  } else {
    console.error(`unknown --mode ${mode}`);
    process.exit(2);
  }

  if (mode !== 'stateful') {
    const methodNotAllowed = (req, res) => res.status(405).set('Allow', 'POST').end();
    app.get('/mcp', methodNotAllowed);
    app.delete('/mcp', methodNotAllowed);
  }

  const listener = app.listen(port, '127.0.0.1', () => {
    console.error(`listening on http://127.0.0.1:${listener.address().port}/mcp`);
  });
  const stop = () => { listener.close(() => process.exit(0)); listener.closeAllConnections(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
