use std::process::ExitCode;

use burn::data::dataset::Dataset;
use clap::Parser;
use mnist_data::{Mnist, MnistDataset, Split, fetch};
use mnist_train::artifacts::{prepare_run_dir, to_json};
use mnist_train::cli::{CheckArgs, Cli, Command, FetchArgs, TrainArgs, data_location};
use mnist_train::gradcheck::run_checks;
use mnist_train::train;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => run_train(&args),
        Command::FetchData(args) => run_fetch(&args),
        Command::CheckGrads(args) => run_check(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn say(line: &str) {
    eprintln!("{line}");
}

/// The data folder: an explicit one as it is; the default one fetched and verified.
fn data_dir(explicit: Option<&std::path::Path>) -> Result<std::path::PathBuf, String> {
    let (dir, fetch_into) = data_location(explicit);
    if fetch_into {
        fetch::ensure_mnist(&dir, &mut |l| say(l)).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

fn run_train(args: &TrainArgs) -> Result<ExitCode, String> {
    let config = args.config();
    mnist_train::training::validate(&config).map_err(|e| e.to_string())?;
    if !config.backend.compiled() {
        return Err(config.backend.device().err().unwrap_or_default());
    }
    let dir = data_dir(args.data.data_dir.as_deref())?;
    let data = Mnist::load(&dir).map_err(|e| e.to_string())?;
    let stem = format!("{}-{}", config.model.kind, config.backend);
    let out = prepare_run_dir(args.out.as_deref(), std::path::Path::new("runs"), &stem)
        .map_err(|e| e.to_string())?;
    say(&format!(
        "training {} on {} ({} train / {} test images from {}), backend {}, gradients by {}; run folder {}",
        config.model.describe(),
        if args.data.data_dir.is_some() {
            "the given data"
        } else {
            "MNIST"
        },
        if config.train_limit > 0 {
            data.train.len().min(config.train_limit)
        } else {
            data.train.len()
        },
        data.test.len(),
        dir.display(),
        config.backend,
        config.grad.name(),
        out.display()
    ));
    let summary = train(&config, data, &out).map_err(|e| e.to_string())?;
    println!(
        "{}: train loss {:.4} accuracy {:.2}% | test loss {:.4} accuracy {:.2}% | {:.1} s training, {:.0} samples/s",
        summary.model,
        summary.train_loss,
        summary.train_accuracy * 100.0,
        summary.test_loss,
        summary.test_accuracy * 100.0,
        summary.train_seconds,
        summary.samples_per_second
    );
    println!("run folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_fetch(args: &FetchArgs) -> Result<ExitCode, String> {
    let dir = args
        .data_dir
        .clone()
        .unwrap_or_else(fetch::default_data_dir);
    let fetched = fetch::ensure_mnist(&dir, &mut |l| say(l)).map_err(|e| e.to_string())?;
    for f in fetched {
        println!(
            "{:<26} {} ({}, SHA-256 verified)",
            f.file.name(),
            f.path.display(),
            f.source
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(args: &CheckArgs) -> Result<ExitCode, String> {
    if !args.backend.compiled() {
        return Err(args.backend.device().err().unwrap_or_default());
    }
    let device = args.backend.device()?;
    let mnist = if args.no_mnist {
        None
    } else {
        let dir = data_dir(args.data.data_dir.as_deref())?;
        Some(MnistDataset::load(&dir, Split::Train).map_err(|e| e.to_string())?)
    };
    let fault = args.inject_fault.map(Into::into).unwrap_or_default();
    let reports = run_checks(
        args.model,
        &device,
        mnist.as_ref(),
        args.seed,
        args.fd_samples,
        fault,
    );
    if args.json {
        print!("{}", to_json(&reports));
    } else {
        print!("{}", hand_backprop::check::format_table(&reports));
    }
    let failed = reports.iter().filter(|r| !r.pass).count();
    if failed > 0 {
        eprintln!("{failed} of {} cases FAILED", reports.len());
        Ok(ExitCode::FAILURE)
    } else {
        eprintln!("all {} cases passed", reports.len());
        Ok(ExitCode::SUCCESS)
    }
}
