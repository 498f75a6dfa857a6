//! The one loader of the shared vectors (`tests/vectors/`, made by
//! `scripts/gen-vectors.mjs` with jose), for the tests and the bench.
//! `VECTORS_DIR` points it at another copy, which is how `make test` proves a
//! fresh regeneration passes too. Each includer uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mcp_edge_guard::{JwkSet, Policy};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn dir() -> PathBuf {
    std::env::var_os("VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"))
}

/// One vector by name, as JSON.
pub fn read(name: &str) -> Value {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every vector, in file-name order.
pub fn all<T: DeserializeOwned>() -> Vec<T> {
    let dir = dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("vector readable");
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        })
        .collect()
}

/// A vector's token, parsed key set, policy and time.
pub fn setup(name: &str) -> (String, JwkSet, Policy, i64) {
    let vector = read(name);
    let keys = JwkSet::parse(vector["jwks"].to_string().as_bytes()).expect("usable keys");
    let policy: Policy = serde_json::from_value(vector["policy"].clone()).expect("policy");
    (vector["token"].as_str().expect("token").to_owned(), keys, policy, vector["now"].as_i64().expect("now"))
}
