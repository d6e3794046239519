use crate::context::{DbArgs, open_store};
use anyhow::{Context as _, bail};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Staff, Username};
use cpniguard_server::application::staff_passwords;
use cpniguard_server::auth::tokens;
use cpniguard_store::Store;
use std::collections::BTreeSet;

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Create a staff member and print their API token (shown once; only a hash is kept).
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// A role: csr, marketing, supervisor, privacy_officer, auditor, admin, billing. Repeat for several.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Date CPNI training was completed (YYYY-MM-DD).
        #[arg(long)]
        trained_on: Option<NaiveDate>,
    },
    /// List staff members (no tokens).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue an additional API token for a staff member and print it.
    Token {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// What the token is for (e.g. the workstation), kept with its hash.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Set a staff member's console password (at least 12 characters), read from
    /// standard input — one line — so it never appears in the process list or history.
    Passwd {
        #[command(flatten)]
        db: DbArgs,
        /// The staff member's user name.
        username: String,
    },
    /// Revoke every API token of a staff member.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; one of: {}", names.join(", "))
    })
}

/// Create a token for `staff`, store its hash, and return the token itself.
pub async fn issue_token(store: &dyn Store, staff: StaffId, label: &str) -> anyhow::Result<String> {
    let token = tokens::generate();
    store.add_staff_token(staff, &tokens::hash(&token), label, Utc::now()).await.context("storing the token hash")?;
    Ok(token)
}

async fn find(store: &dyn Store, username: &str) -> anyhow::Result<Staff> {
    let username = Username::parse(username)?;
    match store.get_staff_by_username(&username).await? {
        Some(s) => Ok(s),
        None => bail!("no staff member named {username}"),
    }
}

pub async fn run(cmd: StaffCommand) -> anyhow::Result<()> {
    match cmd {
        StaffCommand::Add { db, username, name, roles, trained_on } => {
            let store = open_store(&db.load_config()?).await?;
            let new = NewStaff {
                username: Username::parse(&username)?,
                display_name: name,
                roles: roles.into_iter().collect::<BTreeSet<_>>(),
                training_completed_on: trained_on,
            };
            new.validate()?;
            let staff = store.create_staff(StaffId::new(), &new, Utc::now()).await?;
            let token = issue_token(store.as_ref(), staff.id, "created").await?;
            println!("created {} ({}) with roles {}", staff.username, staff.id, role_list(&staff));
            println!("API token (shown once, store it safely): {token}");
        }
        StaffCommand::List { db } => {
            let store = open_store(&db.load_config()?).await?;
            for s in store.list_staff().await? {
                let trained = s.training_completed_on.map(|d| d.to_string()).unwrap_or_else(|| "never".into());
                let active = if s.active { "active" } else { "inactive" };
                println!(
                    "{:<24} {:<28} {:<8} trained {:<10} {}",
                    s.username,
                    s.display_name,
                    active,
                    trained,
                    role_list(&s)
                );
            }
        }
        StaffCommand::Token { db, username, label } => {
            let store = open_store(&db.load_config()?).await?;
            let staff = find(store.as_ref(), &username).await?;
            let token = issue_token(store.as_ref(), staff.id, &label).await?;
            println!("API token for {} (shown once): {token}", staff.username);
        }
        StaffCommand::Passwd { db, username } => {
            let config = db.load_config()?;
            let store = open_store(&config).await?;
            let staff = find(store.as_ref(), &username).await?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            staff_passwords::set(store.as_ref(), &config.customer_auth, staff.id, password, Utc::now())
                .await
                .context("the password was not set")?;
            println!("console password set for {}", staff.username);
        }
        StaffCommand::Revoke { db, username } => {
            let store = open_store(&db.load_config()?).await?;
            let staff = find(store.as_ref(), &username).await?;
            let n = store.revoke_staff_tokens(staff.id, Utc::now()).await?;
            println!("revoked {n} token(s) of {}", staff.username);
        }
    }
    Ok(())
}

pub fn role_list(s: &Staff) -> String {
    s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}
