//! The assignment report of one or more runs: a Markdown file beside a
//! self-contained HTML page (figures embedded), with the derivation, each run's
//! configuration and figures, and the gradient-check table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use hand_backprop::check::{AUTODIFF_REL_TOL, CaseReport, FD_REL_TOL, FD_STEP};

use crate::evaluate::Evaluation;
use crate::recorder::EpochRow;
use crate::training::Summary;

/// What the report reads from a run folder.
pub struct Run {
    pub dir: PathBuf,
    pub name: String,
    pub config: serde_json::Value,
    pub summary: Summary,
    pub epochs: Vec<EpochRow>,
    pub evaluation: Evaluation,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (is {} the folder of a finished training run?)",
            path.display(),
            path.parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    serde_json::from_str(&read(path)?).map_err(|e| format!("{}: not valid: {e}", path.display()))
}

pub fn parse_metrics_csv(path: &Path) -> Result<Vec<EpochRow>, String> {
    let text = read(path)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let bad = || {
            format!(
                "{}: line {} is not epoch,split,loss,accuracy,seconds",
                path.display(),
                n + 1
            )
        };
        if f.len() != 5 {
            return Err(bad());
        }
        rows.push(EpochRow {
            epoch: f[0].parse().map_err(|_| bad())?,
            split: f[1].to_string(),
            loss: f[2].parse().map_err(|_| bad())?,
            accuracy: f[3].parse().map_err(|_| bad())?,
            seconds: f[4].parse().map_err(|_| bad())?,
        });
    }
    Ok(rows)
}

impl Run {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "run".into());
        Ok(Self {
            dir: dir.to_path_buf(),
            name,
            config: parse_json(&dir.join("config.json"))?,
            summary: parse_json(&dir.join("summary.json"))?,
            epochs: parse_metrics_csv(&dir.join("metrics.csv"))?,
            evaluation: parse_json(&dir.join("evaluation.json"))?,
        })
    }

    fn best(&self, split: &str) -> Option<&EpochRow> {
        self.epochs
            .iter()
            .filter(|r| r.split == split)
            .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy))
    }

    fn first_last(&self, split: &str) -> Option<(&EpochRow, &EpochRow)> {
        let rows: Vec<_> = self.epochs.iter().filter(|r| r.split == split).collect();
        Some((*rows.first()?, *rows.last()?))
    }
}

/// A figure of a run with the caption the report gives it.
struct Figure {
    file: &'static str,
    caption: String,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn captions(run: &Run) -> Vec<Figure> {
    let s = &run.summary;
    let eval_split = s.eval_split.as_str();
    let mut out = Vec::new();
    if let (Some((tf, tl)), Some((ef, el))) = (run.first_last("train"), run.first_last(eval_split))
    {
        let best = run.best(eval_split).expect("rows exist");
        out.push(Figure {
            file: "curves.png",
            caption: format!(
                "Cost and accuracy per epoch. The training cost (mean over each epoch's batches) falls from {:.4} after epoch {} to {:.4} after epoch {}; the {eval_split} cost from {:.4} to {:.4}. The {eval_split} accuracy goes from {} to {} (best {} after epoch {}). The light line is the cost and accuracy of every training batch.",
                tf.loss, tf.epoch, tl.loss, tl.epoch, ef.loss, el.loss, pct(ef.accuracy), pct(el.accuracy), pct(best.accuracy), best.epoch
            ),
        });
    }
    let one_layer = s.model.starts_with("one-layer");
    out.push(Figure {
        file: "weights.png",
        caption: if one_layer {
            "The ten weight images w_m· of the one-layer network, one per digit m, on one colour scale centred on zero: red pixels add to the logit z_m of that digit when inked, blue ones subtract from it. The templates show the strokes that tell each digit from the others.".to_string()
        } else {
            "First-layer weights of the first 64 hidden units, each on its own scale centred on zero (red positive, blue negative): the features the first layer learned to detect.".to_string()
        },
    });
    let e = &run.evaluation;
    let errors = e.items - (e.accuracy * e.items as f64).round() as usize;
    let (mut worst_pair, mut worst_count) = ((0, 0), 0);
    for (t, row) in e.confusion.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            if t != p && c > worst_count {
                worst_pair = (t, p);
                worst_count = c;
            }
        }
    }
    out.push(Figure {
        file: "confusion.png",
        caption: format!(
            "Test confusion matrix of the final model: {errors} of {} test images are misclassified (accuracy {}). The most frequent confusion is a true {} predicted as {} ({worst_count} times).",
            e.items,
            pct(e.accuracy),
            worst_pair.0,
            worst_pair.1
        ),
    });
    if let Some(m) = e.worst.first() {
        out.push(Figure {
            file: "mistakes.png",
            caption: format!(
                "The most confidently misclassified test images (true → predicted, probability given to the prediction). The most confident mistake takes a {} for a {} with probability {}.",
                m.label,
                m.predicted,
                pct(m.confidence)
            ),
        });
    }
    out
}

/// How the Markdown refers to a figure: a path beside the report, or a data URI.
enum Images<'a> {
    Files(&'a Path),
    Embedded,
}

fn figure_ref(run: &Run, file: &str, images: &Images) -> Result<Option<String>, String> {
    let src = run.dir.join(file);
    if !src.is_file() {
        return Ok(None);
    }
    match images {
        Images::Files(out) => {
            let rel = PathBuf::from("report-figures").join(&run.name).join(file);
            let dest = out.join(&rel);
            if dest != src {
                std::fs::create_dir_all(dest.parent().expect("has a parent"))
                    .map_err(|e| format!("{}: {e}", dest.display()))?;
                std::fs::copy(&src, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
            }
            Ok(Some(rel.to_string_lossy().replace('\\', "/")))
        }
        Images::Embedded => {
            let bytes = std::fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            Ok(Some(format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )))
        }
    }
}

/// The derivation (from the hand-backprop crate) with its headings one level down,
/// so that its title is a section of the report.
fn derivation_section() -> String {
    hand_backprop::DERIVATION_MD
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("#{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn config_list(config: &serde_json::Value) -> String {
    let mut out = String::new();
    if let Some(map) = config.as_object() {
        for (k, v) in map {
            let v = match v {
                serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                    format!("`{}`", serde_json::to_string(v).unwrap_or_default())
                }
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "- {k}: {v}");
        }
    }
    out
}

fn markdown(runs: &[Run], checks: &[CaseReport], images: &Images) -> Result<String, String> {
    let mut md = String::from("# Backpropagation on MNIST\n\n");
    let _ = writeln!(
        md,
        "Report of {} training run{} with burn, the derivation of the gradients, and the proof that the hand-written gradients equal burn's automatic differentiation.\n",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    );
    md.push_str("## Results\n\n");
    md.push_str("| run | model | backend | gradients | epochs | train loss | train accuracy | test loss | test accuracy | best per-epoch test accuracy | training time | samples/s |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in runs {
        let s = &r.summary;
        let best = r
            .best("test")
            .map(|b| format!("{} (epoch {})", pct(b.accuracy), b.epoch))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.4} | {} | {:.4} | {} | {} | {:.1} s | {:.0} |",
            r.name,
            s.model,
            s.backend,
            s.grad,
            s.epochs,
            s.train_loss,
            pct(s.train_accuracy),
            s.test_loss,
            pct(s.test_accuracy),
            best,
            s.train_seconds,
            s.samples_per_second
        );
    }
    md.push_str("\nTrain and test figures are those of the final model on the whole training and test set.\n\n");

    md.push_str(&derivation_section());
    md.push_str("\n\n## Gradient check\n\n");
    let _ = writeln!(
        md,
        "Hand-written gradients against burn's autodiff (whole tensors) and against central finite differences of the loss computed in f64 (step {FD_STEP:e}, sampled coordinates). Relative error: max |hand − reference| / max |autodiff gradient| of the tensor; tolerances {AUTODIFF_REL_TOL:e} (autodiff) and {FD_REL_TOL:e} (finite differences).\n"
    );
    if checks.is_empty() {
        md.push_str("No gradient check was run.\n");
    } else {
        md.push_str("| case | model | batch | weight decay | parameter | shape | rel. error vs autodiff | rel. error vs finite differences | result |\n");
        md.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for c in checks {
            for p in &c.params {
                let shape: Vec<String> = p.shape.iter().map(|d| d.to_string()).collect();
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {:.2e} | {:.2e} | {} |",
                    c.case,
                    c.model,
                    c.batch,
                    c.weight_decay,
                    p.parameter,
                    shape.join("×"),
                    p.autodiff_max_rel,
                    p.fd_max_rel,
                    if p.pass { "ok" } else { "**FAIL**" }
                );
            }
        }
        let failed = checks.iter().filter(|c| !c.pass).count();
        let _ = writeln!(
            md,
            "\n{} of {} cases passed.",
            checks.len() - failed,
            checks.len()
        );
    }

    for r in runs {
        let _ = writeln!(md, "\n## Run {}: {}\n", r.name, r.summary.model);
        md.push_str("Configuration:\n\n");
        md.push_str(&config_list(&r.config));
        let s = &r.summary;
        let _ = writeln!(
            md,
            "\nFinal model: train loss {:.4}, train accuracy {}; test loss {:.4}, test accuracy {}. Training took {:.1} s ({:.0} samples/s).\n",
            s.train_loss,
            pct(s.train_accuracy),
            s.test_loss,
            pct(s.test_accuracy),
            s.train_seconds,
            s.samples_per_second
        );
        for fig in captions(r) {
            if let Some(src) = figure_ref(r, fig.file, images)? {
                let _ = writeln!(md, "![{}]({src})\n\n*{}*\n", fig.file, fig.caption);
            }
        }
    }
    Ok(md)
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}\
table{border-collapse:collapse;font-size:0.9em;margin:1em 0}th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:left}\
th{background:#f3f3f3}img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:0.6em;overflow-x:auto}\
code{background:#f6f6f6}em{color:#444}";

/// Writes `report.md` (figures copied beside it) and `report.html` (figures
/// embedded) into `out`; returns the HTML path.
pub fn write_report(runs: &[Run], checks: &[CaseReport], out: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let md = markdown(runs, checks, &Images::Files(out))?;
    let md_path = out.join("report.md");
    std::fs::write(&md_path, &md).map_err(|e| format!("{}: {e}", md_path.display()))?;

    let embedded = markdown(runs, checks, &Images::Embedded)?;
    let mut body = String::new();
    let parser = pulldown_cmark::Parser::new_ext(&embedded, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut body, parser);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backpropagation on MNIST</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    );
    let html_path = out.join("report.html");
    std::fs::write(&html_path, html).map_err(|e| format!("{}: {e}", html_path.display()))?;
    Ok(html_path)
}
