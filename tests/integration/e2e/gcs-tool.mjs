// Independent GCS client for the e2e test: Google's official Node client
// (@google-cloud/storage from GCS_NPM_DIR), authenticated with the service-account key the
// emulator trusts (its token URL redirected to the emulator, as gcs-crosscheck.mjs does).
//   node gcs-tool.mjs ls BUCKET PREFIX        one object name a line
//   node gcs-tool.mjs get BUCKET NAME FILE    download an object
//   node gcs-tool.mjs sync BUCKET PREFIX DIR  download every object under PREFIX into DIR
// Env: GCS_ENDPOINT, GCS_SA_JSON, GCS_NPM_DIR.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.GCS_NPM_DIR, 'noop.js'));
const { Storage } = require('@google-cloud/storage');
const { JWT, DefaultTransporter } = require('google-auth-library');
const endpoint = process.env.GCS_ENDPOINT;
const sa = JSON.parse(fs.readFileSync(process.env.GCS_SA_JSON, 'utf8'));
const transporter = new DefaultTransporter();
const origRequest = transporter.request.bind(transporter);
transporter.request = (opts, cb) => origRequest({ ...opts,
  url: String(opts.url).replace('https://www.googleapis.com/oauth2/v4/token', `${endpoint}/oauth2/v4/token`) }, cb);
const jwt = new JWT({ email: sa.client_email, key: sa.private_key,
  scopes: ['https://www.googleapis.com/auth/devstorage.full_control'], transporter });
const storage = new Storage({ apiEndpoint: endpoint, projectId: sa.project_id, useAuthWithCustomEndpoint: true,
  authClient: jwt, credentials: { client_email: sa.client_email, private_key: sa.private_key } });

const [cmd, bucketName, arg, file] = process.argv.slice(2);
const bucket = storage.bucket(bucketName);
try {
  if (cmd === 'ls') {
    const [files] = await bucket.getFiles({ prefix: arg || '', autoPaginate: true });
    for (const f of files) console.log(f.name);
  } else if (cmd === 'get') {
    await bucket.file(arg).download({ destination: file });
  } else if (cmd === 'sync') {
    const [files] = await bucket.getFiles({ prefix: arg, autoPaginate: true });
    for (const f of files) {
      const dest = path.join(file, f.name.slice(arg.length));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await f.download({ destination: dest });
    }
  } else {
    console.error('usage: gcs-tool.mjs ls BUCKET PREFIX | get BUCKET NAME FILE | sync BUCKET PREFIX DIR');
    process.exit(2);
  }
} catch (e) {
  console.error(`gcs-tool: ${e && e.message || e}`);
  process.exit(1);
}
