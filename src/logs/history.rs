//! The history: every picked container's log merged by timestamp (all of `logs` without
//! `--follow`, and what `--follow` prints first).
//!
//! When every picked container can be read at once (no more than `--max-log-requests`), the
//! logs are merged **as they arrive**: each container's stream hands over chunks of lines
//! (a few are buffered per stream), and a line is printed as soon as the merge can tell it comes
//! next, that is once every container still open has a line waiting or has ended. Otherwise the
//! containers are read `--max-log-requests` at a time into a [`Spill`] (a temporary file), since
//! the merge needs every container's next line and the last ones open only when the first have
//! ended, and the held logs are merged once all are read.
//!
//! Markers: `no previous instance` and a request that failed before any line are known before
//! the first line can be printed, so they come first, in container order, as always. A stream
//! that breaks after some lines is known only when it breaks: streamed, its `log ended early`
//! marker comes right after that container's last line (like `kubectl logs`, which prints the
//! error where the stream broke); held in a spill, it is known before the merge and comes first.

use std::io::{self, Write};
use std::rc::Rc;

use futures::stream::{self, LocalBoxStream};
use futures::{FutureExt, Stream, StreamExt};

use super::follow::Resume;
use super::format::Format;
use super::lines::Lines;
use super::merge::{Merge, Popped};
use super::spill::{Frame, Spill};
use super::target::{LogTarget, Pick};
use super::{Followed, Summary};

/// What a container's log stream yields: its lines chunk by chunk, then the reason it broke,
/// if it did (the stream ends there).
pub type Chunk = Result<Lines, String>;

/// A marker to print before the lines: (position among the picks, container, text).
type Marker = (usize, LogTarget, String);

/// Reads every picked container with `open` (streams opened all at once when they fit in
/// `max_requests`, else `max_requests` at a time, held until all are read) and prints markers
/// first, then the lines merged by timestamp. Markers go to `out` with text output and to
/// `err` with JSON output, so JSON stays one line object per line.
pub async fn print_history<'a, F, S>(
    picks: Vec<Pick>,
    max_requests: usize,
    open: F,
    format: &Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Summary>
where
    F: Fn(LogTarget) -> S,
    S: Stream<Item = Chunk> + 'a,
{
    let (reads, mut markers) = split_picks(picks);
    let mut summary = Summary {
        no_previous: markers.len(),
        ..Summary::default()
    };
    let max_requests = max_requests.max(1);
    let mut sources: Vec<Source<'a>> = if reads.len() <= max_requests {
        open_all(reads, &open, format)
    } else {
        hold_all(reads, max_requests, &open, format, &mut markers, err).await?
    };
    let mut merge = Merge::new(sources.len());
    let failed = first_chunks(&mut merge, &mut sources, out).await?;
    summary.failed = failed.len();
    summary.read = sources.len() - failed.len();
    markers.extend(failed);
    markers.sort_by_key(|(position, _, _)| *position);
    for (_, target, text) in &markers {
        format.write_marker(marker_sink(format, out, err), target, text)?;
    }
    merge_and_print(&mut merge, &mut sources, format, out, err).await?;
    out.flush()?;
    summary.history = sources.into_iter().map(Source::into_followed).collect();
    Ok(summary)
}

/// The containers to read, with their positions among the picks, and the markers of those
/// without a previous instance (`-p`).
fn split_picks(picks: Vec<Pick>) -> (Vec<(usize, LogTarget)>, Vec<Marker>) {
    let mut reads = Vec::new();
    let mut markers = Vec::new();
    for (position, pick) in picks.into_iter().enumerate() {
        match pick {
            Pick::Read(target) => reads.push((position, target)),
            Pick::NoPrevious { target } => {
                markers.push((position, target, ": no previous instance".to_string()));
            }
        }
    }
    (reads, markers)
}

/// Every container fits in the request cap: all streams open now, merged as they arrive.
fn open_all<'a, F, S>(reads: Vec<(usize, LogTarget)>, open: &F, format: &Format) -> Vec<Source<'a>>
where
    F: Fn(LogTarget) -> S,
    S: Stream<Item = Chunk> + 'a,
{
    reads
        .into_iter()
        .map(|(position, target)| {
            let chunks = open(target.clone()).boxed_local();
            Source::new(position, target, chunks, format)
        })
        .collect()
}

/// Gives the merge every source's first chunk: nothing can be printed before. Returns the
/// markers of the requests that failed before any line (they are printed first).
async fn first_chunks(
    merge: &mut Merge,
    sources: &mut [Source<'_>],
    out: &mut dyn Write,
) -> io::Result<Vec<Marker>> {
    let mut failed = Vec::new();
    for (index, source) in sources.iter_mut().enumerate() {
        match source.next_chunk(out).await? {
            Some(Ok(lines)) => merge.refill(index, lines),
            Some(Err(error)) => {
                failed.push((source.position, source.target.clone(), format!(": {error}")));
                source.error = Some(error);
            }
            None => {}
        }
    }
    Ok(failed)
}

/// Prints the merged lines, refilling each source as soon as its chunk is used up (the only
/// place the merge waits for a stream); a stream that breaks gets its marker there.
async fn merge_and_print(
    merge: &mut Merge,
    sources: &mut [Source<'_>],
    format: &Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    while let Some(popped) = merge.pop() {
        let Popped {
            source: index,
            time,
            message,
            used_up,
        } = popped;
        let source = &mut sources[index];
        format.write_message(out, &source.lead, &source.target, time, message)?;
        if !used_up {
            continue;
        }
        let printed = std::mem::take(&mut source.resume);
        source.resume = printed.then_lines(merge.chunk(index).iter());
        match source.next_chunk(out).await? {
            Some(Ok(lines)) => merge.refill(index, lines),
            Some(Err(error)) => {
                let text = format!(": log ended early: {error}");
                format.write_marker(marker_sink(format, out, err), &source.target, &text)?;
                source.error = Some(error);
            }
            None => {}
        }
    }
    Ok(())
}

/// Where markers go: with the lines for text, stderr for JSON.
fn marker_sink<'w>(
    format: &Format,
    out: &'w mut dyn Write,
    err: &'w mut dyn Write,
) -> &'w mut dyn Write {
    if format.json { err } else { out }
}

/// One container being merged.
struct Source<'a> {
    /// Among the picks: markers are printed in this order.
    position: usize,
    target: LogTarget,
    /// [`Format::lead`] of `target`, built once.
    lead: Vec<u8>,
    chunks: LocalBoxStream<'a, Chunk>,
    /// Where its printed lines end, for `--follow`.
    resume: Resume,
    /// Why its log stopped early, if it did.
    error: Option<String>,
}

impl<'a> Source<'a> {
    fn new(
        position: usize,
        target: LogTarget,
        chunks: LocalBoxStream<'a, Chunk>,
        format: &Format,
    ) -> Self {
        Source {
            position,
            lead: format.lead(&target),
            target,
            chunks,
            resume: Resume::default(),
            error: None,
        }
    }

    /// The next non-empty chunk, the error the stream broke with, or `None` at its end.
    /// Before waiting for the stream, `out` is flushed: what is decided is printed first.
    async fn next_chunk(&mut self, out: &mut dyn Write) -> io::Result<Option<Chunk>> {
        loop {
            let next = match self.chunks.next().now_or_never() {
                Some(next) => next,
                None => {
                    out.flush()?;
                    self.chunks.next().await
                }
            };
            match next {
                Some(Ok(lines)) if lines.is_empty() => {}
                other => return Ok(other),
            }
        }
    }

    fn into_followed(self) -> Followed {
        Followed {
            target: self.target,
            resume: self.resume,
            failures: u32::from(self.error.is_some()),
            error: self.error,
            unreported: None,
            initial: true,
        }
    }
}

/// More containers than `max_requests`: reads them `max_requests` at a time into a spill
/// (saying so on `err`), notes those whose log ended early, and returns sources that replay
/// the held logs.
async fn hold_all<'a, F, S>(
    reads: Vec<(usize, LogTarget)>,
    max_requests: usize,
    open: &F,
    format: &Format,
    markers: &mut Vec<Marker>,
    err: &mut dyn Write,
) -> io::Result<Vec<Source<'a>>>
where
    F: Fn(LogTarget) -> S,
    S: Stream<Item = Chunk> + 'a,
{
    let (spill, no_file) = Spill::new();
    warn_held(err, reads.len(), max_requests, no_file.as_ref())?;
    let spill = Rc::new(spill);
    let held: Vec<Held> = stream::iter(reads)
        .map(|(position, target)| hold(position, open(target.clone()), target, &spill))
        .buffered(max_requests)
        .collect()
        .await;
    let sources = held
        .into_iter()
        .map(|held| {
            if let (Some(error), false) = (&held.error, held.frames.is_empty()) {
                let text = format!(": log ended early: {error}");
                markers.push((held.position, held.target.clone(), text));
            }
            held.into_source(&spill, format)
        })
        .collect();
    Ok(sources)
}

/// The one line that says the logs are held, not streamed, and which flag changes that.
fn warn_held(
    err: &mut dyn Write,
    count: usize,
    max_requests: usize,
    no_file: Option<&io::Error>,
) -> io::Result<()> {
    let place = match no_file {
        None => "in a temporary file".to_string(),
        Some(error) => format!("in memory (no temporary file: {error})"),
    };
    writeln!(
        err,
        "warning: {count} containers, more than --max-log-requests {max_requests}: their logs \
         are read {max_requests} at a time and held {place} until all are read, then merged \
         (--max-log-requests {count} merges them as they arrive)"
    )
}

/// One container's log held in the spill.
struct Held {
    position: usize,
    target: LogTarget,
    frames: Vec<Frame>,
    error: Option<String>,
}

/// Reads one container's whole log into `spill`.
async fn hold<S: Stream<Item = Chunk>>(
    position: usize,
    chunks: S,
    target: LogTarget,
    spill: &Spill,
) -> Held {
    let mut held = Held {
        position,
        target,
        frames: Vec::new(),
        error: None,
    };
    let mut chunks = std::pin::pin!(chunks);
    while let Some(chunk) = chunks.next().await {
        let stored = match chunk {
            Ok(lines) => spill.hold(&lines, &mut held.frames),
            Err(error) => {
                held.error = Some(error);
                break;
            }
        };
        if let Err(e) = stored {
            held.error = Some(format!("holding the log for the merge failed: {e}"));
            break;
        }
    }
    held
}

impl Held {
    /// A source replaying the held lines. An error already reported (the log ended early) is
    /// not repeated; a log without lines ends with its error, as a streamed one would.
    fn into_source<'a>(self, spill: &Rc<Spill>, format: &Format) -> Source<'a> {
        let spill = Rc::clone(spill);
        let had_lines = !self.frames.is_empty();
        let failed = self.error.clone().filter(|_| !had_lines);
        let replay = stream::iter(self.frames)
            .map(move |frame| {
                spill
                    .read(frame)
                    .map_err(|e| format!("reading back the held log failed: {e}"))
            })
            .chain(stream::iter(failed.map(Err)));
        let mut source = Source::new(self.position, self.target, replay.boxed_local(), format);
        source.error = self.error.filter(|_| had_lines);
        source
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    use futures::executor::block_on;

    use super::*;
    use crate::logs::format::Prefix;
    use crate::logs::tail::Line;

    use crate::logs::tests::target;

    /// Lines stamped 10:00:SS, as `(second, message)`.
    fn chunk(lines: &[(u32, &str)]) -> Lines {
        let mut chunk = Lines::new();
        for (second, message) in lines {
            let time = format!("2026-11-23T10:00:{second:02}Z").parse().ok();
            chunk.push(time, message);
        }
        chunk
    }

    /// `pod/container` prefixes aligned on `widest`.
    fn text_format(widest: &str) -> Format {
        let mut format = Format::plain(Prefix::Pod);
        format.align([&target(widest)]);
        format
    }

    fn reads(containers: &[&str]) -> Vec<Pick> {
        containers.iter().map(|c| Pick::Read(target(c))).collect()
    }

    /// Runs the history of `picks` whose logs are `logs` (by container name, read with at most
    /// `max_requests` at once); returns the summary, stdout and stderr.
    fn history(
        picks: Vec<Pick>,
        max_requests: usize,
        logs: &HashMap<&str, Vec<Chunk>>,
        format: &Format,
    ) -> (Summary, String, String) {
        let open = |t: LogTarget| stream::iter(logs[t.container.as_str()].clone());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let run = print_history(picks, max_requests, open, format, &mut out, &mut err);
        let summary = block_on(run).unwrap();
        let text = |bytes| String::from_utf8(bytes).unwrap();
        (summary, text(out), text(err))
    }

    fn counts(summary: &Summary) -> (usize, usize, usize) {
        (summary.read, summary.failed, summary.no_previous)
    }

    /// Streamed (all open at once) and held (one at a time): markers first, the same output.
    #[test]
    fn failures_become_markers_and_the_rest_is_merged() {
        let picks = || {
            let mut picks = reads(&["a", "broken"]);
            picks.push(Pick::NoPrevious {
                target: target("fresh"),
            });
            picks.extend(reads(&["b"]));
            picks
        };
        let logs = HashMap::from([
            ("a", vec![Ok(chunk(&[(1, "a1"), (3, "a3")]))]),
            ("b", vec![Ok(chunk(&[(2, "b2")]))]),
            (
                "broken",
                vec![Err("Error from server (BadRequest): nope".into())],
            ),
        ]);
        let format = text_format("broken");
        let expected = "── p/broken: Error from server (BadRequest): nope ──\n\
                        ── p/fresh: no previous instance ──\n\
                        p/a      a1\n\
                        p/b      b2\n\
                        p/a      a3\n";
        for max_requests in [10, 1] {
            let (summary, out, err) = history(picks(), max_requests, &logs, &format);
            assert_eq!(counts(&summary), (2, 1, 1));
            // Where each read container's printed lines end, for --follow.
            let ends: Vec<_> = summary
                .history
                .iter()
                .map(|f| {
                    (
                        f.target.container.as_str(),
                        f.resume.since(),
                        f.error.is_some(),
                    )
                })
                .collect();
            let at = |second| chunk(&[(second, "")]).get(0).0;
            let expected_ends = [
                ("a", at(3), false),
                ("broken", None, true),
                ("b", at(2), false),
            ];
            assert_eq!(ends, expected_ends);
            assert_eq!(out, expected, "max {max_requests}");
            if max_requests == 1 {
                assert!(err.starts_with("warning: 3 containers, more than --max-log-requests 1: "));
                assert!(err.contains("(--max-log-requests 3 merges them as they arrive)"));
                assert_eq!(err.lines().count(), 1, "{err}");
            } else {
                assert_eq!(err, "");
            }
        }
    }

    /// Lines cut into chunks anywhere merge as if whole; equal timestamps keep container order.
    #[test]
    fn chunks_interleave_and_equal_timestamps_keep_container_order() {
        let logs = HashMap::from([
            (
                "a",
                vec![
                    Ok(chunk(&[(1, "a1"), (2, "a2")])),
                    Ok(chunk(&[(2, "a2b"), (5, "a5")])),
                ],
            ),
            ("b", vec![Ok(chunk(&[(2, "b2")])), Ok(chunk(&[(3, "b3")]))]),
            ("c", vec![Ok(chunk(&[(0, "c0"), (2, "c2"), (4, "c4")]))]),
        ]);
        let format = text_format("a");
        for max_requests in [3, 2] {
            let (summary, out, _) = history(reads(&["a", "b", "c"]), max_requests, &logs, &format);
            assert_eq!(counts(&summary), (3, 0, 0));
            let messages: Vec<&str> = out.lines().map(|l| &l[4..]).collect();
            assert_eq!(
                messages,
                ["c0", "a1", "a2", "a2b", "b2", "c2", "b3", "c4", "a5"],
                "max {max_requests}"
            );
        }
    }

    /// A stream that breaks after some lines: streamed, its marker follows its last line;
    /// held, it comes first. Either way it counts as read and is remembered for --follow.
    #[test]
    fn a_stream_that_breaks_midway_is_marked_where_it_broke_or_first_when_held() {
        let logs = HashMap::from([
            ("a", vec![Ok(chunk(&[(1, "a1"), (4, "a4")]))]),
            (
                "b",
                vec![
                    Ok(chunk(&[(2, "b2")])),
                    Err("connection reset by peer".into()),
                ],
            ),
        ]);
        let format = text_format("a");
        let marker = "── p/b: log ended early: connection reset by peer ──\n";
        let (summary, streamed, _) = history(reads(&["a", "b"]), 2, &logs, &format);
        assert_eq!(streamed, format!("p/a a1\np/b b2\n{marker}p/a a4\n"));
        let (held_summary, held, _) = history(reads(&["a", "b"]), 1, &logs, &format);
        assert_eq!(held, format!("{marker}p/a a1\np/b b2\np/a a4\n"));
        for summary in [summary, held_summary] {
            assert_eq!(counts(&summary), (2, 0, 0));
            let broken = &summary.history[1];
            assert_eq!(broken.error.as_deref(), Some("connection reset by peer"));
            assert_eq!(broken.failures, 1);
            assert!(broken.resume.since().is_some());
        }
    }

    /// Logs without lines (no chunk, or empty chunks) print nothing and count as read; the
    /// others are merged around them.
    #[test]
    fn empty_streams_print_nothing() {
        let logs = HashMap::from([
            ("none", vec![]),
            ("blank", vec![Ok(Lines::new()), Ok(Lines::new())]),
            ("a", vec![Ok(Lines::new()), Ok(chunk(&[(1, "a1")]))]),
        ]);
        let format = text_format("blank");
        for max_requests in [3, 1] {
            let (summary, out, _) =
                history(reads(&["none", "blank", "a"]), max_requests, &logs, &format);
            assert_eq!(counts(&summary), (3, 0, 0));
            assert_eq!(out, "p/a     a1\n");
            assert!(summary.history[0].resume.since().is_none());
        }
        let (summary, out, _) = history(Vec::new(), 10, &logs, &format);
        assert_eq!((counts(&summary), out.as_str()), ((0, 0, 0), ""));
    }

    /// Shows only what was flushed: a line still in a buffer has not reached the terminal.
    struct Flushed {
        pending: Vec<u8>,
        flushed: Rc<RefCell<Vec<u8>>>,
    }

    impl Write for Flushed {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.pending.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            self.flushed.borrow_mut().append(&mut self.pending);
            Ok(())
        }
    }

    /// A slow container does not hold back what the merge can already decide: nothing before
    /// every container has a line (or ended), then every line up to the point where the slow
    /// one's next line is needed, flushed while the merge waits for it.
    #[test]
    fn lines_are_printed_as_soon_as_the_merge_can_decide() {
        let (slow, slow_chunks) = futures::channel::mpsc::unbounded::<Chunk>();
        let slow_chunks = RefCell::new(Some(slow_chunks));
        let open = |t: LogTarget| match t.container.as_str() {
            "fast" => {
                let chunks = vec![Ok(chunk(&[(1, "f1"), (2, "f2")])), Ok(chunk(&[(3, "f3")]))];
                stream::iter(chunks).left_stream()
            }
            _ => slow_chunks.borrow_mut().take().unwrap().right_stream(),
        };
        let flushed = Rc::new(RefCell::new(Vec::new()));
        let mut out = Flushed {
            pending: Vec::new(),
            flushed: Rc::clone(&flushed),
        };
        let mut err = Vec::new();
        let format = text_format("fast");
        let picks = reads(&["fast", "slow"]);
        let mut run = pin!(print_history(picks, 10, open, &format, &mut out, &mut err));
        let mut context = Context::from_waker(futures::task::noop_waker_ref());
        let mut step = || run.as_mut().poll(&mut context).map(Result::unwrap);
        let printed = || String::from_utf8(flushed.borrow().clone()).unwrap();

        assert!(step().is_pending());
        assert_eq!(
            printed(),
            "",
            "the slow container could still have the first line"
        );
        slow.unbounded_send(Ok(chunk(&[(2, "s2")]))).unwrap();
        assert!(step().is_pending());
        // f3 waits: the slow container's next line could come before it.
        assert_eq!(printed(), "p/fast f1\np/fast f2\np/slow s2\n");
        slow.unbounded_send(Ok(chunk(&[(4, "s4")]))).unwrap();
        drop(slow);
        let Poll::Ready(summary) = step() else {
            panic!("the run ends once every stream has ended");
        };
        assert_eq!(counts(&summary), (2, 0, 0));
        let expected = "p/fast f1\np/fast f2\np/slow s2\np/fast f3\np/slow s4\n";
        assert_eq!(printed(), expected);
    }

    /// The resume points kept chunk by chunk are those of the whole logs, even when the last
    /// instant's lines span chunks.
    #[test]
    fn resume_points_span_chunks() {
        let logs = HashMap::from([
            (
                "a",
                vec![
                    Ok(chunk(&[(1, "a1"), (3, "x")])),
                    Ok(chunk(&[(3, "y")])),
                    Ok(chunk(&[(3, "z")])),
                ],
            ),
            (
                "b",
                vec![Ok(chunk(&[(3, "b"), (2, "back")])), Ok(chunk(&[(4, "b4")]))],
            ),
        ]);
        let (summary, _, _) = history(reads(&["a", "b"]), 2, &logs, &text_format("a"));
        let whole = |name: &str| {
            let lines: Vec<(Option<jiff::Timestamp>, String)> = logs[name]
                .iter()
                .flat_map(|c| c.as_ref().unwrap().iter().map(|(t, m)| (t, m.to_string())))
                .collect();
            Resume::after_lines(lines.iter().map(|(t, m)| (*t, m.as_str())))
        };
        assert_eq!(summary.history[0].resume, whole("a"));
        assert_eq!(summary.history[1].resume, whole("b"));
        let a = Line {
            time: chunk(&[(3, "")]).get(0).0,
            message: "y".into(),
        };
        assert!(!summary.history[0].resume.is_new(&a));
    }
}
