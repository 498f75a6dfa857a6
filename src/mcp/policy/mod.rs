//! The authorization policy for everything an MCP request can ask for
//! (`POLICY`, or its shorthand `TOOL_SCOPES`): tools, resources, prompts and
//! JSON-RPC methods, each by pattern ([`pattern`]) → rule ([`rule`]).
//!
//! A section that is present denies what it does not match; an absent one
//! lets any valid token through. A call is judged by the rule of its method
//! (the `methods` section) and by the rule of its target (`tools/call` →
//! `tools`, `resources/read|subscribe|unsubscribe` → `resources`,
//! `prompts/get` → `prompts`, `completion/complete` → the section of its
//! `ref`). List results are filtered by the same
//! judgement ([`crate::mcp::list_filter`]).

pub(crate) mod error;
pub(crate) mod pattern;
pub(crate) mod rule;

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use self::error::PolicyError;
use self::pattern::Patterns;
use self::rule::{Refusal, Rule, Verdict};
use crate::mcp::jsonrpc::{RpcCall, TargetKind};
use crate::verify::principal::Principal;
use crate::verify::scope::ScopeSet;

/// The parsed policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessPolicy {
    tools: Option<Patterns<Rule>>,
    resources: Option<Patterns<Rule>>,
    prompts: Option<Patterns<Rule>>,
    methods: Option<Patterns<Rule>>,
}

/// What the caller presents to the policy: granted scopes and verified claims.
#[derive(Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub scopes: &'a ScopeSet,
    pub claims: &'a Map<String, Value>,
}

impl<'a> From<&'a Principal> for Caller<'a> {
    fn from(principal: &'a Principal) -> Self {
        Self { scopes: &principal.scopes, claims: &principal.claims }
    }
}

/// The policy's answer for a request (one message or a whole batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Allowed,
    /// 403 `insufficient_scope`: every scope the request lacks, in order, once.
    InsufficientScope(Vec<String>),
    /// 403 `access_denied`: no scope would help.
    Denied(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Tools,
    Resources,
    Prompts,
    Methods,
}

impl Section {
    const ALL: [Self; 4] = [Self::Tools, Self::Resources, Self::Prompts, Self::Methods];

    const fn name(self) -> &'static str {
        match self {
            Self::Tools => "tools",
            Self::Resources => "resources",
            Self::Prompts => "prompts",
            Self::Methods => "methods",
        }
    }

    const fn of(kind: TargetKind) -> Self {
        match kind {
            TargetKind::Tool => Self::Tools,
            TargetKind::Resource => Self::Resources,
            TargetKind::Prompt => Self::Prompts,
        }
    }
}

impl AccessPolicy {
    /// Parses `POLICY`: `{"tools": {...}, "resources": {...}, "prompts": {...}, "methods": {...}}`.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let Value::Object(sections) = parse_json(json)? else { return Err(PolicyError::NotAnObject) };
        let mut policy = Self::default();
        for (name, value) in sections {
            let section = Section::ALL
                .into_iter()
                .find(|section| section.name() == name)
                .ok_or(PolicyError::UnknownSection(name))?;
            *policy.section_mut(section) = Some(parse_section(section, value)?);
        }
        Ok(policy)
    }

    /// Parses `TOOL_SCOPES`, the shorthand for `{"tools": TOOL_SCOPES}`.
    pub fn from_tool_scopes(json: &str) -> Result<Self, PolicyError> {
        let value = parse_json(json)?;
        if !value.is_object() {
            return Err(PolicyError::NotAnObject);
        }
        Ok(Self { tools: Some(parse_section(Section::Tools, value)?), ..Self::default() })
    }

    /// The decision for a request: each message judged, one refusal refuses
    /// the whole batch, and the missing scopes of all are asked for at once
    /// (one step-up fixes the request).
    pub(crate) fn authorize(&self, calls: &[RpcCall], caller: Caller<'_>) -> Decision {
        let mut missing: Vec<&str> = Vec::new();
        for call in calls {
            // Responses (a client answering the server) call nothing.
            let Some(method) = call.method.as_deref() else { continue };
            let target = call.target_kind.zip(call.target.as_deref());
            match self.judge(method, target, caller) {
                Ok(scopes) => {
                    for scope in scopes {
                        if !missing.contains(&scope) {
                            missing.push(scope);
                        }
                    }
                }
                Err(refusal) => return Decision::Denied(refusal),
            }
        }
        if missing.is_empty() {
            Decision::Allowed
        } else {
            Decision::InsufficientScope(missing.into_iter().map(str::to_owned).collect())
        }
    }

    /// One call: `Ok(missing scopes)` (empty when allowed), or why no scope would do.
    pub(crate) fn judge<'p>(
        &'p self,
        method: &str,
        target: Option<(TargetKind, &str)>,
        caller: Caller<'_>,
    ) -> Result<Vec<&'p str>, Refusal> {
        let mut missing = Vec::new();
        let mut apply = |patterns: &'p Patterns<Rule>, name: &str| -> Result<(), Refusal> {
            let rule = patterns.lookup(name).ok_or(Refusal::Unmatched)?;
            match rule.judge(caller.scopes, caller.claims) {
                Verdict::Allowed => Ok(()),
                Verdict::Missing(scopes) => {
                    missing.extend(scopes);
                    Ok(())
                }
                Verdict::Refused(refusal) => Err(refusal),
            }
        };
        if let Some(methods) = &self.methods {
            apply(methods, method)?;
        }
        // The JSON-RPC inspection refuses targeted methods without their target.
        if let Some((kind, name)) = target {
            if let Some(section) = self.section(Section::of(kind)) {
                apply(section, name)?;
            }
        }
        Ok(missing)
    }

    /// Whether any call on a `kind` target could be refused: when not,
    /// lists of such targets need no filtering.
    pub(crate) fn restricts(&self, kind: TargetKind) -> bool {
        self.methods.is_some() || self.section(Section::of(kind)).is_some()
    }

    /// Every scope the policy names, sorted: the default `scopes_supported`.
    pub fn scopes(&self) -> Vec<String> {
        let all: BTreeSet<&String> = Section::ALL
            .into_iter()
            .filter_map(|section| self.section(section))
            .flat_map(Patterns::values)
            .flat_map(Rule::scopes)
            .collect();
        all.into_iter().cloned().collect()
    }

    /// The scopes of the `tools` rule for `name`; `None` when the rule is
    /// `false` or nothing matches (claim conditions are not considered).
    pub fn required_for_tool(&self, name: &str) -> Option<&[String]> {
        let Some(tools) = &self.tools else { return Some(&[]) };
        match tools.lookup(name)? {
            Rule::Nobody => None,
            rule => Some(rule.scopes()),
        }
    }

    fn section(&self, section: Section) -> Option<&Patterns<Rule>> {
        match section {
            Section::Tools => self.tools.as_ref(),
            Section::Resources => self.resources.as_ref(),
            Section::Prompts => self.prompts.as_ref(),
            Section::Methods => self.methods.as_ref(),
        }
    }

    fn section_mut(&mut self, section: Section) -> &mut Option<Patterns<Rule>> {
        match section {
            Section::Tools => &mut self.tools,
            Section::Resources => &mut self.resources,
            Section::Prompts => &mut self.prompts,
            Section::Methods => &mut self.methods,
        }
    }
}

fn parse_json(json: &str) -> Result<Value, PolicyError> {
    serde_json::from_str(json).map_err(|err| PolicyError::NotJson(err.to_string()))
}

fn parse_section(section: Section, value: Value) -> Result<Patterns<Rule>, PolicyError> {
    let Value::Object(entries) = value else { return Err(PolicyError::SectionNotAnObject(section.name())) };
    let rules = entries
        .into_iter()
        .map(|(pattern, rule)| match Rule::parse(rule) {
            Ok(rule) => Ok((pattern, rule)),
            Err(error) => Err(PolicyError::Rule { section: section.name(), pattern, error }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Patterns::new(rules).map_err(|(pattern, _)| PolicyError::InnerStar { section: section.name(), pattern })
}

#[cfg(test)]
mod tests;
