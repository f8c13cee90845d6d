//! Hostile text from the cluster (issue 12, CVE-2021-25743's class): a pod whose termination
//! message, waiting message and reason, status message, condition message, image, args,
//! preStop command, mount path and annotation, and an event whose reason and message, hold
//! every dangerous class of character: ESC with OSC (retitle), CSI (clear screen) and SGR
//! (fake "all healthy" in green) sequences, BEL, CR, backspace, NUL and other C0, DEL, C1
//! (including the one-character CSI U+009B), the bidi embeddings, overrides and isolates, the
//! direction marks, and a tab.
//!
//! Every command, in every text format (table, wide; color never and always; offline and
//! through the fake API server) must print none of them raw. JSON and YAML must carry the
//! exact original strings. `logs` prints log lines raw (like `kubectl logs`) but neutralises
//! its prefixes and marker lines.

use serde_json::Value;

use crate::support::cli::{Output, fixture, sidecar, sidecar_live, temp_dir};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// The hostile text of tests/fixtures/hostile (also its termination message, exactly).
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[32mall healthy\u{1b}[0m\rOK\u{8}\u{8}\u{0}\u{1f}\u{7f}\u{85}\u{9b}31m\u{202e}evil\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}\tend";

/// How the neutraliser shows it.
const SHOWN: &str = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[32mall healthy\\x1b[0m\\rOK\\x08\\x08\\x00\\x1f\\x7f\\u0085\\u009b31m\\u202eevil\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c end";

const POD: &str = "mallory-0";

fn pod_file() -> String {
    fixture("hostile/mallory-0.json")
}

fn events_file() -> String {
    fixture("hostile/events/mallory-0-backoff.json")
}

fn dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
}

/// No dangerous character at all (color never).
fn assert_inert(what: &str, text: &str) {
    if let Some((at, c)) = text.char_indices().find(|(_, c)| dangerous(*c)) {
        panic!("{what}: raw {c:?} at byte {at}:\n{text}");
    }
}

/// With color: only SGR sequences (`ESC[digits;…m`) of the palette, none of the hostile ones.
fn assert_inert_colored(what: &str, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        assert_inert(what, &rest[..at]);
        let after = &rest[at + 1..];
        let params = after
            .strip_prefix('[')
            .unwrap_or_else(|| panic!("{what}: ESC not starting a CSI:\n{text}"));
        let len = params
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(params.len());
        assert_eq!(
            params.as_bytes().get(len),
            Some(&b'm'),
            "{what}: a CSI other than SGR:\n{text}"
        );
        rest = &params[len + 1..];
    }
    assert_inert(what, rest);
    assert!(
        !text.contains("\u{1b}[32mall healthy"),
        "{what}: the hostile SGR sequence got through:\n{text}"
    );
}

/// Every string in a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

const COMMANDS: [&str; 4] = ["ls", "order", "volumes", "diagnose"];

/// The text formats each command offers (order and diagnose have no wide form).
fn text_formats(command: &str) -> &'static [&'static str] {
    match command {
        "ls" | "volumes" => &["table", "wide"],
        _ => &["table"],
    }
}

/// What a command exits with on the hostile pod: diagnose finds a critical crash loop.
fn expected_code(command: &str) -> i32 {
    if command == "diagnose" { 3 } else { 0 }
}

fn check_text(what: &str, out: &Output, code: i32, colored: bool) {
    assert_eq!(out.code, code, "{what}: {}", out.stderr);
    if colored {
        assert_inert_colored(what, &out.stdout);
    } else {
        assert_inert(what, &out.stdout);
    }
    assert_inert(&format!("{what} (stderr)"), &out.stderr);
    // Neutralised, not dropped: the text is there, visibly.
    assert!(
        out.stdout.contains("\\x1b]0;pwned\\x07\\x1b[2J"),
        "{what}: the hostile text is not shown:\n{}",
        out.stdout
    );
}

/// JSON and YAML: the exact strings, in the places they came from.
fn check_structured(what: &str, out: &Output, code: i32, yaml: bool) -> Vec<String> {
    assert_eq!(out.code, code, "{what}: {}", out.stderr);
    let value: Value = if yaml {
        serde_saphyr::from_str(&out.stdout).unwrap_or_else(|e| panic!("{what}: YAML: {e}"))
    } else {
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{what}: JSON: {e}"))
    };
    let mut all = Vec::new();
    strings(&value, &mut all);
    assert!(
        all.iter().any(|s| s.contains(HOSTILE)),
        "{what}: no string holds the original text exactly:\n{}",
        out.stdout
    );
    all
}

fn offline(command: &str, extra: &[&str]) -> Output {
    let pod = pod_file();
    let events = events_file();
    let mut args = vec![command, "-f", pod.as_str()];
    if command == "diagnose" {
        args.extend(["-f", events.as_str()]);
    }
    args.extend_from_slice(extra);
    sidecar(&args)
}

fn hostile_cluster() -> FakeApi {
    FakeApi::builder()
        .fixtures_dir(fixture("hostile"))
        .log(
            "hostile",
            POD,
            "agent",
            false,
            &[&format!(
                "2026-11-23T11:55:30.000000000Z log line {HOSTILE}"
            )],
        )
        .log(
            "hostile",
            POD,
            "agent",
            true,
            &[&format!("2026-11-23T11:55:59.000000000Z fatal: {HOSTILE}")],
        )
        .start()
}

fn live(api: &FakeApi, command: &str, extra: &[&str]) -> Output {
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("hostile"));
    let mut args = vec![command, POD];
    args.extend_from_slice(extra);
    sidecar_live(&kubeconfig, &args)
}

#[test]
fn the_neutraliser_shows_what_the_fixture_holds() {
    // Guards the constants: the fixture holds HOSTILE, and SHOWN is how it is printed.
    let text = std::fs::read_to_string(pod_file()).unwrap();
    let pod: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        pod["status"]["initContainerStatuses"][0]["lastState"]["terminated"]["message"],
        HOSTILE
    );
    let out = offline("ls", &["--color", "never"]);
    assert!(out.ok().contains(&format!("message: pod message {SHOWN}")));
}

#[test]
fn every_command_and_text_format_offline_prints_no_raw_control() {
    for command in COMMANDS {
        for &format in text_formats(command) {
            for color in ["never", "always"] {
                let what = format!("{command} -o {format} --color {color} (offline)");
                let out = offline(command, &["-o", format, "--color", color]);
                check_text(&what, &out, expected_code(command), color == "always");
            }
        }
    }
}

#[test]
fn every_command_and_text_format_live_prints_no_raw_control() {
    let api = hostile_cluster();
    for command in COMMANDS {
        for &format in text_formats(command) {
            for color in ["never", "always"] {
                let what = format!("{command} -o {format} --color {color} (live)");
                let out = live(&api, command, &["-o", format, "--color", color]);
                check_text(&what, &out, expected_code(command), color == "always");
            }
        }
    }
    // diagnose reads the event and the crash-looping container's previous log live: both
    // carry the hostile text into evidence lines.
    let out = live(&api, "diagnose", &["--color", "never"]);
    assert!(
        out.stdout.contains(&format!(
            "Back-off restarting failed container agent {SHOWN}"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("fatal: {SHOWN}")),
        "{}",
        out.stdout
    );
}

#[test]
fn goldens_show_the_hostile_text_neutralised() {
    let api = hostile_cluster();
    for (command, format, golden) in [
        ("ls", "wide", "hostile/ls-wide.txt"),
        ("order", "table", "hostile/order.txt"),
        ("volumes", "wide", "hostile/volumes-wide.txt"),
    ] {
        let out = offline(command, &["-o", format]);
        assert_golden(golden, out.ok());
        // The same through the API server.
        let from_cluster = live(&api, command, &["-o", format]);
        assert_eq!(from_cluster.ok(), out.stdout, "{command} live vs offline");
    }
    let out = offline("diagnose", &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_golden("hostile/diagnose.txt", &out.stdout);
}

#[test]
fn json_and_yaml_keep_the_exact_strings() {
    let api = hostile_cluster();
    for command in COMMANDS {
        for format in ["json", "yaml"] {
            let yaml = format == "yaml";
            let what = format!("{command} -o {format} (offline)");
            let all = check_structured(
                &what,
                &offline(command, &["-o", format]),
                expected_code(command),
                yaml,
            );
            if command == "ls" {
                // The termination message itself, not only a string containing it.
                assert!(all.iter().any(|s| s == HOSTILE), "{what}");
            }
            let what = format!("{command} -o {format} (live)");
            check_structured(
                &what,
                &live(&api, command, &["-o", format]),
                expected_code(command),
                yaml,
            );
        }
    }
}

#[test]
fn logs_neutralise_prefixes_and_markers_but_print_lines_raw() {
    let api = hostile_cluster();
    for color in ["never", "always"] {
        let out = live(&api, "logs", &["--color", color]);
        // agent's line is printed as the container wrote it, like kubectl logs.
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains("log line"))
            .unwrap_or_else(|| panic!("no log line:\n{}", out.stdout));
        assert!(line.ends_with(&format!("log line {HOSTILE}")), "{line:?}");
        // app is waiting with a hostile reason: its marker line says so, neutralised.
        let marker = out
            .stdout
            .lines()
            .find(|l| l.contains("mallory-0/app"))
            .unwrap_or_else(|| panic!("no marker:\n{}", out.stdout));
        assert!(
            marker.contains(&format!("is waiting to start: PodInitializing{SHOWN}")),
            "{marker:?}"
        );
        let rest: String = out
            .stdout
            .lines()
            .filter(|l| !l.contains("log line"))
            .collect::<Vec<_>>()
            .join("\n");
        if color == "always" {
            assert_inert_colored("logs markers", &rest);
        } else {
            assert_inert("logs markers", &rest);
        }
        assert_inert("logs stderr", &out.stderr);
    }
    // --previous: the previous instance's line raw too.
    let out = live(&api, "logs", &["-p", "--color", "never"]);
    assert!(
        out.stdout.contains(&format!("fatal: {HOSTILE}")),
        "{}",
        out.stdout
    );

    // JSON lines: exact message, JSON-escaped.
    let out = live(&api, "logs", &["-o", "json"]);
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
    let messages: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("one object per line"))
        .filter_map(|v| v["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        messages.contains(&format!("log line {HOSTILE}")),
        "{messages:?}"
    );
    assert_inert("logs -o json stderr", &out.stderr);
}
