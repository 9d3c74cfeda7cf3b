//! End-to-end tests of the `tumblr-archiver` binary. Each test starts a
//! fake Tumblr on 127.0.0.1 that replays the recorded fixtures or serves a
//! generated blog, and runs the real binary against it with
//! `--redirect-origin`. It then checks the exit code, the output folder,
//! `manifest.json` and the requests the server received. Tests skip when
//! the fixtures folder is absent (and fail under `CI=true`).

mod archive;
mod cli;
mod dedupe;
mod dry_run;
mod errors;
mod faults;
mod gallery;
mod hostile;
mod interrupt;
mod kill_resume;
mod pagination;
mod part_files;
mod policy;
mod post_records;
mod quota;
mod rate;
mod reliability;
mod resolution;
mod resume;
mod scrapers;
mod support;
mod tools;
mod verify;
