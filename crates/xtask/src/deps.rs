//! System packages the build and the tests need, installed through apt when we are root,
//! otherwise named in the exact line to run. Each later part adds its packages here (the
//! window needs WebKitGTK, the end-to-end tests Xvfb and a WebDriver).

use anyhow::{Result, bail};
use std::process::Command;

/// Debian package names. build-essential: the C compiler that builds the bundled SQLite.
pub const SYSTEM_PACKAGES: &[&str] = &["build-essential", "pkg-config"];

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
