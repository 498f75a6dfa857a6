//! Filtered lists (`FILTER_LISTS`): the results of `tools/list`,
//! `prompts/list` and `resources/list` keep only the entries the caller may
//! use, judged by the whole policy for the call that would use them.
//!
//! Responses are matched to the list requests of the body by `id`; on a GET
//! stream (where responses appear only when a stream is resumed, MCP
//! Streamable HTTP §"Resumability"), by their shape: a result with a `tools`,
//! `prompts` or `resources` array. Only the entry arrays are rebuilt: every
//! other member and every kept entry are passed on byte for byte, in the
//! origin's order.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::mcp::jsonrpc::{RpcCall, folds_to};
use crate::mcp::policy::{AccessPolicy, Caller};
use crate::verify::principal::Principal;

/// `FILTER_LISTS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterLists {
    /// `true`: only what the token may use now.
    #[default]
    Usable,
    /// `step-up`: also what more scopes would unlock (so a client can find
    /// a tool it needs a step-up for); hidden is only what no scope unlocks.
    StepUp,
    /// `false`: lists pass untouched.
    Off,
}

impl FilterLists {
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(Self::Usable),
            "step-up" => Some(Self::StepUp),
            "false" | "0" | "no" => Some(Self::Off),
            _ => None,
        }
    }
}

/// The three list methods, and what their entries are judged as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Tools,
    Prompts,
    Resources,
}

impl ListKind {
    fn of_method(method: &str) -> Option<Self> {
        match method {
            "tools/list" => Some(Self::Tools),
            "prompts/list" => Some(Self::Prompts),
            "resources/list" => Some(Self::Resources),
            _ => None,
        }
    }

    /// The result member holding the entries.
    const fn member(self) -> &'static str {
        match self {
            Self::Tools => "tools",
            Self::Prompts => "prompts",
            Self::Resources => "resources",
        }
    }

    /// The entry member naming what the call would use.
    const fn key(self) -> &'static str {
        match self {
            Self::Tools | Self::Prompts => "name",
            Self::Resources => "uri",
        }
    }

    /// The call that would use an entry.
    pub(crate) const fn use_method(self) -> &'static str {
        match self {
            Self::Tools => "tools/call",
            Self::Prompts => "prompts/get",
            Self::Resources => "resources/read",
        }
    }
}

/// A response of a list request could not be read, so it cannot be
/// filtered; it must not be passed on either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable;

/// Which responses carry lists.
enum Responses {
    /// Those to the list requests of a POST body, by request id.
    ById(Vec<(Value, ListKind)>),
    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    /// Any whose result holds a list (a resumed GET stream replays responses
    /// to requests the gateway did not see in this request).
    ByShape,
}

/// The filter for one request's responses.
pub struct ListFilter {
    responses: Responses,
    policy: Arc<AccessPolicy>,
    principal: Arc<Principal>,
    mode: FilterLists,
}

impl ListFilter {
    /// `None` when none of `calls` is a list request the policy could shorten.
    pub fn new(
        calls: &[RpcCall],
        policy: &Arc<AccessPolicy>,
        principal: &Arc<Principal>,
        mode: FilterLists,
    ) -> Option<Self> {
        if mode == FilterLists::Off {
            return None;
        }
        let requests: Vec<(Value, ListKind)> = calls
            .iter()
            .filter_map(|call| {
                let kind = ListKind::of_method(call.method.as_deref()?)?;
                Some((call.id.clone()?, kind)).filter(|_| policy.restricts(kind.use_method()))
            })
            .collect();
        (!requests.is_empty()).then(|| Self {
            responses: Responses::ById(requests),
            policy: Arc::clone(policy),
            principal: Arc::clone(principal),
            mode,
        })
    }

    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    /// For a GET stream; `None` when the policy could shorten no list.
    pub fn for_stream(
        policy: &Arc<AccessPolicy>,
        principal: &Arc<Principal>,
        mode: FilterLists,
    ) -> Option<Self> {
        let kinds = [ListKind::Tools, ListKind::Prompts, ListKind::Resources];
        (mode != FilterLists::Off && kinds.iter().any(|kind| policy.restricts(kind.use_method()))).then(
            || Self {
                responses: Responses::ByShape,
                policy: Arc::clone(policy),
                principal: Arc::clone(principal),
                mode,
            },
        )
    }

    /// Whether the caller may see an entry naming `name`.
    pub fn keeps(&self, kind: ListKind, name: &str) -> bool {
        let caller = Caller::from(self.principal.as_ref());
        match self.policy.judge(kind.use_method(), Some(name), caller) {
            Ok(missing) => missing.is_empty() || self.mode == FilterLists::StepUp,
            Err(_) => false,
        }
    }

    /// A JSON body: one message, or a batch of them. `Ok(None)`: nothing to
    /// change (the bytes pass as they are).
    pub fn filter_json(&self, body: &[u8]) -> Result<Option<Vec<u8>>, Unreadable> {
        let raw: &RawValue = serde_json::from_slice(body).map_err(|_| Unreadable)?;
        self.filter_value(raw)
    }

    fn filter_value(&self, raw: &RawValue) -> Result<Option<Vec<u8>>, Unreadable> {
        let text = raw.get().trim_start();
        if text.starts_with('[') {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|_| Unreadable)?;
            let mut changed = false;
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match self.filter_message(item)? {
                    Some(bytes) => {
                        changed = true;
                        parts.push(bytes);
                    }
                    None => parts.push(item.get().as_bytes().to_vec()),
                }
            }
            return Ok(changed.then(|| join(b'[', parts, b']')));
        }
        self.filter_message(raw)
    }

    /// One JSON-RPC message: the `result` of a response to one of our list
    /// requests gets its entries filtered.
    fn filter_message(&self, raw: &RawValue) -> Result<Option<Vec<u8>>, Unreadable> {
        let Ok(Members(members)) = serde_json::from_str::<Members>(raw.get()) else { return Ok(None) };
        let kind = match &self.responses {
            Responses::ById(requests) => {
                let id = members.iter().rev().find(|(name, _)| name == "id");
                let kind = id.and_then(|(_, id)| {
                    let id: Value = serde_json::from_str(id.get()).ok()?;
                    requests.iter().find(|(wanted, _)| *wanted == id).map(|(_, kind)| *kind)
                });
                let Some(kind) = kind else { return Ok(None) };
                Some(kind)
            }
            Responses::ByShape => None,
        };
        let mut changed = false;
        let mut rebuilt = Vec::with_capacity(members.len());
        for (name, value) in &members {
            let bytes = if name == "result" { self.filter_result(kind, value)? } else { None };
            changed |= bytes.is_some();
            rebuilt.push((name.as_str(), bytes.unwrap_or_else(|| value.get().as_bytes().to_vec())));
        }
        Ok(changed.then(|| object(rebuilt)))
    }

    /// A result's entries, filtered. `kind` is known for a response to one
    /// of our requests (and then an unreadable result is an error); on a
    /// stream it is read from the shape, and anything else is no list.
    fn filter_result(&self, kind: Option<ListKind>, raw: &RawValue) -> Result<Option<Vec<u8>>, Unreadable> {
        let known = kind.is_some();
        let Ok(Members(members)) = serde_json::from_str::<Members>(raw.get()) else {
            return if known { Err(Unreadable) } else { Ok(None) };
        };
        let kinds = [ListKind::Tools, ListKind::Prompts, ListKind::Resources];
        let shaped = || kinds.into_iter().find(|kind| members.iter().any(|(name, _)| name == kind.member()));
        let Some(kind) = kind.or_else(shaped) else { return Ok(None) };
        let mut rebuilt = Vec::with_capacity(members.len());
        for (name, value) in &members {
            let bytes = if name == kind.member() {
                let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(value.get()) else {
                    return if known { Err(Unreadable) } else { Ok(None) };
                };
                let kept = entries
                    .into_iter()
                    .filter(|entry| entry_name(kind, entry).is_some_and(|name| self.keeps(kind, &name)))
                    .map(|entry| entry.get().as_bytes().to_vec())
                    .collect();
                join(b'[', kept, b']')
            } else {
                value.get().as_bytes().to_vec()
            };
            rebuilt.push((name.as_str(), bytes));
        }
        Ok(Some(object(rebuilt)))
    }
}

/// An entry's name or URI; `None` (so the entry is dropped) when it has
/// none, or more than one member that a case-insensitive reader could take
/// for it.
fn entry_name(kind: ListKind, entry: &RawValue) -> Option<String> {
    let Members(members) = serde_json::from_str(entry.get()).ok()?;
    let mut candidates = members.iter().filter(|(name, _)| folds_to(name, kind.key()));
    let (name, value) = candidates.next()?;
    if candidates.next().is_some() || name != kind.key() {
        return None;
    }
    serde_json::from_str(value.get()).ok()
}

/// An object's members in document order, values unparsed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ordered<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Ordered<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Ordered(std::marker::PhantomData))
    }
}

fn object(members: Vec<(&str, Vec<u8>)>) -> Vec<u8> {
    let parts = members
        .into_iter()
        .map(|(name, value)| {
            // A String always serializes.
            let mut part = serde_json::to_vec(name).unwrap_or_default();
            part.push(b':');
            part.extend(value);
            part
        })
        .collect();
    join(b'{', parts, b'}')
}

fn join(open: u8, parts: Vec<Vec<u8>>, close: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|part| part.len() + 1).sum::<usize>() + 2);
    out.push(open);
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend(part);
    }
    out.push(close);
    out
}

#[cfg(test)]
#[path = "list_filter_tests.rs"]
mod tests;
