//! Column types both backends decode alike: flags held as 0/1 integers, timestamps and dates
//! held as text (see `migrations_postgres`), read as `bool`, `DateTime<Utc>` and `NaiveDate`.
//! Row types use them as `#[sqlx(try_from = "crate::store::db::Flag")]` and so on.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::Postgres;
use sqlx::{Decode, Sqlite, Type};

/// A 0/1 flag column read as `bool` on both backends (PostgreSQL holds flags as `BIGINT`, as
/// SQLite does); row types use it as `#[sqlx(try_from = "Flag")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

/// A nullable flag column: `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeFlag(pub Option<bool>);

/// A timestamp column (RFC 3339 text on both backends) read as `DateTime<Utc>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(pub DateTime<Utc>);

/// A nullable timestamp column: `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeStamp(pub Option<DateTime<Utc>>);

/// A nullable date column (`YYYY-MM-DD` text on both backends): `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeDay(pub Option<NaiveDate>);

impl From<MaybeDay> for Option<NaiveDate> {
    fn from(day: MaybeDay) -> Option<NaiveDate> {
        day.0
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl From<MaybeFlag> for Option<bool> {
    fn from(flag: MaybeFlag) -> Option<bool> {
        flag.0
    }
}

impl From<Stamp> for DateTime<Utc> {
    fn from(stamp: Stamp) -> DateTime<Utc> {
        stamp.0
    }
}

impl From<MaybeStamp> for Option<DateTime<Utc>> {
    fn from(stamp: MaybeStamp) -> Option<DateTime<Utc>> {
        stamp.0
    }
}

/// Parses the timestamp texts SQLite's driver writes and reads (RFC 3339, or `YYYY-MM-DD
/// HH:MM:SS[.f]` in UTC).
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, sqlx::error::BoxDynError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%F %T%.f%:z", "%F %T%.f%#z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    for format in ["%F %T%.f", "%FT%T%.f"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    Err(format!("not a timestamp: {text:?}").into())
}

mod decoding {
    //! `Type` and `Decode` of the wrappers for each backend: the integer or text the column
    //! holds, also accepting PostgreSQL's own `BOOL` and `TIMESTAMPTZ` from expressions.
    use super::*;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgTypeInfo, PgValueRef};
    use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
    use sqlx::{TypeInfo, ValueRef};

    fn pg_flag(value: PgValueRef<'_>) -> Result<bool, BoxDynError> {
        let type_name = value.type_info().name().to_string();
        Ok(match type_name.as_str() {
            "BOOL" => <bool as Decode<Postgres>>::decode(value)?,
            "INT4" => <i32 as Decode<Postgres>>::decode(value)? != 0,
            "INT2" => <i16 as Decode<Postgres>>::decode(value)? != 0,
            _ => <i64 as Decode<Postgres>>::decode(value)? != 0,
        })
    }

    fn pg_stamp(value: PgValueRef<'_>) -> Result<DateTime<Utc>, BoxDynError> {
        if value.type_info().name() == "TIMESTAMPTZ" {
            return <DateTime<Utc> as Decode<Postgres>>::decode(value);
        }
        parse_timestamp(<&str as Decode<Postgres>>::decode(value)?)
    }

    fn pg_day(value: PgValueRef<'_>) -> Result<NaiveDate, BoxDynError> {
        if value.type_info().name() == "DATE" {
            return <NaiveDate as Decode<Postgres>>::decode(value);
        }
        Ok(NaiveDate::parse_from_str(
            <&str as Decode<Postgres>>::decode(value)?,
            "%F",
        )?)
    }

    fn pg_day_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "TEXT" | "VARCHAR" | "DATE")
    }

    fn pg_flag_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "INT8" | "INT4" | "INT2" | "BOOL")
    }

    fn pg_stamp_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "TEXT" | "VARCHAR" | "TIMESTAMPTZ")
    }

    macro_rules! wrapper {
        ($ty:ty, $sqlite_as:ty, $pg_as:ty, $compatible:ident, |$sv:ident| $sqlite:expr, |$pv:ident| $pg:expr) => {
            impl Type<Sqlite> for $ty {
                fn type_info() -> SqliteTypeInfo {
                    <$sqlite_as as Type<Sqlite>>::type_info()
                }
                fn compatible(ty: &SqliteTypeInfo) -> bool {
                    <$sqlite_as as Type<Sqlite>>::compatible(ty)
                }
            }
            impl<'r> Decode<'r, Sqlite> for $ty {
                fn decode($sv: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                    $sqlite
                }
            }
            impl Type<Postgres> for $ty {
                fn type_info() -> PgTypeInfo {
                    <$pg_as as Type<Postgres>>::type_info()
                }
                fn compatible(ty: &PgTypeInfo) -> bool {
                    $compatible(ty)
                }
            }
            impl<'r> Decode<'r, Postgres> for $ty {
                fn decode($pv: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                    $pg
                }
            }
        };
    }

    wrapper!(
        Flag,
        bool,
        i64,
        pg_flag_compatible,
        |v| Ok(Flag(<bool as Decode<Sqlite>>::decode(v)?)),
        |v| Ok(Flag(pg_flag(v)?))
    );
    wrapper!(
        MaybeFlag,
        bool,
        i64,
        pg_flag_compatible,
        |v| Ok(MaybeFlag(if v.is_null() {
            None
        } else {
            Some(<bool as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeFlag(if v.is_null() { None } else { Some(pg_flag(v)?) }))
    );
    wrapper!(
        Stamp,
        DateTime<Utc>,
        String,
        pg_stamp_compatible,
        |v| Ok(Stamp(<DateTime<Utc> as Decode<Sqlite>>::decode(v)?)),
        |v| Ok(Stamp(pg_stamp(v)?))
    );
    wrapper!(
        MaybeDay,
        NaiveDate,
        String,
        pg_day_compatible,
        |v| Ok(MaybeDay(if v.is_null() {
            None
        } else {
            Some(<NaiveDate as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeDay(if v.is_null() { None } else { Some(pg_day(v)?) }))
    );
    wrapper!(
        MaybeStamp,
        DateTime<Utc>,
        String,
        pg_stamp_compatible,
        |v| Ok(MaybeStamp(if v.is_null() {
            None
        } else {
            Some(<DateTime<Utc> as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeStamp(if v.is_null() { None } else { Some(pg_stamp(v)?) }))
    );
}
