//! The notification registry on the server: reading a project's security.txt into
//! contacts, and the CSV import's rows. The API, the pages and the CLI's import call
//! these; the store writes a batch in one transaction.

use lockstep_core::security_txt;
use lockstep_core::ContactRole;
use lockstep_store::NewContact;
use serde::Serialize;
use utoipa::ToSchema;

/// What a security.txt gives: the contacts it names (one per `mailto:` Contact, as
/// security contacts in the first preferred language) and what it names that is not
/// a mailbox (https forms, phone numbers), for the people reading the answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecurityTxtContacts {
    #[serde(skip)]
    pub contacts: Vec<NewContact>,
    /// Contact URIs that are not email addresses (kept out of the registry).
    pub other_contacts: Vec<String>,
    /// When the file stops holding (RFC 3339).
    pub expires: String,
    pub policy: Vec<String>,
}

/// Reads a security.txt into contacts, or the reason it is refused (expired,
/// malformed), naming the line.
pub fn from_security_txt(
    text: &str,
    now: jiff::Timestamp,
) -> Result<SecurityTxtContacts, security_txt::SecurityTxtError> {
    let file = security_txt::parse(text, now)?;
    let emails = file.emails();
    let language = file.preferred_languages.first().cloned();
    let contacts = emails
        .iter()
        .map(|email| NewContact {
            email: email.clone(),
            name: format!("security.txt: {email}"),
            role: ContactRole::Security,
            pgp_key: None,
            language: language.clone(),
            encryption_uri: file.encryption.first().cloned(),
        })
        .collect();
    let other_contacts = file
        .contacts
        .iter()
        .filter(|c| !c.to_ascii_lowercase().starts_with("mailto:"))
        .cloned()
        .collect();
    Ok(SecurityTxtContacts {
        contacts,
        other_contacts,
        expires: file.expires.to_string(),
        policy: file.policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_contacts_become_security_contacts_in_the_preferred_language() {
        let text = "Contact: mailto:sec@example.org\nContact: https://example.org/report\n\
                    Expires: 2030-01-01T00:00:00Z\nPreferred-Languages: de, en\nEncryption: https://example.org/key.asc\n";
        let now = "2026-11-30T00:00:00Z".parse().expect("instant");
        let read = from_security_txt(text, now).expect("reads");
        assert_eq!(read.contacts.len(), 1);
        let c = &read.contacts[0];
        assert_eq!(
            (c.email.as_str(), c.role, c.language.as_deref()),
            ("sec@example.org", ContactRole::Security, Some("de"))
        );
        assert_eq!(c.encryption_uri.as_deref(), Some("https://example.org/key.asc"));
        assert_eq!(read.other_contacts, ["https://example.org/report"]);
    }
}
