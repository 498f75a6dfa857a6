#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared vectors: every vector's token for
# verify_token, every vector's JWKS for parse_jwks.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/verify_token corpus/parse_jwks
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
echo "seeded $(ls corpus/verify_token | wc -l) tokens and $(ls corpus/parse_jwks | wc -l) key sets"
