// A tiny local OIDC issuer for the benchmark: OpenID discovery and a JWKS with
// one fresh RSA-2048 key on 127.0.0.1, plus one RS256 ID token signed with it.
//
//   node oidc-issuer.mjs [--port N] --token-out FILE [--ttl SECONDS]
//                        [--email ADDRESS] [--cache-control VALUE]
//
// Prints "listening on http://127.0.0.1:PORT" to stderr once the token file is
// written. The issuer URL (the token's `iss`) is that address. Counts the
// discovery and JWKS fetches and reports them on GET /stats (so the bench can
// tell whether the server caches them). `--email ''` signs a token without an
// `email` claim; `--cache-control` sets that header of both documents (default
// max-age=3600). GET /control?fail=1 makes both documents answer 503 (still
// counted) until GET /control?fail=0: an issuer that is down.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

function arg (name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const port = Number(arg('--port', '0'));
const tokenOut = arg('--token-out', null);
const ttl = Number(arg('--ttl', '21600'));
const kid = 'bench-key-1';
const email = arg('--email', 'bench@example.com');
const cacheControl = arg('--cache-control', 'max-age=3600');
let failing = false;

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const stats = { discovery: 0, jwks: 0 };

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function signToken (iss) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid };
  const payload = {
    iss,
    sub: 'bench-user',
    aud: 'north-bench',
    ...(email ? { email } : {}),
    iat: now,
    exp: now + ttl,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64url(sig)}`;
}

const server = http.createServer((req, res) => {
  const iss = `http://127.0.0.1:${server.address().port}`;
  const send = (obj) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl });
    res.end(JSON.stringify(obj));
  };
  const isDocument = req.url === '/.well-known/openid-configuration' || req.url === '/jwks';
  if (isDocument && failing) {
    stats[req.url === '/jwks' ? 'jwks' : 'discovery']++;
    res.writeHead(503).end();
  } else if (req.url.startsWith('/control?fail=')) {
    failing = req.url.endsWith('=1');
    send({ failing });
  } else if (req.url === '/.well-known/openid-configuration') {
    stats.discovery++;
    send({ issuer: iss, jwks_uri: `${iss}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
  } else if (req.url === '/jwks') {
    stats.jwks++;
    send({ keys: [jwk] });
  } else if (req.url === '/stats') {
    send(stats);
  } else {
    res.writeHead(404).end();
  }
});

server.listen(port, '127.0.0.1', () => {
  const iss = `http://127.0.0.1:${server.address().port}`;
  if (tokenOut)
    fs.writeFileSync(tokenOut, signToken(iss));
  console.error(`listening on ${iss}`);
});
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
