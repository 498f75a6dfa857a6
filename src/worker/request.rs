//! The incoming request as the gateway reads it, built once from the
//! platform's `Request`: URL, method and the headers the gateway looks at,
//! all in one call (`glue::read_request`), and the raw request for the body.
//! (workers-rs's own `Request` reads the `cf` object eagerly on every
//! request; the gateway never needs it.)

use std::sync::OnceLock;

use worker::web_sys;

use super::glue::{self, SEP};
use crate::http::url::path_and_query;

/// The headers read up front: every one the gateway looks at on the way to
/// a decision and when forwarding. Any other is read on demand.
const READ: [&str; 12] = [
    "Authorization",
    "Origin",
    "Content-Type",
    "Content-Length",
    "Mcp-Session-Id",
    "Mcp-Method",
    "Mcp-Name",
    "Accept",
    "MCP-Protocol-Version",
    "Last-Event-ID",
    "User-Agent",
    "CF-Connecting-IP",
];
/// `READ` as `glue::read_request` takes it.
static READ_JOINED: OnceLock<String> = OnceLock::new();

pub struct Incoming {
    pub raw: web_sys::Request,
    /// The request URL as the platform serialised it.
    url: String,
    /// As the client sent it; unknown methods stay themselves (not GET).
    pub method: String,
    /// The values of `READ`, in order.
    values: Vec<Option<String>>,
}

impl Incoming {
    pub fn new(raw: web_sys::Request) -> Self {
        let names = READ_JOINED.get_or_init(|| READ.join(&SEP.to_string()));
        let joined = glue::read_request(&raw, names);
        let mut fields = joined.split(SEP);
        let url = fields.next().unwrap_or_default().to_owned();
        let method = fields.next().unwrap_or_default().to_owned();
        let values: Vec<Option<String>> =
            fields.map(|field| field.strip_prefix('+').map(str::to_owned)).collect();
        // One value per name, or none at all (then every header is read on demand).
        let values = if values.len() == READ.len() { values } else { Vec::new() };
        Self { raw, url, method, values }
    }

    pub fn path(&self) -> &str {
        path_and_query(&self.url).0
    }

    /// The query, without `?`; `None` when the URL has none.
    pub fn query(&self) -> Option<&str> {
        path_and_query(&self.url).1
    }

    /// A header's value (several fields joined with `, `, as `Headers.get` does).
    pub fn header(&self, name: &str) -> Option<String> {
        match READ
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name))
            .and_then(|at| self.values.get(at))
        {
            Some(value) => value.clone(),
            None => self.raw.headers().get(name).ok().flatten(),
        }
    }
}
