//! Evaluation of a trained network on a whole data set: loss, accuracy, the
//! confusion matrix and the most confident mistakes.

use burn::data::dataset::Dataset;
use burn::prelude::*;
use mnist_data::{MnistBatcher, MnistDataset, NUM_CLASSES};
use mnist_model::Network;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Mistake {
    pub index: usize,
    pub label: usize,
    pub predicted: usize,
    /// The probability the network gave its (wrong) prediction.
    pub confidence: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Evaluation {
    pub items: usize,
    pub loss: f64,
    /// Fraction in [0, 1].
    pub accuracy: f64,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<u64>>,
    /// The most confident mistakes, most confident first (at most 64).
    pub worst: Vec<Mistake>,
}

pub fn evaluate(
    net: &Network,
    data: &MnistDataset,
    batch_size: usize,
    device: &Device,
) -> Evaluation {
    let net = net.valid();
    let mut loss_sum = 0.0;
    let mut correct = 0u64;
    let mut confusion = vec![vec![0u64; NUM_CLASSES]; NUM_CLASSES];
    let mut mistakes = Vec::new();
    let n = data.len();
    let mut start = 0;
    while start < n {
        let end = (start + batch_size).min(n);
        let items: Vec<_> = (start..end).filter_map(|i| data.item(i)).collect();
        let batch = MnistBatcher::batch_items(&items, device);
        let logits = net.forward(batch.images);
        let log_probs = hand_backprop::ops::log_softmax(logits);
        let lp: Vec<f32> = log_probs
            .into_data()
            .convert::<f32>()
            .try_to_vec()
            .expect("f32 logits");
        for (k, item) in items.iter().enumerate() {
            let row = &lp[k * NUM_CLASSES..(k + 1) * NUM_CLASSES];
            let label = usize::from(item.label);
            let (pred, best) =
                row.iter()
                    .enumerate()
                    .fold(
                        (0, f32::NEG_INFINITY),
                        |acc, (c, &v)| if v > acc.1 { (c, v) } else { acc },
                    );
            loss_sum -= f64::from(row[label]);
            confusion[label][pred] += 1;
            if pred == label {
                correct += 1;
            } else {
                mistakes.push(Mistake {
                    index: start + k,
                    label,
                    predicted: pred,
                    confidence: f64::from(best).exp(),
                });
            }
        }
        start = end;
    }
    mistakes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    mistakes.truncate(64);
    Evaluation {
        items: n,
        loss: loss_sum / n.max(1) as f64,
        accuracy: correct as f64 / n.max(1) as f64,
        confusion,
        worst: mistakes,
    }
}
