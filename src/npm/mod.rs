//! The npm package's face (wasm-bindgen): the core's verifier, scope rules,
//! challenges, metadata and PKCE helpers for JavaScript — Node, browsers,
//! Deno, Bun and Workers — with no Workers runtime inside.

mod convert;
mod helpers;
mod keys;
mod policy;
mod verifier;

use wasm_bindgen::prelude::*;

/// The TypeScript declarations of the option and result objects.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");
