//! Proving the regulatory properties of a policy set (issue 22) with Cedar's symbolic
//! compiler (`cedar-policy-symcc`) and the cvc5 SMT solver: for every request
//! environment the schema admits (principal type, action, resource type), each
//! property becomes one solver query over every value of every attribute. A refuted
//! property comes with the solver's counterexample read back as the typed [`Request`]
//! that `cpniguard policy explain --request` takes, and decided again by the engine.

mod counterexample;
mod properties;

pub use counterexample::to_request;
pub use properties::{Check, PROPERTIES, Property};

use crate::engine::{Decision, Engine};
use crate::request::Request;
use cedar_policy::{PolicySet, RequestEnv};
use cedar_policy_symcc::solver::LocalSolver;
use cedar_policy_symcc::{CedarSymCompiler, CompiledPolicy, CompiledPolicySet, Env};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The environment variable naming the cvc5 executable (SymCC's own convention);
/// without it `cvc5` is looked up on `PATH`.
pub const SOLVER_VARIABLE: &str = "CVC5";

/// Why the properties could not be put to the solver (a refuted property is not an
/// error: it is a [`Outcome::Refuted`]).
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error(
        "no SMT solver: {0}; install cvc5 (Debian: apt-get install cvc5) or set {SOLVER_VARIABLE} to the path of a cvc5 executable"
    )]
    NoSolver(String),
    #[error("the solver {path} failed: {message}")]
    Solver { path: String, message: String },
    #[error("property {property}: {message}")]
    Property { property: &'static str, message: String },
}

/// The solver executable found, and the version it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solver {
    pub path: PathBuf,
    pub version: String,
}

impl Solver {
    /// `$CVC5`, or `cvc5` on `PATH`; it must run and say its version.
    pub fn find() -> Result<Solver, ProveError> {
        let path = match std::env::var_os(SOLVER_VARIABLE) {
            Some(p) => {
                let p = PathBuf::from(p);
                if !p.is_file() {
                    return Err(ProveError::NoSolver(format!("{SOLVER_VARIABLE}={} is not a file", p.display())));
                }
                p
            }
            None => on_path("cvc5").ok_or_else(|| ProveError::NoSolver("no cvc5 on PATH".to_owned()))?,
        };
        Self::at(&path)
    }

    /// The solver at `path`, asked for its version.
    pub fn at(path: &Path) -> Result<Solver, ProveError> {
        let shown = path.display().to_string();
        let out = std::process::Command::new(path)
            .arg("--version")
            .output()
            .map_err(|e| ProveError::NoSolver(format!("{shown} does not run: {e}")))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or_default().trim();
        if !out.status.success() || !first.contains("cvc5") {
            return Err(ProveError::NoSolver(format!("{shown} is not cvc5 (its --version says {first:?})")));
        }
        let version = first.trim_start_matches("This is ").replace(" version", "");
        Ok(Solver { path: path.to_owned(), version })
    }

    fn start(&self) -> Result<CedarSymCompiler<LocalSolver>, ProveError> {
        let failed = |e: &dyn std::fmt::Display| ProveError::Solver {
            path: self.path.display().to_string(),
            message: e.to_string(),
        };
        let mut command = tokio::process::Command::new(&self.path);
        // One minute of wall time per query, as SymCC's own default; `kill_on_drop`
        // ends the process with the prover.
        command.args(["--lang", "smt", "--tlimit=60000"]).kill_on_drop(true);
        let solver = LocalSolver::from_command(&mut command).map_err(|e| failed(&e))?;
        CedarSymCompiler::new(solver).map_err(|e| failed(&e))
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A request the property forbids, which the policy set gets wrong.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// The request as `policy explain --request` takes it, or why it has no such form.
    pub request: Result<Request, String>,
    /// What the engine decides on `request`: allowed, for a property the set breaks by
    /// allowing; with `errors`, for `never-errors`.
    pub decision: Option<Decision>,
    /// For `never-errors`: the policy that errors.
    pub policy: Option<String>,
    /// The solver's request and entities, as Cedar shows them.
    pub cedar: String,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Proved,
    Refuted(Box<Counterexample>),
}

#[derive(Debug, Clone)]
pub struct PropertyResult {
    pub property: &'static Property,
    pub outcome: Outcome,
}

/// Every property's outcome over one policy set.
#[derive(Debug, Clone)]
pub struct ProofReport {
    pub solver: Solver,
    pub policy_set_hash: String,
    pub results: Vec<PropertyResult>,
}

impl ProofReport {
    pub fn all_proved(&self) -> bool {
        self.results.iter().all(|r| matches!(r.outcome, Outcome::Proved))
    }

    /// The names of the refuted properties.
    pub fn refuted(&self) -> Vec<&'static str> {
        self.results.iter().filter(|r| matches!(r.outcome, Outcome::Refuted(_))).map(|r| r.property.name).collect()
    }
}

/// Prove every property of [`PROPERTIES`] over the engine's policy set.
pub async fn prove(engine: &Engine, solver: &Solver) -> Result<ProofReport, ProveError> {
    let schema = engine.schema();
    let policies = engine.policy_set();
    let mut compiler = solver.start()?;
    let yardsticks = PROPERTIES.iter().map(yardstick).collect::<Result<Vec<_>, _>>()?;
    let mut found: Vec<Option<Counterexample>> = vec![None; PROPERTIES.len()];
    let envs: Vec<RequestEnv> = schema.request_envs().collect();
    let failed = |property: &'static Property, e: &dyn std::fmt::Display| ProveError::Property {
        property: property.name,
        message: e.to_string(),
    };
    for env in &envs {
        let first = &PROPERTIES[0];
        let set = CompiledPolicySet::compile(policies, env, schema).map_err(|e| failed(first, &e))?;
        for (i, property) in PROPERTIES.iter().enumerate() {
            if found[i].is_some() {
                continue;
            }
            match &yardsticks[i] {
                Some(yardstick) => {
                    let allowed =
                        CompiledPolicySet::compile(yardstick, env, schema).map_err(|e| failed(property, &e))?;
                    let cex = compiler
                        .check_implies_with_counterexample_opt(&set, &allowed)
                        .await
                        .map_err(|e| failed(property, &e))?;
                    found[i] = cex.map(|cex| counterexample(engine, &cex, None));
                }
                None => {
                    for policy in policies.policies() {
                        let compiled =
                            CompiledPolicy::compile(policy, env, schema).map_err(|e| failed(property, &e))?;
                        let cex = compiler
                            .check_never_errors_with_counterexample_opt(&compiled)
                            .await
                            .map_err(|e| failed(property, &e))?;
                        if let Some(cex) = cex {
                            found[i] = Some(counterexample(engine, &cex, Some(policy.id().to_string())));
                            break;
                        }
                    }
                }
            }
        }
    }
    let results = PROPERTIES
        .iter()
        .zip(found)
        .map(|(property, cex)| PropertyResult {
            property,
            outcome: cex.map_or(Outcome::Proved, |c| Outcome::Refuted(Box::new(c))),
        })
        .collect();
    Ok(ProofReport { solver: solver.clone(), policy_set_hash: engine.policy_set_hash().to_owned(), results })
}

/// "Permit everything" plus the property's forbids; `None` for `never-errors`.
fn yardstick(property: &'static Property) -> Result<Option<PolicySet>, ProveError> {
    match property.check {
        Check::NeverAllows(forbids) => {
            PolicySet::from_str(&format!("permit (principal, action, resource);\n{forbids}"))
                .map(Some)
                .map_err(|e| ProveError::Property { property: property.name, message: e.to_string() })
        }
        Check::NeverErrors => Ok(None),
    }
}

fn counterexample(engine: &Engine, cex: &Env, policy: Option<String>) -> Counterexample {
    let request = to_request(&cex.request, &cex.entities);
    let decision = request.as_ref().ok().map(|r| engine.decide(r));
    Counterexample { request, decision, policy, cedar: cex.to_string() }
}

impl ProofReport {
    /// The report as the CLI prints it and the server refuses with: one line per
    /// property, and under each refuted one its counterexample as one line of the JSON
    /// `cpniguard policy explain --request` reads, with the engine's decision on it.
    pub fn render(&self) -> String {
        let mut out = format!(
            "solver: {} ({})\npolicy set: {}\n",
            self.solver.version,
            self.solver.path.display(),
            self.policy_set_hash
        );
        for result in &self.results {
            let p = result.property;
            let Outcome::Refuted(cex) = &result.outcome else {
                out.push_str(&format!("proved   {}  [{}]\n", p.name, p.rule));
                continue;
            };
            out.push_str(&format!("REFUTED  {}  [{}]\n  the property: {}\n", p.name, p.rule, p.statement));
            if let Some(policy) = &cex.policy {
                out.push_str(&format!("  the policy that errors: {policy}\n"));
            }
            match &cex.request {
                Ok(request) => {
                    let json = serde_json::to_string(request).unwrap_or_else(|e| format!("(unserializable: {e})"));
                    out.push_str(&format!("  counterexample: {json}\n"));
                    if let Some(d) = &cex.decision {
                        let verdict = if d.allowed { "allow" } else { "deny" };
                        out.push_str(&format!(
                            "  the engine decides: {verdict} by {}",
                            d.deciding_policy_ids.join(", ")
                        ));
                        if !d.errors.is_empty() {
                            out.push_str(&format!(" (errors: {})", d.errors.join("; ")));
                        }
                        out.push('\n');
                    }
                }
                Err(why) => {
                    out.push_str(&format!("  counterexample (no gate request form: {why}):\n"));
                    for line in cex.cedar.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
            }
        }
        let refuted = self.refuted();
        out.push_str(&format!(
            "{} properties: {} proved, {} refuted\n",
            self.results.len(),
            self.results.len() - refuted.len(),
            refuted.len()
        ));
        out
    }
}
