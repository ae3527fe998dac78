//! The two networks of the assignment as burn modules.
//!
//! - [`OneLayer`]: softmax regression, `z = x W + b` with `W: [784, 10]`; the
//!   probabilities are `softmax(z)` and the loss softmax cross-entropy.
//! - [`MultiLayer`]: linear layers with ReLU between them, hidden sizes from
//!   configuration (default 256, 128), output 10.
//!
//! burn stores a linear layer's weight as `[inputs, outputs]` and computes
//! `x W + b` for a row of inputs `x`; the derivation's `w_mj` (output m, input j)
//! is `weight[j][m]` here.

use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub const INPUTS: usize = 784;
pub const CLASSES: usize = 10;

/// Which network to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    OneLayer,
    Mlp,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::OneLayer => "one-layer",
            ModelKind::Mlp => "mlp",
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The one-layer network: 784 inputs to 10 logits.
#[derive(Module, Debug)]
pub struct OneLayer {
    pub linear: Linear,
}

#[derive(Config, Debug)]
pub struct OneLayerConfig {
    #[config(default = 784)]
    pub inputs: usize,
    #[config(default = 10)]
    pub classes: usize,
}

impl OneLayerConfig {
    pub fn init(&self, device: &Device) -> OneLayer {
        OneLayer {
            linear: LinearConfig::new(self.inputs, self.classes).init(device),
        }
    }
}

impl OneLayer {
    /// `[batch, 784]` images to `[batch, 10]` logits.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.linear.forward(x)
    }
}

/// The multi-layer network: linear layers with ReLU between them (none after the last).
#[derive(Module, Debug)]
pub struct MultiLayer {
    pub layers: Vec<Linear>,
    pub activation: Relu,
}

#[derive(Config, Debug)]
pub struct MultiLayerConfig {
    #[config(default = "vec![256, 128]")]
    pub hidden: Vec<usize>,
    #[config(default = 784)]
    pub inputs: usize,
    #[config(default = 10)]
    pub classes: usize,
}

impl MultiLayerConfig {
    /// Layer widths from input to output, e.g. `[784, 256, 128, 10]`.
    pub fn widths(&self) -> Vec<usize> {
        std::iter::once(self.inputs)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(self.classes))
            .collect()
    }

    pub fn init(&self, device: &Device) -> MultiLayer {
        let widths = self.widths();
        MultiLayer {
            layers: widths
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
            activation: Relu::new(),
        }
    }
}

impl MultiLayer {
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |a, (l, layer)| {
            let z = layer.forward(a);
            if l == last {
                z
            } else {
                self.activation.forward(z)
            }
        })
    }
}

/// Either network, so that training, checking and plotting have one code path.
#[derive(Module, Debug)]
pub enum Network {
    OneLayer(OneLayer),
    MultiLayer(MultiLayer),
}

/// What is saved with each run to rebuild its network.
#[derive(Config, Debug)]
pub struct ModelConfig {
    pub kind: ModelKind,
    /// Hidden layer widths of the multi-layer network (ignored by the one-layer one).
    #[config(default = "vec![256, 128]")]
    pub hidden: Vec<usize>,
}

impl ModelConfig {
    pub fn init(&self, device: &Device) -> Network {
        match self.kind {
            ModelKind::OneLayer => Network::OneLayer(OneLayerConfig::new().init(device)),
            ModelKind::Mlp => Network::MultiLayer(
                MultiLayerConfig::new()
                    .with_hidden(self.hidden.clone())
                    .init(device),
            ),
        }
    }

    /// A short description such as `one-layer 784-10` or `mlp 784-256-128-10`.
    pub fn describe(&self) -> String {
        let widths = match self.kind {
            ModelKind::OneLayer => vec![INPUTS, CLASSES],
            ModelKind::Mlp => MultiLayerConfig::new()
                .with_hidden(self.hidden.clone())
                .widths(),
        };
        let widths: Vec<String> = widths.iter().map(ToString::to_string).collect();
        format!("{} {}", self.kind, widths.join("-"))
    }
}

impl Network {
    /// `[batch, 784]` images to `[batch, 10]` logits.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Network::OneLayer(m) => m.forward(x),
            Network::MultiLayer(m) => m.forward(x),
        }
    }

    /// The linear layers from input to output; ReLU sits between consecutive ones.
    pub fn linears(&self) -> Vec<&Linear> {
        match self {
            Network::OneLayer(m) => vec![&m.linear],
            Network::MultiLayer(m) => m.layers.iter().collect(),
        }
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            Network::OneLayer(_) => ModelKind::OneLayer,
            Network::MultiLayer(_) => ModelKind::Mlp,
        }
    }
}

#[cfg(test)]
#[allow(deprecated)] // Device::ndarray: the reference CPU backend (see the workspace Cargo.toml)
mod tests {
    use super::*;

    fn device() -> Device {
        Device::ndarray()
    }

    #[test]
    fn one_layer_maps_784_to_10() {
        let net = ModelConfig::new(ModelKind::OneLayer).init(&device());
        let out = net.forward(Tensor::zeros([3, INPUTS], &device()));
        assert_eq!(out.dims(), [3, CLASSES]);
        let shapes: Vec<_> = net.linears().iter().map(|l| l.weight.dims()).collect();
        assert_eq!(shapes, vec![[784, 10]]);
    }

    #[test]
    fn mlp_has_configured_hidden_layers() {
        let config = ModelConfig::new(ModelKind::Mlp).with_hidden(vec![32, 16, 8]);
        let net = config.init(&device());
        assert_eq!(
            net.forward(Tensor::ones([5, INPUTS], &device())).dims(),
            [5, 10]
        );
        let shapes: Vec<_> = net.linears().iter().map(|l| l.weight.dims()).collect();
        assert_eq!(shapes, vec![[784, 32], [32, 16], [16, 8], [8, 10]]);
        assert_eq!(config.describe(), "mlp 784-32-16-8-10");
        assert_eq!(
            ModelConfig::new(ModelKind::Mlp).describe(),
            "mlp 784-256-128-10"
        );
    }

    #[test]
    fn mlp_applies_relu_between_layers_only() {
        // With a hidden layer whose pre-activations are all negative, the output
        // must equal the last bias alone: ReLU zeroed the hidden units.
        let dev = device();
        let mut net = MultiLayerConfig::new().with_hidden(vec![4]).init(&dev);
        let w0 = net.layers[0].weight.val().zeros_like();
        let b0 = net.layers[0].bias.as_ref().unwrap().val().ones_like().neg();
        net.layers[0].weight = net.layers[0].weight.clone().map(|_| w0.clone());
        net.layers[0].bias = net.layers[0].bias.clone().map(|p| p.map(|_| b0.clone()));
        let out = net.forward(Tensor::ones([2, INPUTS], &dev));
        let bias = net.layers[1].bias.as_ref().unwrap().val().unsqueeze::<2>();
        let diff = (out - bias).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-6, "{diff}");
    }

    #[test]
    fn config_round_trips_through_json() {
        let config = ModelConfig::new(ModelKind::Mlp).with_hidden(vec![64]);
        let json = serde_json_like(&config);
        assert!(json.contains("\"mlp\""), "{json}");
    }

    fn serde_json_like(config: &ModelConfig) -> String {
        let dir = std::env::temp_dir().join(format!("model-config-{}", std::process::id()));
        config.save(&dir).unwrap();
        let text = std::fs::read_to_string(&dir).unwrap();
        let back = ModelConfig::load(&dir).unwrap();
        std::fs::remove_file(&dir).ok();
        assert_eq!(back.hidden, config.hidden);
        assert_eq!(back.kind, config.kind);
        text
    }
}
