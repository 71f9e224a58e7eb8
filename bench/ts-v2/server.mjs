// Benchmark peer: the v2 TypeScript MCP SDK (@modelcontextprotocol/server
// 2.4.0) served the way its serving guide shows for plain Node.js:
// createMcpHandler (a fresh McpServer from the factory per request) adapted
// with toNodeHandler (@modelcontextprotocol/node) onto node:http. One tool,
// add(a, b) -> the sum as text. JSON answers (responseMode 'json', the
// counterpart of v1's enableJsonResponse). Prints
// "listening on http://127.0.0.1:PORT/mcp" to stderr, like our examples.
import http from 'node:http';
import { z } from 'zod';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

function arg (name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const port = Number(arg('--port', '0'));

function getServer () {
  const server = new McpServer({ name: 'bench-ts-v2', version: '1.0.0' });
  server.registerTool('add', {
    description: 'Add two integers',
    inputSchema: z.object({ a: z.number().int(), b: z.number().int() }),
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

const mcp = toNodeHandler(createMcpHandler(getServer, { responseMode: 'json' }));
const listener = http.createServer((req, res) => {
  if (req.url === '/mcp' || req.url.startsWith('/mcp?'))
    mcp(req, res);
  else {
    res.writeHead(404).end();
  }
});
listener.keepAliveTimeout = 60000;
listener.listen(port, '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${listener.address().port}/mcp`);
});
const stop = () => { listener.close(() => process.exit(0)); listener.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
