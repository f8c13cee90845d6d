//! Tests of the fake API server itself, spoken to over raw HTTP/1.1 so that the harness the
//! other integration tests rely on is itself trustworthy.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use support::fake_api::{FakeApi, FakeApiBuilder};

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client
// ---------------------------------------------------------------------------------------------

/// A response as read off the wire.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The chunks, when the body was sent with chunked transfer encoding.
    chunks: Option<Vec<Vec<u8>>>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    /// Names of the items of a list response, in order.
    fn item_names(&self) -> Vec<String> {
        let list = self.json();
        assert_eq!(self.status, 200, "{list}");
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item["metadata"]["name"].as_str().expect("name").to_string())
            .collect()
    }

    /// Asserts a `Status` error with this code, reason and message.
    fn assert_status(&self, code: u16, reason: &str, message: &str) -> Value {
        let status = self.json();
        assert_eq!(self.status, code, "{status}");
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(status["kind"], "Status", "{status}");
        assert_eq!(status["apiVersion"], "v1", "{status}");
        assert_eq!(status["metadata"], json!({}), "{status}");
        assert_eq!(status["status"], "Failure", "{status}");
        assert_eq!(status["code"], code, "{status}");
        assert_eq!(status["reason"], reason, "{status}");
        assert_eq!(status["message"], message, "{status}");
        status
    }
}

/// One client connection, able to send several requests (keep-alive).
struct RawClient {
    reader: BufReader<TcpStream>,
}

impl RawClient {
    fn connect(api: &FakeApi) -> RawClient {
        RawClient::connect_url(&api.url())
    }

    fn connect_url(url: &str) -> RawClient {
        let addr = url.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).expect("connect to the fake API");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        RawClient {
            reader: BufReader::new(stream),
        }
    }

    /// Sends a request with the given extra header lines and reads the response.
    fn send(&mut self, method: &str, target: &str, headers: &[&str]) -> RawResponse {
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        );
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        self.send_raw(request.as_bytes())
    }

    fn send_raw(&mut self, bytes: &[u8]) -> RawResponse {
        self.reader
            .get_mut()
            .write_all(bytes)
            .expect("send request");
        self.read_response()
    }

    fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read line");
        assert!(line.ends_with("\r\n"), "line without CRLF: {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    fn read_response(&mut self) -> RawResponse {
        let status_line = self.read_line();
        let mut parts = status_line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
        let status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let mut headers = Vec::new();
        loop {
            let line = self.read_line();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header");
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
            chunks: None,
        };
        if response.header("transfer-encoding") == Some("chunked") {
            let mut chunks = Vec::new();
            loop {
                let size = usize::from_str_radix(&self.read_line(), 16).expect("chunk size");
                if size == 0 {
                    assert_eq!(self.read_line(), "", "no trailers expected");
                    break;
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk).expect("chunk data");
                assert_eq!(self.read_line(), "", "CRLF after chunk");
                response.body.extend_from_slice(&chunk);
                chunks.push(chunk);
            }
            response.chunks = Some(chunks);
        } else {
            let length: usize = response
                .header("content-length")
                .expect("Content-Length")
                .parse()
                .expect("length");
            response.body = vec![0; length];
            self.reader.read_exact(&mut response.body).expect("body");
        }
        response
    }

    /// Whether the server has closed the connection.
    fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}

const AUTH: &str = "Authorization: Bearer fake-token";

/// GET with the right token on a fresh connection.
fn get(api: &FakeApi, target: &str) -> RawResponse {
    RawClient::connect(api).send("GET", target, &[AUTH])
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn pod(namespace: &str, name: &str, labels: Value, phase: &str, node: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "uid": format!("uid-{namespace}-{name}"),
            "resourceVersion": "500",
            "creationTimestamp": "2026-11-23T10:00:00Z",
        },
        "spec": {
            "nodeName": node,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "serviceAccountName": "default",
            "containers": [{"name": "app", "image": "example/app:1.0"}],
        },
        "status": {
            "phase": phase,
            "podIP": "10.0.0.7",
            "podIPs": [{"ip": "10.0.0.7"}],
            "containerStatuses": [{
                "name": "app",
                "ready": true,
                "restartCount": 0,
                "containerID": "containerd://app-1",
                "state": {"running": {"startedAt": "2026-11-23T10:00:05Z"}},
            }],
        },
    })
}

/// A pod with a completed init container, a native sidecar, a main container and a classic
/// sidecar that restarted, like docs/pod-shape-example.json.
fn webserver_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "webserver", "namespace": "shop", "uid": "uid-webserver", "resourceVersion": "600"},
        "spec": {
            "nodeName": "node-1",
            "initContainers": [
                {"name": "setup", "image": "busybox:1.36"},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.30.0", "restartPolicy": "Always"},
            ],
            "containers": [
                {"name": "app", "image": "example/app:1.0"},
                {"name": "shipper", "image": "fluent/fluent-bit:3.0"},
            ],
        },
        "status": {
            "phase": "Running",
            "initContainerStatuses": [
                {"name": "setup", "ready": true, "started": false, "restartCount": 0, "containerID": "containerd://setup-1",
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "containerd://setup-1"}}},
                {"name": "proxy", "ready": true, "started": true, "restartCount": 0, "containerID": "containerd://proxy-1",
                 "state": {"running": {"startedAt": "2026-11-23T10:00:02Z"}}},
            ],
            "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 0, "containerID": "containerd://app-1",
                 "state": {"running": {"startedAt": "2026-11-23T10:00:03Z"}}},
                {"name": "shipper", "ready": true, "restartCount": 3, "containerID": "containerd://shipper-4",
                 "state": {"running": {"startedAt": "2026-11-23T10:05:00Z"}},
                 "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": "containerd://shipper-3"}}},
            ],
        },
    })
}

fn event(name: &str, involved: &str, field_path: &str, reason: &str, kind: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": involved, "uid": format!("uid-shop-{involved}"),
                           "apiVersion": "v1", "fieldPath": field_path},
        "reason": reason,
        "message": format!("{reason} happened"),
        "type": kind,
        "count": 1,
        "source": {"component": "kubelet", "host": "node-1"},
    })
}

fn deployment(namespace: &str, name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}},
    })
}

/// Pods for selector tests, all in namespace `shop`.
fn selector_api() -> FakeApi {
    FakeApi::builder()
        .object(pod(
            "shop",
            "a",
            json!({"app": "web", "tier": "front"}),
            "Running",
            "node-1",
        ))
        .object(pod(
            "shop",
            "b",
            json!({"app": "web", "tier": "back"}),
            "Pending",
            "node-2",
        ))
        .object(pod("shop", "c", json!({"app": "db"}), "Running", "node-2"))
        .object(pod("shop", "d", json!({}), "Succeeded", "node-1"))
        .object(pod(
            "other",
            "e",
            json!({"app": "web"}),
            "Running",
            "node-1",
        ))
        .start()
}

// ---------------------------------------------------------------------------------------------
// Lists, paging, selectors
// ---------------------------------------------------------------------------------------------

#[test]
fn version_is_a_1_36_server() {
    let api = FakeApi::builder().start();
    let version = get(&api, "/version").json();
    assert_eq!(version["major"], "1");
    assert_eq!(version["minor"], "36");
    assert_eq!(version["gitVersion"], "v1.36.2");
    assert_eq!(version["emulationMinor"], "36");
    assert_eq!(version["minCompatibilityMinor"], "35");
}

#[test]
fn list_pages_with_limit_and_continue() {
    let mut builder =
        FakeApi::builder().object(pod("other", "zzz", json!({}), "Running", "node-1"));
    for i in [3, 0, 4, 1, 2] {
        builder = builder.object(pod(
            "load",
            &format!("load-{i}"),
            json!({}),
            "Running",
            "node-1",
        ));
    }
    let api = builder.start();

    let first = get(&api, "/api/v1/namespaces/load/pods?limit=2");
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.item_names(), ["load-0", "load-1"]);
    let first = first.json();
    assert_eq!(first["kind"], "PodList");
    assert_eq!(first["apiVersion"], "v1");
    assert_eq!(first["metadata"]["remainingItemCount"], 3);
    let rv = first["metadata"]["resourceVersion"]
        .as_str()
        .expect("resourceVersion")
        .to_string();
    assert!(rv.parse::<u64>().is_ok(), "{rv}");
    let item = &first["items"][0];
    assert!(
        item.get("kind").is_none() && item.get("apiVersion").is_none(),
        "{item}"
    );
    let token = first["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_string();
    assert!(
        token.starts_with("eyJ2Ij"),
        "looks like a real token: {token}"
    );

    let second = get(
        &api,
        &format!("/api/v1/namespaces/load/pods?limit=2&continue={token}"),
    );
    assert_eq!(second.item_names(), ["load-2", "load-3"]);
    let second = second.json();
    assert_eq!(second["metadata"]["remainingItemCount"], 1);
    assert_eq!(second["metadata"]["resourceVersion"], rv.as_str());
    let token = second["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_string();

    let third = get(
        &api,
        &format!("/api/v1/namespaces/load/pods?limit=2&continue={token}"),
    );
    assert_eq!(third.item_names(), ["load-4"]);
    let third = third.json();
    assert!(third["metadata"].get("continue").is_none(), "{third}");
    assert!(
        third["metadata"].get("remainingItemCount").is_none(),
        "{third}"
    );

    // Without a limit everything comes at once; a limit larger than the list gives no continue.
    assert_eq!(
        get(&api, "/api/v1/namespaces/load/pods").item_names().len(),
        5
    );
    let all = get(&api, "/api/v1/namespaces/load/pods?limit=500").json();
    assert!(all["metadata"].get("continue").is_none());
}

#[test]
fn paging_with_a_selector_omits_remaining_item_count() {
    let api = selector_api();
    let page = get(
        &api,
        "/api/v1/namespaces/shop/pods?limit=1&labelSelector=app%3Dweb",
    );
    assert_eq!(page.item_names(), ["a"]);
    let page = page.json();
    assert!(
        page["metadata"].get("remainingItemCount").is_none(),
        "{page}"
    );
    let token = page["metadata"]["continue"].as_str().expect("continue");
    let next = get(
        &api,
        &format!("/api/v1/namespaces/shop/pods?limit=1&labelSelector=app%3Dweb&continue={token}"),
    );
    assert_eq!(next.item_names(), ["b"]);
    assert!(next.json()["metadata"].get("continue").is_none());
}

#[test]
fn garbage_continue_token_is_a_bad_request() {
    let api = selector_api();
    let response = get(
        &api,
        "/api/v1/namespaces/shop/pods?limit=1&continue=not!base64",
    );
    let status = response.json();
    assert_eq!(response.status, 400);
    assert_eq!(status["reason"], "BadRequest");
    let message = status["message"].as_str().expect("message");
    assert!(
        message.starts_with("invalid continue token: continue key is not valid"),
        "{message}"
    );

    // Valid base64 of JSON without the version is rejected too.
    let response = get(&api, "/api/v1/namespaces/shop/pods?continue=e30"); // "{}"
    response.assert_status(
        400,
        "BadRequest",
        "invalid continue token: continue key is not valid: server does not recognize this encoded version ",
    );
}

#[test]
fn lists_are_in_etcd_key_order_and_cluster_wide_lists_span_namespaces() {
    let api = FakeApi::builder()
        .object(pod("b", "x", json!({}), "Running", "node-1"))
        .object(pod("a", "y", json!({}), "Running", "node-1"))
        .object(pod("a", "x", json!({}), "Running", "node-1"))
        .object(pod("a-b", "z", json!({}), "Running", "node-1"))
        .object(deployment("b", "web"))
        .object(deployment("a", "web"))
        .start();
    let pods = get(&api, "/api/v1/pods");
    let namespaces: Vec<String> = pods.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["namespace"].as_str().unwrap().into())
        .collect();
    // Keys are "namespace/name": "a-b/z" sorts before "a/x" because '-' < '/'.
    assert_eq!(namespaces, ["a-b", "a", "a", "b"]);
    assert_eq!(pods.item_names(), ["z", "x", "y", "x"]);

    let deployments = get(&api, "/apis/apps/v1/deployments").json();
    assert_eq!(deployments["kind"], "DeploymentList");
    assert_eq!(deployments["apiVersion"], "apps/v1");
    assert_eq!(deployments["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        get(&api, "/apis/apps/v1/namespaces/a/deployments").item_names(),
        ["web"]
    );
    assert_eq!(
        get(&api, "/apis/batch/v1/jobs").item_names(),
        Vec::<String>::new()
    );
}

#[test]
fn label_selectors_follow_the_kubernetes_grammar() {
    let api = selector_api();
    let cases = [
        ("app=web", vec!["a", "b"]),
        ("app==web", vec!["a", "b"]),
        ("app!=web", vec!["c", "d"]),
        ("app in (web,db)", vec!["a", "b", "c"]),
        ("app notin (web)", vec!["c", "d"]),
        ("tier", vec!["a", "b"]),
        ("!tier", vec!["c", "d"]),
        ("app=web,tier=back", vec!["b"]),
        ("app in (web), !tier", vec![]),
        ("", vec!["a", "b", "c", "d"]),
    ];
    for (selector, expected) in cases {
        let encoded = selector
            .replace(' ', "+")
            .replace('=', "%3D")
            .replace(',', "%2C")
            .replace('!', "%21");
        let names = get(
            &api,
            &format!("/api/v1/namespaces/shop/pods?labelSelector={encoded}"),
        )
        .item_names();
        assert_eq!(names, expected, "labelSelector={selector}");
    }
}

#[test]
fn malformed_label_selectors_are_rejected_with_the_parser_message() {
    let api = selector_api();
    let cases = [
        (
            "app%3D%3D%3Dweb",
            "unable to parse requirement: found '=', expected: identifier",
        ),
        (
            "app+in+web",
            "unable to parse requirement: found 'web' expected: '('",
        ),
        (
            "%3Dweb",
            "found '=', expected: !, identifier, or 'end of string'",
        ),
        ("app%3Dweb%2C", "found '', expected: identifier after ','"),
    ];
    for (selector, message) in cases {
        get(
            &api,
            &format!("/api/v1/namespaces/shop/pods?labelSelector={selector}"),
        )
        .assert_status(400, "BadRequest", message);
    }
    let invalid_value = get(
        &api,
        "/api/v1/namespaces/shop/pods?labelSelector=app%3D-web",
    )
    .json();
    let message = invalid_value["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            r#"unable to parse requirement: values[0][app]: Invalid value: "-web": a valid label"#
        ),
        "{message}"
    );
}

#[test]
fn field_selectors_filter_pods() {
    let api = selector_api();
    let cases = [
        ("status.phase=Running", vec!["a", "c"]),
        ("spec.nodeName!=node-1", vec!["b", "c"]),
        ("metadata.name==d", vec!["d"]),
        ("metadata.namespace=shop,status.phase=Pending", vec!["b"]),
        (
            "spec.restartPolicy=Always,spec.schedulerName=default-scheduler",
            vec!["a", "b", "c", "d"],
        ),
        (
            "status.podIP=10.0.0.7,spec.serviceAccountName=default",
            vec!["a", "b", "c", "d"],
        ),
        ("status.nominatedNodeName=", vec!["a", "b", "c", "d"]),
    ];
    for (selector, expected) in cases {
        let encoded = selector
            .replace('=', "%3D")
            .replace(',', "%2C")
            .replace('!', "%21");
        let names = get(
            &api,
            &format!("/api/v1/namespaces/shop/pods?fieldSelector={encoded}"),
        )
        .item_names();
        assert_eq!(names, expected, "fieldSelector={selector}");
    }
    // Combined with a label selector, across namespaces.
    let names = get(
        &api,
        "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dnode-1",
    )
    .item_names();
    assert_eq!(names, ["e", "a"]);
}

#[test]
fn unsupported_or_malformed_field_selectors_are_bad_requests() {
    let api = selector_api();
    get(&api, "/api/v1/namespaces/shop/pods?fieldSelector=foo%3Dbar").assert_status(
        400,
        "BadRequest",
        "field label not supported: foo",
    );
    // Event fields are not pod fields.
    get(&api, "/api/v1/pods?fieldSelector=involvedObject.name%3Da").assert_status(
        400,
        "BadRequest",
        "field label not supported: involvedObject.name",
    );
    get(
        &api,
        "/apis/apps/v1/deployments?fieldSelector=status.phase%3DRunning",
    )
    .assert_status(400, "BadRequest", "field label not supported: status.phase");
    get(&api, "/api/v1/pods?fieldSelector=status.phase").assert_status(
        400,
        "BadRequest",
        "invalid selector: 'status.phase'; can't understand 'status.phase'",
    );
}

#[test]
fn events_filter_by_involved_object() {
    let api = FakeApi::builder()
        .object(event(
            "web.1",
            "web",
            "spec.containers{app}",
            "Started",
            "Normal",
        ))
        .object(event(
            "web.2",
            "web",
            "spec.initContainers{proxy}",
            "BackOff",
            "Warning",
        ))
        .object(event(
            "db.1",
            "db",
            "spec.containers{db}",
            "Started",
            "Normal",
        ))
        .start();
    let names = |query: &str| {
        get(
            &api,
            &format!("/api/v1/namespaces/shop/events?fieldSelector={query}"),
        )
        .item_names()
    };
    assert_eq!(names("involvedObject.name%3Dweb"), ["web.1", "web.2"]);
    assert_eq!(
        names("involvedObject.name%3Dweb%2Ctype%3DWarning"),
        ["web.2"]
    );
    assert_eq!(
        names("involvedObject.fieldPath%3Dspec.initContainers%7Bproxy%7D"),
        ["web.2"]
    );
    assert_eq!(
        names("involvedObject.kind%3DPod%2Creason%3DStarted"),
        ["db.1", "web.1"]
    );
    assert_eq!(names("involvedObject.uid%3Duid-shop-db"), ["db.1"]);
    assert_eq!(
        names(
            "source%3Dkubelet%2CinvolvedObject.namespace%3Dshop%2CinvolvedObject.apiVersion%3Dv1"
        )
        .len(),
        3
    );
    let list = get(&api, "/api/v1/events").json();
    assert_eq!(list["kind"], "EventList");
}

#[test]
fn namespaces_are_derived_from_objects() {
    let api = FakeApi::builder()
        .object(pod("shop", "a", json!({}), "Running", "node-1"))
        .object(deployment("payments", "api"))
        .object(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nameless-ns"}}))
        .start();
    let list = get(&api, "/api/v1/namespaces");
    assert_eq!(list.item_names(), ["default", "payments", "shop"]);
    assert_eq!(list.json()["kind"], "NamespaceList");
    let shop = get(&api, "/api/v1/namespaces/shop").json();
    assert_eq!(shop["kind"], "Namespace");
    assert_eq!(shop["status"]["phase"], "Active");
    assert_eq!(
        shop["metadata"]["creationTimestamp"],
        "2026-11-23T10:00:00Z"
    );
    // The pod without namespace landed in `default` and got a uid and resourceVersion.
    let pod = get(&api, "/api/v1/namespaces/default/pods/nameless-ns").json();
    assert!(
        pod["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| u.len() == 36),
        "{pod}"
    );
    assert!(
        pod["metadata"]["resourceVersion"].as_str().is_some(),
        "{pod}"
    );
    let missing = get(&api, "/api/v1/namespaces/nope").assert_status(
        404,
        "NotFound",
        r#"namespaces "nope" not found"#,
    );
    assert_eq!(
        missing["details"],
        json!({"name": "nope", "kind": "namespaces"})
    );
}

#[test]
fn lists_accept_typed_and_generic_list_fixtures() {
    let dir = std::env::temp_dir().join(format!("fake-api-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let pod_list = json!({"apiVersion": "v1", "kind": "PodList", "items": [
        {"metadata": {"name": "p1", "namespace": "shop"}, "spec": {"containers": []}},
    ]});
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [deployment("shop", "web")]});
    std::fs::write(dir.join("pods.json"), pod_list.to_string()).unwrap();
    std::fs::write(dir.join("nested/list.json"), list.to_string()).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a fixture").unwrap();
    let api = FakeApi::builder().fixtures_dir(&dir).start();
    assert_eq!(
        get(&api, "/api/v1/namespaces/shop/pods").item_names(),
        ["p1"]
    );
    assert_eq!(
        get(&api, "/apis/apps/v1/namespaces/shop/deployments").item_names(),
        ["web"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Gets and errors
// ---------------------------------------------------------------------------------------------

#[test]
fn get_returns_the_object_with_kind_and_api_version() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .object(deployment("shop", "web"))
        .start();
    let pod = get(&api, "/api/v1/namespaces/shop/pods/webserver").json();
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["metadata"]["uid"], "uid-webserver");
    let deploy = get(&api, "/apis/apps/v1/namespaces/shop/deployments/web").json();
    assert_eq!(deploy["kind"], "Deployment");
    assert_eq!(deploy["apiVersion"], "apps/v1");
}

#[test]
fn get_of_a_missing_object_is_a_not_found_status() {
    let api = FakeApi::builder().object(webserver_pod()).start();
    let status = get(&api, "/api/v1/namespaces/shop/pods/nope").assert_status(
        404,
        "NotFound",
        r#"pods "nope" not found"#,
    );
    assert_eq!(status["details"], json!({"name": "nope", "kind": "pods"}));

    let status = get(&api, "/apis/apps/v1/namespaces/shop/deployments/nope").assert_status(
        404,
        "NotFound",
        r#"deployments.apps "nope" not found"#,
    );
    assert_eq!(
        status["details"],
        json!({"name": "nope", "group": "apps", "kind": "deployments"})
    );
    get(&api, "/apis/batch/v1/namespaces/shop/cronjobs/nope").assert_status(
        404,
        "NotFound",
        r#"cronjobs.batch "nope" not found"#,
    );
    // Unknown resources and paths.
    get(&api, "/api/v1/namespaces/shop/services").assert_status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    );
    get(&api, "/healthz/nope").assert_status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    );
}

#[test]
fn requests_without_the_token_are_unauthorized() {
    let api = FakeApi::builder()
        .token("s3cret")
        .object(webserver_pod())
        .start();
    let mut client = RawClient::connect(&api);
    client
        .send("GET", "/api/v1/namespaces/shop/pods", &[])
        .assert_status(401, "Unauthorized", "Unauthorized");
    client
        .send(
            "GET",
            "/api/v1/namespaces/shop/pods",
            &["Authorization: Bearer fake-token"],
        )
        .assert_status(401, "Unauthorized", "Unauthorized");
    client
        .send("GET", "/version", &["Authorization: Basic czNjcmV0"])
        .assert_status(401, "Unauthorized", "Unauthorized");
    let ok = client.send(
        "GET",
        "/api/v1/namespaces/shop/pods",
        &["Authorization: Bearer s3cret"],
    );
    assert_eq!(ok.item_names(), ["webserver"]);
}

#[test]
fn forbidden_namespace_answers_like_rbac() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .object(pod("public", "p", json!({}), "Running", "node-1"))
        .object(deployment("shop", "web"))
        .forbid_namespace("shop")
        .start();
    let status = get(&api, "/api/v1/namespaces/shop/pods").assert_status(
        403,
        "Forbidden",
        r#"pods is forbidden: User "viewer" cannot list resource "pods" in API group "" in the namespace "shop""#,
    );
    assert_eq!(status["details"], json!({"kind": "pods"}));
    let status = get(&api, "/api/v1/namespaces/shop/pods/webserver").assert_status(
        403,
        "Forbidden",
        r#"pods "webserver" is forbidden: User "viewer" cannot get resource "pods" in API group "" in the namespace "shop""#,
    );
    assert_eq!(
        status["details"],
        json!({"name": "webserver", "kind": "pods"})
    );
    get(&api, "/api/v1/namespaces/shop/pods/webserver/log?container=app").assert_status(
        403,
        "Forbidden",
        r#"pods "webserver" is forbidden: User "viewer" cannot get resource "pods/log" in API group "" in the namespace "shop""#,
    );
    get(&api, "/apis/apps/v1/namespaces/shop/deployments").assert_status(
        403,
        "Forbidden",
        r#"deployments.apps is forbidden: User "viewer" cannot list resource "deployments" in API group "apps" in the namespace "shop""#,
    );
    get(&api, "/api/v1/namespaces/shop/events?watch=1").assert_status(
        403,
        "Forbidden",
        r#"events is forbidden: User "viewer" cannot watch resource "events" in API group "" in the namespace "shop""#,
    );
    get(&api, "/api/v1/namespaces/shop").assert_status(
        403,
        "Forbidden",
        r#"namespaces "shop" is forbidden: User "viewer" cannot get resource "namespaces" in API group "" in the namespace "shop""#,
    );
    // Other namespaces and cluster-wide lists still work.
    assert_eq!(
        get(&api, "/api/v1/namespaces/public/pods").item_names(),
        ["p"]
    );
    assert_eq!(get(&api, "/api/v1/pods").item_names(), ["p", "webserver"]);
}

#[test]
fn forbidden_resource_answers_like_rbac_in_every_namespace() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .object(deployment("shop", "web"))
        .object(deployment("public", "site"))
        .forbid_resource("deployments")
        .start();
    let status = get(&api, "/apis/apps/v1/namespaces/shop/deployments/web").assert_status(
        403,
        "Forbidden",
        r#"deployments.apps "web" is forbidden: User "viewer" cannot get resource "deployments" in API group "apps" in the namespace "shop""#,
    );
    assert_eq!(
        status["details"],
        json!({"name": "web", "group": "apps", "kind": "deployments"})
    );
    // Denied before the lookup, like RBAC: a missing object is forbidden too, not 404.
    get(&api, "/apis/apps/v1/namespaces/public/deployments/nope").assert_status(
        403,
        "Forbidden",
        r#"deployments.apps "nope" is forbidden: User "viewer" cannot get resource "deployments" in API group "apps" in the namespace "public""#,
    );
    get(&api, "/apis/apps/v1/deployments").assert_status(
        403,
        "Forbidden",
        r#"deployments.apps is forbidden: User "viewer" cannot list resource "deployments" in API group "apps" at the cluster scope"#,
    );
    // Other resources of the namespace are served.
    assert_eq!(
        get(&api, "/api/v1/namespaces/shop/pods").item_names(),
        ["webserver"]
    );
}

#[test]
fn forbidden_cluster_scope_answers_like_rbac() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .forbid_cluster_scope()
        .start();
    get(&api, "/api/v1/pods").assert_status(
        403,
        "Forbidden",
        r#"pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope"#,
    );
    get(&api, "/apis/batch/v1/jobs").assert_status(
        403,
        "Forbidden",
        r#"jobs.batch is forbidden: User "viewer" cannot list resource "jobs" in API group "batch" at the cluster scope"#,
    );
    get(&api, "/api/v1/namespaces").assert_status(
        403,
        "Forbidden",
        r#"namespaces is forbidden: User "viewer" cannot list resource "namespaces" in API group "" at the cluster scope"#,
    );
    assert_eq!(
        get(&api, "/api/v1/namespaces/shop/pods").item_names(),
        ["webserver"]
    );
}

#[test]
fn only_get_is_allowed_and_other_methods_are_still_recorded() {
    let api = FakeApi::builder().object(webserver_pod()).start();
    let mut client = RawClient::connect(&api);
    for method in ["POST", "DELETE", "PATCH", "PUT"] {
        let body = "{}";
        let request = format!(
            "{method} /api/v1/namespaces/shop/pods/webserver HTTP/1.1\r\nHost: x\r\n{AUTH}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        client.send_raw(request.as_bytes()).assert_status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        );
    }
    let methods: Vec<String> = api.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "DELETE", "PATCH", "PUT"]);
}

#[test]
fn injected_failures_match_the_path_prefix() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .fail_path("/api/v1/namespaces/shop/events", 500)
        .fail_path("/apis/apps", 503)
        .start();
    get(
        &api,
        "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dwebserver",
    )
    .assert_status(
        500,
        "InternalError",
        "Internal error occurred: injected failure",
    );
    get(&api, "/apis/apps/v1/deployments").assert_status(
        503,
        "ServiceUnavailable",
        "injected failure",
    );
    assert_eq!(get(&api, "/api/v1/namespaces/shop/pods").status, 200);
}

#[test]
fn injected_410_is_the_real_servers_expired_continue() {
    // As a v1.36.2 server answered a continue token after etcd compacted its revision.
    let api = FakeApi::builder()
        .object(webserver_pod())
        .fail_path("/api/v1/pods", 410)
        .start();
    get(&api, "/api/v1/pods?limit=1&continue=x").assert_status(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
}

#[test]
fn throttling_answers_429_with_retry_after_for_the_first_requests_only() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .throttle_first("/api/v1/namespaces/shop/pods", 2)
        .start();
    for _ in 0..2 {
        let response = get(&api, "/api/v1/namespaces/shop/pods");
        let status = response.assert_status(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        );
        assert_eq!(status["details"]["retryAfterSeconds"], 1);
        assert_eq!(response.header("retry-after"), Some("1"));
    }
    // Other paths are untouched, and the third request to the prefix succeeds.
    assert_eq!(get(&api, "/api/v1/pods").status, 200);
    assert_eq!(get(&api, "/api/v1/namespaces/shop/pods").status, 200);
    assert_eq!(api.requests().len(), 4, "every request is recorded");
}

#[test]
fn failing_first_requests_then_serving_normally() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .fail_first("/api/v1/namespaces/shop/pods", 1, 500)
        .start();
    get(&api, "/api/v1/namespaces/shop/pods/webserver").assert_status(
        500,
        "InternalError",
        "Internal error occurred: injected failure",
    );
    assert_eq!(
        get(&api, "/api/v1/namespaces/shop/pods/webserver").status,
        200
    );
}

#[test]
fn dropped_connections_get_no_response_then_the_server_recovers() {
    let api = FakeApi::builder()
        .object(webserver_pod())
        .drop_first("/api/v1/namespaces/shop/pods", 1)
        .start();
    let mut client = RawClient::connect(&api);
    client
        .reader
        .get_mut()
        .write_all(b"GET /api/v1/namespaces/shop/pods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer fake-token\r\n\r\n")
        .expect("send request");
    assert!(
        client.is_closed(),
        "the connection is closed without a response"
    );
    assert_eq!(get(&api, "/api/v1/namespaces/shop/pods").status, 200);
    assert_eq!(api.requests().len(), 2, "the dropped request is recorded");
}

#[test]
fn latency_delays_every_answer() {
    let api = FakeApi::builder()
        .latency(Duration::from_millis(300))
        .start();
    let started = std::time::Instant::now();
    assert_eq!(get(&api, "/version").status, 200);
    assert_eq!(get(&api, "/version").status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn discovery_documents_and_anonymous_access_for_kubectl() {
    let api = FakeApi::builder().object(webserver_pod()).start();
    assert_eq!(get(&api, "/api").json()["versions"], json!(["v1"]));
    let groups = get(&api, "/apis").json();
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(names, ["apps", "batch", "metrics.k8s.io"]);
    let core = get(&api, "/api/v1").json();
    assert_eq!(core["kind"], "APIResourceList");
    assert!(
        core["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["name"] == "pods" && r["namespaced"] == true)
    );
    assert_eq!(
        get(&api, "/apis/batch/v1").json()["groupVersion"],
        "batch/v1"
    );
    assert_eq!(get(&api, "/apis/nope/v1").status, 404);

    // Without a token: 401, unless anonymous access is on.
    let mut client = RawClient::connect(&api);
    assert_eq!(client.send("GET", "/api/v1/pods", &[]).status, 401);
    let api = FakeApi::builder()
        .object(webserver_pod())
        .allow_anonymous()
        .start();
    let mut client = RawClient::connect(&api);
    assert_eq!(client.send("GET", "/api/v1/pods", &[]).status, 200);
    let mut client = RawClient::connect(&api);
    let wrong = client.send("GET", "/api/v1/pods", &["Authorization: Bearer wrong"]);
    assert_eq!(wrong.status, 401, "a wrong token is still rejected");
}

#[test]
fn malformed_requests_get_a_bad_request_and_the_server_keeps_going() {
    let api = FakeApi::builder().start();
    let mut client = RawClient::connect(&api);
    let response = client.send_raw(b"this is not http\r\n\r\n");
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["kind"], "Status");
    assert!(client.is_closed());
    assert_eq!(get(&api, "/version").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Watch
// ---------------------------------------------------------------------------------------------

#[test]
fn watch_streams_added_events_then_ends() {
    let api = selector_api();
    let mut client = RawClient::connect(&api);
    let response = client.send(
        "GET",
        "/api/v1/namespaces/shop/pods?watch=1&labelSelector=app%3Dweb&timeoutSeconds=5",
        &[AUTH],
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    let events: Vec<Value> = response
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect();
    assert_eq!(events.len(), 2);
    for (event, name) in events.iter().zip(["a", "b"]) {
        assert_eq!(event["type"], "ADDED");
        assert_eq!(event["object"]["kind"], "Pod");
        assert_eq!(event["object"]["apiVersion"], "v1");
        assert_eq!(event["object"]["metadata"]["name"], name);
    }
    // The connection stays usable after the stream ends.
    let single = client.send(
        "GET",
        "/api/v1/namespaces/shop/pods?watch=true&fieldSelector=metadata.name%3Dc",
        &[AUTH],
    );
    assert_eq!(single.text().lines().count(), 1);

    let watch_list = get(
        &api,
        "/api/v1/namespaces/shop/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan",
    );
    let last: Value = serde_json::from_str(watch_list.text().lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "BOOKMARK");
    assert_eq!(
        last["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

/// A live server's watch from a resourceVersion: the changes since then and each later change
/// (ADDED, MODIFIED, DELETED), a BOOKMARK for a revision that changes nothing selected, the
/// end after timeoutSeconds, and 410 Expired once that version is compacted.
#[test]
fn watch_from_a_resource_version_streams_changes_bookmarks_and_410() {
    let api = FakeApi::builder()
        .live_follow()
        .object(pod("shop", "a", json!({"app": "web"}), "Running", "node-1"))
        .start();
    let list = get(&api, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb");
    let rv: Value = serde_json::from_str(&list.text()).unwrap();
    let rv = rv["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let watching = {
        let url = format!(
            "/api/v1/namespaces/shop/pods?watch=1&labelSelector=app%3Dweb&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=2"
        );
        let api_url = api.url();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let text = RawClient::connect_url(&api_url)
                .send("GET", &url, &[AUTH])
                .text();
            (text, started.elapsed())
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    api.put(pod("shop", "b", json!({"app": "web"}), "Pending", "node-1"));
    api.put(pod("shop", "b", json!({"app": "web"}), "Running", "node-1"));
    api.put(pod(
        "shop",
        "other",
        json!({"app": "db"}),
        "Running",
        "node-1",
    ));
    api.delete("pods", "shop", "a");
    let (text, took) = watching.join().unwrap();
    let events: Vec<(String, String)> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("event"))
        .map(|e| {
            let name = e["object"]["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (e["type"].as_str().unwrap().to_string(), name)
        })
        .collect();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|(t, n)| (t.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ADDED", "b"),
            ("MODIFIED", "b"),
            ("BOOKMARK", ""),
            ("DELETED", "a")
        ],
        "{text}"
    );
    assert!(
        took >= std::time::Duration::from_secs(2),
        "ends after timeoutSeconds: {took:?}"
    );

    // The old version, once compacted: one ERROR event with a 410 Expired Status.
    api.compact();
    let gone = get(
        &api,
        &format!("/api/v1/namespaces/shop/pods?watch=1&resourceVersion={rv}"),
    );
    assert_eq!(gone.status, 200);
    let event: Value = serde_json::from_str(gone.text().trim()).unwrap();
    assert_eq!(event["type"], "ERROR");
    assert_eq!(event["object"]["code"], 410);
    assert_eq!(event["object"]["reason"], "Expired");
    assert!(
        event["object"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("too old resource version: {rv} (")),
        "{event}"
    );
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

fn log_api() -> FakeApiBuilder {
    FakeApi::builder()
        .object(webserver_pod())
        .object(pod("shop", "single", json!({}), "Running", "node-1"))
        .object(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "pending", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": "Pending"},
        }))
        .object(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "creating", "namespace": "shop"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}},
            ]},
        }))
        .log(
            "shop",
            "webserver",
            "app",
            false,
            &[
                "2026-11-23T10:00:01.5Z app starting",
                "2026-11-23T10:00:02.000000001Z app listening on :8080",
                "2026-11-23T10:00:03.25Z GET /healthz 200",
            ],
        )
        .log("shop", "webserver", "shipper", true, &["2026-11-23T10:04:59Z shipper: out of memory"])
        .log("shop", "webserver", "shipper", false, &["2026-11-23T10:05:01Z shipper restarted"])
        .log("shop", "single", "app", false, &["2026-11-23T10:00:06Z only container"])
}

#[test]
fn logs_need_a_container_name_for_multi_container_pods() {
    let api = log_api().start();
    get(&api, "/api/v1/namespaces/shop/pods/webserver/log").assert_status(
        400,
        "BadRequest",
        "a container name must be specified for pod webserver, choose one of: [setup proxy app shipper]",
    );
    get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=nope",
    )
    .assert_status(
        400,
        "BadRequest",
        "container nope is not valid for pod webserver",
    );
    let single = get(&api, "/api/v1/namespaces/shop/pods/single/log");
    assert_eq!(single.status, 200);
    assert_eq!(single.header("content-type"), Some("text/plain"));
    assert_eq!(single.text(), "only container\n");
    get(&api, "/api/v1/namespaces/shop/pods/nope/log?container=app").assert_status(
        404,
        "NotFound",
        r#"pods "nope" not found"#,
    );
    // Init containers have logs too (none recorded here: empty body).
    assert_eq!(
        get(
            &api,
            "/api/v1/namespaces/shop/pods/webserver/log?container=setup"
        )
        .text(),
        ""
    );
}

#[test]
fn logs_strip_or_keep_timestamps_and_tail() {
    let api = log_api().start();
    let plain = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app",
    );
    assert_eq!(plain.header("transfer-encoding"), Some("chunked"));
    assert_eq!(
        plain.text(),
        "app starting\napp listening on :8080\nGET /healthz 200\n"
    );

    let stamped = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&timestamps=true",
    );
    assert_eq!(
        stamped.text(),
        "2026-11-23T10:00:01.500000000Z app starting\n\
         2026-11-23T10:00:02.000000001Z app listening on :8080\n\
         2026-11-23T10:00:03.250000000Z GET /healthz 200\n"
    );
    let tail = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&tailLines=2",
    );
    assert_eq!(tail.text(), "app listening on :8080\nGET /healthz 200\n");
    let none = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&tailLines=0",
    );
    assert_eq!(none.text(), "");
    let limited = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&limitBytes=15",
    );
    assert_eq!(limited.text(), "app starting\nap");
}

#[test]
fn logs_since_time_keeps_lines_from_that_whole_second() {
    let api = log_api().start();
    // Fractional seconds are dropped on the way to the kubelet: 10:00:02.5 acts as 10:00:02.
    let since = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&sinceTime=2026-11-23T10:00:02.5Z",
    );
    assert_eq!(since.text(), "app listening on :8080\nGET /healthz 200\n");
    let since = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&sinceTime=2026-11-23T10:00:03Z",
    );
    assert_eq!(since.text(), "GET /healthz 200\n");
    get(&api, "/api/v1/namespaces/shop/pods/webserver/log?container=app&sinceTime=yesterday").assert_status(
        400,
        "BadRequest",
        r#"parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#,
    );
}

#[test]
fn logs_since_seconds_is_relative_to_the_server_clock() {
    let now = jiff::Timestamp::now();
    let stamp = |ago: i64| (now - jiff::SignedDuration::from_secs(ago)).to_string();
    let old = format!("{} old line", stamp(3600));
    let recent = format!("{} recent line", stamp(10));
    let api = FakeApi::builder()
        .object(pod("shop", "single", json!({}), "Running", "node-1"))
        .log("shop", "single", "app", false, &[&old, &recent])
        .start();
    let response = get(
        &api,
        "/api/v1/namespaces/shop/pods/single/log?sinceSeconds=60",
    );
    assert_eq!(response.text(), "recent line\n");
    get(&api, "/api/v1/namespaces/shop/pods/single/log?sinceSeconds=0").assert_status(
        422,
        "Invalid",
        r#"PodLogOptions "single" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0"#,
    );
    get(&api, "/api/v1/namespaces/shop/pods/single/log?tailLines=-1").assert_status(
        422,
        "Invalid",
        r#"PodLogOptions "single" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"#,
    );
    get(
        &api,
        "/api/v1/namespaces/shop/pods/single/log?tailLines=ten",
    )
    .assert_status(
        400,
        "BadRequest",
        r#"strconv.ParseInt: parsing "ten": invalid syntax"#,
    );
}

#[test]
fn previous_logs_follow_the_pod_status() {
    // A previous log recorded for a container that never restarted is not served: the kubelet
    // goes by `lastState`, so the fixture would be inconsistent.
    let api = log_api()
        .log(
            "shop",
            "webserver",
            "app",
            true,
            &["2026-11-23T09:00:00Z ghost"],
        )
        .start();
    let previous = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=shipper&previous=true",
    );
    assert_eq!(previous.text(), "shipper: out of memory\n");
    let current = get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=shipper",
    );
    assert_eq!(current.text(), "shipper restarted\n");
    get(
        &api,
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&previous=true",
    )
    .assert_status(
        400,
        "BadRequest",
        r#"previous terminated container "app" in pod "webserver" not found"#,
    );

    // A restarted container whose previous log nobody recorded has an empty one.
    let unrecorded = FakeApi::builder().object(webserver_pod()).start();
    let previous = get(
        &unrecorded,
        "/api/v1/namespaces/shop/pods/webserver/log?container=shipper&previous=true",
    );
    assert_eq!((previous.status, previous.text()), (200, String::new()));
}

#[test]
fn logs_of_containers_that_never_ran() {
    let api = log_api().start();
    get(&api, "/api/v1/namespaces/shop/pods/creating/log").assert_status(
        400,
        "BadRequest",
        r#"container "app" in pod "creating" is waiting to start: ContainerCreating"#,
    );
    // An unscheduled pod has no kubelet: the server answers with an empty log.
    let pending = get(&api, "/api/v1/namespaces/shop/pods/pending/log");
    assert_eq!((pending.status, pending.text()), (200, String::new()));
}

#[test]
fn followed_logs_arrive_one_chunk_per_line() {
    let api = log_api().start();
    let mut client = RawClient::connect(&api);
    let followed = client.send(
        "GET",
        "/api/v1/namespaces/shop/pods/webserver/log?container=app&follow=true&tailLines=2",
        &[AUTH],
    );
    assert_eq!(followed.status, 200);
    assert_eq!(followed.header("transfer-encoding"), Some("chunked"));
    let chunks: Vec<String> = followed
        .chunks
        .unwrap()
        .into_iter()
        .map(|c| String::from_utf8(c).unwrap())
        .collect();
    assert_eq!(chunks, ["app listening on :8080\n", "GET /healthz 200\n"]);
    // The connection is reusable once the stream has ended.
    assert_eq!(client.send("GET", "/version", &[AUTH]).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Connection handling and bookkeeping
// ---------------------------------------------------------------------------------------------

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let api = selector_api();
    let mut client = RawClient::connect(&api);
    let first = client.send("GET", "/api/v1/namespaces/shop/pods/a", &[AUTH]);
    assert_eq!(first.status, 200);
    assert!(first.header("connection").is_none());
    let second = client.send("GET", "/api/v1/namespaces/shop/pods/b", &[AUTH]);
    assert_eq!(second.json()["metadata"]["name"], "b");
    let last = client.send("GET", "/version", &[AUTH, "Connection: close"]);
    assert_eq!(last.status, 200);
    assert_eq!(last.header("connection"), Some("close"));
    assert!(client.is_closed());
    assert_eq!(api.requests().len(), 3);
}

#[test]
fn requests_are_recorded_with_decoded_query_and_authorization() {
    let api = selector_api();
    get(
        &api,
        "/api/v1/namespaces/shop/pods?labelSelector=app+in+%28web%2Cdb%29&limit=2",
    );
    RawClient::connect(&api).send("GET", "/version", &[]);
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    let list = &requests[0];
    assert_eq!(list.method, "GET");
    assert_eq!(list.path, "/api/v1/namespaces/shop/pods");
    assert_eq!(
        list.query,
        [
            ("labelSelector".to_string(), "app in (web,db)".to_string()),
            ("limit".to_string(), "2".to_string())
        ]
    );
    assert_eq!(list.query_value("limit"), Some("2"));
    assert_eq!(list.query_value("continue"), None);
    assert_eq!(list.authorization.as_deref(), Some("Bearer fake-token"));
    assert_eq!(requests[1].path, "/version");
    assert_eq!(requests[1].authorization, None);
}

#[test]
fn kubeconfig_points_at_the_server_with_a_second_unreachable_context() {
    let api = FakeApi::builder().token("t0k\"en").start();
    let dir = std::env::temp_dir().join(format!("fake-api-kubeconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = api.write_kubeconfig(&dir, Some("shop"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(&format!("server: \"{}\"", api.url())),
        "{text}"
    );
    assert!(text.contains("server: \"http://127.0.0.1:1\""), "{text}");
    assert!(text.contains(r#"token: "t0k\"en""#), "{text}");
    assert!(text.contains("namespace: \"shop\""), "{text}");
    assert!(text.contains("current-context: fake"), "{text}");
    let without_namespace = api.write_kubeconfig(&dir, None);
    assert!(
        !std::fs::read_to_string(without_namespace)
            .unwrap()
            .contains("namespace:")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dropping_the_server_stops_it() {
    let api = FakeApi::builder().token("drop-test").start();
    let addr = api.url().trim_start_matches("http://").to_string();
    // An idle keep-alive connection must not keep the server alive (drop joins the accept loop).
    let mut idle = RawClient::connect(&api);
    drop(api);
    // The idle connection is closed within the read poll interval.
    assert!(idle.is_closed());
    // Nothing answers our token on that port any more (another test may have reused the port).
    if let Ok(mut stream) = TcpStream::connect(&addr) {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let request = "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer drop-test\r\nConnection: close\r\n\r\n";
        let mut answer = String::new();
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_string(&mut answer);
        }
        assert!(
            !answer.starts_with("HTTP/1.1 200"),
            "still serving: {answer}"
        );
    }
}

#[test]
fn json_is_pretty_printed_for_curl_and_pretty_true_only() {
    let api = selector_api();
    let compact = get(&api, "/api/v1/namespaces/shop/pods/a");
    assert!(!compact.text().contains('\n'));
    let pretty = get(&api, "/api/v1/namespaces/shop/pods/a?pretty=true");
    assert!(pretty.text().starts_with("{\n  \""), "{}", pretty.text());
    let curl = RawClient::connect(&api).send(
        "GET",
        "/api/v1/namespaces/shop/pods/nope",
        &[AUTH, "User-Agent: curl/8.5.0"],
    );
    assert!(
        curl.text().contains("\n  \"kind\": \"Status\""),
        "{}",
        curl.text()
    );
    let kube_rs =
        RawClient::connect(&api).send("GET", "/version", &[AUTH, "User-Agent: kube-rs/5.0.0"]);
    assert!(!kube_rs.text().contains('\n'));
}
