//! The figures on synthetic metrics: files are written, decode as PNG of the
//! expected size, and are not blank.

use std::path::Path;

use mnist_data::{MnistDataset, idx};
use mnist_train::evaluate::{Evaluation, Mistake};
use mnist_train::figures;
use mnist_train::recorder::{EpochRow, IterationRow};

fn synthetic_metrics() -> (Vec<EpochRow>, Vec<IterationRow>) {
    let mut epochs = Vec::new();
    let mut iterations = Vec::new();
    for e in 1..=4 {
        for k in 0..50 {
            let t = (e - 1) as f64 + k as f64 / 50.0;
            iterations.push(IterationRow {
                epoch: e,
                iteration: (e - 1) * 50 + k + 1,
                loss: 2.0 * (-t).exp() + 0.1 * ((k * 7 % 11) as f64 / 11.0),
                accuracy: 1.0 - 0.8 * (-t).exp(),
            });
        }
        for (split, shift) in [("train", 0.0), ("test", 0.05)] {
            epochs.push(EpochRow {
                epoch: e,
                split: split.into(),
                loss: 2.0 * (-(e as f64)).exp() + shift,
                accuracy: 1.0 - 0.8 * (-(e as f64)).exp() - shift,
                seconds: 1.0,
            });
        }
    }
    (epochs, iterations)
}

/// Decodes `path` as PNG and returns (width, height, variance of the grey levels).
fn png_stats(path: &Path) -> (u32, u32, f64) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8();
    let n = img.pixels().len() as f64;
    let mean = img.pixels().map(|p| f64::from(p.0[0])).sum::<f64>() / n;
    let var = img
        .pixels()
        .map(|p| (f64::from(p.0[0]) - mean).powi(2))
        .sum::<f64>()
        / n;
    (img.width(), img.height(), var)
}

fn assert_picture(path: &Path, size: (u32, u32)) {
    let (w, h, var) = png_stats(path);
    assert_eq!((w, h), size, "{}", path.display());
    assert!(
        var > 100.0,
        "{} looks blank (grey-level variance {var})",
        path.display()
    );
}

#[test]
fn curves_are_drawn_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (epochs, iterations) = synthetic_metrics();
    let png = dir.path().join("curves.png");
    let svg = dir.path().join("curves.svg");
    figures::curves(&epochs, &iterations, "synthetic", &png, Some(&svg)).unwrap();
    assert_picture(&png, (1300, 520));
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("epoch") && svg.contains("Accuracy"));
}

#[test]
fn a_blank_canvas_fails_the_check() {
    // The variance threshold must be able to fail: a white PNG is below it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("white.png");
    image::GrayImage::from_pixel(50, 40, image::Luma([255u8]))
        .save(&path)
        .unwrap();
    let (_, _, var) = png_stats(&path);
    assert!(var <= 100.0);
}

fn weights(outputs: usize) -> Vec<f32> {
    (0..784 * outputs)
        .map(|k| (((k * 2654435761usize) % 1000) as f32 / 500.0 - 1.0) * 0.3)
        .collect()
}

#[test]
fn weight_images_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let data = weights(10);
    let png = dir.path().join("weights.png");
    figures::one_layer_weights(
        &figures::Weights {
            data: &data,
            outputs: 10,
        },
        "w",
        &png,
    )
    .unwrap();
    assert_picture(&png, (1250, 600));

    let data = weights(100);
    let png = dir.path().join("units.png");
    figures::first_layer_units(
        &figures::Weights {
            data: &data,
            outputs: 100,
        },
        64,
        "u",
        &png,
    )
    .unwrap();
    assert_picture(&png, (110 * 8 + 130, 115 * 8 + 60));
}

#[test]
fn diverging_colours_are_centred_on_zero() {
    let white = figures::diverging(0.0);
    assert!(white.0 > 240 && white.1 > 240 && white.2 > 240);
    let red = figures::diverging(1.0);
    let blue = figures::diverging(-1.0);
    assert!(red.0 > red.2 && blue.2 > blue.0);
    assert_eq!(figures::diverging(5.0), red, "clamped");
}

#[test]
fn confusion_and_mistakes_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let mut confusion = vec![vec![0u64; 10]; 10];
    for (t, row) in confusion.iter_mut().enumerate() {
        row[t] = 90;
        row[(t + 3) % 10] = t as u64;
    }
    let worst: Vec<Mistake> = (0..8)
        .map(|i| Mistake {
            index: i,
            label: i % 10,
            predicted: (i + 1) % 10,
            confidence: 0.9,
        })
        .collect();
    let eval = Evaluation {
        items: 945,
        loss: 0.3,
        accuracy: 0.95,
        confusion,
        worst,
    };
    let png = dir.path().join("confusion.png");
    figures::confusion(&eval, "c", &png, None).unwrap();
    assert_picture(&png, (760, 720));

    // Eight small test images written as IDX files.
    let pixels: Vec<u8> = (0..8 * 784)
        .map(|k| {
            if (k % 28) > 10 && (k % 28) < 16 {
                255
            } else {
                0
            }
        })
        .collect();
    std::fs::write(
        dir.path().join("images"),
        idx::encode(&[8, 28, 28], &pixels),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("labels"),
        idx::encode(&[8], &[0, 1, 2, 3, 4, 5, 6, 7]),
    )
    .unwrap();
    let test =
        MnistDataset::from_files(&dir.path().join("images"), &dir.path().join("labels")).unwrap();
    let png = dir.path().join("mistakes.png");
    figures::mistakes(&eval, &test, 24, "m", &png).unwrap();
    assert_picture(&png, (170 * 6, 175 * 2 + 50));
}
