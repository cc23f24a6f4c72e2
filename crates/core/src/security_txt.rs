//! Reading a project's RFC 9116 `security.txt`: who to contact, how to encrypt to them,
//! in which languages, under which policy, and until when the file holds. Written by
//! hand: the format is a few `Name: value` lines, and no maintained crate reads it.

use jiff::Timestamp;

/// A `security.txt` as read: every field RFC 9116 defines that Lockstep uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityTxt {
    /// `Contact` URIs in the file's order of preference (`mailto:`, `https:`, `tel:`).
    pub contacts: Vec<String>,
    /// `Encryption` URIs: where the key to encrypt to is published.
    pub encryption: Vec<String>,
    pub expires: Timestamp,
    /// `Preferred-Languages`, as language tags.
    pub preferred_languages: Vec<String>,
    pub policy: Vec<String>,
    pub canonical: Vec<String>,
}

impl SecurityTxt {
    /// The email addresses among the contacts (`mailto:` URIs), in order.
    pub fn emails(&self) -> Vec<String> {
        self.contacts
            .iter()
            .filter_map(|c| {
                let rest = c
                    .get(..7)
                    .filter(|p| p.eq_ignore_ascii_case("mailto:"))
                    .map(|_| &c[7..])?;
                let address = rest.split('?').next().unwrap_or(rest).trim();
                address.contains('@').then(|| address.to_owned())
            })
            .collect()
    }
}

/// Why a `security.txt` was refused: the line (1-based; 0 for the file as a whole)
/// and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("security.txt{}: {message}", if *line > 0 { format!(" line {line}") } else { String::new() })]
pub struct SecurityTxtError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> SecurityTxtError {
    SecurityTxtError {
        line,
        message: message.into(),
    }
}

/// Reads `text` (optionally an OpenPGP cleartext-signed message, as RFC 9116 allows;
/// the signature is not checked here). Refuses a file without `Contact`, without
/// exactly one `Expires`, with an `Expires` that is not an RFC 3339 instant or lies
/// before `now`, with more than one `Preferred-Languages`, or with a line that is
/// neither a field, a comment nor blank.
pub fn parse(text: &str, now: Timestamp) -> Result<SecurityTxt, SecurityTxtError> {
    let mut contacts = Vec::new();
    let mut encryption = Vec::new();
    let mut expires: Option<(usize, Timestamp)> = None;
    let mut languages: Option<Vec<String>> = None;
    let mut policy = Vec::new();
    let mut canonical = Vec::new();
    let mut in_signature = false;
    let mut in_signed_header = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        // Cleartext signature framing (RFC 4880 section 7): the armor header and its
        // `Hash:` lines, dash-escaped lines, and the signature block at the end.
        if line == "-----BEGIN PGP SIGNED MESSAGE-----" {
            in_signed_header = true;
            continue;
        }
        if in_signed_header {
            if line.is_empty() {
                in_signed_header = false;
            }
            continue;
        }
        if line == "-----BEGIN PGP SIGNATURE-----" {
            in_signature = true;
            continue;
        }
        if in_signature {
            if line == "-----END PGP SIGNATURE-----" {
                in_signature = false;
            }
            continue;
        }
        let line = line.strip_prefix("- ").unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(error(n, format!("`{line}` is not a `Field: value` line")));
        };
        let value = value.trim();
        if name.trim() != name || name.is_empty() {
            return Err(error(n, format!("`{name}` is not a field name")));
        }
        if value.is_empty() {
            return Err(error(n, format!("{name} has no value")));
        }
        match name.to_ascii_lowercase().as_str() {
            "contact" => contacts.push(value.to_owned()),
            "encryption" => encryption.push(value.to_owned()),
            "policy" => policy.push(value.to_owned()),
            "canonical" => canonical.push(value.to_owned()),
            "expires" => {
                if let Some((first, _)) = expires {
                    return Err(error(
                        n,
                        format!("Expires appears again (first on line {first}); it must appear once"),
                    ));
                }
                let at: Timestamp = value
                    .parse()
                    .map_err(|e| error(n, format!("Expires `{value}` is not an RFC 3339 instant: {e}")))?;
                if at <= now {
                    return Err(error(
                        n,
                        format!("the file expired at {at}; ask the project for a current one"),
                    ));
                }
                expires = Some((n, at));
            }
            "preferred-languages" => {
                if languages.is_some() {
                    return Err(error(
                        n,
                        "Preferred-Languages appears again; it must appear at most once",
                    ));
                }
                let tags: Vec<String> = value
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect();
                if let Some(bad) = tags
                    .iter()
                    .find(|t| t.parse::<unic_langid::LanguageIdentifier>().is_err())
                {
                    return Err(error(n, format!("`{bad}` is not a language tag")));
                }
                languages = Some(tags);
            }
            // Acknowledgments, Hiring and fields of later extensions: not Lockstep's.
            _ => {}
        }
    }
    if contacts.is_empty() {
        return Err(error(0, "there is no Contact field; RFC 9116 requires at least one"));
    }
    let Some((_, expires)) = expires else {
        return Err(error(0, "there is no Expires field; RFC 9116 requires exactly one"));
    };
    Ok(SecurityTxt {
        contacts,
        encryption,
        expires,
        preferred_languages: languages.unwrap_or_default(),
        policy,
        canonical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-30T00:00:00Z".parse().expect("instant")
    }

    const GOOD: &str = "# Our policy\nContact: mailto:security@example.org\nContact: https://example.org/report\n\
        Expires: 2027-06-30T00:00:00.000Z\nEncryption: https://example.org/pgp.asc\n\
        Preferred-Languages: en, de\nPolicy: https://example.org/policy\nHiring: https://example.org/jobs\n";

    #[test]
    fn reads_every_field_lockstep_uses() {
        let s = parse(GOOD, now()).expect("parses");
        assert_eq!(s.emails(), ["security@example.org"]);
        assert_eq!(s.contacts.len(), 2);
        assert_eq!(s.encryption, ["https://example.org/pgp.asc"]);
        assert_eq!(s.preferred_languages, ["en", "de"]);
        assert_eq!(s.policy, ["https://example.org/policy"]);
    }

    #[test]
    fn an_expired_file_is_refused_naming_the_line() {
        let text = GOOD.replace("2027-06-30", "2025-01-01");
        let e = parse(&text, now()).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("expired"), "{e}");
    }

    #[test]
    fn required_fields_and_malformed_lines_are_named() {
        assert!(parse("Expires: 2027-01-01T00:00:00Z\n", now())
            .unwrap_err()
            .message
            .contains("Contact"));
        assert!(parse("Contact: mailto:a@b.c\n", now())
            .unwrap_err()
            .message
            .contains("Expires"));
        let e = parse("Contact: mailto:a@b.c\nthis is prose\n", now()).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("Contact: mailto:a@b.c\nExpires: next year\n", now()).unwrap_err();
        assert!(e.message.contains("RFC 3339"), "{e}");
        let twice = "Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n";
        assert_eq!(parse(twice, now()).unwrap_err().line, 3);
    }

    #[test]
    fn a_cleartext_signed_file_is_read_without_its_signature() {
        let signed = format!(
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{GOOD}-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
        );
        assert_eq!(
            parse(&signed, now()).expect("parses").emails(),
            ["security@example.org"]
        );
    }
}
