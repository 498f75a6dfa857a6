//! JSON whose member names are unique where the gateway decides. RFC 8259 §4
//! says names SHOULD be unique and leaves duplicates to each parser: most
//! keep the last, some the first. `{"name":"purge","name":"list"}` is `list`
//! here and `purge` to a first-wins reader behind the gateway, so where a
//! member decides something, a repeated name is refused.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrictError {
    /// Not JSON.
    Syntax,
    /// An object within `depth` repeats a member name.
    Duplicate,
}

/// Parses `bytes` as JSON; objects nested up to `depth` deep (arrays do not
/// count) may not repeat a member name. Deeper values are read as they are.
pub(crate) fn parse(bytes: &[u8], depth: usize) -> Result<Value, StrictError> {
    let duplicate = Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Strict { depth, duplicate: &duplicate }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match value {
        Ok(value) => Ok(value),
        Err(_) if duplicate.get() => Err(StrictError::Duplicate),
        Err(_) => Err(StrictError::Syntax),
    }
}

#[derive(Clone, Copy)]
struct Strict<'d> {
    depth: usize,
    duplicate: &'d Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.depth == 0 { Value::deserialize(deserializer) } else { deserializer.deserialize_any(self) }
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = Strict { depth: self.depth.saturating_sub(1), ..self };
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(inner)?;
            if members.insert(name, value).is_some() {
                self.duplicate.set(true);
                return Err(de::Error::custom("a member name is repeated"));
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn repeated_names_are_refused_down_to_the_depth_given() {
        assert_eq!(parse(br#"{"a":1,"a":2}"#, 1), Err(StrictError::Duplicate));
        assert_eq!(parse(br#"[{"a":1},{"b":{"c":1,"c":2}}]"#, 2), Err(StrictError::Duplicate));
        // Escapes are decoded first: "n\u0061me" is "name".
        assert_eq!(parse(br#"{"name":1,"n\u0061me":2}"#, 1), Err(StrictError::Duplicate));
        assert_eq!(parse(br#"{"b":{"c":1,"c":2}}"#, 1), Ok(json!({"b":{"c":2}})), "deeper is not checked");
        assert_eq!(
            parse(br#"{"a":[1,{"x":true}],"b":null,"c":-1.5,"d":"s"}"#, 3),
            Ok(json!({"a":[1,{"x":true}],"b":null,"c":-1.5,"d":"s"}))
        );
        assert_eq!(parse(b"{", 1), Err(StrictError::Syntax));
        assert_eq!(parse(b"{} x", 1), Err(StrictError::Syntax));
    }
}
