use anyhow::Context as _;
use clap::Subcommand;
use cpniguard_server::Config;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print a commented configuration file with every default.
    Default,
    /// Validate a configuration file (with the current environment applied) and exit
    /// non-zero with the reason if it is wrong.
    Check { file: PathBuf },
}

pub fn run(cmd: ConfigCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Default => {
            print!("{}", Config::default_toml());
            Ok(())
        }
        ConfigCommand::Check { file } => {
            Config::load(Some(&file)).with_context(|| format!("{} is not a valid configuration", file.display()))?;
            println!("{}: ok", file.display());
            Ok(())
        }
    }
}
