//! Turns items into tensors: images as `[batch, 784]` floats in [0, 1], labels as integers.

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;

use crate::mnist::{IMAGE_PIXELS, MnistItem};

#[derive(Clone, Debug, Default)]
pub struct MnistBatcher;

#[derive(Clone, Debug)]
pub struct MnistBatch {
    /// `[batch, 784]`, pixel / 255.
    pub images: Tensor<2>,
    /// `[batch]`, the digit 0..=9.
    pub targets: Tensor<1, Int>,
}

impl MnistBatcher {
    /// Builds a batch from items already in memory (the data loaders call this too).
    pub fn batch_items(items: &[MnistItem], device: &Device) -> MnistBatch {
        let n = items.len();
        let pixels: Vec<f32> = items
            .iter()
            .flat_map(|item| item.pixels.iter().map(|&p| f32::from(p) / 255.0))
            .collect();
        let labels: Vec<i64> = items.iter().map(|item| i64::from(item.label)).collect();
        MnistBatch {
            images: Tensor::from_data(TensorData::new(pixels, [n, IMAGE_PIXELS]), device),
            targets: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

impl Batcher<MnistItem, MnistBatch> for MnistBatcher {
    fn batch(&self, items: Vec<MnistItem>, device: &Device) -> MnistBatch {
        Self::batch_items(&items, device)
    }
}
