//! Ctrl-C: the first SIGINT stops the run cleanly with exit status 130, a
//! manifest that loads and a message that says how to continue; the next
//! run of the same command finishes the archive.

use std::fs;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use fake_tumblr::{Pace, SyntheticBlog};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, files_under, read_manifest, run_archiver,
    spawn_archiver, start_synthetic,
};

/// Maximum wait for the run to reach the interruption point, or to stop.
const WAIT_LIMIT: Duration = Duration::from_secs(30);

#[test]
fn ctrl_c_stops_cleanly() {
    let Some(server) = start_synthetic(SyntheticBlog::new(60), |config| {
        config.media_pace = Pace {
            before_headers: Duration::from_millis(20),
            chunk_len: 4096,
            between_chunks: Duration::from_millis(10),
        };
    }) else {
        return;
    };
    let scratch = Scratch::new("ctrl-c");
    fs::create_dir_all(&scratch.dir).expect("scratch folder");
    let args = archive_args(&server, &scratch.out());
    let stderr_file = scratch.dir.join("stderr.txt");
    let mut child = spawn_archiver(&args, &scratch.dir, &stderr_file);

    let started = Instant::now();
    while server.completed_media().len() < 5 {
        assert!(
            started.elapsed() < WAIT_LIMIT,
            "the run downloads five files within {WAIT_LIMIT:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let signal = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(signal.success(), "SIGINT delivered");

    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            break status;
        }
        if stopped.elapsed() > WAIT_LIMIT {
            let _ = child.kill();
            panic!("the run did not stop within {WAIT_LIMIT:?} of Ctrl-C");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stderr = fs::read_to_string(&stderr_file).unwrap_or_default();
    assert_eq!(
        status.code(),
        Some(130),
        "exit status after Ctrl-C\n{stderr}"
    );
    assert!(
        stderr.contains("Ctrl-C"),
        "the message names Ctrl-C\n{stderr}"
    );
    assert!(
        stderr.contains("run the same command again"),
        "the message says how to continue\n{stderr}"
    );
    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    assert_eq!(
        manifest["runs"][0]["outcome"], "failed",
        "the interrupted run is recorded as not finished"
    );
    assert!(manifest["crawl"].is_object(), "the crawl position is saved");

    let rest = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        rest.code,
        Some(0),
        "the next run finishes\n{}",
        rest.describe()
    );
    let finished = read_manifest(&blog_dir);
    assert_downloads_match_files(&blog_dir, &finished);
    let leftovers: Vec<String> = files_under(&blog_dir)
        .into_iter()
        .filter(|name| name.ends_with(".part") || name.ends_with(".journal"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no .part or journal left: {leftovers:?}"
    );
}
