//! Error answers: every failure is a `Status` object with the HTTP code, exactly as the real
//! server words it (see docs/api-behaviour.md).

use serde_json::{Value, json};

use super::http::Response;
use super::resources::Resource;

/// An error the server answers with a `Status` body.
#[derive(Debug, Clone)]
pub(super) struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
    pub extra_headers: Vec<(String, String)>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            extra_headers: Vec::new(),
        }
    }

    fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// 400 BadRequest without details (selector errors, log container errors, kubelet errors).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    /// 401 for a missing or wrong bearer token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    /// 404 for a named object: `pods "nope" not found`, `deployments.apps "nope" not found`.
    pub fn not_found(resource: &Resource, name: &str) -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            format!("{} {name:?} not found", resource.group_resource()),
        )
        .with_details(details(resource, Some(name)))
    }

    /// 404 for a path the server does not serve at all.
    pub fn unknown_path() -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// 405 for anything but GET (the fake is read-only).
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    /// 403 from RBAC. `subresource` is e.g. `log`; `namespace` None means cluster scope.
    pub fn forbidden(
        resource: &Resource,
        subresource: Option<&str>,
        verb: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> ApiError {
        let rbac_resource = match subresource {
            Some(sub) => format!("{}/{sub}", resource.plural),
            None => resource.plural.to_string(),
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace {ns:?}"),
            None => "at the cluster scope".to_string(),
        };
        let reason = format!(
            "User \"viewer\" cannot {verb} resource {rbac_resource:?} in API group {:?} {scope}",
            resource.group
        );
        let subject = match name {
            Some(name) => format!("{} {name:?}", resource.group_resource()),
            None => resource.group_resource(),
        };
        ApiError::new(
            403,
            "Forbidden",
            format!("{subject} is forbidden: {reason}"),
        )
        .with_details(details(resource, name))
    }

    /// 422 Invalid, e.g. `PodLogOptions "web" is invalid: tailLines: Invalid value: -1: ...`.
    pub fn invalid(kind: &str, name: &str, causes: &[FieldCause]) -> ApiError {
        let rendered: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let summary = match rendered.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        ApiError::new(
            422,
            "Invalid",
            format!("{kind} {name:?} is invalid: {summary}"),
        )
        .with_details(json!({"name": name, "kind": kind, "causes": causes}))
    }

    /// The answer to a path registered with `FakeApiBuilder::fail_path`.
    pub fn injected(code: u16) -> ApiError {
        match code {
            400 => ApiError::bad_request("injected failure"),
            401 => ApiError::unauthorized(),
            403 => ApiError::new(403, "Forbidden", "forbidden: injected failure"),
            404 => ApiError::unknown_path(),
            409 => ApiError::new(409, "Conflict", "injected failure"),
            // The real server's answer to a continue token whose revision etcd compacted.
            410 => ApiError::new(410, "Expired", EXPIRED_CONTINUE),
            429 => {
                let mut error = ApiError::new(
                    429,
                    "TooManyRequests",
                    "Too many requests, please try again later.",
                )
                .with_details(json!({"retryAfterSeconds": 1}));
                error.extra_headers.push(("Retry-After".into(), "1".into()));
                error
            }
            500 => ApiError::new(
                500,
                "InternalError",
                "Internal error occurred: injected failure",
            )
            .with_details(json!({"causes": [{"message": "injected failure"}]})),
            503 => ApiError::new(503, "ServiceUnavailable", "injected failure"),
            504 => ApiError::new(504, "Timeout", "injected failure"),
            _ => ApiError::new(code, "", "injected failure"),
        }
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let (true, Some(fields)) = (self.reason.is_empty(), status.as_object_mut()) {
            fields.remove("reason");
        }
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }

    pub fn into_response(self) -> Response {
        let mut response = Response::json(self.code, &self.to_status());
        response.extra_headers = self.extra_headers;
        response
    }
}

/// What a v1.36 server says for an expired continue token (observed: list with `limit`,
/// compact etcd, continue).
pub(super) const EXPIRED_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// One field validation error of a 422 answer.
#[derive(Debug, Clone)]
pub(super) struct FieldCause {
    /// `FieldValueInvalid`, `FieldValueForbidden`, ...
    pub reason: &'static str,
    /// Field path, e.g. `tailLines` (empty for the whole object).
    pub field: String,
    /// E.g. `Invalid value: -1: must be greater than or equal to 0`.
    pub message: String,
}

impl FieldCause {
    pub fn invalid(field: &str, value: impl std::fmt::Display, detail: &str) -> FieldCause {
        FieldCause {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: format!("Invalid value: {value}: {detail}"),
        }
    }

    pub fn forbidden(field: &str, detail: &str) -> FieldCause {
        FieldCause {
            reason: "FieldValueForbidden",
            field: field.to_string(),
            message: format!("Forbidden: {detail}"),
        }
    }
}

/// `details` as the server fills it: name (if any), group (if not core), kind = resource plural.
fn details(resource: &Resource, name: Option<&str>) -> Value {
    let mut details = serde_json::Map::new();
    if let Some(name) = name {
        details.insert("name".into(), json!(name));
    }
    if !resource.group.is_empty() {
        details.insert("group".into(), json!(resource.group));
    }
    details.insert("kind".into(), json!(resource.plural));
    Value::Object(details)
}
