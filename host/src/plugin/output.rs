//! Captures a plugin's stdout and stderr in memory so the host can log it
//! after each call and quote it when the plugin traps.
//!
//! The buffer keeps at most `MAX_BUFFERED` bytes, dropping the oldest ones,
//! so a chatty plugin can neither exhaust host memory nor trap on a full
//! pipe.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

const MAX_BUFFERED: usize = 64 * 1024;

/// Shared in-memory sink for one plugin instance's stdout and stderr.
#[derive(Clone, Default)]
pub struct CapturedOutput {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl CapturedOutput {
    /// Removes and returns everything written since the last call.
    pub fn take(&self) -> String {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        buffer.clear();
        text
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.extend_from_slice(bytes);
        if buffer.len() > MAX_BUFFERED {
            let excess = buffer.len() - MAX_BUFFERED;
            buffer.drain(..excess);
        }
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_BUFFERED)
    }
}

impl tokio::io::AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.append(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_drains_buffer() {
        let output = CapturedOutput::default();
        output.append(b"first line\n");
        assert_eq!(output.take(), "first line\n");
        assert_eq!(output.take(), "");
    }

    #[test]
    fn buffer_keeps_newest_bytes() {
        let output = CapturedOutput::default();
        output.append(&vec![b'a'; MAX_BUFFERED]);
        output.append(b"tail");
        let text = output.take();
        assert_eq!(text.len(), MAX_BUFFERED);
        assert!(text.ends_with("tail"));
    }
}
