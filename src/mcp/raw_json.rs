//! Reading JSON without building it: an object's members in document order
//! with their values left as text (`&RawValue`), keys borrowed unless
//! escaped. The list filter rewrites only what it must and passes the rest
//! on byte for byte, reading each byte as few times as it can.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A member's value: as it came, or (for the members asked for as lists)
/// an array's elements.
pub(crate) enum Member<'a> {
    Raw(&'a RawValue),
    List(Vec<&'a RawValue>),
}

/// An object's members, in order. `lists`: members whose value must be an
/// array, read as its elements in the same pass. `None`: not an object, not
/// JSON, or a listed member that is not an array.
pub(crate) fn object<'a>(text: &'a str, lists: &[&str]) -> Option<Vec<(Cow<'a, str>, Member<'a>)>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let members = deserializer.deserialize_map(ObjectVisitor { lists }).ok()?;
    deserializer.end().ok()?;
    Some(members)
}

/// An array's elements, or `None` when `text` is not a JSON array.
pub(crate) fn array(text: &str) -> Option<Vec<&RawValue>> {
    serde_json::from_str(text).ok()
}

/// The string value of the one member of object `text` named `name`; `None`
/// when there is none, it is not a string, or another member `folds` to the
/// same name (a case-insensitive reader could take that one instead).
pub(crate) fn sole_string(text: &str, name: &str, folds: fn(&str, &str) -> bool) -> Option<String> {
    let folded = name.to_ascii_lowercase();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.deserialize_map(SoleString { name, folded: &folded, folds }).ok().flatten()
}

/// Writes `{"key":value,...}` with each key escaped as JSON.
pub(crate) fn write_object<'m>(out: &mut Vec<u8>, members: impl IntoIterator<Item = (&'m str, Part<'m>)>) {
    out.push(b'{');
    for (index, (key, value)) in members.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        // Serialising a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        value.write(out);
    }
    out.push(b'}');
}

/// A value to write: text as it came, or elements to join into an array.
pub(crate) enum Part<'m> {
    Text(&'m str),
    Array(Vec<&'m str>),
    Bytes(Vec<u8>),
}

impl Part<'_> {
    fn write(self, out: &mut Vec<u8>) {
        match self {
            Self::Text(text) => out.extend_from_slice(text.as_bytes()),
            Self::Bytes(bytes) => out.extend(bytes),
            Self::Array(items) => {
                out.push(b'[');
                for (index, item) in items.into_iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(item.as_bytes());
                }
                out.push(b']');
            }
        }
    }
}

/// A key, borrowed from the text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct ObjectVisitor<'l> {
    lists: &'l [&'l str],
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = Vec<(Cow<'de, str>, Member<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            let value = if self.lists.contains(&key.as_ref()) {
                Member::List(map.next_value_seed(Elements)?)
            } else {
                Member::Raw(map.next_value()?)
            };
            members.push((key, value));
        }
        Ok(members)
    }
}

/// An array's elements, unparsed.
struct Elements;

impl<'de> DeserializeSeed<'de> for Elements {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

struct SoleString<'n> {
    name: &'n str,
    /// `name` in ASCII lower case, as `folds` compares.
    folded: &'n str,
    folds: fn(&str, &str) -> bool,
}

impl<'de> Visitor<'de> for SoleString<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut found, mut ambiguous) = (None, false);
        while let Some(Key(key)) = map.next_key()? {
            if !(self.folds)(&key, self.folded) {
                map.next_value::<IgnoredAny>()?;
            } else if key == self.name && found.is_none() && !ambiguous {
                // Not a string: an error, and the entry has no name.
                found = Some(map.next_value::<String>()?);
            } else {
                ambiguous = true;
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(if ambiguous { None } else { found })
    }
}
