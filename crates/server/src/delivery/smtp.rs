//! The SMTP relay: its settings (`--smtp URL`, `--smtp-from`) and lettre's pooled
//! transport over it. `smtp://` upgrades with STARTTLS whenever the relay offers it
//! (`Tls::Opportunistic`), `smtps://` speaks TLS from the first byte; a user and
//! password in the URL log in. The password never reaches a log line or `Debug`.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use lockstep_store::redact_url;

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

    /// A pooled transport keeping up to `connections` connections open for reuse.
    pub fn transport(&self, connections: u32) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
        let host = self
            .url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_owned();
        let tls_parameters =
            TlsParameters::new(host.clone()).map_err(|e| DeliveryError::SmtpUrl(format!("TLS for {host}: {e}")))?;
        let (tls, default_port) = match self.url.scheme() {
            "smtps" => (Tls::Wrapper(tls_parameters), 465),
            _ => (Tls::Opportunistic(tls_parameters), 587),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(self.url.port().unwrap_or(default_port))
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(connections.max(1)));
        if !self.url.username().is_empty() {
            let decode = |s: &str| {
                percent_decode(s)
                    .map_err(|_| DeliveryError::SmtpUrl(format!("`{}`: bad percent-encoding", self.redacted())))
            };
            builder = builder.credentials(Credentials::new(
                decode(self.url.username())?,
                decode(self.url.password().unwrap_or_default())?,
            ));
        }
        Ok(builder.build())
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
