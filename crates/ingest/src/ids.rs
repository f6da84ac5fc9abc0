//! Run-wide unique document ids.

use std::collections::HashMap;

/// Hands out ids that are unique within a run: the first claim of an id gets
/// it unchanged, later claims get `id#2`, `id#3`, ... (the first free one,
/// in claim order, so the outcome is deterministic).
#[derive(Debug, Default)]
pub(crate) struct IdRegistry {
    /// Every id handed out, with the next suffix to try when it is claimed
    /// again.
    taken: HashMap<Box<str>, u32>,
}

impl IdRegistry {
    /// Returns `id`, or `id#N` with the smallest free `N >= 2` when `id` is
    /// taken, and marks the result as taken.
    pub(crate) fn claim(&mut self, id: String) -> String {
        let Some(next) = self.taken.get(id.as_str()).copied() else {
            self.taken.insert(id.as_str().into(), 2);
            return id;
        };
        let mut n = next;
        loop {
            let candidate = format!("{id}#{n}");
            n += 1;
            if !self.taken.contains_key(candidate.as_str()) {
                self.taken.insert(candidate.as_str().into(), 2);
                if let Some(slot) = self.taken.get_mut(id.as_str()) {
                    *slot = n;
                }
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_get_numbered_suffixes() {
        let mut ids = IdRegistry::default();
        assert_eq!(ids.claim("a".into()), "a");
        assert_eq!(ids.claim("a".into()), "a#2");
        assert_eq!(ids.claim("a#3".into()), "a#3");
        assert_eq!(ids.claim("a".into()), "a#4");
        assert_eq!(ids.claim("a#2".into()), "a#2#2");
        assert_eq!(ids.claim("b".into()), "b");
        assert_eq!(ids.claim("b".into()), "b#2");
    }
}
