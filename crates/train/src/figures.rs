//! The figures of a run, drawn with plotters into the run folder:
//!
//! - `curves.png` / `curves.svg`: cost and accuracy against epoch, train and
//!   test (or valid) split, with the per-iteration training cost as a lighter line.
//! - `weights.png`: one-layer network: the ten 28x28 weight images in a 2x5 grid,
//!   diverging colour map centred on zero, with a colour bar; multi-layer network:
//!   the first 64 first-layer units, each scaled to its own largest |w|.
//! - `confusion.png` / `confusion.svg`: the 10x10 test confusion matrix with counts.
//! - `mistakes.png`: the most confidently misclassified test images.
//!
//! Text uses the DejaVu Sans font embedded in the binary, so no system fonts are needed.

use std::path::Path;
use std::sync::Once;

use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE, MnistDataset, NUM_CLASSES};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::evaluate::Evaluation;
use crate::recorder::{EpochRow, IterationRow};

const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            let bytes = match style {
                FontStyle::Bold => dejavu::sans::bold(),
                _ => dejavu::sans::regular(),
            };
            plotters::style::register_font(FONT, style, bytes)
                .unwrap_or_else(|_| panic!("the embedded DejaVu font is valid"));
        }
    });
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

fn err<E: std::fmt::Display>(path: &Path) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{}: could not draw: {e}", path.display())
}

/// Blue (negative) – white (zero) – red (positive), `t` in [-1, 1].
pub fn diverging(t: f64) -> RGBColor {
    const NEG: (f64, f64, f64) = (33.0, 102.0, 172.0);
    const MID: (f64, f64, f64) = (247.0, 247.0, 247.0);
    const POS: (f64, f64, f64) = (178.0, 24.0, 43.0);
    let t = t.clamp(-1.0, 1.0);
    let (end, s) = if t < 0.0 { (NEG, -t) } else { (POS, t) };
    let mix = |a: f64, b: f64| (a + (b - a) * s).round() as u8;
    RGBColor(mix(MID.0, end.0), mix(MID.1, end.1), mix(MID.2, end.2))
}

// ---------------------------------------------------------------- curves

/// Draws the cost and accuracy curves.
pub fn curves(
    epochs: &[EpochRow],
    iterations: &[IterationRow],
    title: &str,
    png: &Path,
    svg: Option<&Path>,
) -> Result<(), String> {
    register_font();
    let size = (1300, 520);
    draw_curves(
        BitMapBackend::new(png, size).into_drawing_area(),
        epochs,
        iterations,
        title,
    )
    .map_err(err(png))?;
    if let Some(svg) = svg {
        draw_curves(
            SVGBackend::new(svg, size).into_drawing_area(),
            epochs,
            iterations,
            title,
        )
        .map_err(err(svg))?;
    }
    Ok(())
}

fn split_names(epochs: &[EpochRow]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in epochs {
        if !names.contains(&r.split) {
            names.push(r.split.clone());
        }
    }
    names
}

fn split_color(split: &str) -> RGBColor {
    match split {
        "train" => RGBColor(31, 119, 180),
        _ => RGBColor(214, 39, 40),
    }
}

fn draw_curves<DB: DrawingBackend>(
    root: Area<DB>,
    epochs: &[EpochRow],
    iterations: &[IterationRow],
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let root = root.titled(title, (FONT, 26).into_font().style(FontStyle::Bold))?;
    let (left, right) = root.split_horizontally(650);
    let max_epoch = epochs.iter().map(|r| r.epoch).max().unwrap_or(1).max(1) as f64;
    let splits = split_names(epochs);

    // Iteration i of epoch e is drawn at x = (e - 1) + k / (iterations in e).
    let mut per_iter: Vec<(f64, f64, f64)> = Vec::new(); // (x, loss, accuracy)
    for e in 1..=max_epoch as usize {
        let rows: Vec<_> = iterations.iter().filter(|r| r.epoch == e).collect();
        let n = rows.len().max(1) as f64;
        for (k, r) in rows.iter().enumerate() {
            per_iter.push(((e - 1) as f64 + (k + 1) as f64 / n, r.loss, r.accuracy));
        }
    }
    let finite = |v: f64| v.is_finite();
    let max_loss = epochs
        .iter()
        .map(|r| r.loss)
        .chain(per_iter.iter().map(|p| p.1))
        .filter(|v| finite(*v))
        .fold(0.0f64, f64::max)
        .max(1e-3)
        * 1.05;

    for (area, metric) in [(left, "loss"), (right, "accuracy")] {
        let (caption, y_desc, y_range) = if metric == "loss" {
            ("Cost (cross-entropy)", "loss J", 0.0..max_loss)
        } else {
            let min_acc = epochs
                .iter()
                .map(|r| r.accuracy)
                .chain(per_iter.iter().map(|p| p.2))
                .fold(1.0f64, f64::min);
            (
                "Accuracy",
                "accuracy (%)",
                (min_acc * 100.0 - 2.0).max(0.0)..100.5,
            )
        };
        let mut chart = ChartBuilder::on(&area)
            .caption(caption, (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..max_epoch, y_range)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let scale = if metric == "loss" { 1.0 } else { 100.0 };
        let light = RGBColor(158, 198, 225);
        chart
            .draw_series(LineSeries::new(
                per_iter
                    .iter()
                    .map(|&(x, l, a)| (x, if metric == "loss" { l } else { a } * scale))
                    .filter(|p| p.1.is_finite()),
                light.stroke_width(1),
            ))?
            .label("train, per iteration")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], light.stroke_width(2))
            });
        for split in &splits {
            let color = split_color(split);
            let points: Vec<(f64, f64)> = epochs
                .iter()
                .filter(|r| &r.split == split)
                .map(|r| {
                    (
                        r.epoch as f64,
                        if metric == "loss" { r.loss } else { r.accuracy } * scale,
                    )
                })
                .filter(|p| p.1.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?
                .label(format!("{split}, epoch mean"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(if metric == "loss" {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::LowerRight
            })
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()
}

// ---------------------------------------------------------------- weights

/// A weight matrix `[inputs, outputs]` in row-major order, as burn stores it.
pub struct Weights<'a> {
    pub data: &'a [f32],
    pub outputs: usize,
}

impl Weights<'_> {
    /// The 784 weights into output unit `m`, as a 28x28 image (row-major).
    fn unit(&self, m: usize) -> Vec<f64> {
        (0..IMAGE_PIXELS)
            .map(|j| f64::from(self.data[j * self.outputs + m]))
            .collect()
    }
}

fn draw_image<DB: DrawingBackend>(
    area: &Area<DB>,
    caption: &str,
    pixels: &[f64],
    color: impl Fn(f64) -> RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let side = IMAGE_SIDE as i32;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 15))
        .margin(4)
        .build_cartesian_2d(0..side, 0..side)?;
    chart.draw_series((0..IMAGE_PIXELS).map(|j| {
        let (r, c) = ((j / IMAGE_SIDE) as i32, (j % IMAGE_SIDE) as i32);
        Rectangle::new(
            [(c, side - r), (c + 1, side - r - 1)],
            color(pixels[j]).filled(),
        )
    }))?;
    Ok(())
}

fn colour_bar<DB: DrawingBackend>(
    area: &Area<DB>,
    limit: f64,
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(40)
        .margin_right(10)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, -limit..limit)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .disable_y_mesh()
        .y_desc(label)
        .y_labels(7)
        .y_label_formatter(&|v| format!("{:.2}", if v.abs() < 5e-7 { 0.0 } else { *v }))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()?;
    let steps = 200;
    chart.draw_series((0..steps).map(|k| {
        let lo = -limit + 2.0 * limit * k as f64 / steps as f64;
        let hi = lo + 2.0 * limit / steps as f64;
        Rectangle::new(
            [(0.0, lo), (1.0, hi)],
            diverging((lo + hi) / 2.0 / limit).filled(),
        )
    }))?;
    Ok(())
}

/// The one-layer network's ten weight images (2x5) with a shared colour scale.
pub fn one_layer_weights(weights: &Weights, title: &str, png: &Path) -> Result<(), String> {
    register_font();
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        let root = BitMapBackend::new(png, (1250, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, (FONT, 22).into_font().style(FontStyle::Bold))?;
        let (grid, bar) = root.split_horizontally(1120);
        let limit = weights
            .data
            .iter()
            .fold(0f32, |m, v| m.max(v.abs()))
            .max(1e-12) as f64;
        for (m, cell) in grid
            .split_evenly((2, 5))
            .iter()
            .enumerate()
            .take(NUM_CLASSES)
        {
            draw_image(cell, &format!("digit {m}"), &weights.unit(m), |v| {
                diverging(v / limit)
            })?;
        }
        colour_bar(&bar, limit, "weight w_mj")?;
        root.present()
    };
    draw().map_err(err(png))
}

/// The first `count` first-layer units of a multi-layer network, each on its own scale.
pub fn first_layer_units(
    weights: &Weights,
    count: usize,
    title: &str,
    png: &Path,
) -> Result<(), String> {
    register_font();
    let count = count.min(weights.outputs);
    let cols = (count as f64).sqrt().ceil() as usize;
    let rows = count.div_ceil(cols);
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        let root = BitMapBackend::new(png, (110 * cols as u32 + 130, 115 * rows as u32 + 60))
            .into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, (FONT, 20).into_font().style(FontStyle::Bold))?;
        let (grid, bar) = root.split_horizontally(110 * cols as u32);
        for (m, cell) in grid
            .split_evenly((rows, cols))
            .iter()
            .enumerate()
            .take(count)
        {
            let unit = weights.unit(m);
            let limit = unit.iter().fold(0f64, |a, v| a.max(v.abs())).max(1e-12);
            draw_image(cell, &format!("unit {m}"), &unit, |v| diverging(v / limit))?;
        }
        colour_bar(&bar, 1.0, "w / max |w| of the unit")?;
        root.present()
    };
    draw().map_err(err(png))
}

// ---------------------------------------------------------------- confusion

pub fn confusion(
    eval: &Evaluation,
    title: &str,
    png: &Path,
    svg: Option<&Path>,
) -> Result<(), String> {
    register_font();
    let size = (760, 720);
    draw_confusion(
        BitMapBackend::new(png, size).into_drawing_area(),
        eval,
        title,
    )
    .map_err(err(png))?;
    if let Some(svg) = svg {
        draw_confusion(SVGBackend::new(svg, size).into_drawing_area(), eval, title)
            .map_err(err(svg))?;
    }
    Ok(())
}

fn draw_confusion<DB: DrawingBackend>(
    root: Area<DB>,
    eval: &Evaluation,
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    root.fill(&WHITE)?;
    let root = root.titled(title, (FONT, 20).into_font().style(FontStyle::Bold))?;
    let last = (NUM_CLASSES - 1) as f64;
    // Cells are centred on whole numbers, so the axis ticks name the digits.
    let mut chart = ChartBuilder::on(&root)
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..last + 0.5, -0.5..last + 0.5)?;
    let digit = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 {
            format!("{}", v.round() as i64)
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(NUM_CLASSES)
        .y_labels(NUM_CLASSES)
        .x_label_formatter(&digit)
        .y_label_formatter(&|v| digit(&(last - v)))
        .x_desc("predicted digit")
        .y_desc("true digit")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let max_off = (0..NUM_CLASSES)
        .flat_map(|t| {
            (0..NUM_CLASSES)
                .filter(move |&p| p != t)
                .map(move |p| (t, p))
        })
        .map(|(t, p)| eval.confusion[t][p])
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let centre = Pos::new(HPos::Center, VPos::Center);
    for t in 0..NUM_CLASSES {
        let row_total: u64 = eval.confusion[t].iter().sum::<u64>().max(1);
        for p in 0..NUM_CLASSES {
            let count = eval.confusion[t][p];
            // Diagonal: green by the share of the row predicted right; off the
            // diagonal: red by the size of the error against the largest one.
            let (color, dark) = if t == p {
                let s = count as f64 / row_total as f64;
                (
                    RGBColor(
                        (247.0 - 200.0 * s) as u8,
                        (247.0 - 80.0 * s) as u8,
                        (247.0 - 200.0 * s) as u8,
                    ),
                    s > 0.5,
                )
            } else {
                let s = (count as f64 / max_off).sqrt();
                (diverging(s), s > 0.6)
            };
            let (x, y) = (p as f64, last - t as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                color.filled(),
            )))?;
            let ink = if dark { WHITE } else { BLACK };
            chart.draw_series(std::iter::once(Text::new(
                count.to_string(),
                (x, y),
                (FONT, 15).into_font().color(&ink).pos(centre),
            )))?;
        }
    }
    root.present()
}

// ---------------------------------------------------------------- mistakes

/// The most confidently misclassified test images, in a grid.
pub fn mistakes(
    eval: &Evaluation,
    test: &MnistDataset,
    count: usize,
    title: &str,
    png: &Path,
) -> Result<(), String> {
    register_font();
    let shown: Vec<_> = eval.worst.iter().take(count).collect();
    if shown.is_empty() {
        return Ok(());
    }
    let cols = 6.min(shown.len());
    let rows = shown.len().div_ceil(cols);
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        let root = BitMapBackend::new(png, (170 * cols as u32, 175 * rows as u32 + 50))
            .into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, (FONT, 20).into_font().style(FontStyle::Bold))?;
        for (cell, m) in root.split_evenly((rows, cols)).iter().zip(&shown) {
            let Some(item) = test.item(m.index) else {
                continue;
            };
            let pixels: Vec<f64> = item.pixels.iter().map(|&p| f64::from(p) / 255.0).collect();
            let caption = format!(
                "{} → {} ({:.0}%)",
                m.label,
                m.predicted,
                m.confidence * 100.0
            );
            draw_image(cell, &caption, &pixels, |v| {
                let g = (255.0 * (1.0 - v)).round() as u8;
                RGBColor(g, g, g)
            })?;
        }
        root.present()
    };
    draw().map_err(err(png))
}
