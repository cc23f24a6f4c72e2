//! The delivery loop: claims due deliveries in batches (a lease keeps other workers,
//! and other `serve` processes on PostgreSQL, off them), sends them with bounded
//! parallelism, and records each outcome. A process killed mid-batch leaves its
//! claims to expire; another worker sends them again with the same idempotency key
//! (the Message-ID, the `webhook-id`), so a receiver sees at most the messages in
//! flight at the kill twice, each time under the same id.
//!
//! Outcomes are operational bookkeeping, not audited (see `lockstep_store::outbox`).
//! "Now" is the app's clock.

use std::sync::Arc;
use std::time::Duration;

use lockstep_store::{ClaimedDelivery, StoreError};
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::smtp::{Mailer, SendError};
use super::{render, webhook, DeliveryError, Outcome, SmtpSettings};
use crate::App;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The mail relay; without it email deliveries stay pending.
    pub smtp: Option<SmtpSettings>,
    /// Where Lockstep is reached, for the links to cases (`{base_url}/cases/{id}`).
    pub base_url: String,
    /// How many deliveries one claim takes.
    pub batch: i64,
    /// How long a claim keeps other workers off a delivery.
    pub lease: Duration,
    /// How many SMTP connections are open at once (and reused).
    pub smtp_connections: u32,
    /// How many webhook requests are in flight at once.
    pub webhook_parallelism: usize,
    /// How long to sleep when nothing is due.
    pub idle: Duration,
    /// How many claim-send-record loops run side by side, so that one batch's
    /// database commits overlap another's sending.
    pub loops: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp: None,
            base_url: "http://127.0.0.1:8080".to_owned(),
            batch: 100,
            lease: Duration::from_secs(60),
            smtp_connections: 4,
            webhook_parallelism: 16,
            idle: Duration::from_millis(500),
            loops: 3,
        }
    }
}

/// The worker's senders, made once from a [`DeliveryConfig`].
pub struct Deliverer {
    config: DeliveryConfig,
    mailer: Option<Mailer>,
    http: reqwest::Client,
    webhook_slots: Arc<Semaphore>,
}

impl Deliverer {
    pub fn new(config: DeliveryConfig) -> Result<Self, DeliveryError> {
        let base_ok = url::Url::parse(&config.base_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !base_ok {
            return Err(DeliveryError::BaseUrl(config.base_url.clone()));
        }
        let mailer = match &config.smtp {
            None => None,
            Some(smtp) => Some(Mailer::new(smtp, config.smtp_connections)?),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DeliveryError::Http(e.to_string()))?;
        Ok(Deliverer {
            webhook_slots: Arc::new(Semaphore::new(config.webhook_parallelism.max(1))),
            config,
            mailer,
            http,
        })
    }

    /// Whether email is sent (a relay is configured).
    pub fn sends_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// Sends `d` unless its claim has ended (at `lease_ends`, in milliseconds) by the
    /// time a connection is free.
    async fn send(&self, d: &ClaimedDelivery, app: &App, lease_ends: i64) -> Outcome {
        let still_ours = || app.clock().now().as_millisecond() < lease_ends;
        match d.channel.as_str() {
            "email" => {
                let Some(mailer) = &self.mailer else {
                    return Outcome::Retry("email is not configured (--smtp)".to_owned());
                };
                let message = match render::email(d, mailer.from(), &self.config.base_url) {
                    Ok(m) => m,
                    Err(e) => return Outcome::Dead(e.to_string()),
                };
                match mailer.send(&message, still_ours).await {
                    Ok(()) => Outcome::Sent,
                    Err(SendError::NotOurs) => Outcome::LeaseEnded,
                    Err(SendError::Permanent(why)) => Outcome::Dead(why),
                    Err(SendError::Transient(why)) => Outcome::Retry(why),
                }
            }
            "webhook" => {
                let Ok(_slot) = self.webhook_slots.acquire().await else {
                    return Outcome::Retry("shutting down".to_owned());
                };
                if !still_ours() {
                    return Outcome::LeaseEnded;
                }
                webhook::send(&self.http, d, &self.config.base_url, app.clock().now()).await
            }
            other => Outcome::Dead(format!("unknown delivery channel `{other}`")),
        }
    }
}

/// Claims one batch of due deliveries, sends them, records the outcomes; returns how
/// many it claimed (0: nothing was due).
pub async fn deliver_due(app: &App, deliverer: &Arc<Deliverer>) -> Result<usize, StoreError> {
    let store = app.store();
    let now = app.clock().now();
    let (batch, lease) = (deliverer.config.batch, deliverer.config.lease);
    let claimed = if deliverer.sends_email() {
        store.claim_deliveries(now, batch, lease).await?
    } else {
        store.claim_webhook_deliveries(now, batch, lease).await?
    };
    let count = claimed.len();
    // A delivery whose claim runs out while it waits for a connection is left alone:
    // another worker may have claimed it by now, and sending it here too would send it
    // twice.
    let lease_ends = now
        .as_millisecond()
        .saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let mut sends = JoinSet::new();
    for d in claimed {
        let (app, deliverer) = (app.clone(), deliverer.clone());
        sends.spawn(async move {
            let outcome = deliverer.send(&d, &app, lease_ends).await;
            match outcome {
                Outcome::Sent => Ok(Some(d.id)),
                Outcome::LeaseEnded => Ok(None),
                other => record_failure(&app, &d, other).await.map(|()| None),
            }
        });
    }
    let mut sent = Vec::with_capacity(count);
    let mut first_error = None;
    while let Some(done) = sends.join_next().await {
        match done {
            Ok(Ok(Some(id))) => sent.push(id),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => tracing::error!("a delivery task failed: {e}"),
        }
    }
    // One commit for the batch's successes. A crash before it leaves them claimed, to
    // be sent again under the same idempotency key when the lease ends.
    store.deliveries_sent(&sent, app.clock().now()).await?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(count),
    }
}

async fn record_failure(app: &App, d: &ClaimedDelivery, outcome: Outcome) -> Result<(), StoreError> {
    let store = app.store();
    let now = app.clock().now();
    match outcome {
        Outcome::Sent | Outcome::LeaseEnded => Ok(()),
        Outcome::Retry(why) => {
            let state = store.delivery_failed(d.id, now, &why).await?;
            tracing::warn!(delivery = %d.id, channel = %d.channel, %state, "delivery failed: {why}");
            Ok(())
        }
        Outcome::Dead(why) => {
            tracing::warn!(delivery = %d.id, channel = %d.channel, "delivery dead: {why}");
            store.delivery_dead(d.id, now, &why).await
        }
    }
}

/// Runs the delivery loops until `stop` turns true: then each finishes the batch in
/// hand and claims no more.
pub fn spawn(app: App, deliverer: Deliverer, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    match &deliverer.config.smtp {
        Some(smtp) => tracing::info!("email goes out through {}", smtp.redacted()),
        None => tracing::info!("email is not configured (--smtp): email deliveries stay pending; webhooks go out"),
    }
    let deliverer = Arc::new(deliverer);
    let mut loops = JoinSet::new();
    for _ in 0..deliverer.config.loops.max(1) {
        loops.spawn(run(app.clone(), deliverer.clone(), stop.clone()));
    }
    tokio::spawn(async move {
        while let Some(done) = loops.join_next().await {
            if let Err(e) = done {
                tracing::error!("a delivery loop ended abnormally: {e}");
            }
        }
    })
}

async fn run(app: App, deliverer: Arc<Deliverer>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        let pause = match deliver_due(&app, &deliverer).await {
            Ok(0) => deliverer.config.idle,
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::error!("delivering notifications: {e}");
                deliverer.config.idle
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
