//! `cargo xtask ...`: builds the `backprop` binary of mnist-train in release mode
//! with the backend chosen by `--backend` (a cargo feature) and runs it.
//! Everything after the task name is passed on to the binary unchanged.

use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Tasks of the MNIST backprop workspace"
)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Train a network (`cargo xtask train --help` lists every flag).
    #[command(disable_help_flag = true)]
    Train(Passthrough),
    /// Obtain MNIST and verify it by SHA-256.
    #[command(disable_help_flag = true)]
    FetchData(Passthrough),
    /// Compare hand-written gradients with autodiff and finite differences.
    #[command(disable_help_flag = true)]
    CheckGrads(Passthrough),
    /// Write the HTML and Markdown report of one or two finished runs.
    #[command(disable_help_flag = true)]
    Report(Passthrough),
    /// Train both networks, check the gradients and write the report, in one go.
    #[command(disable_help_flag = true)]
    Assignment(Passthrough),
    /// Samples per second of autodiff and hand gradients (speed goals live here, not in tests).
    #[command(disable_help_flag = true)]
    Bench(Passthrough),
}

#[derive(clap::Args)]
struct Passthrough {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// The value of `--backend` among the passed-on arguments, if any.
fn backend_of(args: &[String]) -> Option<String> {
    args.iter().enumerate().find_map(|(i, a)| {
        if a == "--backend" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--backend=").map(str::to_string)
        }
    })
}

/// cargo features of mnist-train for a backend name; unknown names are left to the
/// binary's own argument parser, which lists the valid ones.
fn features_for(backend: Option<&str>) -> Vec<&'static str> {
    match backend {
        Some("wgpu") => vec!["--features", "wgpu"],
        _ => vec![],
    }
}

fn run_backprop(subcommand: &str, args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let backend = backend_of(args);
    let status = Command::new(cargo)
        .args([
            "run",
            "--release",
            "--package",
            "mnist-train",
            "--bin",
            "backprop",
        ])
        .args(features_for(backend.as_deref()))
        .arg("--")
        .arg(subcommand)
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => {
            eprintln!("error: could not run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    match Xtask::parse().task {
        Task::Train(p) => run_backprop("train", &p.args),
        Task::FetchData(p) => run_backprop("fetch-data", &p.args),
        Task::CheckGrads(p) => run_backprop("check-grads", &p.args),
        Task::Report(p) => run_backprop("report", &p.args),
        Task::Assignment(p) => run_backprop("assignment", &p.args),
        Task::Bench(p) => run_backprop("bench", &p.args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn finds_the_backend_in_either_form() {
        assert_eq!(
            backend_of(&s(&["--epochs", "2", "--backend", "wgpu"])).as_deref(),
            Some("wgpu")
        );
        assert_eq!(
            backend_of(&s(&["--backend=ndarray"])).as_deref(),
            Some("ndarray")
        );
        assert_eq!(backend_of(&s(&["--epochs", "2"])), None);
        assert_eq!(features_for(Some("wgpu")), vec!["--features", "wgpu"]);
        assert!(features_for(Some("ndarray")).is_empty());
        assert!(features_for(None).is_empty());
    }
}
