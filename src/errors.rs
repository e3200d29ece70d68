//! Every failure the sidebar can show, with a message that says what to do.

use crate::host::{ConnectError, HostError};
use crate::i18n::{Locale, Text, fill};
use crate::services::relay::RelayError;

/// A failure shown in an error banner. `Clone + PartialEq` so it fits in component state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppError {
    /// The relay failed.
    Relay(RelayError),
    /// The CRM host failed.
    Host(HostError),
    /// The app's "Relay URL" setting is empty.
    RelayUrlMissing,
    /// The app's "Relay URL" setting is not an https:// address: the text as set.
    RelayUrlInvalid(String),
    /// The app could not start (missing settings or URL parameters); the text says which.
    Config(String),
}

impl From<ConnectError> for AppError {
    fn from(e: ConnectError) -> AppError {
        match e {
            ConnectError::RelayUrlMissing => AppError::RelayUrlMissing,
            ConnectError::RelayUrlInvalid(url) => AppError::RelayUrlInvalid(url),
            ConnectError::Other(cause) => AppError::Config(cause),
        }
    }
}

impl From<RelayError> for AppError {
    fn from(e: RelayError) -> AppError {
        AppError::Relay(e)
    }
}

impl From<HostError> for AppError {
    fn from(e: HostError) -> AppError {
        AppError::Host(e)
    }
}

impl AppError {
    /// The banner text in `locale`: what happened and what to do.
    pub fn message(&self, locale: Locale) -> String {
        let t = |k: Text| k.get(locale);
        match self {
            AppError::Relay(RelayError::Unreachable(_)) => t(Text::ErrUnreachable).into(),
            AppError::Relay(RelayError::NotConfigured(e)) => {
                AppError::from(e.clone()).message(locale)
            }
            AppError::Relay(RelayError::NoAnswer) => fill(
                t(Text::ErrNoAnswer),
                &[&(crate::services::relay::RELAY_TIMEOUT_MS / 1000).to_string()],
            ),
            AppError::Relay(RelayError::Unauthorized) => t(Text::ErrUnauthorized).into(),
            AppError::Relay(RelayError::NotFound) => t(Text::ErrNotFound).into(),
            AppError::Relay(RelayError::Rejected { message, .. }) => {
                fill(t(Text::ErrRequest), &[message])
            }
            AppError::Relay(RelayError::Server { status, message }) => {
                fill(t(Text::ErrServer), &[&status.to_string(), message])
            }
            AppError::Relay(RelayError::BadResponse(cause)) => {
                fill(t(Text::ErrBadResponse), &[cause])
            }
            AppError::Host(HostError::FieldMissing { key }) => {
                fill(t(Text::ErrFieldMissing), &[key])
            }
            AppError::Host(HostError::NoContact) => t(Text::ErrNoContact).into(),
            AppError::Host(HostError::Failed(cause)) => fill(t(Text::ErrHost), &[cause]),
            AppError::RelayUrlMissing => t(Text::ErrRelayUrlMissing).into(),
            AppError::RelayUrlInvalid(url) => fill(t(Text::ErrRelayUrlInvalid), &[url]),
            AppError::Config(cause) => fill(t(Text::ErrConfig), &[cause]),
        }
    }

    /// Technical detail for a `title` tooltip (never secrets: hosts never put tokens in errors).
    pub fn detail(&self) -> String {
        match self {
            AppError::Relay(e) => e.to_string(),
            AppError::Host(HostError::FieldMissing { key }) => format!("host field missing: {key}"),
            AppError::Host(HostError::NoContact) => "no contact open".into(),
            AppError::Host(HostError::Failed(cause)) => cause.clone(),
            AppError::RelayUrlMissing => "relay_url setting empty".into(),
            AppError::RelayUrlInvalid(url) => format!("relay_url setting not https: {url}"),
            AppError::Config(c) => c.clone(),
        }
    }

    /// Whether two failures have one cause (the same kind of failure, whatever the detail: two
    /// requests to an unreachable relay), so that one banner says it.
    pub fn same_cause(&self, other: &AppError) -> bool {
        use std::mem::discriminant;
        match (self, other) {
            (AppError::Relay(a), AppError::Relay(b)) => discriminant(a) == discriminant(b),
            (AppError::Host(a), AppError::Host(b)) => discriminant(a) == discriminant(b),
            _ => discriminant(self) == discriminant(other),
        }
    }

    /// Whether retrying the same thing can help (network and server failures).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            AppError::Relay(
                RelayError::Unreachable(_) | RelayError::Server { .. } | RelayError::NoAnswer
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let cases: &[(AppError, Locale, &str)] = &[
            (
                RelayError::Unreachable("TypeError: Failed to fetch".into()).into(),
                Locale::En,
                "Relay URL",
            ),
            (
                RelayError::Unauthorized.into(),
                Locale::En,
                "“Relay token” setting is wrong",
            ),
            (
                RelayError::Unauthorized.into(),
                Locale::Es,
                "Token del servidor de retransmisión",
            ),
            (
                RelayError::NotFound.into(),
                Locale::En,
                "does not know this Telegram person",
            ),
            (
                HostError::FieldMissing {
                    key: "senderId".into(),
                }
                .into(),
                Locale::En,
                "“senderId”",
            ),
            (
                HostError::FieldMissing {
                    key: "tg_id".into(),
                }
                .into(),
                Locale::Ru,
                "«tg_id»",
            ),
            (
                RelayError::Server {
                    status: 503,
                    message: "busy".into(),
                }
                .into(),
                Locale::En,
                "(503): busy",
            ),
            (AppError::Config("no relay".into()), Locale::En, "no relay"),
            (
                RelayError::NoAnswer.into(),
                Locale::En,
                "has not answered in 15 s",
            ),
            (RelayError::NoAnswer.into(), Locale::Ru, "15"),
            (
                RelayError::NotConfigured(ConnectError::RelayUrlMissing).into(),
                Locale::En,
                "“Relay URL” setting is empty",
            ),
            (
                ConnectError::RelayUrlMissing.into(),
                Locale::En,
                "“Relay URL” setting is empty",
            ),
            (
                ConnectError::RelayUrlMissing.into(),
                Locale::Es,
                "“URL del servidor de retransmisión”",
            ),
            (
                ConnectError::RelayUrlMissing.into(),
                Locale::Ru,
                "«URL ретранслятора»",
            ),
            (
                ConnectError::RelayUrlInvalid("relay.example.com".into()).into(),
                Locale::En,
                "“Relay URL” setting is “relay.example.com”, which is not an https://",
            ),
            (
                ConnectError::RelayUrlInvalid("relay.example.com".into()).into(),
                Locale::Es,
                "«relay.example.com»",
            ),
            (
                ConnectError::RelayUrlInvalid("relay.example.com".into()).into(),
                Locale::Ru,
                "https://",
            ),
        ];
        for (err, loc, want) in cases {
            let msg = err.message(*loc);
            assert!(
                msg.contains(want),
                "{err:?} in {loc:?}: {msg:?} lacks {want:?}"
            );
        }
    }

    #[test]
    fn failures_of_one_kind_have_one_cause() {
        let a = AppError::from(RelayError::Unreachable("timeout".into()));
        let b = AppError::from(RelayError::Unreachable("reset".into()));
        assert!(a.same_cause(&b));
        assert!(!a.same_cause(&AppError::from(RelayError::Unauthorized)));
        assert!(!a.same_cause(&AppError::from(HostError::NoContact)));
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(AppError::from(RelayError::Unreachable(String::new())).retryable());
        assert!(AppError::from(RelayError::NoAnswer).retryable());
        assert!(!AppError::from(RelayError::Unauthorized).retryable());
        assert!(!AppError::from(HostError::NoContact).retryable());
    }
}
