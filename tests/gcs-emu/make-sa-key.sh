#!/usr/bin/env bash
# Write a throw-away service-account key file (RSA 2048, PKCS#8) for tests; never commit one.
# Usage: make-sa-key.sh OUT.json [EMAIL] [TOKEN_URI]
set -euo pipefail
out=${1:?usage: make-sa-key.sh OUT.json [EMAIL] [TOKEN_URI]}
email=${2:-lifeboat-test@lifeboat-test.iam.gserviceaccount.com}
token_uri=${3:-https://oauth2.googleapis.com/token}
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp" 2>/dev/null
umask 077
KEY_PEM=$tmp EMAIL=$email TOKEN_URI=$token_uri node -e '
const fs = require("fs"), crypto = require("crypto");
const pem = fs.readFileSync(process.env.KEY_PEM, "utf8");
process.stdout.write(JSON.stringify({ type: "service_account", project_id: "lifeboat-test",
  private_key_id: crypto.randomBytes(20).toString("hex"), private_key: pem,
  client_email: process.env.EMAIL, client_id: "1", token_uri: process.env.TOKEN_URI }, null, 2) + "\n");' >"$out"
