//! K-way merge of per-container logs by timestamp, fed chunk by chunk.
//!
//! Only the head of each source is compared, so every source keeps its own order even when
//! its timestamps go backwards; equal timestamps come out in source order (stable). A source
//! hands its lines over in chunks ([`Lines`]): when the last line of a chunk is taken the
//! merge cannot know what comes next until that source's next chunk (or its end) is known,
//! which is what lets the caller print while the logs are still arriving.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::Timestamp;

use super::lines::Lines;

/// The merge state: each source's current chunk and the heap of their heads.
pub struct Merge {
    chunks: Vec<Lines>,
    /// Index of each source's head in its chunk.
    heads: Vec<usize>,
    /// `(time, source)` of every head; lines without a time sort first.
    heap: BinaryHeap<Reverse<(Option<Timestamp>, usize)>>,
}

/// One line taken by [`Merge::pop`].
#[derive(Debug, PartialEq, Eq)]
pub struct Popped<'a> {
    pub source: usize,
    pub time: Option<Timestamp>,
    pub message: &'a str,
    /// It was the last line of its source's chunk: the source must be given its next chunk
    /// ([`Merge::refill`]) or be known to have ended before the next pop.
    pub used_up: bool,
}

impl Merge {
    /// A merge of `sources` sources, each without a chunk yet.
    pub fn new(sources: usize) -> Self {
        Merge {
            chunks: vec![Lines::new(); sources],
            heads: vec![0; sources],
            heap: BinaryHeap::with_capacity(sources),
        }
    }

    /// Gives source `index` its next chunk, once the previous one is used up. An empty chunk
    /// changes nothing.
    pub fn refill(&mut self, index: usize, chunk: Lines) {
        debug_assert!(self.heads[index] >= self.chunks[index].len());
        if chunk.is_empty() {
            return;
        }
        self.heap.push(Reverse((chunk.get(0).0, index)));
        self.chunks[index] = chunk;
        self.heads[index] = 0;
    }

    /// The chunk source `index` has (or had last): what the caller remembers of it once used up.
    pub fn chunk(&self, index: usize) -> &Lines {
        &self.chunks[index]
    }

    /// Takes the earliest head; `None` when no source has a line left.
    pub fn pop(&mut self) -> Option<Popped<'_>> {
        let Reverse((time, source)) = self.heap.pop()?;
        let head = self.heads[source];
        self.heads[source] += 1;
        let chunk = &self.chunks[source];
        let used_up = head + 1 >= chunk.len();
        if !used_up {
            self.heap.push(Reverse((chunk.get(head + 1).0, source)));
        }
        Some(Popped {
            source,
            time,
            message: chunk.get(head).1,
            used_up,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(second: u32) -> Option<Timestamp> {
        format!("2026-11-23T10:00:{second:02}Z").parse().ok()
    }

    type Item = (Option<Timestamp>, &'static str);

    /// Merges `sources` handed over in chunks of `size` lines, refilling a source as soon as
    /// its chunk is used up, as the streaming caller does.
    fn merged_in_chunks(sources: &[Vec<Item>], size: usize) -> Vec<(usize, String)> {
        let mut chunks: Vec<std::vec::IntoIter<Lines>> = sources
            .iter()
            .map(|items| {
                items
                    .chunks(size)
                    .map(|chunk| {
                        let mut lines = Lines::new();
                        for (time, text) in chunk {
                            lines.push(*time, text);
                        }
                        lines
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
            })
            .collect();
        let mut merge = Merge::new(sources.len());
        for (index, source) in chunks.iter_mut().enumerate() {
            merge.refill(index, source.next().unwrap_or_default());
        }
        let mut out = Vec::new();
        while let Some(popped) = merge.pop() {
            out.push((popped.source, popped.message.to_string()));
            if popped.used_up {
                let source = popped.source;
                merge.refill(source, chunks[source].next().unwrap_or_default());
            }
        }
        out
    }

    /// The merge of `sources`, which must not depend on how they are cut into chunks.
    fn merged(sources: Vec<Vec<Item>>) -> Vec<(usize, String)> {
        let whole = merged_in_chunks(&sources, usize::MAX);
        for size in 1..=3 {
            assert_eq!(merged_in_chunks(&sources, size), whole, "chunks of {size}");
        }
        whole
    }

    fn owned(items: &[(usize, &str)]) -> Vec<(usize, String)> {
        items.iter().map(|(i, s)| (*i, s.to_string())).collect()
    }

    #[test]
    fn interleaves_by_timestamp() {
        let got = merged(vec![
            vec![(t(1), "a1"), (t(4), "a4")],
            vec![(t(2), "b2"), (t(3), "b3"), (t(6), "b6")],
            vec![(t(0), "c0"), (t(5), "c5")],
        ]);
        let expected = [
            (2, "c0"),
            (0, "a1"),
            (1, "b2"),
            (1, "b3"),
            (0, "a4"),
            (2, "c5"),
            (1, "b6"),
        ];
        assert_eq!(got, owned(&expected));
    }

    #[test]
    fn equal_timestamps_keep_source_order_and_sources_keep_their_order() {
        let got = merged(vec![
            vec![(t(1), "a-first"), (t(1), "a-second")],
            vec![(t(1), "b")],
            // Goes backwards: still printed in its own order.
            vec![(t(3), "c3"), (t(0), "c0")],
        ]);
        let expected = [
            (0, "a-first"),
            (0, "a-second"),
            (1, "b"),
            (2, "c3"),
            (2, "c0"),
        ];
        assert_eq!(got, owned(&expected));
    }

    #[test]
    fn untimed_items_first_and_empty_sources() {
        let got = merged(vec![vec![], vec![(t(1), "b")], vec![(None, "c")]]);
        assert_eq!(got, owned(&[(2, "c"), (1, "b")]));
        assert!(merged(vec![]).is_empty());
    }

    /// Nothing is taken past a used-up chunk: the next pop would need that source's next line.
    #[test]
    fn a_used_up_chunk_is_reported_with_its_last_line() {
        let mut merge = Merge::new(2);
        let mut a = Lines::new();
        a.push(t(1), "a1");
        a.push(t(5), "a5");
        let mut b = Lines::new();
        b.push(t(2), "b2");
        merge.refill(0, a);
        merge.refill(1, b);
        let first = merge.pop().map(|p| (p.source, p.used_up));
        assert_eq!(first, Some((0, false)));
        let second = merge
            .pop()
            .map(|p| (p.source, p.message.to_string(), p.used_up));
        assert_eq!(second, Some((1, "b2".to_string(), true)));
        assert_eq!(merge.chunk(1).len(), 1);
    }
}
