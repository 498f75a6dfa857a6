//! The pattern half of a policy section: an exact name, a prefix ending in
//! `*`, or `"*"` alone (the section's default). The most specific pattern
//! wins: exact, then the longest prefix, then `"*"` (which is the empty prefix).

/// One section's patterns → values, ready for look-ups.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Patterns<T> {
    exact: Vec<(String, T)>,
    /// Longest first, so the first match is the most specific.
    prefixes: Vec<(String, T)>,
}

/// Why a pattern is refused: a `*` anywhere but at the end would read as a
/// glob to the operator and as a literal to the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InnerStar;

impl<T> Patterns<T> {
    pub(crate) fn new(entries: Vec<(String, T)>) -> Result<Self, (String, InnerStar)> {
        let (mut exact, mut prefixes) = (Vec::new(), Vec::new());
        for (pattern, value) in entries {
            match pattern.strip_suffix('*') {
                Some(prefix) if prefix.contains('*') => return Err((pattern, InnerStar)),
                Some(prefix) => prefixes.push((prefix.to_owned(), value)),
                None if pattern.contains('*') => return Err((pattern, InnerStar)),
                None => exact.push((pattern, value)),
            }
        }
        prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        Ok(Self { exact, prefixes })
    }

    /// The value of the most specific pattern matching `name`, if any.
    pub(crate) fn lookup(&self, name: &str) -> Option<&T> {
        self.exact
            .iter()
            .find(|(exact, _)| exact == name)
            .or_else(|| self.prefixes.iter().find(|(prefix, _)| name.starts_with(prefix.as_str())))
            .map(|(_, value)| value)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.exact.iter().chain(&self.prefixes).map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Patterns<String> {
        Patterns::new(list.iter().map(|p| ((*p).to_owned(), (*p).to_owned())).collect()).expect("valid")
    }

    #[test]
    fn exact_beats_the_longest_prefix_which_beats_the_default() {
        let table = patterns(&["*", "todo_*", "todo_admin_*", "todo_admin_purge"]);
        let found = |name: &str| table.lookup(name).map(String::as_str);
        assert_eq!(found("todo_admin_purge"), Some("todo_admin_purge"));
        assert_eq!(found("todo_admin_list"), Some("todo_admin_*"));
        assert_eq!(found("todo_list"), Some("todo_*"));
        assert_eq!(found("other"), Some("*"));
        // The order of the document does not matter.
        let reversed = patterns(&["todo_admin_purge", "todo_admin_*", "todo_*", "*"]);
        assert_eq!(reversed.lookup("todo_admin_x").map(String::as_str), Some("todo_admin_*"));
    }

    #[test]
    fn without_a_default_unmatched_names_find_nothing() {
        let table = patterns(&["a", "b*"]);
        assert!(table.lookup("c").is_none());
        assert!(table.lookup("A").is_none(), "names are case-sensitive");
        assert!(table.lookup("").is_none());
        assert_eq!(table.lookup("b").map(String::as_str), Some("b*"), "a prefix matches itself");
    }

    #[test]
    fn a_star_inside_a_pattern_is_refused() {
        for bad in ["a*b", "**", "*a", "a**"] {
            assert!(Patterns::new(vec![(bad.to_owned(), ())]).is_err(), "{bad}");
        }
    }
}
