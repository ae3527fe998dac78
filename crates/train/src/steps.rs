//! What the learner runs each step: the network's forward pass and its gradients,
//! by autodiff or by the hand-derived backward pass.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use mnist_data::MnistBatch;
use mnist_model::Network;

use crate::config::GradMode;

/// The network with the way its gradients are computed.
#[derive(Module, Debug)]
pub struct Trainee {
    pub net: Network,
    #[module(skip)]
    pub grad: GradMode,
}

impl Trainee {
    fn classify(&self, batch: MnistBatch) -> ClassificationOutput {
        let logits = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, logits, batch.targets)
    }
}

impl TrainStep for Trainee {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> TrainOutput<ClassificationOutput> {
        match self.grad {
            GradMode::Autodiff => {
                let item = self.classify(batch);
                TrainOutput::new(self, item.loss.backward(), item)
            }
            GradMode::Hand => {
                // Gradients of J alone: the optimizer adds weight decay itself, as it
                // does for autodiff's gradients.
                let hand = hand_backprop::hand_gradients(
                    &self.net,
                    batch.images,
                    batch.targets.clone(),
                    0.0,
                );
                let mut grads = GradientsParams::new();
                for (layer, g) in self.net.linears().into_iter().zip(hand.layers) {
                    grads.register(layer.weight.id, g.weight);
                    if let Some(bias) = &layer.bias {
                        grads.register(bias.id, g.bias);
                    }
                }
                TrainOutput {
                    grads,
                    item: ClassificationOutput::new(hand.loss, hand.logits, batch.targets.inner()),
                }
            }
        }
    }
}

impl InferenceStep for Trainee {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}
