//! Filtered lists (`FILTER_LISTS`): the results of `tools/list`,
//! `prompts/list` and `resources/list` keep only the entries the caller may
//! use, judged by the whole policy for the call that would use them.
//!
//! Responses are matched to the list requests of the body by `id` (one that
//! matches no request of the body is judged by its shape); on a GET
//! stream (where responses appear only when a stream is resumed, MCP
//! Streamable HTTP §"Resumability"), by their shape: a result with a `tools`,
//! `prompts`, `resources` or `resourceTemplates` array. Only the entry arrays are rebuilt: every
//! other member and every kept entry are passed on byte for byte, in the
//! origin's order.

use std::sync::Arc;

use serde::de::IgnoredAny;
use serde_json::Value;

use crate::mcp::jsonrpc::{IdKey, RpcCall, TargetKind, folds_to};
use crate::mcp::policy::{AccessPolicy, Caller};
use crate::mcp::raw_json::{self, Member, Part};
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

/// The list methods, and what their entries are judged as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Tools,
    Prompts,
    Resources,
    /// `resources/templates/list`: templates judged as resource URIs.
    ResourceTemplates,
}

impl ListKind {
    const ALL: [Self; 4] = [Self::Tools, Self::Prompts, Self::Resources, Self::ResourceTemplates];

    fn of_method(method: &str) -> Option<Self> {
        match method {
            "tools/list" => Some(Self::Tools),
            "prompts/list" => Some(Self::Prompts),
            "resources/list" => Some(Self::Resources),
            "resources/templates/list" => Some(Self::ResourceTemplates),
            _ => None,
        }
    }

    /// The result member holding the entries.
    const fn member(self) -> &'static str {
        match self {
            Self::Tools => "tools",
            Self::Prompts => "prompts",
            Self::Resources => "resources",
            Self::ResourceTemplates => "resourceTemplates",
        }
    }

    /// The entry member naming what the call would use.
    const fn key(self) -> &'static str {
        match self {
            Self::Tools | Self::Prompts => "name",
            Self::Resources => "uri",
            Self::ResourceTemplates => "uriTemplate",
        }
    }

    /// What an entry names, for the policy.
    const fn target(self) -> TargetKind {
        match self {
            Self::Tools => TargetKind::Tool,
            Self::Prompts => TargetKind::Prompt,
            Self::Resources | Self::ResourceTemplates => TargetKind::Resource,
        }
    }

    /// The call that would use an entry (its `methods` rule applies too).
    pub(crate) const fn use_method(self) -> &'static str {
        match self {
            Self::Tools => "tools/call",
            Self::Prompts => "prompts/get",
            Self::Resources | Self::ResourceTemplates => "resources/read",
        }
    }
}

/// A response of a list request could not be read, so it cannot be
/// filtered; it must not be passed on either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable;

/// Which responses carry lists.
enum Responses {
    /// Those to the list requests of a POST body, by request id (as a
    /// JavaScript reader compares them). A response whose id matches no
    /// request of the body is judged by its shape.
    ById { lists: Vec<(IdKey, ListKind)>, others: Vec<IdKey> },
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
        let (mut lists, mut others) = (Vec::new(), Vec::new());
        for call in calls {
            let Some(id) = call.id.as_ref().and_then(IdKey::of) else { continue };
            match call.method.as_deref().and_then(ListKind::of_method) {
                Some(kind) => lists.push((id, kind)),
                None => others.push(id),
            }
        }
        let restricted = lists.iter().any(|(_, kind)| policy.restricts(kind.target()));
        restricted.then(|| Self {
            responses: Responses::ById { lists, others },
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
        let restricted = ListKind::ALL.iter().any(|kind| policy.restricts(kind.target()));
        (mode != FilterLists::Off && restricted).then(|| Self {
            responses: Responses::ByShape,
            policy: Arc::clone(policy),
            principal: Arc::clone(principal),
            mode,
        })
    }

    /// Whether the caller may see an entry naming `name`.
    pub fn keeps(&self, kind: ListKind, name: &str) -> bool {
        let caller = Caller::from(self.principal.as_ref());
        match self.policy.judge(kind.use_method(), Some((kind.target(), name)), caller) {
            Ok(missing) => missing.is_empty() || self.mode == FilterLists::StepUp,
            Err(_) => false,
        }
    }

    /// A JSON body: one message, or a batch of them. `Ok(None)`: nothing to
    /// change (the bytes pass as they are).
    pub fn filter_json(&self, body: &[u8]) -> Result<Option<Vec<u8>>, Unreadable> {
        let text = std::str::from_utf8(body).map_err(|_| Unreadable)?;
        match text.trim_start().as_bytes().first() {
            Some(b'[') => {
                let items = raw_json::array(text).ok_or(Unreadable)?;
                let mut filtered = Vec::with_capacity(items.len());
                for item in &items {
                    filtered.push(self.filter_message(item.get())?);
                }
                if filtered.iter().all(Option::is_none) {
                    return Ok(None);
                }
                let mut out = Vec::with_capacity(text.len());
                out.push(b'[');
                for (index, (item, filtered)) in items.iter().zip(filtered).enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    match filtered {
                        Some(bytes) => out.extend(bytes),
                        None => out.extend_from_slice(item.get().as_bytes()),
                    }
                }
                out.push(b']');
                Ok(Some(out))
            }
            Some(b'{') => self.filter_message(text),
            // Any other JSON is no response; what is not JSON cannot be checked.
            _ => match serde_json::from_str::<IgnoredAny>(text) {
                Ok(_) => Ok(None),
                Err(_) => Err(Unreadable),
            },
        }
    }

    /// One JSON-RPC message: the `result` of a response to one of our list
    /// requests (or, on a stream, any result shaped as a list) gets its
    /// entries filtered.
    fn filter_message(&self, text: &str) -> Result<Option<Vec<u8>>, Unreadable> {
        if !text.trim_start().starts_with('{') {
            return Ok(None);
        }
        let members = raw_json::object(text, &[]).ok_or(Unreadable)?;
        let kind = match &self.responses {
            Responses::ById { lists, others } => {
                let id = members.iter().rev().find(|(name, _)| name == "id").and_then(|(_, id)| match id {
                    Member::Raw(id) => {
                        serde_json::from_str::<Value>(id.get()).ok().as_ref().and_then(IdKey::of)
                    }
                    Member::List(_) => None,
                });
                match id {
                    Some(id) if others.contains(&id) => return Ok(None),
                    Some(id) => lists.iter().find(|(wanted, _)| *wanted == id).map(|(_, kind)| *kind),
                    // No id (or not one of ours): judged by its shape.
                    None => None,
                }
            }
            Responses::ByShape => None,
        };
        let mut results = Vec::new();
        for (name, value) in &members {
            if let (true, Member::Raw(result)) = (name == "result", value) {
                results.push(self.filter_result(kind, result.get())?);
            }
        }
        if results.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut results = results.into_iter();
        let mut out = Vec::with_capacity(text.len());
        raw_json::write_object(
            &mut out,
            members.iter().map(|(name, value)| {
                let text = match value {
                    Member::Raw(raw) => raw.get(),
                    Member::List(_) => "",
                };
                // Each `result` member in turn gets its filtered form, if any.
                let filtered = if name == "result" { results.next().flatten() } else { None };
                let part = filtered.map_or(Part::Text(text), Part::Bytes);
                (name.as_ref(), part)
            }),
        );
        Ok(Some(out))
    }

    /// A result's entries, filtered. `kind` is known for a response to one
    /// of our requests (and then a result that is not an object with arrays
    /// is an error); on a stream every `tools`, `prompts` or `resources`
    /// array is a list, and anything else is no list.
    fn filter_result(&self, kind: Option<ListKind>, text: &str) -> Result<Option<Vec<u8>>, Unreadable> {
        let kinds: &[ListKind] = match &kind {
            Some(kind) => std::slice::from_ref(kind),
            None => &ListKind::ALL,
        };
        let names: Vec<&str> = kinds.iter().map(|kind| kind.member()).collect();
        let Some(members) = raw_json::object(text, &names) else {
            return if kind.is_some() { Err(Unreadable) } else { Ok(None) };
        };
        if !members.iter().any(|(_, value)| matches!(value, Member::List(_))) {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(text.len());
        raw_json::write_object(
            &mut out,
            members.iter().map(|(name, value)| {
                let part = match value {
                    Member::Raw(raw) => Part::Text(raw.get()),
                    Member::List(entries) => {
                        let kind = kinds.iter().find(|kind| kind.member() == name).copied();
                        Part::Array(
                            entries
                                .iter()
                                .filter(|entry| kind.is_some_and(|kind| self.keeps_entry(kind, entry.get())))
                                .map(|entry| entry.get())
                                .collect(),
                        )
                    }
                };
                (name.as_ref(), part)
            }),
        );
        Ok(Some(out))
    }

    /// An entry is kept when it names exactly one target the caller may use
    /// (no second member a case-insensitive reader could take for its name).
    fn keeps_entry(&self, kind: ListKind, entry: &str) -> bool {
        raw_json::sole_string(entry, kind.key(), folds_to).is_some_and(|name| self.keeps(kind, &name))
    }
}

#[cfg(test)]
#[path = "list_filter_tests.rs"]
mod tests;
