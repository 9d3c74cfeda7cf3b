//! The wasmtime engine, the linker and the per-call limits that every
//! plugin instance runs under.
//!
//! Sandbox: WASI is provided empty (no preopened directories, no sockets,
//! no environment variables, no arguments); stdout and stderr go to an
//! in-memory buffer that the host logs. Each call runs under an epoch
//! deadline and each instance under a memory cap. An instance that trapped
//! is dropped, and the next call gets a fresh one.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::types::{LogLevel, PluginInfo};
use super::bindings::{host, v0_1};
use super::cache::CompileCache;
use super::error::{PluginCallError, PluginLabel, PluginLoadError};
use super::output::CapturedOutput;

/// Interval between epoch ticks; the call deadline is counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Deepest WebAssembly stack a plugin may use.
const MAX_WASM_STACK: usize = 1024 * 1024;

/// Resource limits applied to every plugin call.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Wall-clock budget of one call into a plugin.
    pub call_timeout: Duration,
    /// Largest linear memory an instance may grow to, in bytes.
    pub memory_bytes: usize,
}

/// Shared engine and linker for all plugins of a run.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<PluginState>,
    limits: Limits,
    cache: CompileCache,
}

impl Sandbox {
    /// Creates the engine with epoch interruption and starts the thread
    /// that advances the epoch. The thread stops when the engine is dropped.
    pub fn new(limits: Limits, cache: CompileCache) -> anyhow::Result<Arc<Self>> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.max_wasm_stack(MAX_WASM_STACK);
        config.wasm_component_model(true);
        let engine = Engine::new(&config)
            .map_err(|error| anyhow::anyhow!("cannot start the WebAssembly engine: {error}"))?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|error| anyhow::anyhow!("cannot link WASI: {error}"))?;
        host::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |state| state)
            .map_err(|error| anyhow::anyhow!("cannot link the host interface: {error}"))?;
        v0_1::host::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |state| state)
            .map_err(|error| anyhow::anyhow!("cannot link the host interface 0.1.0: {error}"))?;

        let weak = engine.weak();
        thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    thread::sleep(EPOCH_TICK);
                }
            })
            .map_err(|error| anyhow::anyhow!("cannot start the plugin timer thread: {error}"))?;

        Ok(Arc::new(Self {
            engine,
            linker,
            limits,
            cache,
        }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn linker(&self) -> &Linker<PluginState> {
        &self.linker
    }

    /// Compiles a component from `.wasm` bytes, or loads its compiled
    /// form from the cache.
    pub fn compile(&self, bytes: &[u8]) -> wasmtime::Result<Component> {
        let started = std::time::Instant::now();
        let (component, cache) = self.cache.load_or_compile(&self.engine, bytes)?;
        tracing::debug!(
            ?cache,
            elapsed_us = started.elapsed().as_micros() as u64,
            "plugin compiled"
        );
        Ok(component)
    }

    /// Creates a store with an empty WASI context and the memory cap.
    pub fn new_store(&self, plugin: &str, output: &CapturedOutput) -> Store<PluginState> {
        let wasi = WasiCtxBuilder::new()
            .stdout(output.clone())
            .stderr(output.clone())
            .build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        let state = PluginState {
            wasi,
            table: ResourceTable::new(),
            limits,
            plugin: plugin.to_string(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store
    }

    /// Number of epoch ticks that make up the call timeout.
    pub fn deadline_ticks(&self) -> u64 {
        let ticks = self.limits.call_timeout.as_millis() / EPOCH_TICK.as_millis();
        u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
    }
}

/// Per-instance host state.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    plugin: String,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl host::Host for PluginState {
    fn log(&mut self, level: LogLevel, message: String) {
        let plugin = self.plugin.as_str();
        match level {
            LogLevel::Error => tracing::error!(target: "plugin", plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(target: "plugin", plugin, "{message}"),
            LogLevel::Info => tracing::info!(target: "plugin", plugin, "{message}"),
            LogLevel::Debug => tracing::debug!(target: "plugin", plugin, "{message}"),
            LogLevel::Trace => tracing::trace!(target: "plugin", plugin, "{message}"),
        }
    }
}

impl v0_1::host::Host for PluginState {
    fn log(&mut self, level: v0_1::types::LogLevel, message: String) {
        host::Host::log(self, level.into(), message);
    }
}

/// Function that instantiates the bindings `B` of one component in a store.
pub type Instantiate<B> = Box<dyn Fn(&mut Store<PluginState>) -> wasmtime::Result<B> + Send + Sync>;

/// One plugin: its compiled form and the live instance, if any.
pub struct Instance<B> {
    sandbox: Arc<Sandbox>,
    pub label: PluginLabel,
    instantiate: Instantiate<B>,
    output: CapturedOutput,
    live: Option<(Store<PluginState>, B)>,
}

impl<B> Instance<B> {
    pub fn new(sandbox: Arc<Sandbox>, label: PluginLabel, instantiate: Instantiate<B>) -> Self {
        Self {
            sandbox,
            label,
            instantiate,
            output: CapturedOutput::default(),
            live: None,
        }
    }

    /// Returns whether the next call will run in a new instance.
    pub fn is_fresh(&self) -> bool {
        self.live.is_none()
    }

    /// Calls `body` on the live instance under the call deadline. A trap
    /// discards the instance. `input` names what the call works on.
    pub fn call<R>(
        &mut self,
        function: &'static str,
        input: &str,
        body: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginCallError> {
        if self.live.is_none() {
            let mut store = self.sandbox.new_store(&self.label.name, &self.output);
            store.set_epoch_deadline(self.sandbox.deadline_ticks());
            let bindings = (self.instantiate)(&mut store)
                .map_err(|error| self.trap_error(function, input, &error))?;
            self.live = Some((store, bindings));
        }
        let Some((store, bindings)) = self.live.as_mut() else {
            unreachable!("the instance was created above");
        };
        store.set_epoch_deadline(self.sandbox.deadline_ticks());
        let result = tokio::task::block_in_place(|| body(bindings, store));
        match result {
            Ok(value) => {
                self.log_output();
                Ok(value)
            }
            Err(error) => {
                self.live = None;
                Err(self.trap_error(function, input, &error))
            }
        }
    }

    fn log_output(&self) {
        let text = self.output.take();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            tracing::info!(target: "plugin", plugin = %self.label.name, "{line}");
        }
    }

    fn trap_error(
        &self,
        function: &'static str,
        input: &str,
        error: &wasmtime::Error,
    ) -> PluginCallError {
        let stderr = self.output.take();
        if let Some(Trap::Interrupt) = error.downcast_ref::<Trap>() {
            return PluginCallError::Timeout {
                label: self.label.clone(),
                function,
                input: input.to_string(),
                limit: self.sandbox.limits.call_timeout,
            };
        }
        let root = error.root_cause().to_string();
        let mut cause = match error.downcast_ref::<Trap>() {
            Some(trap) if trap.to_string() != root => format!("{trap} ({root})"),
            _ => root,
        };
        if cause.contains("growing memory") {
            cause.push_str(&format!(
                "; the plugin reached its memory cap of {} MiB\nhint: raise --plugin-memory if the plugin is known to need more",
                self.sandbox.limits.memory_bytes / (1024 * 1024)
            ));
        }
        PluginCallError::Trap {
            label: self.label.clone(),
            function,
            input: input.to_string(),
            cause,
            stderr: tail(&stderr, 2000),
        }
    }
}

/// Returns at most the last `max` bytes of `text`, cut on a character
/// boundary.
fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

/// Instantiates `component` through the bindings that `make_pre` and
/// `instantiate` build, and reads its `info` with `read_info`. The label
/// names the plugin by `info` from then on.
pub fn load_instance<B: 'static, P: Send + Sync + 'static>(
    sandbox: &Arc<Sandbox>,
    component: &Component,
    source_name: String,
    make_pre: impl FnOnce(wasmtime::component::InstancePre<PluginState>) -> wasmtime::Result<P>,
    instantiate: impl Fn(&P, &mut Store<PluginState>) -> wasmtime::Result<B> + Send + Sync + 'static,
    read_info: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<PluginInfo>,
) -> Result<(Instance<B>, PluginInfo), PluginLoadError> {
    let instantiate_error = |error: wasmtime::Error| PluginLoadError::Instantiate {
        source_name: source_name.clone(),
        cause: error.root_cause().to_string(),
    };
    let pre = sandbox
        .linker()
        .instantiate_pre(component)
        .map_err(instantiate_error)?;
    let pre = make_pre(pre).map_err(instantiate_error)?;
    let label = PluginLabel {
        name: source_name.clone(),
        version: "?".into(),
        source: source_name.clone(),
    };
    let mut instance = Instance::new(
        sandbox.clone(),
        label,
        Box::new(move |store| instantiate(&pre, store)),
    );
    let info = instance
        .call("info", "no input", read_info)
        .map_err(|error| PluginLoadError::Info {
            label: source_name.clone(),
            cause: error.to_string(),
        })?;
    instance.label = PluginLabel {
        name: info.name.clone(),
        version: info.version.clone(),
        source: source_name,
    };
    Ok((instance, info))
}
