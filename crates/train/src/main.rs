use std::process::ExitCode;

use burn::data::dataset::Dataset;
use clap::Parser;
use mnist_data::{Mnist, MnistDataset, Split, fetch};
use mnist_train::artifacts::{prepare_run_dir, to_json};
use mnist_train::cli::{
    AssignmentArgs, BenchArgs, CheckArgs, CheckModel, Cli, Command, FetchArgs, ReportArgs,
    TrainArgs, data_location,
};
use mnist_train::gradcheck::run_checks;
use mnist_train::report::{Run, write_report};
use mnist_train::train;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => run_train(&args),
        Command::FetchData(args) => run_fetch(&args),
        Command::CheckGrads(args) => run_check(&args),
        Command::Report(args) => run_report(&args),
        Command::Assignment(args) => run_assignment(&args),
        Command::Bench(args) => run_bench(&args),
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
    let out = train_run(
        args.config(),
        args.data.data_dir.as_deref(),
        args.out.as_deref(),
    )?;
    println!("run folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Trains one run into `out_arg`, or into the next free `runs/<model>-<backend>-NNN`.
fn train_run(
    config: mnist_train::TrainingConfig,
    data_dir_arg: Option<&std::path::Path>,
    out_arg: Option<&std::path::Path>,
) -> Result<std::path::PathBuf, String> {
    mnist_train::training::validate(&config).map_err(|e| e.to_string())?;
    if !config.backend.compiled() {
        return Err(config.backend.device().err().unwrap_or_default());
    }
    if config.backend == mnist_train::Backend::Wgpu {
        say(&format!(
            "wgpu adapter: {}",
            mnist_train::backend::wgpu_adapter()?
        ));
    }
    let dir = data_dir(data_dir_arg)?;
    let data = Mnist::load(&dir).map_err(|e| e.to_string())?;
    let stem = format!("{}-{}", config.model.kind, config.backend);
    let out =
        prepare_run_dir(out_arg, std::path::Path::new("runs"), &stem).map_err(|e| e.to_string())?;
    say(&format!(
        "training {} on {} ({} train / {} test images from {}), backend {}, gradients by {}; run folder {}",
        config.model.describe(),
        if data_dir_arg.is_some() {
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
    Ok(out)
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
    if args.backend == mnist_train::Backend::Wgpu {
        say(&format!(
            "wgpu adapter: {}",
            mnist_train::backend::wgpu_adapter()?
        ));
    }
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

/// The gradient-check reports for a report: from a `check-grads --json` file, or
/// run here on the CPU (with real MNIST batches when the data can be had).
fn gradcheck_for_report(
    file: Option<&std::path::Path>,
    data_dir_arg: Option<&std::path::Path>,
) -> Result<Vec<hand_backprop::check::CaseReport>, String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        return serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not the output of check-grads --json: {e}",
                file.display()
            )
        });
    }
    let device = mnist_train::Backend::Ndarray.device()?;
    let mnist = match data_dir(data_dir_arg)
        .and_then(|d| MnistDataset::load(&d, Split::Train).map_err(|e| e.to_string()))
    {
        Ok(data) => Some(data),
        Err(e) => {
            say(&format!("gradient check on random batches only: {e}"));
            None
        }
    };
    Ok(run_checks(
        CheckModel::All,
        &device,
        mnist.as_ref(),
        7,
        12,
        Default::default(),
    ))
}

fn load_runs(run_dirs: &[std::path::PathBuf]) -> Result<Vec<Run>, String> {
    run_dirs.iter().map(|d| Run::load(d)).collect()
}

fn report(
    runs: &[Run],
    out: &std::path::Path,
    checks: &[hand_backprop::check::CaseReport],
) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join("gradcheck.json"), to_json(&checks))
        .map_err(|e| format!("{}: {e}", out.join("gradcheck.json").display()))?;
    write_report(runs, checks, out)
}

fn run_report(args: &ReportArgs) -> Result<ExitCode, String> {
    // Fail on a bad run folder before spending time on the gradient check.
    let runs = load_runs(&args.runs)?;
    let checks = gradcheck_for_report(args.gradcheck.as_deref(), args.data.data_dir.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| args.runs[0].clone());
    let html = report(&runs, &out, &checks)?;
    println!("report: {}", html.display());
    println!("markdown: {}", out.join("report.md").display());
    Ok(ExitCode::SUCCESS)
}

fn run_assignment(args: &AssignmentArgs) -> Result<ExitCode, String> {
    use mnist_model::{ModelConfig, ModelKind};
    let out = prepare_run_dir(
        args.out.as_deref(),
        std::path::Path::new("runs"),
        &format!("assignment-{}", args.backend),
    )
    .map_err(|e| e.to_string())?;
    let data_dir_arg = args.data.data_dir.as_deref();
    let mut runs = Vec::new();
    for (kind, name) in [(ModelKind::OneLayer, "one-layer"), (ModelKind::Mlp, "mlp")] {
        let config = mnist_train::TrainingConfig::new(
            ModelConfig::new(kind).with_hidden(args.hidden.clone()),
            args.backend,
        )
        .with_epochs(args.epochs)
        .with_grad(args.grad)
        .with_seed(args.seed);
        runs.push(train_run(config, data_dir_arg, Some(&out.join(name)))?);
    }
    say("checking the gradients");
    let checks = gradcheck_for_report(None, data_dir_arg)?;
    let failed = checks.iter().filter(|c| !c.pass).count();
    let html = report(&load_runs(&runs)?, &out, &checks)?;
    println!("report: {}", html.display());
    println!("markdown: {}", out.join("report.md").display());
    if failed > 0 {
        return Err(format!(
            "{failed} gradient-check cases failed; see the report"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_bench(args: &BenchArgs) -> Result<ExitCode, String> {
    use mnist_train::GradMode;
    use mnist_train::bench::{format_rows, gradient_throughput, models, training_throughput};
    if args.backend == mnist_train::Backend::Wgpu {
        say(&format!(
            "wgpu adapter: {}",
            mnist_train::backend::wgpu_adapter()?
        ));
    }
    let mut rows = Vec::new();
    for model in models() {
        for grad in [GradMode::Autodiff, GradMode::Hand] {
            rows.push(gradient_throughput(
                &model,
                args.backend,
                grad,
                args.batch_size,
                args.steps,
            )?);
        }
    }
    if args.train_images > 0 {
        let dir = data_dir(args.data.data_dir.as_deref())?;
        for model in models() {
            for grad in [GradMode::Autodiff, GradMode::Hand] {
                let data = Mnist::load(&dir).map_err(|e| e.to_string())?;
                rows.push(training_throughput(
                    &model,
                    args.backend,
                    grad,
                    data,
                    args.train_images,
                    1,
                )?);
            }
        }
    }
    print!("{}", format_rows(&rows));
    if let Some(path) = &args.json {
        std::fs::write(path, to_json(&rows)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
