//! `--rate` against a generated blog: the fake server's arrival times show
//! at most the given number of requests per second to the API and to the
//! media host.

use std::time::{Duration, Instant};

use fake_tumblr::{FakeTumblr, RequestKind, SyntheticBlog};

use crate::support::{
    Scratch, archive_args, media_entries, read_manifest, run_archiver, start_synthetic,
};

const RATE: usize = 5;

/// Returns the arrival times of the requests of `kind`, in milliseconds
/// after the first of them.
fn arrivals(server: &FakeTumblr, kind: RequestKind) -> Vec<u128> {
    let times: Vec<Instant> = server
        .requests()
        .iter()
        .filter(|request| request.kind == kind)
        .map(|request| request.at)
        .collect();
    let Some(first) = times.first().copied() else {
        return Vec::new();
    };
    times
        .iter()
        .map(|time| time.duration_since(first).as_millis())
        .collect()
}

#[test]
fn rate_limits_each_host() {
    // Fifteen posts in pages of five: five API requests and thirty photos,
    // about seven seconds at five requests per second.
    let Some(server) = start_synthetic(SyntheticBlog::new(15), |_| {}) else {
        return;
    };
    let scratch = Scratch::new("rate");
    let mut args = archive_args(&server, &scratch.out());
    args.extend(
        ["--rate", &RATE.to_string(), "--plugin-opt", "page-size=5"]
            .iter()
            .map(|arg| arg.to_string()),
    );
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "rate-limited run\n{}", run.describe());
    let manifest = read_manifest(&scratch.blog_dir());
    assert_eq!(media_entries(&manifest).len(), 30, "every photo is listed");

    // Arrival times are taken after the server read each request head, so
    // a request sent just before a window's end can be stamped just after
    // it. One request over the rate is allowed for that.
    let allowed = RATE + 1;
    let window = Duration::from_secs(1);
    let api = server.max_requests_in_window(RequestKind::Api, window);
    let media = server.max_requests_in_window(RequestKind::Media, window);
    eprintln!("rate {RATE}/s: at most {api} API and {media} media requests in one second");
    assert!(
        api <= allowed,
        "{api} API requests within one second at --rate {RATE}; arrivals in ms: {:?}",
        arrivals(&server, RequestKind::Api)
    );
    assert!(
        media <= allowed,
        "{media} media requests within one second at --rate {RATE}; arrivals in ms: {:?}",
        arrivals(&server, RequestKind::Media)
    );
    let media_requests = server.media_requests().len();
    assert!(
        media_requests >= 30,
        "every photo was requested ({media_requests} media requests)"
    );
}
