//! System packages the build and the tests need, installed through apt when we are root,
//! otherwise named in the exact line to run. Each later part adds its packages here (the
//! window needs WebKitGTK, the end-to-end tests Xvfb and a WebDriver).

use anyhow::{Result, bail};
use std::process::Command;

/// Debian package names. build-essential: the C compiler that builds the bundled SQLite;
/// libwebkit2gtk-4.1-dev: the window (Tauri on Linux); xvfb, xauth and webkit2gtk-driver
/// (WebKitWebDriver): the end-to-end tests of the real app without a display.
pub const SYSTEM_PACKAGES: &[&str] =
    &["build-essential", "pkg-config", "libwebkit2gtk-4.1-dev", "xvfb", "xauth", "webkit2gtk-driver"];

/// Node.js 20+ with npm builds the UI. It is not taken from apt (Debian's is too old for
/// Vite 7): the machine must have it, and this says so plainly when it does not.
pub fn ensure_node() -> Result<()> {
    let version = Command::new("node").arg("--version").output();
    let major = version.ok().filter(|o| o.status.success()).and_then(|o| {
        String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').split('.').next()?.parse::<u32>().ok()
    });
    match major {
        Some(m) if m >= 20 => Ok(()),
        Some(m) => bail!("Node.js {m} is too old for the UI build; install Node.js 20 or newer (with npm)"),
        None => bail!("Node.js is missing; install Node.js 20 or newer with npm to build the UI"),
    }
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

pub fn ensure_system_packages() -> Result<()> {
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        eprintln!("xtask: not a Debian-like system; make sure these are installed: {}", SYSTEM_PACKAGES.join(" "));
        return Ok(());
    }
    let missing: Vec<&str> = SYSTEM_PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!("apt-get install -y --no-install-recommends {}", missing.join(" "));
    if !is_root() {
        bail!("missing system packages; install them with:\n    sudo apt-get update && sudo {line}");
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let status = Command::new("sh")
        .args(["-c", &format!("apt-get update -q && DEBIAN_FRONTEND=noninteractive {line}")])
        .status()?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}
