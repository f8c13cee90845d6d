//! Query parameters decoded the way the apiserver's parameter codec does.

use super::http::Request;
use super::status::ApiError;

/// Go's query bool decoding: present and not "0"/"false" means true.
pub(super) fn query_bool(request: &Request, key: &str) -> bool {
    request
        .query_value(key)
        .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// An optional integer parameter; 400 with Go's `strconv.ParseInt` wording when malformed.
pub(super) fn query_int(request: &Request, key: &str) -> Result<Option<i64>, ApiError> {
    match request.query_value(key) {
        None | Some("") => Ok(None),
        Some(raw) => raw.parse::<i64>().map(Some).map_err(|_| {
            ApiError::bad_request(format!("strconv.ParseInt: parsing {raw:?}: invalid syntax"))
        }),
    }
}
