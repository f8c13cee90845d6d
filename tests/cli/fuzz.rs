//! Proptest-lite over the file loader and the model: many malformed or odd JSON and YAML
//! documents (truncated and mutated fixtures, wrong types, huge numbers, deep nesting, random
//! bytes) go through `-f -` of every command. Each must exit 0 or 1, never panic, and a failure
//! must be one `error:` line plus at most a hint. Deterministic: a seeded LCG, a fixed count.

use std::thread;

use serde_json::{Value, json};

use crate::support::cli::{cluster_fixture, sidecar_stdin};

/// Cases per run; with four threads this stays within a few seconds on a debug build.
/// `FUZZ_CASES=N` runs more (the same first 240, then further ones).
const CASES: u64 = 240;
const THREADS: u64 = 4;

/// Knuth's MMIX LCG: no crate needed, and a failing case is reproducible from its number.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seeds() -> Vec<Value> {
    [
        "agent-native.json",
        "oom-native-sidecar.json",
        "evicted.json",
        "init-stuck.json",
        "job-sidecar-never-exits.json",
        "deploy-web.json",
        "cronjob-nightly-report.json",
    ]
    .iter()
    .map(|f| {
        let text = std::fs::read_to_string(cluster_fixture(f)).expect("fixture");
        serde_json::from_str(&text).expect("fixture JSON")
    })
    .collect()
}

/// Values of the wrong type or out of range for whatever field they land in.
fn odd_value(rng: &mut Lcg) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(1e308),
        5 => json!(""),
        6 => json!("\u{0}\u{202e}ünïcödé\n"),
        7 => json!([]),
        8 => json!({}),
        9 => json!(true),
        10 => json!([{"name": 1}]),
        _ => json!({"terminated": {"exitCode": 2147483648u64}}),
    }
}

/// Replaces one random node of `doc`, at most `depth` levels down, with an odd value.
fn mutate_value(doc: &mut Value, rng: &mut Lcg, depth: usize) {
    if depth > 0 {
        match doc {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(child) = key.and_then(|k| map.get_mut(&k)) {
                    return mutate_value(child, rng, depth - 1);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                return mutate_value(&mut items[i], rng, depth - 1);
            }
            _ => {}
        }
    }
    *doc = odd_value(rng);
}

/// Cuts at a random char boundary.
fn truncate(text: &str, rng: &mut Lcg) -> String {
    let mut at = rng.below(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at].to_string()
}

/// Inserts, deletes or replaces a few characters with JSON/YAML punctuation.
fn splice(text: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len());
        let c = *rng.pick(&[
            '{', '}', '[', ']', '"', ':', ',', '-', '\n', ' ', '&', '*', '!', '#', '\t', '\u{0}',
            '9',
        ]);
        match rng.below(3) {
            0 => chars.insert(at, c),
            1 if !chars.is_empty() => {
                chars.remove(at.min(chars.len() - 1));
            }
            _ => {
                if let Some(slot) = chars.get_mut(at) {
                    *slot = c;
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn yaml(doc: &Value) -> String {
    serde_saphyr::to_string(doc).unwrap_or_else(|_| doc.to_string())
}

/// Case `n`: a document and a command to feed it to.
fn case(n: u64, seeds: &[Value]) -> (String, &'static str) {
    let mut rng = Lcg(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed);
    let command = *rng.pick(&["ls", "diagnose", "order", "volumes"]);
    let mut doc = rng.pick(seeds).clone();
    let text = match n % 10 {
        0 => truncate(&doc.to_string(), &mut rng),
        1 => truncate(&yaml(&doc), &mut rng),
        2 => splice(&doc.to_string(), &mut rng),
        3 => splice(&yaml(&doc), &mut rng),
        4 | 5 => {
            for _ in 0..1 + rng.below(3) {
                { let depth = rng.below(8); mutate_value(&mut doc, &mut rng, depth); }
            }
            if n.is_multiple_of(2) { doc.to_string() } else { yaml(&doc) }
        }
        6 => {
            let depth = 200 + rng.below(20_000);
            match rng.below(4) {
                0 => "[".repeat(depth),
                1 => format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
                2 => "- ".repeat(depth),
                _ => format!("{}x", "a: {".repeat(depth)),
            }
        }
        7 => (0..rng.below(2000))
            .map(|_| (rng.next() % 256) as u8 as char)
            .collect(),
        8 => match rng.below(6) {
            0 => "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\",\"ports\":[{\"containerPort\":1e999}]}]}}".into(),
            1 => "kind: List\napiVersion: v1\nitems: 5\n".into(),
            // Alias expansion: a small document that would expand to a huge one.
            2 => "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n".into(),
            3 => "---\n---\n...\n".into(),
            4 => format!("{{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[{}]}}", doc),
            _ => "kind: Pod\napiVersion: v1\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b, resources: {limits: {memory: 99999999999999999999999Ei}}}]}\n".into(),
        },
        _ => {
            { let depth = rng.below(8); mutate_value(&mut doc, &mut rng, depth); }
            truncate(&yaml(&doc), &mut rng) + &splice("\n---\n{}", &mut rng)
        }
    };
    (text, command)
}

#[test]
fn malformed_documents_never_panic_and_fail_with_one_error_line() {
    let seeds = seeds();
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    thread::scope(|scope| {
        for t in 0..THREADS {
            let seeds = &seeds;
            scope.spawn(move || {
                for n in (t..cases).step_by(THREADS as usize) {
                    let (text, command) = case(n, seeds);
                    let mut args = vec![command, "-f", "-", "--color", "never"];
                    if command == "diagnose" {
                        // Findings would exit 3; only errors matter here.
                        args.extend(["--fail-on", "never"]);
                    }
                    let out = sidecar_stdin(&args, &text);
                    let what = format!(
                        "case {n} ({command}, {} bytes: {:?})\nstderr: {}",
                        text.len(),
                        text.chars().take(200).collect::<String>(),
                        out.stderr
                    );
                    assert!(!out.stderr.contains("panicked"), "{what}");
                    assert!(out.code == 0 || out.code == 1, "exit {}: {what}", out.code);
                    if out.code == 1 {
                        let mut lines = out.stderr.lines().filter(|l| !l.starts_with("warning:"));
                        let first = lines.next().unwrap_or_default();
                        assert!(first.starts_with("error: "), "{what}");
                        assert!(lines.all(|l| l.starts_with("hint: ")), "{what}");
                    }
                }
            });
        }
    });
}
