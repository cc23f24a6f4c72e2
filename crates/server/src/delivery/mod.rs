//! Delivery: the worker that carries the outbox's deliveries out of the process, by
//! email over SMTP and by signed webhooks. Who gets what was decided when the event
//! was written (`lockstep_core::notify::delivery`); nothing here changes it.
//!
//! - [`render`]: pure functions from a claimed delivery to an email or a webhook body.
//! - [`smtp`]: the SMTP relay's settings and the pooled transport.
//! - [`webhook`]: the Standard Webhooks signature and the POST.
//! - [`worker`]: claims due deliveries, sends them with bounded parallelism, records
//!   the outcome.

pub mod render;
pub mod smtp;
pub mod webhook;
pub mod worker;

pub use smtp::SmtpSettings;
pub use worker::{deliver_due, spawn, Deliverer, DeliveryConfig};

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver accepted it.
    Sent,
    /// It failed and may succeed later: back off and try again.
    Retry(String),
    /// It can never succeed (the webhook was removed, the address is not one).
    Dead(String),
    /// Not attempted: the claim ran out while it waited for a connection, so another
    /// worker may hold it now. Nothing is recorded; the claim expires by itself.
    LeaseEnded,
}

/// Why the delivery settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("--smtp: {0}")]
    SmtpUrl(String),
    #[error("--smtp-from: `{0}` is not an email address")]
    From(String),
    #[error("--base-url: `{0}` is not an http:// or https:// URL")]
    BaseUrl(String),
    #[error("starting the webhook client: {0}")]
    Http(String),
}
