//! Builds every plugin crate under `plugins/` and `tests/plugins/` to a
//! WebAssembly component for `wasm32-wasip2`.
//!
//! The components land in `target/wasm/wasm32-wasip2/wasm/`, a target
//! directory of their own, so this nested cargo never waits on the lock of
//! the outer build. `PLUGIN_WASM_DIR` points the host and its tests at that
//! folder; the default plugins are embedded from it with `include_bytes!`.

use std::path::{Path, PathBuf};
use std::process::{Command, exit};
use std::{env, fs};

const WASM_TARGET: &str = "wasm32-wasip2";
const PLUGIN_FOLDERS: [&str; 2] = ["plugins", "tests/plugins"];

fn main() {
    let host_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = host_dir
        .parent()
        .expect("the host crate sits inside the workspace")
        .to_path_buf();

    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    let mut packages = Vec::new();
    for folder in PLUGIN_FOLDERS {
        let folder = root.join(folder);
        println!("cargo:rerun-if-changed={}", folder.display());
        packages.extend(plugin_packages(&folder));
    }

    require_wasm_target();

    let target_dir = root.join("target").join("wasm");
    let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(&root)
        .args(["build", "--target", WASM_TARGET, "--profile", "wasm"])
        .arg("--target-dir")
        .arg(&target_dir);
    for package in &packages {
        cargo.args(["-p", package]);
    }
    // Flags meant for the native build must not reach the wasm build.
    for variable in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cargo.env_remove(variable);
    }
    let status = cargo.status().unwrap_or_else(|error| {
        fail(&format!(
            "could not run cargo to build the plugins: {error}"
        ))
    });
    if !status.success() {
        fail(
            "building the plugins for wasm32-wasip2 failed; the cargo output above names the error",
        );
    }

    let wasm_dir = target_dir.join(WASM_TARGET).join("wasm");
    println!("cargo:rustc-env=PLUGIN_WASM_DIR={}", wasm_dir.display());
    write_embedded_list(&root.join("plugins"), &wasm_dir);
}

/// Writes `embedded.rs` into `OUT_DIR`: the scrapers (`tumblr-*`) and
/// policies (`policy-*`) under `plugins/`, each as its package name and
/// the bytes of its component.
fn write_embedded_list(folder: &Path, wasm_dir: &Path) {
    let mut entries = String::new();
    for package in plugin_packages(folder) {
        if !(package.starts_with("tumblr-") || package.starts_with("policy-")) {
            continue;
        }
        let wasm = wasm_dir.join(format!("{}.wasm", package.replace('-', "_")));
        if !wasm.is_file() {
            fail(&format!(
                "the plugin {package} produced no component at {}; its crate type must include cdylib",
                wasm.display()
            ));
        }
        entries.push_str(&format!(
            "    ({package:?}, include_bytes!({:?})),\n",
            wasm.display().to_string()
        ));
    }
    let code = format!(
        "/// Plugins built from `plugins/` and embedded in the binary: package\n/// name and component bytes.\npub const EMBEDDED: &[(&str, &[u8])] = &[\n{entries}];\n"
    );
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(error) = fs::write(out_dir.join("embedded.rs"), code) {
        fail(&format!(
            "cannot write the list of embedded plugins: {error}"
        ));
    }
}

/// Lists the package names of the plugin crates in `folder`. Each crate's
/// folder name is its package name.
fn plugin_packages(folder: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Stops the build with the fix when the toolchain lacks the wasm target.
fn require_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).args(["--print", "sysroot"]).output();
    let Ok(output) = output else {
        return;
    };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !sysroot
        .join("lib")
        .join("rustlib")
        .join(WASM_TARGET)
        .is_dir()
    {
        fail(&format!(
            "the Rust target {WASM_TARGET} is not installed in {}; the plugins need it.\nhint: run `rustup target add {WASM_TARGET}`",
            sysroot.display()
        ));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1);
}
