// Cross-check Lifeboat's GCS client (lb-gcs-drv = the code inside gcp.so) against Google's
// official Node client (@google-cloud/storage) on the emulator, with auth REQUIRED:
//   * the official client authenticates with its own RS256 JWT (google-auth-library/gtoken;
//     only gtoken's hard-coded token URL is redirected to the emulator) and a Bearer token;
//   * each side reads what the other wrote (media, multipart and multi-chunk resumable);
//   * listings agree; exists/delete agree;
//   * V4 signed URLs from both sides are fetched with plain curl; tampered/expired ones fail;
//   * the JSON-API request shapes of both sides agree (from the emulator's request log).
// Env: GCS_ENDPOINT, GCS_SA_JSON, GCS_NPM_DIR, LB_GCS_DRV. Prints TAP.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.GCS_NPM_DIR, 'noop.js'));
const { Storage } = require('@google-cloud/storage');
const { JWT, DefaultTransporter } = require('google-auth-library');

const endpoint = process.env.GCS_ENDPOINT;
const saPath = process.env.GCS_SA_JSON;
const sa = JSON.parse(fs.readFileSync(saPath, 'utf8'));
const drv = process.env.LB_GCS_DRV;
const bucketName = `xcheck-${process.pid}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-gcs-x-'));
const cfg = [`storeEndpoint=${endpoint}`, `credentialsFile=${saPath}`, 'chunkSize=256KiB'];

// The official client's auth: gtoken signs the JWT; its fixed token URL goes to the emulator.
const transporter = new DefaultTransporter();
const origRequest = transporter.request.bind(transporter);
transporter.request = (opts, cb) => origRequest({ ...opts,
  url: String(opts.url).replace('https://www.googleapis.com/oauth2/v4/token', `${endpoint}/oauth2/v4/token`) }, cb);
const jwt = new JWT({ email: sa.client_email, key: sa.private_key, scopes: ['https://www.googleapis.com/auth/devstorage.full_control'], transporter });
const storage = new Storage({ apiEndpoint: endpoint, projectId: sa.project_id, useAuthWithCustomEndpoint: true,
  authClient: jwt, credentials: { client_email: sa.client_email, private_key: sa.private_key } });
const bucket = storage.bucket(bucketName);
// @google-cloud/storage 7.22 drops useAuthWithCustomEndpoint in save()/createWriteStream()'s
// resumable path (file.js startResumableUpload_), so its session POST would go out without a
// token: start the session with createResumableUpload() (which passes it) and hand over the URI.
async function officialResumable(name, data, chunkSize) {
  const [uri] = await bucket.file(name).createResumableUpload();
  await bucket.file(name).save(data, { resumable: true, uri, chunkSize });
}

let n = 0, failed = 0;
async function t(name, fn) {
  n++;
  try { const r = await fn(); if (r === false) throw new Error('assertion failed'); console.log(`ok ${n} - ${name}`); }
  catch (e) { failed++; console.log(`not ok ${n} - ${name}`); console.log(`# ${String(e && e.stack || e).split('\n').slice(0, 4).join('\n# ')}`); }
}
function lb(args, input) {
  const r = spawnSync(drv, [...cfg, ...args], { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lb-gcs-drv ${args.join(' ')} -> exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
function curl(url) {
  const r = spawnSync('curl', ['-sS', '-o', path.join(tmp, 'curl.out'), '-w', '%{http_code}', url]);
  return { status: Number(String(r.stdout)), body: fs.existsSync(path.join(tmp, 'curl.out')) ? fs.readFileSync(path.join(tmp, 'curl.out')) : Buffer.alloc(0) };
}
const log = async () => (await (await fetch(`${endpoint}/_emu/requests`)).json());
const clearLog = () => fetch(`${endpoint}/_emu/requests`, { method: 'DELETE' });
const md5 = b => crypto.createHash('md5').update(b).digest('base64');

const small = Buffer.from('small object from lifeboat\n');
const big = crypto.randomBytes(1300 * 1024 + 17);          // 6 chunks of 256 KiB, the last partial
const piped = crypto.randomBytes(700 * 1024 + 3);
fs.writeFileSync(path.join(tmp, 'small'), small);
fs.writeFileSync(path.join(tmp, 'big'), big);

console.log('TAP version 13');
await t('unauthenticated request is refused with 401 and Google\'s error JSON', async () => {
  const r = await fetch(`${endpoint}/storage/v1/b/${bucketName}/o`); const j = await r.json();
  return r.status === 401 && j.error.code === 401 && Array.isArray(j.error.errors);
});
await t('official client: JWT-bearer token from the emulator, bucket insert', async () => { await storage.createBucket(bucketName); });
await t('lifeboat: put small (uploadType=media), big (multi-chunk resumable), pipe (size -1)', async () => {
  lb(['put', bucketName, 'lb/dir/small.txt', path.join(tmp, 'small')]);
  lb(['put', bucketName, 'lb/dir/big.bin', path.join(tmp, 'big')]);
  lb(['put', bucketName, 'lb/pipe.bin', '-'], piped);
});
await t('official client reads what lifeboat wrote (bytes and md5Hash)', async () => {
  for (const [name, want] of [['lb/dir/small.txt', small], ['lb/dir/big.bin', big], ['lb/pipe.bin', piped]]) {
    const [got] = await bucket.file(name).download();
    const [m] = await bucket.file(name).getMetadata();
    if (Buffer.compare(got, want) !== 0 || m.md5Hash !== md5(want) || Number(m.size) !== want.length) throw new Error(`${name} differs`);
  }
});
await t('official client writes (multipart, resumable in 512 KiB chunks); lifeboat reads them', async () => {
  await bucket.file('off/a b/ü.txt').save(small, { resumable: false });
  await officialResumable('off/big.bin', big, 512 * 1024);
  const a = lb(['get', bucketName, 'off/a b/ü.txt', '-']);
  const b = lb(['get', bucketName, 'off/big.bin', '-']);
  return Buffer.compare(a, small) === 0 && Buffer.compare(b, big) === 0;
});
await t('listings agree (prefix + delimiter -> prefixes with the delimiter; recursive names)', async () => {
  const ours = String(lb(['list', bucketName, '', '/'])).trim().split('\n').sort();
  const [, , resp] = await bucket.getFiles({ delimiter: '/', autoPaginate: false });
  const theirs = (resp.prefixes || []).sort();
  const oursAll = String(lb(['list', bucketName, 'off/'])).trim().split('\n').sort();
  const [files] = await bucket.getFiles({ prefix: 'off/' });
  const theirsAll = files.map(f => f.name).sort();
  if (JSON.stringify(ours) !== JSON.stringify(theirs) || JSON.stringify(oursAll) !== JSON.stringify(theirsAll))
    throw new Error(`ours ${ours}|${oursAll} theirs ${theirs}|${theirsAll}`);
  return ours.join() === 'lb/,off/';
});
await t('exists and delete agree (missing delete is fine for lifeboat, 404 for the client)', async () => {
  if (String(lb(['exists', bucketName, 'off/big.bin'])).trim() !== '1') return false;
  lb(['delete', bucketName, 'off/big.bin']);
  const [e] = await bucket.file('off/big.bin').exists();
  lb(['delete', bucketName, 'off/big.bin']);
  await bucket.file('lb/pipe.bin').delete();
  return !e && String(lb(['exists', bucketName, 'lb/pipe.bin'])).trim() === '0';
});

let ourUrl, theirUrl;
await t('lifeboat V4 signed URL fetched with plain curl', async () => {
  ourUrl = String(lb(['sign', bucketName, 'off/a b/ü.txt', '600'])).trim();
  const r = curl(ourUrl); return r.status === 200 && Buffer.compare(r.body, small) === 0;
});
await t('official client V4 signed URL (offline getSignedUrl) fetched with plain curl', async () => {
  [theirUrl] = await bucket.file('off/a b/ü.txt').getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 600e3 });
  const r = curl(theirUrl); return r.status === 200 && Buffer.compare(r.body, small) === 0;
});
await t('both signed URLs have the same shape (path, query names, algorithm, credential scope)', async () => {
  const a = new URL(ourUrl), b = new URL(theirUrl);
  const keys = u => [...u.searchParams.keys()].sort().join();
  const scope = u => u.searchParams.get('X-Goog-Credential').split('/').slice(0, 1).concat(u.searchParams.get('X-Goog-Credential').split('/').slice(2)).join('/');
  if (a.pathname !== b.pathname) throw new Error(`paths differ: ${a.pathname} vs ${b.pathname}`);
  return keys(a) === keys(b) && scope(a) === scope(b) && a.searchParams.get('X-Goog-Algorithm') === b.searchParams.get('X-Goog-Algorithm');
});
await t('tampered signed URLs are refused with 403 (signature, object, expiry)', async () => {
  for (const u of [ourUrl, theirUrl]) {
    const x = new URL(u);
    const sig = x.searchParams.get('X-Goog-Signature');
    x.searchParams.set('X-Goog-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    if (curl(x.toString()).status !== 403) throw new Error(`bad signature accepted: ${x}`);
    const y = new URL(u); y.pathname = y.pathname.replace('.txt', '.txx');
    if (curl(y.toString()).status !== 403) throw new Error('other object accepted');
    const z = new URL(u); z.searchParams.set('X-Goog-Expires', '604800');
    if (curl(z.toString()).status !== 403) throw new Error('changed expiry accepted');
  }
});
await t('an expired lifeboat signed URL is refused', async () => {
  const u = String(lb(['sign', bucketName, 'off/a b/ü.txt', '1'])).trim();
  await new Promise(r => setTimeout(r, 2100));
  return curl(u).status === 400;
});

// Request shapes: the same operations from both sides, compared from the emulator's log.
function shape(e) {
  const p = e.path.replace(`/b/${bucketName}/`, '/b/{b}/').replace(/\/o\/[^/]+$/, '/o/{name}');
  const q = ['uploadType', 'alt', 'prefix', 'delimiter', 'name', 'upload_id'].filter(k => k in e.query).join(',');
  // Chunk PUTs: "bytes a-b/total" and "bytes a-b/*" are the same shape (the total is known
  // or not yet); session PUTs carry a token or not (the upload_id is the credential).
  const cr = e.contentRange ? (e.contentRange.startsWith('bytes */') ? 'status-query' : 'chunk') : '';
  const auth = 'upload_id' in e.query ? 'session' : e.auth;
  return `${e.method} ${p} [${q}] auth=${auth} ${cr}`.trim();
}
await t('request shapes agree: resumable upload, download, metadata, list, delete; names escaped with %2F', async () => {
  await clearLog();
  await officialResumable('shape/x/one.bin', big, 256 * 1024);
  await bucket.file('shape/x/one.bin').download();
  await bucket.file('shape/x/one.bin').exists();
  await bucket.getFiles({ prefix: 'shape/', delimiter: '/', autoPaginate: false });
  await bucket.file('shape/x/one.bin').delete();
  const theirs = (await log()).filter(e => !e.path.startsWith('/oauth2') && !e.path.startsWith('/token'));
  await clearLog();
  lb(['put', bucketName, 'shape/x/one.bin', path.join(tmp, 'big')]);
  lb(['get', bucketName, 'shape/x/one.bin', path.join(tmp, 'got')]);
  lb(['exists', bucketName, 'shape/x/one.bin']);
  lb(['list', bucketName, 'shape/', '/']);
  lb(['delete', bucketName, 'shape/x/one.bin']);
  const ours = (await log()).filter(e => !e.path.startsWith('/oauth2') && !e.path.startsWith('/token'));
  // The official client asks a session it was handed (uri) for its status first; optional.
  const a = [...new Set(theirs.map(shape))].filter(x => !x.endsWith('status-query')).sort();
  const b = [...new Set(ours.map(shape))].sort();
  for (const s of a) console.log(`#   official: ${s}`);
  for (const s of b) console.log(`#   lifeboat: ${s}`);
  const missing = a.filter(s => !b.includes(s)), extra = b.filter(s => !a.includes(s));
  if (missing.length || extra.length) throw new Error(`only official: ${missing.join(' | ')}; only lifeboat: ${extra.join(' | ')}`);
  const authed = e => e.auth === 'Bearer' || 'upload_id' in e.query;
  return ours.every(e => e.auth === 'Bearer') && theirs.every(authed) &&
    ours.some(e => e.path.includes('shape%2Fx%2Fone.bin')) && theirs.some(e => e.path.includes('shape%2Fx%2Fone.bin'));
});
await t('lifeboat resumable upload used several 256 KiB-multiple chunks answered 308 + final 200', async () => {
  await clearLog();
  lb(['put', bucketName, 'chunks.bin', path.join(tmp, 'big')]);
  const puts = (await log()).filter(e => e.method === 'PUT');
  return puts.length === 6 && puts.slice(0, 5).every(e => e.status === 308) && puts[5].status === 200 &&
    /\/1331217$/.test(puts[5].contentRange);
});

console.log(`1..${n}`);
console.log(`# ${n - failed} passed, ${failed} failed`);
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
