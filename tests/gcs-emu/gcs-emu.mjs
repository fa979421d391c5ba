// gcs-emu: a small Google Cloud Storage JSON-API emulator for Lifeboat's tests (no npm deps).
//
// Unlike Firebase's emulator it VERIFIES credentials:
//   * OAuth2 service-account flow: POST /token (also /oauth2/v4/token, /oauth2/token) with
//     grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>; the JWT
//     signature is checked with the public key of a trusted service account, and iss/aud/iat/exp/
//     scope are checked. It hands out random bearer tokens that expire; every storage call must
//     carry "Authorization: Bearer <token it issued>" (unless --anonymous).
//   * V4 signed URLs (GOOG4-RSA-SHA256) on GET /{bucket}/{object}: canonical request rebuilt
//     from the request, signature checked with the service account's public key, expiry checked.
//
// Surface: buckets insert/get/list/delete; objects upload (media, multipart, resumable with
// 256 KiB-multiple chunks, 308 + Range), get (metadata, alt=media, Range), list (prefix,
// delimiter, pageToken, maxResults, startOffset), delete. Error bodies are Google's JSON shape.
//
// Test hooks (no auth): POST /_emu/faults {"status":503,"count":2,"match":"regex on 'METHOD path'"}
// ({"status":0} drops the connection), GET/DELETE /_emu/requests (request log), POST /_emu/reset,
// GET /_emu/health.
//
// Usage: node gcs-emu.mjs --port 0 --trust sa.json [--trust sa2.json] [--bucket b]... [--anonymous]
//        [--token-ttl 3600]   Prints "GCS_ENDPOINT=http://127.0.0.1:PORT" once listening.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const args = { port: 0, trust: [], bucket: [], anonymous: false, tokenTtl: 3600, host: '127.0.0.1' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = () => {
    if (i + 1 >= process.argv.length) die(`option ${a} needs a value`);
    return process.argv[++i];
  };
  if (a === '--port') args.port = Number(v());
  else if (a === '--host') args.host = v();
  else if (a === '--trust') args.trust.push(v());
  else if (a === '--bucket') args.bucket.push(v());
  else if (a === '--anonymous') args.anonymous = true;
  else if (a === '--token-ttl') args.tokenTtl = Number(v());
  else die(`unknown option ${a} (see the header of gcs-emu.mjs)`);
}
function die(msg) { console.error(`gcs-emu: ${msg}`); process.exit(2); }

// ---- trusted service accounts: client_email -> public key ----
const accounts = new Map();
for (const f of args.trust) {
  let sa;
  try { sa = JSON.parse(fs.readFileSync(f, 'utf8')); } catch (e) { die(`--trust ${f}: ${e.message}`); }
  if (!sa.client_email) die(`--trust ${f}: no client_email`);
  let pub;
  try { pub = crypto.createPublicKey(sa.public_key || sa.private_key); } catch (e) { die(`--trust ${f}: bad key: ${e.message}`); }
  accounts.set(sa.client_email, pub);
}

const MiB256K = 256 * 1024;
const buckets = new Map();   // name -> { meta, objects: Map(name -> obj) }
const tokens = new Map();    // token -> { email, exp (ms) }
const uploads = new Map();   // upload_id -> { bucket, name, meta, chunks: [], size, total }
let faults = [];             // { status, count, re }
let reqlog = [];
let generation = 1700000000000000;

function newBucket(name) {
  const now = new Date().toISOString();
  buckets.set(name, { meta: { kind: 'storage#bucket', id: name, name, projectNumber: '0', location: 'US',
    storageClass: 'STANDARD', timeCreated: now, updated: now, metageneration: '1', etag: 'CAE=' }, objects: new Map() });
}
for (const b of args.bucket) newBucket(b);

// ---- helpers ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32c(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4); out.writeUInt32BE((c ^ 0xffffffff) >>> 0); return out.toString('base64');
}
function gerr(res, code, message, reason, extraHeaders = {}) {
  const body = JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }] } });
  res.writeHead(code, { 'Content-Type': 'application/json; charset=UTF-8', ...extraHeaders });
  res.end(body);
}
function xmlErr(res, code, c, message, extra = '') {
  res.writeHead(code, { 'Content-Type': 'application/xml; charset=UTF-8' });
  res.end(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${c}</Code><Message>${message}</Message>${extra}</Error>`);
}
function sendJson(res, code, obj, headers = {}) {
  res.writeHead(code, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(obj));
}
function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = []; req.on('data', d => parts.push(d)); req.on('end', () => resolve(Buffer.concat(parts))); req.on('error', reject);
  });
}
function objResource(bucket, o) {
  return { kind: 'storage#object', id: `${bucket}/${o.name}/${o.generation}`, name: o.name, bucket,
    generation: String(o.generation), metageneration: '1', contentType: o.contentType,
    size: String(o.data.length), md5Hash: o.md5, crc32c: o.crc32c, etag: o.etag, storageClass: 'STANDARD',
    timeCreated: o.time, updated: o.time,
    selfLink: `/storage/v1/b/${bucket}/o/${encodeURIComponent(o.name)}`,
    mediaLink: `/download/storage/v1/b/${bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
    ...(o.metadata ? { metadata: o.metadata } : {}), ...(o.kmsKeyName ? { kmsKeyName: o.kmsKeyName } : {}) };
}
function storeObject(bucketName, name, data, meta) {
  const b = buckets.get(bucketName);
  const o = { name, data, generation: ++generation, time: new Date().toISOString(),
    contentType: meta.contentType || 'application/octet-stream', metadata: meta.metadata,
    kmsKeyName: meta.kmsKeyName,
    md5: crypto.createHash('md5').update(data).digest('base64'), crc32c: crc32c(data) };
  o.etag = crypto.createHash('md5').update(String(o.generation)).digest('base64').slice(0, 8);
  b.objects.set(name, o);
  return objResource(bucketName, o);
}
function validName(name) { return typeof name === 'string' && name.length > 0 && Buffer.byteLength(name) <= 1024 && !/[\r\n]/.test(name); }

// ---- OAuth2 token endpoint ----
function b64uJson(s) { return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')); }
function tokenEndpoint(req, res, body, endpoint) {
  const f = new URLSearchParams(body.toString('utf8'));
  const bad = (desc) => { res.writeHead(400, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ error: 'invalid_grant', error_description: desc })); };
  if (!/application\/x-www-form-urlencoded/.test(req.headers['content-type'] || '')) return bad('Content-Type must be application/x-www-form-urlencoded.');
  if (f.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return bad('Invalid grant_type.');
  const parts = (f.get('assertion') || '').split('.');
  if (parts.length !== 3) return bad('Invalid JWT: expected three dot-separated parts.');
  let header, claims;
  try { header = b64uJson(parts[0]); claims = b64uJson(parts[1]); } catch { return bad('Invalid JWT: not base64url JSON.'); }
  if (header.alg !== 'RS256') return bad(`Invalid JWT: alg ${header.alg} (RS256 required).`);
  const pub = accounts.get(claims.iss);
  if (!pub) return bad(`Invalid JWT: unknown service account ${claims.iss}.`);
  const ok = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), pub, Buffer.from(parts[2], 'base64url'));
  if (!ok) return bad('Invalid JWT Signature.');
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return bad('Invalid JWT: iat and exp are required.');
  if (claims.exp <= now) return bad('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
  if (claims.exp - claims.iat > 3600 || claims.iat > now + 300) return bad('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  const auds = [`${endpoint}${req.url.split('?')[0]}`, 'https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];
  if (!auds.includes(claims.aud)) return bad(`Invalid JWT: aud ${claims.aud} is not this token URL.`);
  const scopes = String(claims.scope || '').split(/\s+/);
  if (!scopes.some(s => /\/auth\/(devstorage\.|cloud-platform)/.test(s))) return bad('Invalid JWT: scope does not include a storage scope.');
  const token = 'emu.' + crypto.randomBytes(24).toString('base64url');
  tokens.set(token, { email: claims.iss, exp: Date.now() + args.tokenTtl * 1000 });
  sendJson(res, 200, { access_token: token, expires_in: args.tokenTtl - 1, token_type: 'Bearer' });
}
function checkBearer(req, res) {
  const h = req.headers.authorization;
  if (!h) {
    if (args.anonymous) return true;
    gerr(res, 401, 'Anonymous caller does not have storage.objects access. Send Authorization: Bearer <token>.', 'required', { 'WWW-Authenticate': 'Bearer realm="gcs-emu"' });
    return false;
  }
  const m = /^Bearer (.+)$/.exec(h);
  const t = m && tokens.get(m[1]);
  if (!t || t.exp < Date.now()) {
    if (t) tokens.delete(m[1]);
    gerr(res, 401, 'Invalid Credentials', 'authError', { 'WWW-Authenticate': 'Bearer realm="gcs-emu", error="invalid_token"' });
    return false;
  }
  return true;
}

// ---- V4 signed URL verification ----
const rfc3986 = s => encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
function signedGet(req, res, u, rawPath, method) {
  const q = u.searchParams;
  const fail = (why) => xmlErr(res, 403, 'SignatureDoesNotMatch', `Access denied. ${why}`);
  if (q.get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') return xmlErr(res, 400, 'InvalidArgument', 'X-Goog-Algorithm must be GOOG4-RSA-SHA256.');
  const cred = (q.get('X-Goog-Credential') || '').split('/');
  if (cred.length !== 5 || cred[2] !== 'auto' || cred[3] !== 'storage' || cred[4] !== 'goog4_request')
    return xmlErr(res, 400, 'AuthorizationQueryParametersError', 'X-Goog-Credential must be EMAIL/YYYYMMDD/auto/storage/goog4_request.');
  const pub = accounts.get(cred[0]);
  if (!pub) return fail(`Unknown service account ${cred[0]}.`);
  const date = q.get('X-Goog-Date') || '';
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!dm || date.slice(0, 8) !== cred[1]) return xmlErr(res, 400, 'AuthorizationQueryParametersError', 'X-Goog-Date is malformed or does not match the credential date.');
  const expires = Number(q.get('X-Goog-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > 604800) return xmlErr(res, 400, 'AuthorizationQueryParametersError', 'X-Goog-Expires must be 1..604800.');
  const t0 = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (Date.now() < t0 - 300e3) return xmlErr(res, 400, 'RequestNotYetValid', 'The request is not yet valid (X-Goog-Date is in the future).');
  if (Date.now() > t0 + expires * 1000) return xmlErr(res, 400, 'ExpiredToken', 'The provided token has expired. Request signature expired.');
  const signedHeaders = (q.get('X-Goog-SignedHeaders') || '').split(';');
  if (!signedHeaders.includes('host')) return xmlErr(res, 400, 'AuthorizationQueryParametersError', 'X-Goog-SignedHeaders must include host.');
  const canonQuery = [...q.entries()].filter(([k]) => k !== 'X-Goog-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
  // The host header is signed as the client sent it (host:port off the default port); Google's
  // Node client signs the hostname alone (real GCS has no port), so that form is accepted too.
  const hostForms = [String(req.headers.host || '')];
  if (hostForms[0].includes(':')) hostForms.push(hostForms[0].replace(/:\d+$/, ''));
  const sig = q.get('X-Goog-Signature') || '';
  const scope = `${cred[1]}/auto/storage/goog4_request`;
  let canonical, sts, ok = false;
  for (const host of hostForms) {
    const hv = h => (h === 'host' ? host : String(req.headers[h] ?? '')).trim().replace(/\s+/g, ' ');
    const canonHeaders = signedHeaders.map(h => `${h}:${hv(h)}\n`).join('');
    canonical = [method, rawPath, canonQuery, canonHeaders, signedHeaders.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
    sts = ['GOOG4-RSA-SHA256', date, scope, crypto.createHash('sha256').update(canonical).digest('hex')].join('\n');
    if (/^[0-9a-f]+$/i.test(sig) && crypto.verify('RSA-SHA256', Buffer.from(sts), pub, Buffer.from(sig, 'hex'))) { ok = true; break; }
  }
  if (!ok)
    return xmlErr(res, 403, 'SignatureDoesNotMatch', 'Access denied. The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.',
      `<StringToSign>${sts}</StringToSign><CanonicalRequest>${canonical.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</CanonicalRequest>`);
  const segs = rawPath.split('/');
  const bucket = decodeURIComponent(segs[1] || ''), name = decodeURIComponent(segs.slice(2).join('/'));
  const b = buckets.get(bucket);
  const o = b && b.objects.get(name);
  if (!b) return xmlErr(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
  if (!o) return xmlErr(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  sendMedia(req, res, o, method === 'HEAD');
}

function sendMedia(req, res, o, headOnly) {
  const headers = { 'Content-Type': o.contentType, 'x-goog-generation': String(o.generation),
    'x-goog-metageneration': '1', 'x-goog-stored-content-length': String(o.data.length), 'ETag': o.etag,
    'Accept-Ranges': 'bytes' };
  const range = req.headers.range && /^bytes=(\d*)-(\d*)$/.exec(req.headers.range);
  let data = o.data, status = 200;
  if (range && (range[1] !== '' || range[2] !== '')) {
    const size = o.data.length;
    let start, end;
    if (range[1] === '') { start = Math.max(0, size - Number(range[2])); end = size - 1; }
    else { start = Number(range[1]); end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1); }
    if (start >= size || start > end) { res.writeHead(416, { 'Content-Range': `bytes */${size}` }); return res.end(); }
    data = o.data.subarray(start, end + 1); status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  } else {
    headers['x-goog-hash'] = `crc32c=${o.crc32c},md5=${o.md5}`;
  }
  headers['Content-Length'] = String(data.length);
  res.writeHead(status, headers);
  res.end(headOnly ? undefined : data);
}

// ---- listing ----
function listObjects(res, bucketName, q) {
  const b = buckets.get(bucketName);
  const prefix = q.get('prefix') || '', delim = q.get('delimiter') || '';
  const max = Math.min(Math.max(Number(q.get('maxResults') || 1000), 1), 1000);
  const after = q.get('pageToken') ? Buffer.from(q.get('pageToken'), 'base64url').toString('utf8') : null;
  const startOffset = q.get('startOffset') || '';
  const names = [...b.objects.keys()].filter(n => n.startsWith(prefix) && n >= startOffset).sort();
  const entries = []; const seen = new Set();
  for (const n of names) {
    if (delim) {
      const i = n.indexOf(delim, prefix.length);
      if (i >= 0) { const p = n.slice(0, i + delim.length); if (!seen.has(p)) { seen.add(p); entries.push({ key: p, prefix: true }); } continue; }
    }
    entries.push({ key: n, prefix: false });
  }
  const rest = after === null ? entries : entries.filter(e => e.key > after);
  const page = rest.slice(0, max);
  const out = { kind: 'storage#objects' };
  const items = page.filter(e => !e.prefix).map(e => objResource(bucketName, b.objects.get(e.key)));
  const prefixes = page.filter(e => e.prefix).map(e => e.key);
  if (items.length) out.items = items;
  if (prefixes.length) out.prefixes = prefixes;
  if (rest.length > max) out.nextPageToken = Buffer.from(page[page.length - 1].key).toString('base64url');
  sendJson(res, 200, out);
}

// ---- uploads ----
function parseMultipart(req, body) {
  const m = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] || '');
  if (!m) return null;
  const delim = Buffer.from(`--${m[1]}`);
  const parts = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) return null;
    let part = body.subarray(start, next);
    if (part.subarray(0, 2).toString() === '\r\n') part = part.subarray(2);
    if (part.subarray(part.length - 2).toString() === '\r\n') part = part.subarray(0, part.length - 2);
    const he = part.indexOf('\r\n\r\n');
    if (he < 0) return null;
    const headers = {};
    for (const l of part.subarray(0, he).toString().split('\r\n')) { const c = l.indexOf(':'); if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim(); }
    parts.push({ headers, data: part.subarray(he + 4) });
    pos = next;
  }
  return parts.length === 2 ? parts : null;
}
function uploadPut(req, res, up, body, endpoint) {
  const cr = req.headers['content-range'];
  let start = up.size, total = up.total, isQuery = false;
  if (cr) {
    let m;
    if ((m = /^bytes \*\/(\d+|\*)$/.exec(cr))) { isQuery = true; if (m[1] !== '*') total = Number(m[1]); }
    else if ((m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr))) {
      start = Number(m[1]);
      if (Number(m[2]) - start + 1 !== body.length) return gerr(res, 400, `Content-Range ${cr} does not match the body length ${body.length}.`, 'invalid');
      if (m[3] !== '*') total = Number(m[3]);
    } else if ((m = /^bytes (\d+)-\*\/(\d+|\*)$/.exec(cr))) {
      // one streamed PUT of unknown length (the official client's single-request mode):
      // the body runs to the end of the request, and with a total of * it is the last one.
      start = Number(m[1]);
      total = m[2] === '*' ? start + body.length : Number(m[2]);
    } else return gerr(res, 400, `Malformed Content-Range: ${cr}`, 'invalid');
  } else total = up.size + body.length;
  if (isQuery && body.length) return gerr(res, 400, 'A Content-Range of bytes */N must have an empty body.', 'invalid');
  if (!isQuery) {
    if (start > up.size) return gerr(res, 400, `Upload chunk starts at ${start} but only ${up.size} bytes were persisted; query with Content-Range: bytes */*.`, 'invalid');
    const skip = up.size - start;   // a retransmitted overlap is ignored, as GCS does
    const fresh = body.subarray(Math.min(skip, body.length));
    const final = total !== undefined && total !== null && up.size + fresh.length >= total;
    if (!final && (start + body.length) % MiB256K !== 0)
      return gerr(res, 400, `Non-final chunk ends at ${start + body.length}, which is not a multiple of 262144 bytes.`, 'invalid');
    if (fresh.length) { up.chunks.push(fresh); up.size += fresh.length; }
    up.chunkCount++;
  }
  if (total !== undefined && total !== null) {
    if (up.size > total) return gerr(res, 400, `Received ${up.size} bytes, more than the declared total ${total}.`, 'invalid');
    up.total = total;
    if (up.size === total) {
      if (!up.done) {
        if (!buckets.has(up.bucket)) return gerr(res, 404, `The specified bucket does not exist: ${up.bucket}`, 'notFound');
        up.done = storeObject(up.bucket, up.name, Buffer.concat(up.chunks), up.meta);
        up.chunks = [];
      }
      return sendJson(res, 200, up.done);
    }
  }
  const h = up.size > 0 ? { Range: `bytes=0-${up.size - 1}` } : {};
  res.writeHead(308, { ...h, 'Content-Length': '0', 'X-GUploader-UploadID': up.id }); res.end();
}

// ---- router ----
async function handle(req, res, endpoint) {
  const u = new URL(req.url, endpoint);
  const rawPath = req.url.split('?')[0];
  const seg = rawPath.split('/').slice(1);
  const q = u.searchParams;
  const method = req.method;

  if (seg[0] === '_emu') {
    const body = await readBody(req);
    if (seg[1] === 'health') return sendJson(res, 200, { ok: true, buckets: buckets.size });
    if (seg[1] === 'faults' && method === 'POST') {
      let f; try { f = JSON.parse(body.toString() || '{}'); } catch { return gerr(res, 400, 'fault body must be JSON', 'invalid'); }
      faults.push({ status: Number(f.status ?? 503), count: Number(f.count ?? 1), re: new RegExp(f.match || '.') });
      return sendJson(res, 200, { faults: faults.length });
    }
    if (seg[1] === 'faults' && method === 'DELETE') { faults = []; return sendJson(res, 200, {}); }
    if (seg[1] === 'requests' && method === 'GET') return sendJson(res, 200, reqlog);
    if (seg[1] === 'requests' && method === 'DELETE') { reqlog = []; return sendJson(res, 200, {}); }
    if (seg[1] === 'reset') { buckets.clear(); uploads.clear(); faults = []; reqlog = []; for (const b of args.bucket) newBucket(b); return sendJson(res, 200, {}); }
    return gerr(res, 404, `no such test hook ${rawPath}`, 'notFound');
  }

  const entry = { method, path: rawPath, query: Object.fromEntries([...q.keys()].map(k => [k, k === 'X-Goog-Signature' ? '…' : q.get(k)])),
    contentType: req.headers['content-type'] || null, contentRange: req.headers['content-range'] || null,
    range: req.headers.range || null, auth: req.headers.authorization ? req.headers.authorization.split(' ')[0] : null,
    ua: req.headers['user-agent'] || null, status: 0 };
  reqlog.push(entry); if (reqlog.length > 5000) reqlog.shift();
  res.on('finish', () => { entry.status = res.statusCode; });

  const fi = faults.findIndex(f => f.count > 0 && f.re.test(`${method} ${req.url}`));
  if (fi >= 0) {
    const f = faults[fi]; f.count--; if (f.count <= 0) faults.splice(fi, 1);
    await readBody(req);
    if (f.status === 0) { req.socket.destroy(); return; }
    return gerr(res, f.status, `Injected fault ${f.status} from gcs-emu.`, f.status === 429 ? 'rateLimitExceeded' : 'backendError');
  }

  const body = await readBody(req);
  if (method === 'POST' && (rawPath === '/token' || rawPath === '/oauth2/v4/token' || rawPath === '/oauth2/token'))
    return tokenEndpoint(req, res, body, endpoint);

  // V4 signed URL (XML API path style): GET/HEAD /{bucket}/{object}?X-Goog-Signature=...
  if (q.has('X-Goog-Signature') || q.has('X-Goog-Algorithm')) {
    if (method !== 'GET' && method !== 'HEAD') return xmlErr(res, 405, 'MethodNotAllowed', 'Only GET and HEAD signed URLs are emulated.');
    return signedGet(req, res, u, rawPath, method);
  }

  const isUpload = seg[0] === 'upload' && seg[1] === 'storage' && seg[2] === 'v1';
  const isApi = seg[0] === 'storage' && seg[1] === 'v1';
  const isDownload = seg[0] === 'download' && seg[1] === 'storage' && seg[2] === 'v1';
  if (!isUpload && !isApi && !isDownload) return gerr(res, 404, `Not Found: ${method} ${rawPath}`, 'notFound');
  // As on GCS, an upload session URI is its own credential: the official Node client sends
  // its chunk PUTs without Authorization. A token that is sent is still verified.
  const sessionCall = isUpload && q.has('upload_id') && uploads.has(q.get('upload_id'));
  if (!(sessionCall && !req.headers.authorization) && !checkBearer(req, res)) return;
  const s = isApi ? seg.slice(2) : seg.slice(3);   // b, {bucket}, o, {object}
  const bucketName = s[1] !== undefined ? decodeURIComponent(s[1]) : undefined;

  if (s[0] !== 'b') return gerr(res, 404, `Not Found: ${rawPath}`, 'notFound');
  if (bucketName === undefined || bucketName === '') {
    if (method === 'POST' && isApi) {
      let meta; try { meta = JSON.parse(body.toString() || '{}'); } catch { return gerr(res, 400, 'Invalid JSON body.', 'parseError'); }
      if (!meta.name || !/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(meta.name)) return gerr(res, 400, `Invalid bucket name: '${meta.name}'`, 'invalid');
      if (buckets.has(meta.name)) return gerr(res, 409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
      newBucket(meta.name);
      return sendJson(res, 200, buckets.get(meta.name).meta);
    }
    if (method === 'GET' && isApi) return sendJson(res, 200, { kind: 'storage#buckets', items: [...buckets.values()].map(b => b.meta) });
    return gerr(res, 405, `Method ${method} not allowed on ${rawPath}`, 'methodNotAllowed');
  }
  const b = buckets.get(bucketName);
  if (s.length === 2 && isApi) {
    if (!b) return gerr(res, 404, `The specified bucket does not exist.`, 'notFound');
    if (method === 'GET') return sendJson(res, 200, b.meta);
    if (method === 'DELETE') {
      if (b.objects.size) return gerr(res, 409, 'The bucket you tried to delete is not empty.', 'conflict');
      buckets.delete(bucketName); res.writeHead(204); return res.end();
    }
    return gerr(res, 405, `Method ${method} not allowed on ${rawPath}`, 'methodNotAllowed');
  }
  if (s[2] !== 'o') return gerr(res, 404, `Not Found: ${rawPath}`, 'notFound');

  if (isUpload) {
    const uploadId = q.get('upload_id');
    if (uploadId) {
      const up = uploads.get(uploadId);
      if (!up) return gerr(res, 404, `No such upload session: ${uploadId}`, 'notFound');
      if (method === 'DELETE') { uploads.delete(uploadId); res.writeHead(499); return res.end(); }
      if (method !== 'PUT' && method !== 'POST') return gerr(res, 405, `Method ${method} not allowed on an upload session`, 'methodNotAllowed');
      return uploadPut(req, res, up, body, endpoint);
    }
    if (method !== 'POST') return gerr(res, 405, `Method ${method} not allowed on ${rawPath}`, 'methodNotAllowed');
    if (!b) return gerr(res, 404, `The specified bucket does not exist.`, 'notFound');
    const type = q.get('uploadType');
    const common = { kmsKeyName: q.get('kmsKeyName') || undefined };
    if (q.get('ifGenerationMatch') === '0' && b.objects.has(q.get('name') || '')) return gerr(res, 412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
    if (type === 'media') {
      const name = q.get('name');
      if (!validName(name)) return gerr(res, 400, 'Required parameter: name (a valid object name).', 'required');
      return sendJson(res, 200, storeObject(bucketName, name, body, { ...common, contentType: req.headers['content-type'] }));
    }
    if (type === 'multipart') {
      const parts = parseMultipart(req, body);
      if (!parts) return gerr(res, 400, 'Malformed multipart/related body (need a JSON metadata part and a media part).', 'invalid');
      let meta; try { meta = JSON.parse(parts[0].data.toString()); } catch { return gerr(res, 400, 'Metadata part is not JSON.', 'parseError'); }
      const name = meta.name || q.get('name');
      if (!validName(name)) return gerr(res, 400, 'Required parameter: name (a valid object name).', 'required');
      return sendJson(res, 200, storeObject(bucketName, name, parts[1].data,
        { ...common, contentType: meta.contentType || parts[1].headers['content-type'], metadata: meta.metadata, kmsKeyName: meta.kmsKeyName || common.kmsKeyName }));
    }
    if (type === 'resumable') {
      let meta = {};
      if (body.length) { try { meta = JSON.parse(body.toString()); } catch { return gerr(res, 400, 'Metadata body is not JSON.', 'parseError'); } }
      const name = meta.name || q.get('name');
      if (!validName(name)) return gerr(res, 400, 'Required parameter: name (a valid object name).', 'required');
      const id = crypto.randomBytes(16).toString('hex');
      const xl = req.headers['x-upload-content-length'];
      uploads.set(id, { id, bucket: bucketName, name, size: 0, chunks: [], chunkCount: 0, total: xl !== undefined ? Number(xl) : undefined,
        meta: { contentType: meta.contentType || req.headers['x-upload-content-type'], metadata: meta.metadata, kmsKeyName: meta.kmsKeyName || common.kmsKeyName } });
      const loc = `${endpoint}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { Location: loc, 'X-GUploader-UploadID': id, 'Content-Length': '0' }); return res.end();
    }
    return gerr(res, 400, `Unsupported uploadType: ${type}`, 'invalid');
  }

  if (!b) return gerr(res, 404, `The specified bucket does not exist.`, 'notFound');
  if (s.length === 3) {
    if (method === 'GET') return listObjects(res, bucketName, q);
    return gerr(res, 405, `Method ${method} not allowed on ${rawPath}`, 'methodNotAllowed');
  }
  const name = decodeURIComponent(s.slice(3).join('/'));
  const o = b.objects.get(name);
  if (method === 'GET' || method === 'HEAD') {
    if (!o) return gerr(res, 404, `No such object: ${bucketName}/${name}`, 'notFound');
    if (q.get('alt') === 'media' || isDownload) return sendMedia(req, res, o, method === 'HEAD');
    return sendJson(res, 200, objResource(bucketName, o));
  }
  if (method === 'DELETE') {
    if (!o) return gerr(res, 404, `No such object: ${bucketName}/${name}`, 'notFound');
    b.objects.delete(name); res.writeHead(204); return res.end();
  }
  return gerr(res, 405, `Method ${method} not allowed on ${rawPath}`, 'methodNotAllowed');
}

const server = http.createServer((req, res) => {
  const endpoint = `http://${req.headers.host || `${args.host}:${server.address().port}`}`;
  handle(req, res, endpoint).catch(e => { console.error('gcs-emu: internal error:', e); if (!res.headersSent) gerr(res, 500, `gcs-emu internal error: ${e.message}`, 'backendError'); else res.destroy(); });
});
server.keepAliveTimeout = 30000;
server.listen(args.port, args.host, () => {
  console.log(`GCS_ENDPOINT=http://${args.host}:${server.address().port}`);
  console.log(`gcs-emu: ${accounts.size} trusted service account(s), auth ${args.anonymous ? 'optional (--anonymous)' : 'required'}, buckets: ${args.bucket.join(',') || '(none)'}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); process.exit(0); });
