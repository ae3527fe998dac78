//! The report of a real (short) run: every section is there, and the Markdown
//! refers only to files that exist.

use std::path::PathBuf;

use hand_backprop::Fault;
use mnist_data::{Mnist, fetch};
use mnist_model::{ModelConfig, ModelKind};
use mnist_train::cli::CheckModel;
use mnist_train::gradcheck::run_checks;
use mnist_train::report::{Run, write_report};
use mnist_train::{Backend, TrainingConfig, train};

fn mnist_dir() -> PathBuf {
    let dir = fetch::default_data_dir();
    fetch::ensure_mnist(&dir, &mut |l| eprintln!("{l}")).expect("MNIST for the tests");
    dir
}

#[test]
fn report_has_every_section_and_only_existing_figures() {
    let runs = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for (kind, name) in [(ModelKind::OneLayer, "one"), (ModelKind::Mlp, "mlp")] {
        let dir = runs.path().join(name);
        let config = TrainingConfig::new(
            ModelConfig::new(kind).with_hidden(vec![16]),
            Backend::Ndarray,
        )
        .with_epochs(2)
        .with_train_limit(1000);
        train(&config, Mnist::load(&mnist_dir()).unwrap(), &dir).unwrap();
        dirs.push(dir);
    }
    let loaded: Vec<Run> = dirs.iter().map(|d| Run::load(d).unwrap()).collect();
    let device = Backend::Ndarray.device().unwrap();
    let checks = run_checks(CheckModel::OneLayer, &device, None, 1, 4, Fault::None);
    let out = tempfile::tempdir().unwrap();
    let html = write_report(&loaded, &checks, out.path()).unwrap();

    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    for section in [
        "## Results",
        "## Backpropagation by hand",
        "### dJ/db_m",
        "### dJ/dw_mj",
        "## Gradient check",
        "## Run one: one-layer 784-10",
        "## Run mlp: mlp 784-16-10",
        "learning_rate",
    ] {
        assert!(md.contains(section), "report.md lacks {section}");
    }
    let mut figures = 0;
    for line in md.lines().filter(|l| l.starts_with("![")) {
        let target = &line[line.find("](").unwrap() + 2..line.len() - 1];
        assert!(
            out.path().join(target).is_file(),
            "report.md refers to missing {target}"
        );
        figures += 1;
    }
    assert_eq!(figures, 8, "four figures per run");

    let html = std::fs::read_to_string(html).unwrap();
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 8);
    assert!(
        !html.contains("report-figures/"),
        "the HTML page is self-contained"
    );
    assert!(html.contains("<table>") && html.contains("dJ/dw_mj"));
}

#[test]
fn a_folder_that_is_not_a_run_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Run::load(dir.path()).err().expect("an error");
    assert!(
        err.contains("config.json") && err.contains("finished training run"),
        "{err}"
    );
}
