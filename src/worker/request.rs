//! The incoming request as the gateway reads it, built once from the
//! platform's `Request`: URL, method and headers, and the raw request for the
//! body. (workers-rs's own `Request` reads the `cf` object eagerly on every
//! request; the gateway never needs it.)

use worker::{Headers, Result, Url, web_sys};

pub struct Incoming {
    pub raw: web_sys::Request,
    pub url: Url,
    /// As the client sent it; unknown methods stay themselves (not GET).
    pub method: String,
    pub headers: Headers,
}

impl Incoming {
    pub fn new(raw: web_sys::Request) -> Result<Self> {
        let url = Url::parse(&raw.url())?;
        Ok(Self { url, method: raw.method(), headers: Headers(raw.headers()), raw })
    }

    /// A header's value (several fields joined with `, `, as `Headers.get` does).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }
}
