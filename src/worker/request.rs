//! The incoming request as the gateway reads it, built once from the
//! platform's `Request`: URL, method and headers, and the raw request for the
//! body. (workers-rs's own `Request` reads the `cf` object eagerly on every
//! request; the gateway never needs it.)

use worker::{Headers, web_sys};

use crate::http::url::path_and_query;

pub struct Incoming {
    pub raw: web_sys::Request,
    /// The request URL as the platform serialised it.
    url: String,
    /// As the client sent it; unknown methods stay themselves (not GET).
    pub method: String,
    pub headers: Headers,
}

impl Incoming {
    pub fn new(raw: web_sys::Request) -> Self {
        Self { url: raw.url(), method: raw.method(), headers: Headers(raw.headers()), raw }
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
        self.headers.get(name).ok().flatten()
    }
}
