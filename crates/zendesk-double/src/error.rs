//! Zendesk's error answers: a status and `{"error": "...", "description": "...", "details"?: {...}}`
//! (<https://developer.zendesk.com/api-reference/introduction/requests/#400-range>; 422 details
//! are `{"<field>": [{"type", "description"}]}`). The 401 body `{"error":"Couldn't authenticate
//! you"}` and the 403 sentence are what Zendesk answers in practice (its reference shows neither).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refused request.
#[derive(Clone, Debug, PartialEq)]
pub struct ZdError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Zendesk's error code (`RecordNotFound`, `RecordInvalid`, `Forbidden`, …).
    pub error: &'static str,
    /// What went wrong, for a person.
    pub description: String,
    /// Per-field reasons, for `RecordInvalid`.
    pub details: Option<Value>,
}

impl ZdError {
    /// 404 `RecordNotFound`.
    pub fn not_found() -> ZdError {
        ZdError::new(StatusCode::NOT_FOUND, "RecordNotFound", "Not found")
    }

    /// 401, Zendesk's exact body (no `description`).
    pub fn unauthenticated() -> ZdError {
        ZdError::new(StatusCode::UNAUTHORIZED, "Couldn't authenticate you", "")
    }

    /// 403 `Forbidden`: Zendesk's sentence, then why.
    pub fn forbidden(why: impl Into<String>) -> ZdError {
        let why = why.into();
        ZdError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "You do not have access to this page. Please contact the account owner of this help desk for further help. {why}"
            ),
        )
    }

    /// 400 `InvalidRequest`: a parameter or body the endpoint cannot use.
    pub fn bad_request(description: impl Into<String>) -> ZdError {
        ZdError::new(StatusCode::BAD_REQUEST, "InvalidRequest", description)
    }

    /// 422 `RecordInvalid` with one field's reason in `details`.
    pub fn invalid(field: &str, description: impl Into<String>) -> ZdError {
        let description = description.into();
        ZdError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "RecordInvalid",
            details: Some(
                json!({ field: [{ "description": description.clone(), "type": "InvalidValue" }] }),
            ),
            description: format!("Record validation errors: {description}"),
        }
    }

    /// Any status and code.
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> ZdError {
        ZdError {
            status,
            error,
            description: description.into(),
            details: None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = json!({ "error": self.error });
        if !self.description.is_empty() {
            body["description"] = Value::String(self.description.clone());
        }
        if let Some(details) = &self.details {
            body["details"] = details.clone();
        }
        body
    }
}

impl IntoResponse for ZdError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
