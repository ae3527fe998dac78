//! Which burn backends this binary was built with, and the device of each.
//! Backends are cargo features chosen at compile time; ndarray is always there.

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// burn-ndarray on the CPU (always built).
    Ndarray,
    /// burn-wgpu: Vulkan, Metal or DX12 on a GPU (or Mesa's llvmpipe on the CPU);
    /// build with `--features wgpu` (`cargo xtask ... --backend wgpu` does).
    Wgpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    pub fn compiled(self) -> bool {
        match self {
            Backend::Ndarray => true,
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The device (without autodiff) of this backend.
    pub fn device(self) -> Result<Device, String> {
        match self {
            Backend::Ndarray =>
            {
                #[allow(deprecated)]
                Ok(Device::ndarray())
            }
            Backend::Wgpu => wgpu_device(),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, String> {
    Ok(Device::wgpu(Default::default()))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device, String> {
    Err(
        "this binary was built without the wgpu backend; run `cargo xtask train --backend wgpu` \
         (it builds with `--features wgpu`) or use the default CPU backend `--backend ndarray`"
            .to_string(),
    )
}
