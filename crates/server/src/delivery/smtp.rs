//! The SMTP relay: its settings (`--smtp URL`, `--smtp-from`) and a small pool of
//! reused connections to it. `smtp://` upgrades with STARTTLS whenever the relay offers
//! it (what lettre calls `Tls::Opportunistic`), `smtps://` speaks TLS from the first
//! byte; a user and password in the URL log in. The password never reaches a log line
//! or `Debug`.
//!
//! Why not lettre's pooled `AsyncSmtpTransport`: it does not set `TCP_NODELAY`, and it
//! writes a message's body and its final `\r\n.\r\n` in two writes, so Nagle's
//! algorithm holds the second until the relay's delayed ACK, about 40 ms per message
//! (`./bench notify`: 130 s for 10,000 messages, against 6.8 s for Python's smtplib).
//! We open the TCP connection ourselves with `TCP_NODELAY` and hand it to lettre's
//! `AsyncSmtpConnection`, which does the SMTP.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use lockstep_store::redact_url;
use tokio::sync::Semaphore;

use super::DeliveryError;

/// Where and as whom mail is sent.
#[derive(Clone)]
pub struct SmtpSettings {
    url: url::Url,
    from: Mailbox,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &redact_url(self.url.as_str()))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpSettings {
    /// Parses `smtp://[USER:PASSWORD@]HOST[:PORT]` (or `smtps://`) and the sender.
    pub fn parse(url: &str, from: &str) -> Result<Self, DeliveryError> {
        let bad = |why: &str| DeliveryError::SmtpUrl(format!("`{}` {why}", redact_url(url)));
        let parsed = url::Url::parse(url).map_err(|e| bad(&format!("is not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(bad("is neither smtp://HOST[:PORT] nor smtps://HOST[:PORT]"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("names no host"));
        }
        let from = from.parse().map_err(|_| DeliveryError::From(from.to_owned()))?;
        Ok(SmtpSettings { url: parsed, from })
    }

    /// The sender of every email.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The relay, for log lines (no password).
    pub fn redacted(&self) -> String {
        redact_url(self.url.as_str())
    }

    fn host(&self) -> String {
        self.url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_owned()
    }

    fn port(&self) -> u16 {
        let default = if self.url.scheme() == "smtps" { 465 } else { 587 };
        self.url.port().unwrap_or(default)
    }

    fn credentials(&self) -> Result<Option<Credentials>, DeliveryError> {
        if self.url.username().is_empty() {
            return Ok(None);
        }
        let decode = |s: &str| {
            percent_decode(s)
                .map_err(|_| DeliveryError::SmtpUrl(format!("`{}`: bad percent-encoding", self.redacted())))
        };
        Ok(Some(Credentials::new(
            decode(self.url.username())?,
            decode(self.url.password().unwrap_or_default())?,
        )))
    }
}

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The relay refused it for good (a 5xx answer).
    Permanent(String),
    /// Anything else: no connection, a timeout, a 4xx answer.
    Transient(String),
    /// Not sent: `still_ours` said no once a connection was free.
    NotOurs,
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        if e.is_permanent() {
            SendError::Permanent(format!("the mail relay refused it: {e}"))
        } else {
            SendError::Transient(format!("sending the email: {e}"))
        }
    }
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Up to `connections` SMTP connections to the relay, opened when needed and reused.
pub struct Mailer {
    settings: SmtpSettings,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    slots: Semaphore,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings, connections: u32) -> Result<Self, DeliveryError> {
        Ok(Mailer {
            credentials: settings.credentials()?,
            settings: settings.clone(),
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(connections.max(1) as usize),
        })
    }

    /// The sender of every email.
    pub fn from(&self) -> &Mailbox {
        self.settings.from()
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let (host, port) = (self.settings.host(), self.settings.port());
        let tls = || TlsParameters::new(host.clone()).map_err(SendError::from);
        let mut conn = if self.settings.url.scheme() == "smtps" {
            // FIXME: lettre opens this socket itself, without TCP_NODELAY (see above).
            AsyncSmtpConnection::connect_tokio1((host.as_str(), port), Some(TIMEOUT), &self.hello, Some(tls()?), None)
                .await?
        } else {
            let tcp = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port)))
                .await
                .map_err(|_| SendError::Transient(format!("connecting to the mail relay {host}:{port}: timed out")))?
                .map_err(|e| SendError::Transient(format!("connecting to the mail relay {host}:{port}: {e}")))?;
            tcp.set_nodelay(true)
                .map_err(|e| SendError::Transient(format!("setting TCP_NODELAY: {e}")))?;
            let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?;
            if conn.can_starttls() {
                conn.starttls(tls()?, &self.hello).await?;
            }
            conn
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        Ok(conn)
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    /// Sends one message over an idle connection (or a new one), if `still_ours()`
    /// holds once a connection is free. A reused connection the relay closed meanwhile
    /// is dropped and the message sent over a new one.
    pub async fn send(&self, message: &Message, still_ours: impl Fn() -> bool) -> Result<(), SendError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| SendError::Transient("shutting down".to_owned()))?;
        if !still_ours() {
            return Err(SendError::NotOurs);
        }
        let body = message.formatted();
        let mut reused = self.take_idle();
        loop {
            let was_reused = reused.is_some();
            let mut conn = match reused.take() {
                Some(conn) => conn,
                None => self.connect().await?,
            };
            match conn.send(message.envelope(), &body).await {
                Ok(_) => {
                    self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                    return Ok(());
                }
                Err(e) if was_reused && !e.is_permanent() => {
                    conn.abort().await;
                    continue;
                }
                Err(e) => {
                    if !conn.has_broken() {
                        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                    }
                    return Err(e.into());
                }
            }
        }
    }
}

/// `%XX` escapes in a URL's user or password, decoded.
fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_password_stays_out_of_debug_and_errors() {
        let s = SmtpSettings::parse("smtp://mailer:hunter2@relay.example:2525", "l@x.example").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");
        let err = SmtpSettings::parse("http://mailer:hunter2@relay.example", "l@x.example").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(SmtpSettings::parse("smtp://relay.example", "not an address").is_err());
        assert_eq!(percent_decode("p%40ss%2").unwrap(), "p@ss%2");
    }
}
