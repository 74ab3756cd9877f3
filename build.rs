//! Records the git commit the binary is built from, for `catalog_build_info`.

use std::process::Command;

fn main() {
    let sha = std::env::var("CATALOG_GIT_SHA")
        .ok()
        .filter(|sha| !sha.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|output| output.status.success())
                .and_then(|output| String::from_utf8(output.stdout).ok())
                .map(|sha| sha.trim().to_owned())
        });
    println!(
        "cargo:rustc-env=CATALOG_GIT_SHA={}",
        sha.unwrap_or_else(|| "unknown".to_owned())
    );
    println!("cargo:rerun-if-env-changed=CATALOG_GIT_SHA");
    println!("cargo:rerun-if-changed=.git/HEAD");
}
