#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared vectors: every vector's token for
# verify_token, every vector's JWKS for parse_jwks.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/verify_token corpus/parse_jwks corpus/inspect_request
node -e '
  const fs = require("fs"), path = require("path");
  const dir = "../tests/vectors";
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const v = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    const name = file.replace(/\.json$/, "");
    fs.writeFileSync(`corpus/verify_token/${name}`, v.token.slice(0, 20000));
    fs.writeFileSync(`corpus/parse_jwks/${name}`, JSON.stringify(v.jwks));
  }
'
# JSON-RPC bodies and request parts for inspect_request.
i=0
for body in \
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos","arguments":{}}}' \
  '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"s","result":{}}]' \
  '{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"todo://1","URI":"x"}}' \
  '{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"p","arguments":{"a":"b"}},"METHOD":"x"}' \
  'application/json; charset=utf-8' \
  'x=1&access%5Ftoken=2;tenant=3'; do
  printf '%s' "$body" >"corpus/inspect_request/seed-$i"; i=$((i + 1))
done
printf '{"jsonrpc":"2.0","id":1,"method":"ping","param\xc5\xbf":{}}' >"corpus/inspect_request/seed-long-s"
echo "seeded $(ls corpus/verify_token | wc -l) tokens and $(ls corpus/parse_jwks | wc -l) key sets"
