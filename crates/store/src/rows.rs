//! Turning stored columns back into domain values; anything unreadable is
//! `StoreError::Corrupt` naming the column, never a panic.

use std::str::FromStr;

use jiff::Timestamp;
use sqlx::any::AnyRow;

use crate::{get, Result, StoreError};

pub(crate) fn ts(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt(format!("instant {ms}: {e}")))
}

pub(crate) fn parsed<T: FromStr>(row: &AnyRow, col: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = get(row, col)?;
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{col} `{text}`: {e}")))
}

pub(crate) fn parsed_opt<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match get::<Option<String>>(row, col)? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{col} `{text}`: {e}"))),
    }
}

pub(crate) fn instant(row: &AnyRow, col: &str) -> Result<Timestamp> {
    ts(get(row, col)?)
}

pub(crate) fn instant_opt(row: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    get::<Option<i64>>(row, col)?.map(ts).transpose()
}

/// A required text field, trimmed; blank is an error naming the field.
pub(crate) fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(StoreError::invalid(field, format!("must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// An optional text field: blank becomes `None`.
pub(crate) fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required(field, v, max).map(Some),
    }
}

/// An address Lockstep sends mail to (a contact's, a finder's): `local@domain.tld`,
/// no whitespace, lowercased; a 422 naming `field` otherwise.
pub(crate) fn mail_address(field: &str, value: &str) -> Result<String> {
    let email = required(field, value, 320)?;
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace) => {
            Ok(email.to_lowercase())
        }
        _ => Err(StoreError::invalid(field, format!("`{email}` is not an email address"))),
    }
}
