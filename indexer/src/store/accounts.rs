//! Principals and their tokens.

use crate::store::db::{self};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::uuid;
use super::Store;
use crate::accounts::{new_token, token_hash, IssuedToken, Principal, Role, TokenInfo};
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    id: String,
    name: String,
    email: Option<String>,
    role: String,
    organization_id: Option<String>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    created_at: DateTime<Utc>,
}

impl PrincipalRow {
    fn into_domain(self) -> Result<Principal> {
        Ok(Principal {
            id: uuid(&self.id)?,
            name: self.name,
            email: self.email,
            role: Role::parse(&self.role).map_err(|e| Error::invalid("principals.role", e.0))?,
            organization_id: self.organization_id.as_deref().map(uuid).transpose()?,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    principal_id: String,
    prefix: String,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn into_domain(self) -> Result<TokenInfo> {
        Ok(TokenInfo {
            id: uuid(&self.id)?,
            principal_id: uuid(&self.principal_id)?,
            prefix: self.prefix,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// Longest principal name or email, in characters (a person's or platform's name).
pub const PRINCIPAL_NAME_MAX: usize = 200;

impl Store {
    /// Adds a principal. An editor must name an organisation that exists; no one else may.
    pub async fn create_principal(
        &self,
        name: &str,
        email: Option<&str>,
        role: Role,
        organization_id: Option<Uuid>,
    ) -> Result<Principal> {
        match (role, organization_id) {
            (Role::Editor, None) => return Err(Error::invalid("organization", "an editor needs an organisation")),
            (Role::Editor, Some(id)) => {
                if self.organization(id).await?.is_none() {
                    return Err(Error::not_found("organization", id.to_string()));
                }
            }
            (_, Some(_)) => {
                return Err(Error::invalid(
                    "organization",
                    "only editors are bound to an organisation",
                ))
            }
            (_, None) => {}
        }
        let name = crate::domain::text::plain_text("name", name, PRINCIPAL_NAME_MAX)?;
        let email = email
            .map(|email| crate::domain::text::plain_text("email", email, PRINCIPAL_NAME_MAX))
            .transpose()?;
        let email = email.as_deref();
        let principal = Principal {
            id: Uuid::new_v4(),
            name: name.clone(),
            email: email.map(str::to_string),
            role,
            organization_id,
            created_at: Utc::now(),
        };
        db::query(
            "INSERT INTO principals (id, name, email, role, organization_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(principal.id.to_string())
        .bind(&principal.name)
        .bind(&principal.email)
        .bind(role.as_str())
        .bind(organization_id.map(|id| id.to_string()))
        .bind(principal.created_at)
        .execute(self.pool())
        .await?;
        Ok(principal)
    }

    pub async fn principal(&self, id: Uuid) -> Result<Option<Principal>> {
        let row: Option<PrincipalRow> = db::query_as("SELECT * FROM principals WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(PrincipalRow::into_domain).transpose()
    }

    /// Every principal, by role then name.
    pub async fn principals(&self) -> Result<Vec<Principal>> {
        let rows: Vec<PrincipalRow> = db::query_as("SELECT * FROM principals ORDER BY role, name, id")
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(PrincipalRow::into_domain).collect()
    }

    /// Editors of an organisation (who to remind about stale listings).
    pub async fn editors_of(&self, organization_id: Uuid) -> Result<Vec<Principal>> {
        let rows: Vec<PrincipalRow> =
            db::query_as("SELECT * FROM principals WHERE organization_id = ? ORDER BY name, id")
                .bind(organization_id.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(PrincipalRow::into_domain).collect()
    }

    /// Issues a new token for a principal; the secret is in the result only.
    pub async fn issue_token(&self, principal_id: Uuid) -> Result<IssuedToken> {
        if self.principal(principal_id).await?.is_none() {
            return Err(Error::not_found("principal", principal_id.to_string()));
        }
        let (issued, hash) = new_token(principal_id, Utc::now());
        db::query("INSERT INTO tokens (id, principal_id, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(issued.info.id.to_string())
            .bind(principal_id.to_string())
            .bind(hash)
            .bind(&issued.info.prefix)
            .bind(issued.info.created_at)
            .execute(self.pool())
            .await?;
        Ok(issued)
    }

    /// The principal a bearer token belongs to; `UNAUTHENTICATED` if unknown or revoked.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal> {
        let hash = token_hash(secret.trim());
        // The usual case in one statement (every authenticated request pays it).
        let principal: Option<PrincipalRow> = db::query_as(
            "SELECT p.* FROM tokens t JOIN principals p ON p.id = t.principal_id WHERE t.token_hash = ? AND t.revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        if let Some(principal) = principal {
            return principal.into_domain();
        }
        let row: Option<(String, db::MaybeStamp)> =
            db::query_as("SELECT principal_id, revoked_at FROM tokens WHERE token_hash = ?")
                .bind(&hash)
                .fetch_optional(self.pool())
                .await?;
        match row {
            None => Err(Error::Unauthenticated("unknown token".into())),
            Some((_, db::MaybeStamp(Some(_)))) => Err(Error::Unauthenticated("this token has been revoked".into())),
            Some((principal_id, db::MaybeStamp(None))) => self
                .principal(uuid(&principal_id)?)
                .await?
                .ok_or_else(|| Error::Unauthenticated("unknown token".into())),
        }
    }

    /// Revokes a token (idempotent); returns it.
    pub async fn revoke_token(&self, token_id: Uuid) -> Result<TokenInfo> {
        db::query("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
            .bind(Utc::now())
            .bind(token_id.to_string())
            .execute(self.pool())
            .await?;
        self.token(token_id)
            .await?
            .ok_or_else(|| Error::not_found("token", token_id.to_string()))
    }

    pub async fn token(&self, token_id: Uuid) -> Result<Option<TokenInfo>> {
        let row: Option<TokenRow> = db::query_as("SELECT * FROM tokens WHERE id = ?")
            .bind(token_id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(TokenRow::into_domain).transpose()
    }

    /// A principal's tokens, newest first.
    pub async fn tokens_of(&self, principal_id: Uuid) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = db::query_as("SELECT * FROM tokens WHERE principal_id = ? ORDER BY created_at DESC")
            .bind(principal_id.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(TokenRow::into_domain).collect()
    }
}
