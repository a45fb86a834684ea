//! In-order offset commits with out-of-order completion: messages of a partition are analysed
//! concurrently, but the committed position only moves past an offset once it and every offset
//! before it are done, so a crash never skips an unfinished alert.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct InOrder {
    /// Per (topic, partition): offset -> done.
    pending: HashMap<(String, i32), BTreeMap<i64, bool>>,
}

impl InOrder {
    pub fn started(&mut self, topic: &str, partition: i32, offset: i64) {
        self.pending.entry((topic.to_owned(), partition)).or_default().insert(offset, false);
    }

    /// Marks `offset` done; returns the next offset to commit for that partition if the
    /// committable position moved.
    pub fn finished(&mut self, topic: &str, partition: i32, offset: i64) -> Option<i64> {
        let queue = self.pending.get_mut(&(topic.to_owned(), partition))?;
        if let Some(done) = queue.get_mut(&offset) {
            *done = true;
        }
        let mut next = None;
        while let Some((&first, &done)) = queue.first_key_value() {
            if !done {
                break;
            }
            queue.remove(&first);
            next = Some(first + 1);
        }
        next
    }

    pub fn in_flight(&self) -> usize {
        self.pending.values().map(|q| q.values().filter(|d| !**d).count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_only_past_a_contiguous_done_prefix() {
        let mut t = InOrder::default();
        for o in [5, 6, 7] {
            t.started("a", 0, o);
        }
        assert_eq!(t.finished("a", 0, 6), None);
        assert_eq!(t.finished("a", 0, 5), Some(7));
        assert_eq!(t.in_flight(), 1);
        assert_eq!(t.finished("a", 0, 7), Some(8));
        assert_eq!(t.finished("a", 1, 1), None);
    }
}
