//! `cpniguard policy`: validate a directory of `.cedar` files against the schema (and
//! prove the regulatory properties over the resulting set), prove them alone, and
//! explain the decision the policy set makes on one request.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use cpniguard_policy::prove::{Solver, prove};
use cpniguard_policy::{Engine, LoadMode, PolicyInfo, Request};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Validate a directory of `.cedar` files against the schema (as an extension of the
    /// default set, or alone with --replace), then prove the regulatory properties over
    /// the result (as `policy prove`); exit non-zero with the validation message or the
    /// refuted properties.
    Check {
        dir: PathBuf,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Prove the regulatory properties (docs/policy-proofs.md) over the default set, or
    /// the default set extended (or with --replace, replaced) by DIR, with the cvc5 SMT
    /// solver (`$CVC5`, or `cvc5` on PATH). Prints each property proved or refuted, with
    /// a refuted property's counterexample as `policy explain --request` JSON; exit 0 only
    /// if every property is proved.
    Prove {
        dir: Option<PathBuf>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Evaluate one request given as JSON and print the decision and the deciding policies.
    Explain {
        /// The request as JSON (`-` reads standard input).
        #[arg(long)]
        request: PathBuf,
        /// A directory of `.cedar` files extending (or with --replace, replacing) the default set.
        #[arg(long)]
        policies: Option<PathBuf>,
        #[command(flatten)]
        mode: ModeArgs,
    },
}

#[derive(Args)]
pub struct ModeArgs {
    /// The directory replaces the default set instead of extending it.
    #[arg(long)]
    replace: bool,
}

impl ModeArgs {
    fn mode(&self) -> LoadMode {
        if self.replace { LoadMode::Replace } else { LoadMode::Extend }
    }
}

#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    decision: &'a cpniguard_policy::Decision,
    policies: Vec<&'a PolicyInfo>,
}

fn load(dir: &Path, mode: LoadMode) -> anyhow::Result<Engine> {
    Engine::with_directory(dir, mode).with_context(|| format!("{} is not a valid policy set", dir.display()))
}

/// Prove the properties over `engine`'s set, print the report, fail on a refutation.
async fn prove_and_report(engine: &Engine) -> anyhow::Result<()> {
    let solver = Solver::find()?;
    let started = Instant::now();
    let report = prove(engine, &solver).await?;
    print!("{}", report.render());
    println!("proof time: {:.1} s", started.elapsed().as_secs_f64());
    if !report.all_proved() {
        let refuted = report.refuted();
        bail!("{} of {} properties refuted: {}", refuted.len(), report.results.len(), refuted.join(", "));
    }
    Ok(())
}

pub async fn run(cmd: PolicyCommand) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::Check { dir, mode } => {
            let engine = load(&dir, mode.mode())?;
            println!(
                "{}: ok, {} policies, policy set {}",
                dir.display(),
                engine.policies().len(),
                engine.policy_set_hash()
            );
            prove_and_report(&engine).await
        }
        PolicyCommand::Prove { dir, mode } => {
            let engine = match &dir {
                Some(dir) => load(dir, mode.mode())?,
                None if mode.replace => {
                    bail!("--replace needs a directory of policies to replace the default set with")
                }
                None => Engine::with_defaults().context("the default policy set")?,
            };
            prove_and_report(&engine).await
        }
        PolicyCommand::Explain { request, policies, mode } => {
            let text = if request.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read the request from standard input")?
            } else {
                std::fs::read_to_string(&request).with_context(|| format!("cannot read {}", request.display()))?
            };
            let parsed: Request = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid policy request", request.display()))?;
            let engine = match &policies {
                Some(dir) => load(dir, mode.mode())?,
                None => Engine::with_defaults().context("the default policy set")?,
            };
            let decision = engine.decide(&parsed);
            let deciding = decision.deciding_policy_ids.iter().filter_map(|id| engine.policy(id)).collect();
            println!("{}", serde_json::to_string_pretty(&Explained { decision: &decision, policies: deciding })?);
            Ok(())
        }
    }
}
