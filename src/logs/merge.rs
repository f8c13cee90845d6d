//! K-way merge of per-container line sequences by timestamp.
//!
//! Only the head of each source is compared, so every source keeps its own order even when
//! its timestamps go backwards; equal timestamps come out in source order (stable).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::Timestamp;

/// Merges `sources` by `key`, yielding `(source index, item)`. Items without a key sort
/// before every timestamp.
pub struct Merge<I: Iterator, K> {
    sources: Vec<I>,
    heads: Vec<Option<I::Item>>,
    heap: BinaryHeap<Reverse<(Option<Timestamp>, usize)>>,
    key: K,
}

impl<I, K> Merge<I, K>
where
    I: Iterator,
    K: Fn(&I::Item) -> Option<Timestamp>,
{
    pub fn new(sources: Vec<I>, key: K) -> Self {
        let mut merge = Merge {
            heads: sources.iter().map(|_| None).collect(),
            heap: BinaryHeap::with_capacity(sources.len()),
            sources,
            key,
        };
        for index in 0..merge.sources.len() {
            merge.advance(index);
        }
        merge
    }

    /// Pulls the next item of source `index` into the heap.
    fn advance(&mut self, index: usize) {
        if let Some(item) = self.sources[index].next() {
            self.heap.push(Reverse(((self.key)(&item), index)));
            self.heads[index] = Some(item);
        }
    }
}

impl<I, K> Iterator for Merge<I, K>
where
    I: Iterator,
    K: Fn(&I::Item) -> Option<Timestamp>,
{
    type Item = (usize, I::Item);

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((_, index)) = self.heap.pop()?;
        let item = self.heads[index].take()?;
        self.advance(index);
        Some((index, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(second: u32) -> Option<Timestamp> {
        format!("2026-11-23T10:00:{second:02}Z").parse().ok()
    }

    fn merged(sources: Vec<Vec<(Option<Timestamp>, &'static str)>>) -> Vec<(usize, &'static str)> {
        let iters = sources.into_iter().map(Vec::into_iter).collect();
        Merge::new(iters, |item: &(Option<Timestamp>, &str)| item.0)
            .map(|(i, (_, text))| (i, text))
            .collect()
    }

    #[test]
    fn interleaves_by_timestamp() {
        let got = merged(vec![
            vec![(t(1), "a1"), (t(4), "a4")],
            vec![(t(2), "b2"), (t(3), "b3"), (t(6), "b6")],
            vec![(t(0), "c0"), (t(5), "c5")],
        ]);
        assert_eq!(
            got,
            [
                (2, "c0"),
                (0, "a1"),
                (1, "b2"),
                (1, "b3"),
                (0, "a4"),
                (2, "c5"),
                (1, "b6")
            ]
        );
    }

    #[test]
    fn equal_timestamps_keep_source_order_and_sources_keep_their_order() {
        let got = merged(vec![
            vec![(t(1), "a-first"), (t(1), "a-second")],
            vec![(t(1), "b")],
            // Goes backwards: still printed in its own order.
            vec![(t(3), "c3"), (t(0), "c0")],
        ]);
        assert_eq!(
            got,
            [
                (0, "a-first"),
                (0, "a-second"),
                (1, "b"),
                (2, "c3"),
                (2, "c0")
            ]
        );
    }

    #[test]
    fn untimed_items_first_and_empty_sources() {
        let got = merged(vec![vec![], vec![(t(1), "b")], vec![(None, "c")]]);
        assert_eq!(got, [(2, "c"), (1, "b")]);
        assert!(merged(vec![]).is_empty());
    }
}
