//! Ctrl-C handling. The first Ctrl-C asks the run to stop: the crawl
//! requests nothing more, downloads in progress are left as `.part` files
//! for the next run to continue, and the manifest is written. A second
//! Ctrl-C ends the process at once; the journal still holds every event.

use crate::console::say_err;
use tokio::sync::watch;

/// Exit status after an interruption, as shells report a SIGINT.
pub const EXIT_STATUS: i32 = 130;

/// Whether the user asked the run to stop.
#[derive(Clone)]
pub struct StopSignal {
    receiver: watch::Receiver<bool>,
}

impl StopSignal {
    /// Starts listening for Ctrl-C.
    pub fn listen() -> Self {
        let (sender, receiver) = watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            tracing::warn!(
                "stopping after Ctrl-C: no new requests; press Ctrl-C again to quit at once"
            );
            let _ = sender.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                say_err!(
                    "error: stopped at once by a second Ctrl-C\nhint: run the same command again to continue; the journal holds the state"
                );
                std::process::exit(EXIT_STATUS);
            }
        });
        Self { receiver }
    }

    pub fn is_set(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Waits until the user asks to stop.
    pub async fn wait(&mut self) {
        while !*self.receiver.borrow_and_update() {
            if self.receiver.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
