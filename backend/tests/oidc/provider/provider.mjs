// A certified OpenID provider (the npm package oidc-provider) on loopback, for the backend's tests.
//
// Started by tests/oidc/conftest.py with one JSON argument:
//   {"clients": [{client_id, client_secret, redirect_uris}], "clockSkewSeconds": 0,
//    "conformIdTokenClaims": true, "idTokenTtl": 60}
// It listens on a free loopback port and prints one JSON line: {"issuer": "http://127.0.0.1:<port>"}.
//
// Login is driven by the test: GET /interaction/<uid> serves a form whose fields become the
// account (sub, email, email_verified, name) and the session's amr; consent is granted for the
// requested scopes without a prompt. POST /__harness/rotate-keys replaces the signing key (the
// old one stays published unless {"keep_old": false}), as a real provider rotates its keys.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || '{}');

if (config.clockSkewSeconds) {
  // A provider whose clock is wrong: every token it issues is dated in its own time.
  const realNow = Date.now;
  Date.now = () => realNow() + config.clockSkewSeconds * 1000;
}

const accounts = new Map();
let signingKeys = [newKey()];
let provider;
let issuer;

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

function buildProvider() {
  const next = new Provider(issuer, {
    clients: config.clients || [],
    jwks: { keys: signingKeys },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: config.conformIdTokenClaims !== false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: {
      IdToken: config.idTokenTtl || 60,
      AccessToken: 600,
      AuthorizationCode: 120,
      Interaction: 86400,
      Session: 86400,
      Grant: 86400,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    async loadExistingGrant(ctx) {
      // First-party style: consent is implied for whatever the client asked for.
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  next.on('server_error', (ctx, err) => console.error('provider server_error', err));
  return next;
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    res.writeHead(400).end('interaction mismatch');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <input name="sub"> <input name="email"> <input name="email_verified" value="true">
  <input name="name"> <input name="amr" value="pwd"> <button>Sign in</button>
</form>`);
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const sub = form.get('sub');
    if (!sub) {
      res.writeHead(400).end('sub is required');
      return;
    }
    const account = { name: form.get('name') || sub };
    if (form.get('email')) account.email = form.get('email');
    if (form.has('email_verified')) account.email_verified = form.get('email_verified') === 'true';
    accounts.set(sub, account);
    const amr = (form.get('amr') || '').split(',').filter(Boolean);
    await provider.interactionFinished(req, res, { login: { accountId: sub, amr } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405).end();
}

async function control(req, res, path) {
  if (req.method === 'POST' && path === '/__harness/rotate-keys') {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const fresh = newKey();
    signingKeys = body.keep_old === false ? [fresh] : [fresh, ...signingKeys];
    provider = buildProvider();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kid: fresh.kid }));
    return;
  }
  res.writeHead(404).end();
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://local').pathname;
  const match = path.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
  const handle = match
    ? interaction(req, res, match[1], match[2])
    : path.startsWith('/__harness/')
      ? control(req, res, path)
      : Promise.resolve(provider.callback()(req, res));
  handle.catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = buildProvider();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
