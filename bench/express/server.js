// The Node/Express reference of `make bench` (cmd/bench): GET /todos
// answers the same 50 todos as the local server, after the same
// authentication the API does for a list: an ES256 access token whose
// signature is verified with node:crypto against the server's JWK Set (by
// kid), and whose exp, iss and aud (JWT_ISSUER, JWT_AUDIENCE) are checked. No store: the todos are read
// once from TODOS_FILE (the local server's answer) and encoded per request
// by res.json.
//
//   JWKS='{"keys":[...]}' TODOS_FILE=todos.json PORT=8081 node bench/express/server.js
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const express = require('express');

const jwks = JSON.parse(process.env.JWKS);
const keys = new Map(jwks.keys.map((k) => [k.kid, crypto.createPublicKey({ key: k, format: 'jwk' })]));
const { items } = JSON.parse(fs.readFileSync(process.env.TODOS_FILE, 'utf8'));
const issuer = process.env.JWT_ISSUER || '';
const audience = process.env.JWT_AUDIENCE || '';

function unauthorized(res) {
  res.status(401).json({ error: { code: 'unauthorized', message: 'Log in to continue.' } });
}

// verify returns the token's claims, or null when it is not a valid ES256
// token of one of the keys (JWS compact form, RFC 7515; ES256 signatures
// are r||s, RFC 7518 §3.4, which node:crypto reads as ieee-p1363).
function verify(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    return null;
  }
  const key = keys.get(header.kid);
  if (header.alg !== 'ES256' || !key) return null;
  const ok = crypto.verify('sha256', Buffer.from(parts[0] + '.' + parts[1]), { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'));
  if (!ok || typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now() || !claims.sub) return null;
  if (issuer && claims.iss !== issuer) return null;
  if (audience && ![].concat(claims.aud).includes(audience)) return null;
  return claims;
}

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (req, res) => res.send('ok'));
app.get('/todos', (req, res) => {
  const auth = req.get('authorization') || '';
  if (!auth.startsWith('Bearer ') || !verify(auth.slice(7))) return unauthorized(res);
  res.json({ items, nextCursor: null });
});
app.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
