//! Training on the real MNIST: accuracy, the run folder's files, hand gradients
//! against autodiff, and the errors users can run into.

use std::path::PathBuf;
use std::sync::OnceLock;

use mnist_data::{Mnist, fetch};
use mnist_model::{ModelConfig, ModelKind};
use mnist_train::artifacts::prepare_run_dir;
use mnist_train::{Backend, GradMode, TrainError, TrainingConfig, train};

/// The real MNIST, fetched and verified into the default data folder once.
fn mnist_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = fetch::default_data_dir();
        fetch::ensure_mnist(&dir, &mut |l| eprintln!("{l}")).expect("MNIST for the tests");
        dir
    })
    .clone()
}

fn config(kind: ModelKind, hidden: &[usize]) -> TrainingConfig {
    TrainingConfig::new(
        ModelConfig::new(kind).with_hidden(hidden.to_vec()),
        Backend::Ndarray,
    )
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn one_epoch_of_the_one_layer_network_beats_85_percent() {
    let out = tempfile::tempdir().unwrap();
    let data = Mnist::load(&mnist_dir()).unwrap();
    let summary = train(
        &config(ModelKind::OneLayer, &[]).with_epochs(1),
        data,
        out.path(),
    )
    .unwrap();
    assert!(
        summary.test_accuracy > 0.85,
        "test accuracy {}",
        summary.test_accuracy
    );
    assert!(
        summary.train_accuracy > 0.85,
        "train accuracy {}",
        summary.train_accuracy
    );
    assert!(summary.test_loss.is_finite() && summary.test_loss < 0.6);

    let metrics = read(out.path().join("metrics.csv"));
    let lines: Vec<&str> = metrics.lines().collect();
    assert_eq!(lines[0], "epoch,split,loss,accuracy,seconds");
    assert_eq!(lines.len(), 3, "{metrics}");
    assert!(
        lines[1].starts_with("1,train,") && lines[2].starts_with("1,test,"),
        "{metrics}"
    );
    // The learner's last test evaluation is of the same model as the final one.
    let test_acc: f64 = lines[2].split(',').nth(3).unwrap().parse().unwrap();
    assert!(
        (test_acc - summary.test_accuracy).abs() < 1e-3,
        "{test_acc} vs {}",
        summary.test_accuracy
    );

    let iterations = read(out.path().join("iterations.csv"));
    assert_eq!(
        iterations.lines().count(),
        1 + 600,
        "one row per batch of 100"
    );

    let json: serde_json::Value =
        serde_json::from_str(&read(out.path().join("summary.json"))).unwrap();
    for key in [
        "model",
        "backend",
        "epochs",
        "train_loss",
        "train_accuracy",
        "test_loss",
        "test_accuracy",
        "train_seconds",
        "samples_per_second",
    ] {
        assert!(json.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(json["backend"], "ndarray");
    assert!(out.path().join("config.json").is_file());
    assert!(out.path().join("model.bpk").is_file());
    let eval: serde_json::Value =
        serde_json::from_str(&read(out.path().join("evaluation.json"))).unwrap();
    let total: u64 = eval["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 10_000);
}

fn epoch_losses(dir: &std::path::Path) -> Vec<f64> {
    read(dir.join("metrics.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn hand_gradients_train_like_autodiff() {
    for (kind, hidden) in [
        (ModelKind::OneLayer, vec![]),
        (ModelKind::Mlp, vec![64, 32]),
    ] {
        let mut losses = Vec::new();
        for grad in [GradMode::Autodiff, GradMode::Hand] {
            let out = tempfile::tempdir().unwrap();
            let data = Mnist::load(&mnist_dir()).unwrap();
            let cfg = config(kind, &hidden)
                .with_grad(grad)
                .with_epochs(2)
                .with_train_limit(3000)
                .with_momentum(0.5)
                .with_weight_decay(1e-4);
            train(&cfg, data, out.path()).unwrap();
            losses.push(epoch_losses(out.path()));
        }
        assert_eq!(losses[0].len(), 4);
        for (a, h) in losses[0].iter().zip(&losses[1]) {
            assert!(
                (a - h).abs() <= 1e-4 * a.abs().max(1.0),
                "{kind}: autodiff {:?} hand {:?}",
                losses[0],
                losses[1]
            );
        }
    }
}

#[test]
fn a_diverging_run_is_an_error_not_a_panic() {
    let out = tempfile::tempdir().unwrap();
    let data = Mnist::load(&mnist_dir()).unwrap();
    let cfg = config(ModelKind::Mlp, &[32])
        .with_learning_rate(1e30)
        .with_train_limit(2000);
    match train(&cfg, data, out.path()) {
        Err(TrainError::Diverged(message)) => assert!(message.contains("--lr"), "{message}"),
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn bad_settings_are_rejected_before_training() {
    let out = tempfile::tempdir().unwrap();
    let data = Mnist::load(&mnist_dir()).unwrap();
    let err = train(
        &config(ModelKind::OneLayer, &[]).with_learning_rate(-1.0),
        data,
        out.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--lr"), "{err}");
    let data = Mnist::load(&mnist_dir()).unwrap();
    let err = train(
        &config(ModelKind::OneLayer, &[]).with_valid_split(60_000),
        data,
        out.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("validation split"), "{err}");
}

#[test]
fn a_validation_split_is_reported_as_valid() {
    let out = tempfile::tempdir().unwrap();
    let data = Mnist::load(&mnist_dir()).unwrap();
    let cfg = config(ModelKind::OneLayer, &[])
        .with_train_limit(5000)
        .with_valid_split(1000);
    let summary = train(&cfg, data, out.path()).unwrap();
    assert_eq!(summary.train_images, 4000);
    assert_eq!(summary.eval_split, "valid");
    assert!(summary.valid_accuracy.is_some());
    assert!(read(out.path().join("metrics.csv")).contains("1,valid,"));
}

#[test]
fn an_earlier_run_is_never_overwritten() {
    let root = tempfile::tempdir().unwrap();
    let first = prepare_run_dir(None, root.path(), "one-layer-ndarray").unwrap();
    std::fs::write(first.join("summary.json"), "{}").unwrap();
    let second = prepare_run_dir(None, root.path(), "one-layer-ndarray").unwrap();
    assert_ne!(first, second);
    let err = prepare_run_dir(Some(&first), root.path(), "x").unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(read(first.join("summary.json")), "{}");
}

#[test]
fn the_same_seed_gives_the_same_run_on_the_cpu() {
    let mut runs = Vec::new();
    for seed in [5, 5, 6] {
        let out = tempfile::tempdir().unwrap();
        let data = Mnist::load(&mnist_dir()).unwrap();
        let cfg = config(ModelKind::Mlp, &[32])
            .with_seed(seed)
            .with_train_limit(2000);
        let summary = train(&cfg.with_epochs(1), data, out.path()).unwrap();
        runs.push((epoch_losses(out.path()), summary.test_loss));
    }
    assert_eq!(runs[0], runs[1], "same seed, same losses");
    assert_ne!(
        runs[0], runs[2],
        "another seed, other weights and batch order"
    );
}
