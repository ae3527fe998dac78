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

/// The adapter burn-wgpu's default device runs on, as a line for the user
/// (name, type, graphics API, driver), or why there is none.
#[cfg(feature = "wgpu")]
pub fn wgpu_adapter() -> Result<String, String> {
    // Asked at start, by the device and by the run's summary: enumerate once.
    static ADAPTER: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    ADAPTER.get_or_init(find_wgpu_adapter).clone()
}

#[cfg(feature = "wgpu")]
fn find_wgpu_adapter() -> Result<String, String> {
    // burn-wgpu (cubecl) settles on the first graphics API that has a GPU adapter,
    // else the first with any adapter, and asks it for a high-performance adapter;
    // asking wgpu the same way names the adapter it gets.
    let apis = [
        wgpu::Backend::Vulkan,
        wgpu::Backend::Metal,
        wgpu::Backend::Dx12,
        wgpu::Backend::Gl,
    ];
    let instance_for = |api: wgpu::Backend| {
        wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: api.into(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        })
    };
    let mut chosen = None;
    for api in apis {
        let instance = instance_for(api);
        let adapters = pollster::block_on(instance.enumerate_adapters(api.into()));
        let gpu = adapters
            .iter()
            .any(|a| a.get_info().device_type != wgpu::DeviceType::Cpu);
        if gpu {
            chosen = Some((api, instance));
            break;
        }
        if chosen.is_none() && !adapters.is_empty() {
            chosen = Some((api, instance));
        }
    }
    let Some((_, instance)) = chosen else {
        return Err(NO_ADAPTER.to_string());
    };
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
        ..Default::default()
    }))
    .map_err(|e| format!("{NO_ADAPTER} ({e})"))?;
    let info = adapter.get_info();
    Ok(format!(
        "{} ({:?}, {:?}, driver {} {})",
        info.name, info.device_type, info.backend, info.driver, info.driver_info
    ))
}

#[cfg(feature = "wgpu")]
const NO_ADAPTER: &str = "the wgpu backend found no GPU adapter (no Vulkan, Metal, DX12 or OpenGL device). \
Install a GPU driver with Vulkan support; without a GPU, Mesa's software Vulkan device works \
(Debian/Ubuntu: `apt-get install mesa-vulkan-drivers`); or train on the CPU with `--backend ndarray`";

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, String> {
    wgpu_adapter()?;
    Ok(Device::wgpu(Default::default()))
}

#[cfg(not(feature = "wgpu"))]
pub fn wgpu_adapter() -> Result<String, String> {
    wgpu_device().map(|_| String::new())
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device, String> {
    Err(
        "this binary was built without the wgpu backend; run `cargo xtask train --backend wgpu` \
         (it builds with `--features wgpu`) or use the default CPU backend `--backend ndarray`"
            .to_string(),
    )
}
