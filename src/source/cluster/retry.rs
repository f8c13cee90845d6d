//! Retries of idempotent GETs (get, list pages) on transient failures.
//!
//! kube's own retry layer (`Config::default_retry`) is turned off in [`super::Cluster::connect`]
//! and replaced by this loop, because that layer retries up to 15 times with random jitter and
//! an uncapped `Retry-After`, never retries 500/502 or dropped connections, and hides the
//! attempts from us, so a give-up could not say what was tried. Here the policy is small,
//! deterministic and reported: at most [`MAX_ATTEMPTS`] attempts, each bounded by
//! `--request-timeout`.

use std::time::Duration;

use kube::client::Body;
use kube::core::Status;

use super::Cluster;
use crate::error::{Error, Result, chain_message};

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// Delay before the second attempt; doubled before each further one (250 ms, 500 ms, 1 s).
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// A server's `Retry-After` is honoured up to this; a longer wait is the user's call.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why one attempt failed, and whether another may succeed.
enum Failure {
    /// Worth another attempt after the given delay (the server's `Retry-After`, if any).
    Transient(kube::Error, Option<Duration>),
    /// The server did not answer within `--request-timeout`; retrying would only multiply the wait.
    TimedOut(Option<kube::Error>),
    /// A definite answer (403, 404, bad credentials, nothing listening, ...).
    Final(kube::Error),
}

/// The delay before attempt `next` (2-based): the server's wish, capped, else exponential.
pub fn backoff(next: u32, retry_after: Option<Duration>) -> Duration {
    retry_after
        .map(|d| d.min(MAX_RETRY_AFTER))
        .unwrap_or_else(|| FIRST_BACKOFF * 2u32.saturating_pow(next.saturating_sub(2)))
}

/// Status codes that mean "try again": throttling, and server or gateway trouble.
fn is_transient_status(code: u16) -> bool {
    matches!(code, 429 | 500 | 502 | 503 | 504)
}

fn is_timeout(err: &kube::Error) -> bool {
    let cause = chain_message(err).to_ascii_lowercase();
    cause.contains("timed out") || cause.contains("deadline has elapsed")
}

/// A transport error after the connection was made (reset, closed mid-response) is transient;
/// a failure to connect at all (nothing listening, DNS, TLS) is not: it will not heal in a second.
fn is_connect_failure(err: &kube::Error) -> bool {
    chain_message(err).contains("(Connect)")
}

impl Cluster {
    /// GETs `request` and returns the body of its 2xx answer, retrying transient failures.
    /// Errors say what was tried (`action`), how often, and the last failure.
    pub(super) async fn fetch(
        &self,
        request: http::Request<Vec<u8>>,
        action: &str,
    ) -> Result<bytes::Bytes> {
        let (parts, body) = request.into_parts();
        let mut attempt = 1;
        loop {
            let mut request = http::Request::new(Body::from(body.clone()));
            *request.method_mut() = parts.method.clone();
            *request.uri_mut() = parts.uri.clone();
            *request.headers_mut() = parts.headers.clone();
            let failure = match self.attempt(request).await {
                Ok(bytes) => return Ok(bytes),
                Err(failure) => failure,
            };
            match failure {
                Failure::Transient(_, retry_after) if attempt < MAX_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt, retry_after)).await;
                }
                Failure::Transient(err, _) => {
                    let last = self.explain(action, err);
                    let detail = last
                        .message
                        .strip_prefix(action)
                        .map_or(last.message.as_str(), |rest| rest.trim_start_matches(": "));
                    return Err(Error::runtime(format!(
                        "{action}: gave up after {attempt} attempts (GET {}); last error: {detail}",
                        parts.uri.path()
                    ))
                    .with_hint(
                        "the API server kept failing or throttling; retry later, or check the server's health and load",
                    ));
                }
                Failure::TimedOut(err) => return Err(self.timed_out(action, err)),
                Failure::Final(err) => return Err(self.explain(action, err)),
            }
        }
    }

    /// One attempt, bounded by `--request-timeout` from sending to the last body byte.
    async fn attempt(&self, request: http::Request<Body>) -> Result<bytes::Bytes, Failure> {
        let exchange = async {
            let response = self.client.send(request).await.map_err(classify)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let bytes = response
                .into_body()
                .collect_bytes()
                .await
                .map_err(classify)?;
            if (200..300).contains(&status) {
                return Ok(bytes);
            }
            let err = kube::Error::Api(api_status(status, &bytes).boxed());
            Err(if is_transient_status(status) {
                Failure::Transient(err, retry_after)
            } else {
                Failure::Final(err)
            })
        };
        match self.request_timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Err(Failure::TimedOut(None))),
            None => exchange.await,
        }
    }

    fn timed_out(&self, action: &str, err: Option<kube::Error>) -> Error {
        let within = self
            .request_timeout
            .map(|t| format!(" within {} (--request-timeout)", short_duration(t)))
            .unwrap_or_default();
        let cause = err.map(|e| format!(" ({})", super::clean_cause(&chain_message(&e))));
        Error::runtime(format!(
            "{action}: the cluster at {} (context \"{}\") did not answer{within}{}",
            self.server,
            self.context,
            cause.unwrap_or_default()
        ))
        .with_hint("the server is slow or unreachable; raise --request-timeout (e.g. 30s) or check the network")
    }
}

fn classify(err: kube::Error) -> Failure {
    if is_timeout(&err) {
        Failure::TimedOut(Some(err))
    } else if is_connect_failure(&err) {
        Failure::Final(err)
    } else {
        Failure::Transient(err, None)
    }
}

/// `1s`, `90s`, `1500ms`: how a user would have typed it.
fn short_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// The `Status` of an error answer, or one made up from its code and text (proxies answer
/// 502/503 with HTML or plain text), like kube does.
fn api_status(code: u16, body: &[u8]) -> Status {
    serde_json::from_slice::<Status>(body).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let text = if text.is_empty() {
            "(empty response)"
        } else {
            text
        };
        Status::failure(text, "").with_code(code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_honours_retry_after_up_to_a_cap() {
        assert_eq!(backoff(2, None), Duration::from_millis(250));
        assert_eq!(backoff(3, None), Duration::from_millis(500));
        assert_eq!(backoff(4, None), Duration::from_secs(1));
        assert_eq!(
            backoff(2, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(backoff(2, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
    }

    #[test]
    fn transient_statuses() {
        for code in [429, 500, 502, 503, 504] {
            assert!(is_transient_status(code), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 410, 422] {
            assert!(!is_transient_status(code), "{code}");
        }
    }

    #[test]
    fn error_bodies_that_are_not_status_objects_keep_their_code_and_text() {
        let status = api_status(502, b"<html>Bad Gateway</html>\n");
        assert_eq!(status.code, 502);
        assert_eq!(status.message, "<html>Bad Gateway</html>");
        let status = api_status(
            500,
            br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"boom","reason":"InternalError","code":500}"#,
        );
        assert_eq!(
            (status.code, status.reason.as_str()),
            (500, "InternalError")
        );
    }
}
