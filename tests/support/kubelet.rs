//! A stand-in kubelet for the envtest tier: HTTPS on 127.0.0.1, answering the API server's
//! `pods/log` proxy requests (`GET /containerLogs/NS/POD/CONTAINER`) with `follow`,
//! `previous`, `timestamps`, `tailLines`, `sinceTime` and `limitBytes`, the way a kubelet
//! does. Each container has instances (the current one last); a restart ends the current
//! instance (its followers see the end of the stream) and starts a new one.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use jiff::Timestamp;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

type Key = (String, String, String);

#[derive(Default)]
struct Instance {
    /// `(RFC 3339 timestamp, text)`.
    lines: Vec<(String, String)>,
    ended: bool,
}

#[derive(Default)]
struct Logs {
    containers: HashMap<Key, Vec<Instance>>,
}

#[derive(Clone)]
pub struct Kubelet {
    pub port: u16,
    state: Arc<(Mutex<Logs>, Condvar)>,
}

fn key(ns: &str, pod: &str, container: &str) -> Key {
    (ns.to_string(), pod.to_string(), container.to_string())
}

/// `"TIMESTAMP text"` → `(TIMESTAMP, text)`.
fn split(line: &str) -> (String, String) {
    let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
    (ts.to_string(), text.to_string())
}

impl Kubelet {
    /// Starts the server with a fresh self-signed certificate made by `openssl` in `dir`.
    pub fn start(dir: &Path) -> Kubelet {
        let cert = dir.join("kubelet.crt");
        let key = dir.join("kubelet.key");
        let status = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run openssl req for the kubelet certificate");
        assert!(status.success(), "openssl req failed");
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
            .expect("read kubelet cert")
            .collect::<Result<_, _>>()
            .expect("parse kubelet cert");
        let private = PrivateKeyDer::from_pem_file(&key).expect("read kubelet key");
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(certs, private)
                .expect("kubelet TLS config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind kubelet");
        let port = listener.local_addr().expect("kubelet addr").port();
        let kubelet = Kubelet {
            port,
            state: Arc::default(),
        };
        let serving = kubelet.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = config.clone();
                let kubelet = serving.clone();
                thread::spawn(move || kubelet.serve(config, stream));
            }
        });
        kubelet
    }

    /// Adds `lines` ("RFC3339 text") to the current instance of a container (the previous
    /// one with `previous`), creating the container's first instance if needed.
    pub fn log(&self, ns: &str, pod: &str, container: &str, previous: bool, lines: &[&str]) {
        let (lock, wake) = &*self.state;
        let mut logs = lock.lock().unwrap();
        let instances = logs.containers.entry(key(ns, pod, container)).or_default();
        if instances.is_empty() {
            instances.push(Instance::default());
        }
        if previous && instances.len() == 1 {
            instances.insert(
                0,
                Instance {
                    ended: true,
                    ..Instance::default()
                },
            );
        }
        let at = if previous {
            instances.len() - 2
        } else {
            instances.len() - 1
        };
        instances[at].lines.extend(lines.iter().map(|l| split(l)));
        wake.notify_all();
    }

    /// The container restarts: its current instance ends, a new empty one starts.
    pub fn restart(&self, ns: &str, pod: &str, container: &str) {
        let (lock, wake) = &*self.state;
        let mut logs = lock.lock().unwrap();
        let instances = logs.containers.entry(key(ns, pod, container)).or_default();
        if let Some(last) = instances.last_mut() {
            last.ended = true;
        }
        instances.push(Instance::default());
        wake.notify_all();
    }

    /// The container stops: followers of its current instance see the stream end.
    pub fn stop(&self, ns: &str, pod: &str, container: &str) {
        let (lock, wake) = &*self.state;
        let mut logs = lock.lock().unwrap();
        if let Some(last) = logs
            .containers
            .get_mut(&key(ns, pod, container))
            .and_then(|i| i.last_mut())
        {
            last.ended = true;
        }
        wake.notify_all();
    }

    fn serve(&self, config: Arc<ServerConfig>, stream: TcpStream) {
        let Ok(conn) = ServerConnection::new(config) else {
            return;
        };
        let mut tls = StreamOwned::new(conn, stream);
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match tls.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let target = head.split(' ').nth(1).unwrap_or("/").to_string();
        let _ = self.answer(&mut tls, &target);
        let _ = tls.flush();
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }

    fn answer(&self, out: &mut impl Write, target: &str) -> std::io::Result<()> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query: HashMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), decode(v)))
            .collect();
        let flag = |name: &str| query.get(name).is_some_and(|v| v == "true" || v == "1");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let ["containerLogs", ns, pod, container] = parts[..] else {
            return respond(out, 404, "404 page not found");
        };
        let previous = flag("previous");
        let since = query
            .get("sinceTime")
            .and_then(|t| t.parse::<Timestamp>().ok());
        let tail = query.get("tailLines").and_then(|t| t.parse::<usize>().ok());
        let mut budget = query
            .get("limitBytes")
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let timestamps = flag("timestamps");
        let follow = flag("follow") && !previous;
        let k = key(ns, pod, container);

        let (lock, wake) = &*self.state;
        let mut logs = lock.lock().unwrap();
        let count = logs.containers.get(&k).map_or(0, Vec::len);
        let index = match (previous, count) {
            (true, n) if n >= 2 => n - 2,
            (false, n) if n >= 1 => n - 1,
            (true, _) => {
                return respond(
                    out,
                    400,
                    &format!(
                        "previous terminated container \"{container}\" in pod \"{pod}\" not found"
                    ),
                );
            }
            (false, _) => {
                return respond(
                    out,
                    400,
                    &format!(
                        "container \"{container}\" in pod \"{pod}\" is waiting to start: ContainerCreating"
                    ),
                );
            }
        };
        out.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        )?;
        let keep = |ts: &str| since.is_none_or(|s| ts.parse::<Timestamp>().is_ok_and(|t| t >= s));
        let lines = &logs.containers[&k][index].lines;
        let kept: Vec<usize> = (0..lines.len()).filter(|i| keep(&lines[*i].0)).collect();
        let skip = tail.map_or(0, |t| kept.len().saturating_sub(t));
        let mut sent = lines.len();
        let mut chunk = String::new();
        for i in kept.into_iter().skip(skip) {
            push_line(&mut chunk, &lines[i], timestamps);
        }
        write_chunk(out, &chunk, &mut budget)?;
        if !follow {
            return out.write_all(b"0\r\n\r\n");
        }
        loop {
            let instance = &logs.containers[&k][index];
            if instance.lines.len() > sent {
                let mut chunk = String::new();
                for line in &instance.lines[sent..] {
                    if keep(&line.0) {
                        push_line(&mut chunk, line, timestamps);
                    }
                }
                sent = instance.lines.len();
                drop(logs);
                write_chunk(out, &chunk, &mut budget)?;
                logs = lock.lock().unwrap();
                continue;
            }
            if instance.ended || budget == 0 {
                break;
            }
            logs = wake
                .wait_timeout(logs, Duration::from_millis(200))
                .unwrap()
                .0;
        }
        drop(logs);
        out.write_all(b"0\r\n\r\n")
    }
}

fn push_line(chunk: &mut String, (ts, text): &(String, String), timestamps: bool) {
    if timestamps {
        chunk.push_str(ts);
        chunk.push(' ');
    }
    chunk.push_str(text);
    chunk.push('\n');
}

fn write_chunk(out: &mut impl Write, text: &str, budget: &mut usize) -> std::io::Result<()> {
    let mut bytes = text.as_bytes();
    if bytes.len() > *budget {
        bytes = &bytes[..*budget];
    }
    *budget -= bytes.len();
    if bytes.is_empty() {
        return Ok(());
    }
    write!(out, "{:x}\r\n", bytes.len())?;
    out.write_all(bytes)?;
    out.write_all(b"\r\n")?;
    out.flush()
}

fn respond(out: &mut impl Write, code: u16, body: &str) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {code} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        if code == 404 {
            "Not Found"
        } else {
            "Bad Request"
        },
        body.len()
    )
}

/// Percent-decoding of a query value (`+` is a space).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
                continue;
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
