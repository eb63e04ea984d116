//! Who is calling: principals (partners, organisation editors, moderators, admins), their bearer
//! tokens, and the [`Viewer`] every read and write is decided for.
//!
//! Tokens are 32 random bytes shown once (`cad_` + base64url); only their SHA-256 is stored, so a
//! copy of the database does not let anyone in. High-entropy random tokens need no slow password
//! hash: there is nothing to guess.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, ParseError, Result};

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A partner platform: reads, with a higher rate limit.
    Partner,
    /// Edits one organisation's listings.
    Editor,
    /// Edits and moderates everything.
    Moderator,
    /// Everything a moderator can, plus accounts and tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Partner, Role::Editor, Role::Moderator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Editor => "editor",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> std::result::Result<Role, ParseError> {
        let wanted = raw.trim().to_lowercase();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| {
                ParseError::new(format!(
                    "unknown role {raw:?}: one of partner, editor, moderator, admin"
                ))
            })
    }
}

/// Someone (or some platform) holding tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The organisation an editor is bound to (only editors have one).
    pub organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A token's public facts (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token: the secret exists only here, to be shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub info: TokenInfo,
    pub secret: String,
}

const TOKEN_PREFIX: &str = "cad_";
/// Characters of the token kept in clear to tell tokens apart.
const SHOWN_PREFIX_CHARS: usize = 10;

/// A fresh random token and its stored facts.
pub(crate) fn new_token(principal_id: Uuid, now: DateTime<Utc>) -> (IssuedToken, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let info = TokenInfo {
        id: Uuid::new_v4(),
        principal_id,
        prefix: secret.chars().take(SHOWN_PREFIX_CHARS).collect(),
        created_at: now,
        revoked_at: None,
    };
    let hash = token_hash(&secret);
    (IssuedToken { info, secret }, hash)
}

/// What is stored for a token: its SHA-256, hex.
pub(crate) fn token_hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// Who a request is from: anonymous, or a principal whose token checked out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    pub principal: Option<Principal>,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer { principal: None }
    }

    pub fn of(principal: Principal) -> Viewer {
        Viewer {
            principal: Some(principal),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.principal.as_ref().map(|p| p.role)
    }

    /// Moderators and admins.
    pub fn is_moderator(&self) -> bool {
        matches!(self.role(), Some(Role::Moderator | Role::Admin))
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// May change listings owned by `owner` (an organisation; `None` for listings nobody owns,
    /// which only moderators may change).
    pub fn can_edit(&self, owner: Option<Uuid>) -> bool {
        match &self.principal {
            Some(p) if matches!(p.role, Role::Moderator | Role::Admin) => true,
            Some(p) if p.role == Role::Editor => owner.is_some() && p.organization_id == owner,
            _ => false,
        }
    }

    /// [`Viewer::can_edit`], or `FORBIDDEN` saying why.
    pub fn require_edit(&self, owner: Option<Uuid>, what: &str) -> Result<&Principal> {
        match &self.principal {
            Some(principal) if self.can_edit(owner) => Ok(principal),
            None => Err(Error::forbidden(format!(
                "changing {what} needs a token: send `Authorization: Bearer <token>`"
            ))),
            Some(principal) => Err(Error::forbidden(format!(
                "{} may not change {what}: {}",
                principal.name,
                match principal.role {
                    Role::Editor => "editors may change only their own organisation's listings",
                    _ => "only organisation editors and moderators change listings",
                }
            ))),
        }
    }

    /// Moderators and admins only, or `FORBIDDEN`.
    pub fn require_moderator(&self, what: &str) -> Result<&Principal> {
        match &self.principal {
            Some(principal) if self.is_moderator() => Ok(principal),
            _ => Err(Error::forbidden(format!("only moderators may {what}"))),
        }
    }

    /// Admins only, or `FORBIDDEN`.
    pub fn require_admin(&self, what: &str) -> Result<&Principal> {
        match &self.principal {
            Some(principal) if self.is_admin() => Ok(principal),
            _ => Err(Error::forbidden(format!("only admins may {what}"))),
        }
    }

    /// How the audit trail names the viewer: `Jo Bloggs (editor)`.
    pub fn describe(&self) -> String {
        match &self.principal {
            Some(p) => format!("{} ({})", p.name, p.role.as_str()),
            None => "anonymous".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, organization_id: Option<Uuid>) -> Principal {
        Principal {
            id: Uuid::new_v4(),
            name: "Jo".into(),
            email: None,
            role,
            organization_id,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let id = Uuid::new_v4();
        let (first, first_hash) = new_token(id, Utc::now());
        let (second, _) = new_token(id, Utc::now());
        assert_ne!(first.secret, second.secret);
        assert!(first.secret.starts_with("cad_") && first.secret.len() > 40);
        assert_eq!(first_hash, token_hash(&first.secret));
        assert!(!first_hash.contains(&first.secret[4..]));
        assert!(first.secret.starts_with(&first.info.prefix));
    }

    #[test]
    fn editors_edit_only_their_own_organisation() {
        let own = Uuid::new_v4();
        let editor = Viewer::of(principal(Role::Editor, Some(own)));
        assert!(editor.can_edit(Some(own)));
        assert!(!editor.can_edit(Some(Uuid::new_v4())));
        assert!(!editor.can_edit(None));
        assert!(Viewer::of(principal(Role::Moderator, None)).can_edit(None));
        assert!(!Viewer::of(principal(Role::Partner, None)).can_edit(Some(own)));
        assert!(!Viewer::anonymous().can_edit(Some(own)));
        assert!(matches!(
            Viewer::anonymous().require_edit(Some(own), "x"),
            Err(Error::Forbidden(_))
        ));
    }
}
