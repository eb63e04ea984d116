//! `indexer accounts ...` and `indexer organizations`: administering a fresh install without
//! touching the database: principals (editors bound to an organisation, moderators, admins,
//! partners) and their tokens.

use clap::{Args, Subcommand};
use indexer::accounts::{IssuedToken, Principal, Role};
use indexer::Directory;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Add a principal and print its first token (shown once).
    Create(CreateArgs),
    /// Issue another token for a principal (shown once).
    Token {
        /// The principal's id.
        #[arg(long)]
        principal: Uuid,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id (see `accounts list`).
        #[arg(long)]
        token: Uuid,
    },
    /// List principals and their tokens (never the tokens themselves).
    List,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// partner, editor, moderator or admin.
    #[arg(long)]
    role: String,
    /// The person's or platform's name.
    #[arg(long)]
    name: String,
    /// Email address, for stale-listing reminders.
    #[arg(long)]
    email: Option<String>,
    /// For editors: the id of the organisation they edit for (see `indexer organizations`).
    #[arg(long)]
    organization: Option<Uuid>,
}

pub async fn accounts(directory: &Directory, command: AccountsCommand) -> anyhow::Result<()> {
    let store = directory.store();
    match command {
        AccountsCommand::Create(args) => {
            let role = Role::parse(&args.role)?;
            let email = args
                .email
                .as_deref()
                .map(|raw| indexer::domain::text::email("--email", raw))
                .transpose()?;
            let principal = store
                .create_principal(&args.name, email.as_deref(), role, args.organization)
                .await?;
            let token = store.issue_token(principal.id).await?;
            print_issued(&principal, &token);
        }
        AccountsCommand::Token { principal } => {
            let found = store
                .principal(principal)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no principal {principal}"))?;
            let token = store.issue_token(principal).await?;
            print_issued(&found, &token);
        }
        AccountsCommand::Revoke { token } => {
            let revoked = store.revoke_token(token).await?;
            println!("revoked token {} ({}…)", revoked.id, revoked.prefix);
        }
        AccountsCommand::List => {
            for principal in store.principals().await? {
                println!(
                    "{}  {:<9}  {}{}",
                    principal.id,
                    principal.role.as_str(),
                    principal.name,
                    principal
                        .organization_id
                        .map(|id| format!("  (organisation {id})"))
                        .unwrap_or_default()
                );
                for token in store.tokens_of(principal.id).await? {
                    println!(
                        "    token {}  {}…  issued {}{}",
                        token.id,
                        token.prefix,
                        token.created_at.format("%Y-%m-%d %H:%M"),
                        token
                            .revoked_at
                            .map(|at| format!("  REVOKED {}", at.format("%Y-%m-%d %H:%M")))
                            .unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(())
}

fn print_issued(principal: &Principal, token: &IssuedToken) {
    println!(
        "principal {} ({}, {})",
        principal.id,
        principal.name,
        principal.role.as_str()
    );
    println!("token id  {}", token.info.id);
    println!();
    println!("{}", token.secret);
    println!();
    println!("This token is shown once and not stored; send it as `Authorization: Bearer <token>`.");
}

/// `indexer organizations [--name TEXT]`: ids and names, to bind editors to.
pub async fn organizations(directory: &Directory, name: Option<String>) -> anyhow::Result<()> {
    let wanted = name.map(|name| name.to_lowercase());
    for organization in directory.store().organizations_by_ids(None).await? {
        if wanted
            .as_ref()
            .is_none_or(|wanted| organization.name.to_lowercase().contains(wanted))
        {
            println!("{}  {}", organization.id, organization.name);
        }
    }
    Ok(())
}
