//! The values a query binds, typed even when `NULL` (PostgreSQL needs a parameter's type),
//! and how each backend's driver receives them: PostgreSQL gets SQLite's storage forms (0/1
//! flags, timestamps and dates as the text SQLite's driver writes).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments;

/// A bound value, typed even when `NULL`.
#[derive(Debug, Clone)]
pub enum Value<'q> {
    Bool(Option<bool>),
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<Cow<'q, str>>),
    Timestamp(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Blob(Option<Cow<'q, [u8]>>),
}

/// A Rust value a query can bind.
pub trait Bind<'q> {
    fn value(self) -> Value<'q>;
    /// `NULL` of this type (what `None` binds).
    fn null() -> Value<'q>;
}

macro_rules! bind_as {
    ($variant:ident: $($ty:ty => |$v:ident| $convert:expr),* $(,)?) => {$(
        impl<'q> Bind<'q> for $ty {
            fn value(self) -> Value<'q> {
                let $v = self;
                Value::$variant(Some($convert))
            }
            fn null() -> Value<'q> {
                Value::$variant(None)
            }
        }
    )*};
}

bind_as!(Bool: bool => |v| v);
bind_as!(Int: i64 => |v| v, i32 => |v| i64::from(v), u32 => |v| i64::from(v), i16 => |v| i64::from(v), u16 => |v| i64::from(v), u8 => |v| i64::from(v));
bind_as!(Real: f64 => |v| v, f32 => |v| f64::from(v));
bind_as!(Text: String => |v| Cow::Owned(v), &'q str => |v| Cow::Borrowed(v), &'q String => |v| Cow::Borrowed(v.as_str()), Cow<'q, str> => |v| v);
bind_as!(Timestamp: DateTime<Utc> => |v| v);
bind_as!(Date: NaiveDate => |v| v);
bind_as!(Blob: &'q [u8] => |v| Cow::Borrowed(v), Vec<u8> => |v| Cow::Owned(v));

impl<'q, T: Bind<'q>> Bind<'q> for Option<T> {
    fn value(self) -> Value<'q> {
        match self {
            Some(value) => value.value(),
            None => T::null(),
        }
    }
    fn null() -> Value<'q> {
        T::null()
    }
}

impl<'q> Bind<'q> for &'q i64 {
    fn value(self) -> Value<'q> {
        Value::Int(Some(*self))
    }
    fn null() -> Value<'q> {
        Value::Int(None)
    }
}

impl<'q> Bind<'q> for &'q Option<String> {
    fn value(self) -> Value<'q> {
        Value::Text(self.as_deref().map(Cow::Borrowed))
    }
    fn null() -> Value<'q> {
        Value::Text(None)
    }
}

fn encode_error(error: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::Encode(error)
}

pub(super) fn sqlite_arguments(values: Vec<Value<'_>>) -> Result<SqliteArguments<'_>, sqlx::Error> {
    let mut arguments = SqliteArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => arguments.add(v),
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v),
            Value::Timestamp(v) => arguments.add(v),
            Value::Date(v) => arguments.add(v),
            Value::Blob(v) => arguments.add(v.map(Cow::into_owned)),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}

/// The text SQLite's driver stores for a timestamp, so both backends hold the same strings.
fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// PostgreSQL's arguments in SQLite's storage types: flags as 0/1 `BIGINT`, timestamps and dates
/// as the text SQLite's driver writes (the schema mirrors SQLite's, see `migrations_postgres`).
pub(super) fn postgres_arguments(values: Vec<Value<'_>>) -> Result<PgArguments, sqlx::Error> {
    let mut arguments = PgArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => arguments.add(v.map(i64::from)),
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v.as_deref().map(str::to_owned)),
            Value::Timestamp(v) => arguments.add(v.map(timestamp_text)),
            Value::Date(v) => arguments.add(v.map(|date| date.format("%F").to_string())),
            Value::Blob(v) => arguments.add(v.map(Cow::into_owned)),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}
