//! `-o json` and `-o yaml`: the report structs serialized as they are, whole
//! ([`write_json`], [`write_yaml`]) or one item at a time ([`StreamingDocument`]).

use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};

#[cfg(test)]
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(json_error)?;
    writeln!(out).map_err(write_error)
}

pub fn write_yaml<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    out.write_all(yaml_string(value)?.as_bytes())
        .map_err(write_error)
}

fn yaml_string<T: Serialize>(value: &T) -> Result<String> {
    // Plain scalars: folding long image digests into `>-` blocks hurts grep and diffs.
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(value, options)
        .map_err(|e| Error::runtime(format!("cannot write YAML output: {e}")))
}

fn json_error(e: serde_json::Error) -> Error {
    match e.io_error_kind() {
        Some(kind) => write_error(kind.into()),
        None => Error::runtime(format!("cannot write JSON output: {e}")),
    }
}

fn json_pretty<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(json_error)
}

/// Which structured format a [`StreamingDocument`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredFormat {
    Json,
    Yaml,
}

/// One JSON or YAML document whose array of items is written as the items are built, so a
/// report over any number of pods holds one item at a time:
///
/// ```text
/// {"apiVersion": …, "kind": …,    <- `head`: leading fields (any struct or map)
///  "pods": [ item, item, … ],     <- `key`: one `item()` call each
///  "summary": {…}}                <- `finish(trailer)`: fields known only at the end
/// ```
///
/// The bytes are exactly those of the whole report (head fields, then the array, then the
/// trailer fields, as one struct) written by [`write_json`] / [`write_yaml`]: serde_json's
/// pretty form with two-space indentation; YAML with sequences not indented under their key.
/// Nothing is written before the first item (or `finish`), so an error before any item leaves
/// no partial document; an error after it leaves the document unterminated.
pub struct StreamingDocument<'o> {
    out: &'o mut dyn Write,
    format: StructuredFormat,
    /// The head and the array's key, until the document is opened.
    pending: Option<Vec<u8>>,
    items: usize,
}

impl<'o> StreamingDocument<'o> {
    /// Starts a document with the fields of `head` (a struct or map serializing to a
    /// map), then the array `key`. Writes nothing yet.
    pub fn new<H: Serialize>(
        out: &'o mut dyn Write,
        format: StructuredFormat,
        head: &H,
        key: &str,
    ) -> Result<Self> {
        let mut pending = match format {
            StructuredFormat::Json => {
                // `{\n  "a": 1\n}` → `{\n  "a": 1,\n  "key": `
                let text = json_pretty(head)?;
                let mut body = map_body(&text, format)?;
                body.insert(0, b'{');
                if body.len() > 1 {
                    body.push(b',');
                }
                body.extend_from_slice(b"\n  ");
                body.extend_from_slice(&json_pretty(&key)?);
                body.extend_from_slice(b": ");
                body
            }
            StructuredFormat::Yaml => {
                let text = yaml_string(head)?;
                let mut body = map_body(text.as_bytes(), format)?;
                body.extend_from_slice(yaml_string(&key)?.trim_end().as_bytes());
                body.push(b':');
                body
            }
        };
        pending.shrink_to_fit();
        Ok(StreamingDocument {
            out,
            format,
            pending: Some(pending),
            items: 0,
        })
    }

    /// Writes the next item of the array.
    pub fn item<T: Serialize>(&mut self, item: &T) -> Result<()> {
        let bytes = render_item(self.format, item)?;
        self.item_raw(&bytes)
    }

    /// Writes an item rendered earlier by [`render_item`] (kept aside while others were
    /// being sorted).
    pub fn item_raw(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(head) = self.pending.take() {
            self.out.write_all(&head).map_err(write_error)?;
            let open: &[u8] = match self.format {
                StructuredFormat::Json => b"[\n    ",
                StructuredFormat::Yaml => b"\n",
            };
            self.out.write_all(open).map_err(write_error)?;
        } else if self.format == StructuredFormat::Json {
            self.out.write_all(b",\n    ").map_err(write_error)?;
        }
        self.out.write_all(bytes).map_err(write_error)?;
        self.items += 1;
        Ok(())
    }

    /// Closes the current array and starts the next one, `key`, at the same level (a
    /// report with several arrays: `pods`, `findings`, `healthy`).
    pub fn array(&mut self, key: &str) -> Result<()> {
        let empty = if let Some(head) = self.pending.take() {
            self.out.write_all(&head).map_err(write_error)?;
            true
        } else {
            false
        };
        let mut next = Vec::new();
        match self.format {
            StructuredFormat::Json => {
                let close: &[u8] = if empty { b"[]" } else { b"\n  ]" };
                self.out.write_all(close).map_err(write_error)?;
                next.extend_from_slice(b",\n  ");
                next.extend_from_slice(&json_pretty(&key)?);
                next.extend_from_slice(b": ");
            }
            StructuredFormat::Yaml => {
                if empty {
                    self.out.write_all(b" []\n").map_err(write_error)?;
                }
                next.extend_from_slice(yaml_string(&key)?.trim_end().as_bytes());
                next.push(b':');
            }
        }
        self.pending = Some(next);
        Ok(())
    }

    /// Items written so far.
    pub fn items(&self) -> usize {
        self.items
    }

    /// Closes the array, writes the fields of `trailer` (a struct or map; `&()` or an empty
    /// map for none) and ends the document, then flushes.
    pub fn finish<R: Serialize>(mut self, trailer: &R) -> Result<()> {
        let empty = if let Some(head) = self.pending.take() {
            self.out.write_all(&head).map_err(write_error)?;
            true
        } else {
            false
        };
        match self.format {
            StructuredFormat::Json => {
                let close: &[u8] = if empty { b"[]" } else { b"\n  ]" };
                self.out.write_all(close).map_err(write_error)?;
                let body = map_body(&json_pretty(trailer)?, self.format)?;
                if !body.is_empty() {
                    self.out.write_all(b",").map_err(write_error)?;
                    self.out.write_all(&body).map_err(write_error)?;
                }
                self.out.write_all(b"\n}\n").map_err(write_error)?;
            }
            StructuredFormat::Yaml => {
                if empty {
                    self.out.write_all(b" []\n").map_err(write_error)?;
                }
                let body = map_body(yaml_string(trailer)?.as_bytes(), self.format)?;
                self.out.write_all(&body).map_err(write_error)?;
            }
        }
        self.out.flush().map_err(write_error)
    }
}

/// One array item as a [`StreamingDocument`] writes it: pretty JSON at the array's depth
/// (strings never hold a raw newline, so every newline is followed by the indentation), or a
/// one-item YAML sequence (the item as it appears in the array).
pub fn render_item<T: Serialize>(format: StructuredFormat, item: &T) -> Result<Vec<u8>> {
    Ok(match format {
        StructuredFormat::Json => indent(&json_pretty(item)?, b"    "),
        StructuredFormat::Yaml => yaml_string(&[item])?.into_bytes(),
    })
}

/// The fields of a serialized map without its braces: JSON `{\n  "a": 1\n}` gives
/// `\n  "a": 1` (empty for `{}`), YAML `a: 1\n` gives itself (empty for `{}` or `null`).
fn map_body(text: &[u8], format: StructuredFormat) -> Result<Vec<u8>> {
    let not_a_map = || Error::runtime("internal error: a document head or trailer must be a map");
    match format {
        StructuredFormat::Json => {
            if text == b"{}" || text == b"null" {
                return Ok(Vec::new());
            }
            let inner = text
                .strip_prefix(b"{")
                .and_then(|t| t.strip_suffix(b"\n}"))
                .ok_or_else(not_a_map)?;
            Ok(inner.to_vec())
        }
        StructuredFormat::Yaml => {
            let trimmed = text.trim_ascii_end();
            if trimmed == b"{}" || trimmed == b"null" || trimmed == b"~" || trimmed.is_empty() {
                return Ok(Vec::new());
            }
            if trimmed.starts_with(b"-") || trimmed.starts_with(b"[") {
                return Err(not_a_map());
            }
            Ok(text.to_vec())
        }
    }
}

/// `text` with `prefix` after every newline.
fn indent(text: &[u8], prefix: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    // Line by line, not byte by byte: this runs over every byte of `ls -o json`.
    let mut lines = text.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.extend_from_slice(prefix);
        out.extend_from_slice(line);
    }
    out
}

/// Output errors keep their `io::ErrorKind` visible so `main` can treat a closed pipe
/// (`| head`) as success.
pub fn write_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Error {
            kind: crate::error::ErrorKind::BrokenPipe,
            message: "output closed".to_string(),
            hint: None,
            status: None,
        };
    }
    Error::runtime(format!("cannot write output: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        name: String,
        note: Option<String>,
        tags: Vec<String>,
        nested: BTreeMap<String, Vec<u32>>,
        empty: Vec<u32>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        api_version: &'static str,
        kind: &'static str,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Counts {
        pods_checked: usize,
        by_severity: BTreeMap<&'static str, usize>,
    }

    /// The whole report, as `write_json`/`write_yaml` see it.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Whole<'a> {
        api_version: &'static str,
        kind: &'static str,
        pods: &'a [Item],
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<&'a Counts>,
    }

    #[derive(Serialize)]
    struct Trailer<'a> {
        summary: &'a Counts,
    }

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                name: format!("pod-{i}\nwith \"quotes\": and: colons"),
                note: (i % 2 == 0).then(|| "- looks like a list".to_string()),
                tags: vec!["a".into(), "true".into(), "12".into()],
                nested: BTreeMap::from([("k".to_string(), vec![1, 2]), ("e".into(), vec![])]),
                empty: Vec::new(),
            })
            .collect()
    }

    fn streamed(format: StructuredFormat, pods: &[Item], summary: Option<&Counts>) -> String {
        let mut out = Vec::new();
        let head = Head {
            api_version: "kubectl-sidecar/v1",
            kind: "TestReport",
        };
        let mut doc = StreamingDocument::new(&mut out, format, &head, "pods").unwrap();
        for pod in pods {
            doc.item(pod).unwrap();
        }
        assert_eq!(doc.items(), pods.len());
        match summary {
            Some(summary) => doc.finish(&Trailer { summary }).unwrap(),
            None => doc.finish(&()).unwrap(),
        }
        String::from_utf8(out).unwrap()
    }

    fn whole(format: StructuredFormat, pods: &[Item], summary: Option<&Counts>) -> String {
        let mut out = Vec::new();
        let report = Whole {
            api_version: "kubectl-sidecar/v1",
            kind: "TestReport",
            pods,
            summary,
        };
        match format {
            StructuredFormat::Json => write_json(&mut out, &report).unwrap(),
            StructuredFormat::Yaml => write_yaml(&mut out, &report).unwrap(),
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_documents_are_byte_identical_to_whole_ones() {
        let counts = Counts {
            pods_checked: 3,
            by_severity: BTreeMap::from([("critical", 1), ("warning", 0)]),
        };
        for format in [StructuredFormat::Json, StructuredFormat::Yaml] {
            for n in [0, 1, 3] {
                let pods = items(n);
                for summary in [None, Some(&counts)] {
                    assert_eq!(
                        streamed(format, &pods, summary),
                        whole(format, &pods, summary),
                        "{format:?}, {n} items, summary {}",
                        summary.is_some()
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_is_written_before_the_first_item() {
        let mut out = Vec::new();
        let head = Head {
            api_version: "v",
            kind: "k",
        };
        let doc = StreamingDocument::new(&mut out, StructuredFormat::Json, &head, "pods").unwrap();
        drop(doc);
        assert!(out.is_empty());
    }

    #[test]
    fn a_head_that_is_not_a_map_is_an_error_not_a_broken_document() {
        let mut out = Vec::new();
        for format in [StructuredFormat::Json, StructuredFormat::Yaml] {
            assert!(StreamingDocument::new(&mut out, format, &[1, 2], "pods").is_err());
        }
    }
}
