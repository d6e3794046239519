//! `cpniguard demo`: a working carrier in one command. Creates (or reuses) a directory
//! with an embedded SQLite database and a config file, loads a deterministic synthetic
//! carrier, creates demo staff for every role with fresh tokens, and serves.

use super::staff::{issue_token, role_list};
use crate::commands::serve::serve_until_signal;
use crate::context::{open_store, scheme};
use anyhow::Context as _;
use chrono::{Days, Months, NaiveDate, Utc};
use clap::Args;
use cpniguard_core::account::TimeZoneName;
use cpniguard_core::ids::StaffId;
use cpniguard_core::notice::Channel;
use cpniguard_core::staff::{NewStaff, Role, Staff, Username};
use cpniguard_demo::{DemoSpec, SeedProgress};
use cpniguard_server::Config;
use cpniguard_server::application::staff_passwords;
use cpniguard_server::audit_writer::keys;
use cpniguard_server::auth::tokens;
use cpniguard_server::serve::init_logging;
use cpniguard_store::Store;
use cpniguard_store::publication::{PolicyDraft, PolicyText};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

const CONFIG_FILE: &str = "cpniguard.toml";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Directory for the demo database and config (created if missing, reused if present).
    #[arg(long, default_value = "cpniguard-demo")]
    pub dir: PathBuf,
    /// Address to serve on.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// How many customer accounts to generate (on first run).
    #[arg(long, default_value_t = 3000)]
    pub accounts: u32,
    /// Seed for the generator: the same seed gives the same carrier.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Use this database instead of the embedded SQLite file (e.g. postgres://…).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Load the data and print the credentials, but do not serve.
    #[arg(long)]
    pub no_serve: bool,
}

/// Demo staff: one per role, plus a CSR whose CPNI training has lapsed so the
/// training rule can be seen refusing.
fn demo_staff(today: NaiveDate) -> Vec<(&'static str, &'static str, Role, Option<NaiveDate>)> {
    let recent = today.checked_sub_days(Days::new(45));
    let lapsed = today.checked_sub_months(Months::new(14));
    vec![
        ("ana.csr", "Ana Rivera", Role::Csr, recent),
        ("lee.csr", "Lee Parker (training lapsed)", Role::Csr, lapsed),
        ("mia.marketing", "Mia Chen", Role::Marketing, recent),
        ("cro.supervisor", "Carmen Ortiz (Chief Revenue Officer)", Role::Supervisor, recent),
        ("pat.privacy", "Pat Morgan (Privacy Office)", Role::PrivacyOfficer, recent),
        ("aud.auditor", "Avery Brooks (Auditor)", Role::Auditor, recent),
        ("sam.admin", "Sam Patel (Administrator)", Role::Admin, recent),
        // Another carrier, for the PIC-freeze inquiry: no CPNI training applies.
        ("acme.carrier", "Acme Long Distance (another carrier)", Role::Carrier, None),
    ]
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    let dir = args.dir.canonicalize()?;
    let config_path = dir.join(CONFIG_FILE);
    let mut config = if config_path.exists() {
        Config::load(Some(&config_path)).with_context(|| format!("reusing {}", config_path.display()))?
    } else {
        let mut c = Config::default();
        c.database.url = format!("sqlite://{}", dir.join("cpniguard.db").display());
        // The demo has no mail server or messaging platform: account-change notices
        // are written as letters to a spool directory beside the database, where
        // they can be opened.
        c.notices.postal.enabled = true;
        c.notices.postal.spool_dir = dir.join("postal-spool").display().to_string();
        c.notices.routing.default_channels = vec![Channel::Postal];
        // Serving the opt-out notice to every demo customer would fill the letter spool
        // on the first start; `POST /api/v1/consent/notice-campaigns` shows it instead.
        c.consent.serve_due_notices = false;
        c.audit.signing_key_file = dir.join("audit-signing.key");
        c.audit.public_key_file = dir.join("audit-signing.pub");
        c.audit.anchor_file = dir.join("audit-anchor.json");
        // The contact points the policy pages promise, and the officer who signs the
        // certification, so `report certification` runs on the demo without flags.
        c.carrier.name = "Wasatch Demo Telephone".to_owned();
        c.carrier.marketing_email = "optout@wasatch-demo.example".to_owned();
        c.carrier.privacy_email = "privacy@wasatch-demo.example".to_owned();
        c.carrier.privacy_postal_address =
            "Privacy Office, Wasatch Demo Telephone, 200 S State St, Salt Lake City, UT 84111".to_owned();
        c.certification.officer_name = "Jordan Reyes".to_owned();
        c.certification.officer_title = "Chief Privacy Officer".to_owned();
        c
    };
    if let Some(url) = &args.database_url {
        config.database.url = url.clone();
    }
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    config.validate()?;
    write_config(&config_path, &config)?;
    init_logging(&config.log);
    if !config.audit.signing_key_file.exists() {
        // The demo carrier's audit key, as `cpniguard init` would make it.
        let key_dir = config.audit.signing_key_file.parent().unwrap_or(&dir);
        keys::write_key_pair(key_dir, &keys::generate()).context("writing the demo audit key pair")?;
    }

    let store = open_store(&config).await?;
    let report = seed_with_progress(store.as_ref(), &args).await?;
    let staff = ensure_demo_staff(store.as_ref(), &config).await?;
    ensure_published_policy(store.as_ref(), &config).await?;
    let counts = store.counts().await?;
    let summary = format!(
        "  Data:     {} ({}) — {} accounts, {} services, {} calls, {} invoices{}\n  Config:   {} (pass with --config)\n  Letters:  account-change notices are spooled as PDF letters under {}",
        dir.display(),
        scheme(&config.database.url),
        counts.accounts,
        counts.services,
        counts.calls,
        counts.invoices,
        if report.reused { " (reused)" } else { "" },
        config_path.display(),
        config.notices.postal.spool_dir,
    );
    if args.no_serve {
        println!("CPNI Guard demo data is ready.\n{summary}");
        print_staff(&staff);
        return Ok(());
    }
    serve_until_signal(config, store, move |addr| {
        println!("CPNI Guard demo is running (Ctrl-C stops it).");
        println!("  Console:  http://{addr}/console (sign in with a user name and password below)");
        println!("  API:      http://{addr}/api/v1");
        println!("  API docs: http://{addr}/api/docs");
        println!("  OpenAPI:  http://{addr}/api/v1/openapi.json");
        println!("  Metrics:  http://{addr}/metrics");
        println!("{summary}");
        print_staff(&staff);
        if let Some(DemoStaff { token: admin_token, .. }) = staff.iter().find(|d| d.staff.has_role(Role::Admin)) {
            println!("Try:\n  curl -H 'Authorization: Bearer {admin_token}' 'http://{addr}/api/v1/accounts?limit=3'");
        }
    })
    .await
}

fn write_config(path: &Path, config: &Config) -> anyhow::Result<()> {
    let body = toml::to_string_pretty(config).context("serialising the demo configuration")?;
    let text =
        format!("# Written by `cpniguard demo`. Every key is explained by `cpniguard config default`.\n\n{body}");
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

struct SeedOutcome {
    reused: bool,
}

async fn seed_with_progress(store: &dyn Store, args: &DemoArgs) -> anyhow::Result<SeedOutcome> {
    let today = Utc::now().date_naive();
    let now = today.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    let spec = DemoSpec::new(args.accounts, args.seed, now);
    let bar = ProgressBar::new(u64::from(args.accounts));
    bar.set_style(
        ProgressStyle::with_template("{spinner} seeding {pos}/{len} accounts [{bar:30}] {msg} ({elapsed}, eta {eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    let progress = |p: SeedProgress| {
        bar.set_position(u64::from(p.accounts_done));
        bar.set_message(format!("{} calls", p.calls_done));
    };
    let report = cpniguard_demo::seed(store, &spec, &progress).await.context("seeding demo data")?;
    bar.finish_and_clear();
    if !report.reused {
        eprintln!(
            "seeded {} accounts, {} calls, {} invoices in {:.1}s",
            report.accounts,
            report.calls,
            report.invoices,
            report.elapsed.as_secs_f64()
        );
    }
    Ok(SeedOutcome { reused: report.reused })
}

/// Create the demo staff if missing; revoke their old tokens and issue new ones, so
/// tokens are never kept in plain text anywhere between runs.
/// The demo carrier's CPNI policy, version 1, published (not material: nobody is
/// mailed) so `/privacy` has a page to show. A reused demo keeps what it has.
async fn ensure_published_policy(store: &dyn Store, config: &Config) -> anyhow::Result<()> {
    if !store.list_policy_versions().await?.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let tz = TimeZoneName::parse(&config.carrier.time_zone).context("[carrier].time_zone")?;
    let text = |summary: &str, body: &str| PolicyText { summary: summary.to_owned(), body: body.to_owned() };
    let draft = PolicyDraft {
        effective_on: now.with_timezone(&tz.tz()).date_naive(),
        material: false,
        en: Some(text("Our first published CPNI policy.", include_str!("demo_policy/en.md"))),
        es: Some(text("Nuestra primera política de CPNI publicada.", include_str!("demo_policy/es.md"))),
    };
    let version = store.create_policy_draft(&draft, "demo", now).await?;
    store.publish_policy_version(version.version, "demo", now, now).await?;
    Ok(())
}

/// A demo staff member, their new API token and their new console password.
struct DemoStaff {
    staff: Staff,
    token: String,
    password: String,
}

async fn ensure_demo_staff(store: &dyn Store, config: &Config) -> anyhow::Result<Vec<DemoStaff>> {
    let now = Utc::now();
    let mut out = Vec::new();
    for (username, name, role, trained) in demo_staff(now.date_naive()) {
        let username = Username::parse(username)?;
        let staff = match store.get_staff_by_username(&username).await? {
            Some(s) => s,
            None => {
                let new = NewStaff {
                    username,
                    display_name: name.to_owned(),
                    roles: [role].into(),
                    training_completed_on: trained,
                };
                store.create_staff(StaffId::new(), &new, now).await?
            }
        };
        store.revoke_staff_tokens(staff.id, now).await?;
        let token = issue_token(store, staff.id, "demo").await?;
        // A new random console password each start, like the tokens: none is kept in
        // plain text between runs.
        let fresh = tokens::generate();
        let password = fresh[fresh.len() - 16..].to_owned();
        staff_passwords::set(store, &config.customer_auth, staff.id, &password, now).await?;
        out.push(DemoStaff { staff, token, password });
    }
    Ok(out)
}

fn print_staff(staff: &[DemoStaff]) {
    println!("Demo staff (new tokens and console passwords on every start; earlier ones stop working):");
    println!("  {:<16} {:<16} {:<18} API token", "role", "user name", "console password");
    for d in staff {
        println!("  {:<16} {:<16} {:<18} {}", role_list(&d.staff), d.staff.username, d.password, d.token);
    }
}
