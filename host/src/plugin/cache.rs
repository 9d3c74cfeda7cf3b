//! On-disk cache of compiled plugins, so a second start of the same
//! plugin skips the Cranelift compilation (about 0.1 s per plugin in a
//! release build).
//!
//! An entry's name is the SHA-256 of the component's bytes, wasmtime's
//! compatibility hash of the engine configuration, and the host version;
//! any change to one of them misses the cache. Entries are written to a
//! temporary file and renamed into place. An entry that fails to load is
//! compiled again and replaced.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Environment variable that moves the cache; an empty value turns it off.
pub const CACHE_DIR_VARIABLE: &str = "TUMBLR_ARCHIVER_CACHE_DIR";

/// Folder of compiled plugins, or none when the cache is off.
#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: Option<PathBuf>,
}

/// Whether a component came from the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheUse {
    Hit,
    Miss,
    Disabled,
}

impl CompileCache {
    /// Uses `TUMBLR_ARCHIVER_CACHE_DIR`, else `$XDG_CACHE_HOME/tumblr-archiver/components`,
    /// else `$HOME/.cache/tumblr-archiver/components`.
    pub fn from_environment() -> Self {
        let dir = match std::env::var_os(CACHE_DIR_VARIABLE) {
            Some(value) if value.is_empty() => None,
            Some(value) => Some(PathBuf::from(value)),
            None => std::env::var_os("XDG_CACHE_HOME")
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
                .map(|base| base.join("tumblr-archiver").join("components")),
        };
        Self { dir }
    }

    /// Returns the compiled form of `bytes`, from the cache when it contains
    /// a usable entry, else by compiling it and storing the result.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CacheUse)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, bytes)?, CacheUse::Disabled));
        };
        let path = dir.join(format!("{}.cwasm", entry_key(engine, bytes)));
        if path.is_file() {
            // SAFETY: the file contains the output of `Component::serialize`
            // that this program wrote for the same engine configuration,
            // under a name that includes wasmtime's compatibility hash;
            // only the user who owns the cache folder can write there.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheUse::Hit)),
                Err(error) => {
                    tracing::debug!(entry = %path.display(), %error, "compiled plugin in the cache cannot be loaded; compiling again")
                }
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(error) = store(&component, dir, &path) {
            tracing::warn!(folder = %dir.display(), %error, "cannot write the compiled plugin to the cache; the next start compiles it again");
        }
        Ok((component, CacheUse::Miss))
    }
}

fn entry_key(engine: &Engine, bytes: &[u8]) -> String {
    let mut compatibility = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut compatibility);
    let mut digest = Sha256::new();
    digest.update(bytes);
    digest.update(compatibility.finish().to_le_bytes());
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn store(component: &Component, dir: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let serialized = component
        .serialize()
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("entry")
    ));
    std::fs::write(&temporary, serialized)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_load_hits_cache() {
        let dir = std::env::temp_dir().join(format!("plugin-cache-test-{}", std::process::id()));
        let cache = CompileCache {
            dir: Some(dir.clone()),
        };
        let engine = Engine::default();
        let bytes = crate::plugin::embedded(crate::plugin::DEFAULT_POLICY)
            .expect("the default policy is embedded");
        let (_, first) = cache
            .load_or_compile(&engine, bytes)
            .expect("first compile");
        let (_, second) = cache.load_or_compile(&engine, bytes).expect("second load");
        assert_eq!(first, CacheUse::Miss);
        assert_eq!(second, CacheUse::Hit);

        for entry in std::fs::read_dir(&dir).expect("cache folder") {
            std::fs::write(entry.expect("entry").path(), b"not a compiled component")
                .expect("corrupt entry");
        }
        let (_, after_corruption) = cache.load_or_compile(&engine, bytes).expect("recompile");
        assert_eq!(after_corruption, CacheUse::Miss);
        let (_, repaired) = cache
            .load_or_compile(&engine, bytes)
            .expect("load repaired entry");
        assert_eq!(repaired, CacheUse::Hit);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn invalid_bytes_not_cached() {
        let dir = std::env::temp_dir().join(format!("plugin-cache-invalid-{}", std::process::id()));
        let cache = CompileCache {
            dir: Some(dir.clone()),
        };
        assert!(
            cache
                .load_or_compile(&Engine::default(), b"not wasm")
                .is_err()
        );
        assert!(
            std::fs::read_dir(&dir)
                .map(|entries| entries.count())
                .unwrap_or(0)
                == 0,
            "nothing cached"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
