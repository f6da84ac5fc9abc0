//! Run-wide unique document ids.

use std::collections::HashMap;

use crate::inputs::Plan;

/// Hands out ids that are unique within a run: the first claim of an id gets
/// it unchanged, later claims get `id#2`, `id#3`, ... (the first free one,
/// in claim order, so the outcome is deterministic).
#[derive(Debug, Default)]
pub(crate) struct IdRegistry {
    /// Inputs whose ids count as taken from the start (looked up in the
    /// plan, not copied).
    files: Plan,
    /// Every id handed out, and every file id claimed again, with the next
    /// suffix to try when it is claimed again.
    taken: HashMap<Box<str>, u32>,
}

impl IdRegistry {
    /// A registry in which the ids of `files` are taken.
    pub(crate) fn with_files(files: Plan) -> IdRegistry {
        IdRegistry {
            files,
            taken: HashMap::new(),
        }
    }

    fn is_taken(&self, id: &str) -> bool {
        self.taken.contains_key(id) || self.files.has_id(id)
    }

    /// Returns `id`, or `id#N` with the smallest free `N >= 2` when `id` is
    /// taken, and marks the result as taken.
    pub(crate) fn claim(&mut self, id: String) -> String {
        let next = match self.taken.get(id.as_str()) {
            Some(&next) => next,
            None if self.files.has_id(&id) => 2,
            None => {
                self.taken.insert(id.as_str().into(), 2);
                return id;
            }
        };
        let mut n = next;
        loop {
            let candidate = format!("{id}#{n}");
            n += 1;
            if !self.is_taken(&candidate) {
                self.taken.insert(candidate.as_str().into(), 2);
                self.taken.insert(id.into(), n);
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

    #[test]
    fn the_ids_of_the_files_are_taken_from_the_start() {
        use crate::format::{Compression, Format};
        use crate::plan::{InputFile, Status};
        let files: Plan = ["x", "x#2", "y"]
            .into_iter()
            .map(|id| InputFile {
                path: format!("/d/{id}.txt").into(),
                rel_path: format!("{id}.txt"),
                doc_id: id.to_string(),
                format: Format::Text,
                compression: Compression::None,
                status: Status::File { size: 1 },
            })
            .collect();
        let mut ids = IdRegistry::with_files(files.slice(0..2));
        assert_eq!(ids.claim("x".into()), "x#3");
        assert_eq!(ids.claim("x".into()), "x#4");
        assert_eq!(ids.claim("x#2".into()), "x#2#2");
        // `y` is in the plan but not in the slice.
        assert_eq!(ids.claim("y".into()), "y");
        assert_eq!(ids.claim("y".into()), "y#2");
    }
}
