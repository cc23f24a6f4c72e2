//! Webhooks, signed by the Standard Webhooks scheme (<https://www.standardwebhooks.com>):
//! headers `webhook-id` (the delivery id, the idempotency key), `webhook-timestamp`
//! (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
//!
//! The key: a secret that starts with `whsec_` is the spec's form, and the rest is the
//! key in base64; any other secret is used as its UTF-8 bytes. A 2xx answer is
//! delivered; anything else, or no answer, is a failure to retry.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use lockstep_store::ClaimedDelivery;
use sha2::Sha256;

use super::{render, Outcome};

/// The key bytes of a webhook secret: base64 after `whsec_`, else the UTF-8 bytes.
pub fn key(secret: &str) -> Result<Vec<u8>, String> {
    match secret.strip_prefix("whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded)
            .map_err(|e| format!("the webhook secret starts with whsec_ but the rest is not base64 ({e})")),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// The `webhook-signature` header value: `v1,` and the base64 HMAC-SHA256 with `key`
/// of `{id}.{timestamp}.{body}`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of every length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// POSTs the delivery to its webhook, signed at `now`.
pub async fn send(client: &reqwest::Client, d: &ClaimedDelivery, base_url: &str, now: Timestamp) -> Outcome {
    let Some(secret) = d.webhook_secret.as_deref() else {
        return Outcome::Dead("the webhook was removed".to_owned());
    };
    let key = match key(secret) {
        Ok(key) => key,
        Err(why) => return Outcome::Dead(why),
    };
    let body = render::webhook_body(d, base_url);
    let timestamp = now.as_second();
    let answer = client
        .post(&d.address)
        .header("content-type", "application/json")
        .header("webhook-id", d.id.to_string())
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature(&key, &d.id.to_string(), timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => Outcome::Sent,
        Ok(r) => Outcome::Retry(format!("the webhook answered {}", r.status())),
        // Without the URL: it may carry a token of the receiver's.
        Err(e) => Outcome::Retry(format!("posting to the webhook: {}", e.without_url())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn standard_webhooks_test_vector() {
        // From the Standard Webhooks reference implementations' tests.
        let key = key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(self::key("plain-secret").unwrap(), b"plain-secret");
        assert!(self::key("whsec_***").is_err());
    }
}
