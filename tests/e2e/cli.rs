//! The command line around an archive run: the JSON summary, the filter
//! flags, `--max-posts`, the config file and shell completions.

use std::collections::BTreeSet;
use std::fs;

use fake_tumblr::{SyntheticBlog, photo_count};
use serde_json::Value;

use crate::support::{
    Scratch, archive_args, archiver_command, downloaded, manifest_post_ids, media_entries,
    path_arg, read_manifest, run_archiver, start_fake, start_synthetic, text,
};

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

fn downloaded_names(manifest: &Value) -> BTreeSet<String> {
    downloaded(manifest)
        .iter()
        .map(|entry| text(entry, "filename").to_string())
        .collect()
}

#[test]
fn json_summary_alone_on_stdout() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("json-summary");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--json".to_string());
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "archive with --json\n{}", run.describe());

    let summary: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("stdout is one JSON object ({error})\n{}", run.describe()));
    let manifest = read_manifest(&scratch.blog_dir());
    assert_eq!(summary["outcome"], "complete");
    assert_eq!(summary["exit_status"], 0);
    assert_eq!(summary["error"], Value::Null);
    let posts = manifest["posts"].as_array().expect("posts").len();
    assert_eq!(summary["posts_in_archive"], posts);
    assert_eq!(summary["posts_seen_this_run"], posts);
    let counted: u64 = summary["media"]
        .as_object()
        .expect("media counts")
        .values()
        .map(|count| count.as_u64().expect("a count"))
        .sum();
    assert_eq!(
        counted as usize,
        media_entries(&manifest).len(),
        "every entry counted once"
    );
    assert_eq!(summary["media"]["downloaded"], downloaded(&manifest).len());
    let bytes: u64 = downloaded(&manifest)
        .iter()
        .map(|entry| entry["byte_size"].as_u64().expect("byte_size"))
        .sum();
    assert_eq!(summary["bytes"], bytes);
    assert!(summary["failures"].as_array().expect("failures").is_empty());
    assert!(summary["elapsed_seconds"].as_f64().expect("elapsed") > 0.0);
}

#[test]
fn json_failure_object() {
    let scratch = Scratch::new("json-failure");
    let args = strings(&["example-blog", "--scraper", "no-such-scraper", "--json"]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    let object: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("stdout is JSON ({error})\n{}", run.describe()));
    assert_eq!(object["exit_status"], 2);
    assert_eq!(object["outcome"], "failed");
    assert!(
        text(&object, "error").contains("no-such-scraper"),
        "{object}"
    );
}

#[test]
fn filter_flags_match_plugin_options() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let run_with = |label: &str, extra: &[&str]| {
        let scratch = Scratch::new(label);
        let mut args = archive_args(&server, &scratch.out());
        args.extend(strings(extra));
        let run = run_archiver(&args, &scratch.dir, None);
        assert_eq!(run.code, Some(0), "{label}\n{}", run.describe());
        downloaded_names(&read_manifest(&scratch.blog_dir()))
    };
    let everything = run_with("filters-none", &[]);
    let flags = run_with("filters-flags", &["--exclude-reblogs", "--types", "photo"]);
    let options = run_with(
        "filters-options",
        &[
            "--plugin-opt",
            "reblogs=exclude",
            "--plugin-opt",
            "types=photo",
        ],
    );
    assert!(!flags.is_empty(), "the filters keep some media");
    assert!(
        flags.len() < everything.len(),
        "the filters drop some media"
    );
    assert_eq!(flags, options, "flags act as the policy options");
}

#[test]
fn flag_and_option_clash() {
    let scratch = Scratch::new("filters-clash");
    let args = strings(&[
        "example-blog",
        "--only-reblogs",
        "--plugin-opt",
        "reblogs=include",
    ]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(run.stderr.contains("--only-reblogs"), "{}", run.describe());
}

#[test]
fn max_posts_then_the_rest() {
    const POSTS: usize = 30;
    let Some(server) = start_synthetic(SyntheticBlog::new(POSTS), |_| {}) else {
        return;
    };
    let scratch = Scratch::new("max-posts");
    let mut args = archive_args(&server, &scratch.out());
    args.extend(strings(&["--plugin-opt", "page-size=10"]));
    let mut limited = args.clone();
    limited.extend(strings(&["--max-posts", "7"]));
    let run = run_archiver(&limited, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "limited run\n{}", run.describe());
    let manifest = read_manifest(&scratch.blog_dir());
    assert_eq!(manifest_post_ids(&manifest).len(), 7, "seven newest posts");

    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(0),
        "run without the limit\n{}",
        run.describe()
    );
    let manifest = read_manifest(&scratch.blog_dir());
    let ids: BTreeSet<String> = manifest_post_ids(&manifest).into_iter().collect();
    assert_eq!(ids.len(), POSTS, "the later run adds the older posts");
    let photos: usize = (0..POSTS).map(photo_count).sum();
    assert_eq!(downloaded(&manifest).len(), photos, "every photo once");
}

#[test]
fn config_file_sets_filters() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("config-file");
    let config = scratch.dir.join("config.toml");
    fs::write(
        &config,
        "# filters for this archive\nexclude-reblogs = true\ntypes = [\"photo\"]\nconcurrency = 2\n",
    )
    .expect("write the config file");
    let mut args = archive_args(&server, &scratch.out());
    args.extend(["--config".to_string(), path_arg(&config)]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let from_file = downloaded_names(&read_manifest(&scratch.blog_dir()));

    let flags = Scratch::new("config-flags");
    let mut args = archive_args(&server, &flags.out());
    args.extend(strings(&["--exclude-reblogs", "--types", "photo"]));
    let run = run_archiver(&args, &flags.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(
        from_file,
        downloaded_names(&read_manifest(&flags.blog_dir()))
    );
}

#[test]
fn config_file_errors_named() {
    let scratch = Scratch::new("config-errors");
    let config = scratch.dir.join("config.toml");
    let cases = [
        ("concurrency = 4\nspeed = 9\n", "speed", "line 2"),
        ("\nsince = \"last year\"\n", "since", "line 2"),
        ("concurrency = 100\n", "concurrency", "line 1"),
    ];
    for (content, key, line) in cases {
        fs::write(&config, content).expect("write the config file");
        let args = strings(&["example-blog", "--config", &path_arg(&config)]);
        let run = run_archiver(&args, &scratch.dir, None);
        assert_eq!(run.code, Some(2), "{content:?}\n{}", run.describe());
        assert!(
            run.stderr.contains(key),
            "{content:?} names {key}\n{}",
            run.describe()
        );
        assert!(
            run.stderr.contains(line),
            "{content:?} names {line}\n{}",
            run.describe()
        );
        assert!(
            run.stderr.contains("config.toml"),
            "{content:?} names the file\n{}",
            run.describe()
        );
        assert!(!scratch.out().exists(), "nothing written for {content:?}");
    }
}

#[test]
fn config_from_environment() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("config-env");
    let config = scratch.dir.join("settings.toml");
    fs::write(&config, "types = \"video\"\nexclude-reblogs = true\n")
        .expect("write the config file");
    let output = archiver_command()
        .args(archive_args(&server, &scratch.out()))
        .env("TUMBLR_ARCHIVER_CONFIG", &config)
        .env("TUMBLR_ARCHIVER_TYPES", "photo")
        .current_dir(&scratch.dir)
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let from_environment = downloaded_names(&read_manifest(&scratch.blog_dir()));

    let flags = Scratch::new("config-env-flags");
    let mut args = archive_args(&server, &flags.out());
    args.extend(strings(&["--exclude-reblogs", "--types", "photo"]));
    let run = run_archiver(&args, &flags.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let expected = downloaded_names(&read_manifest(&flags.blog_dir()));
    assert_eq!(
        from_environment, expected,
        "the environment beats the file, the file fills the rest"
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = archiver_command()
            .args(["completions", shell])
            .output()
            .expect("run the binary");
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).expect("UTF-8 script");
        assert!(
            script.contains("tumblr-archiver"),
            "{shell} script names the program"
        );
        assert!(
            script.contains("max-posts"),
            "{shell} script lists the flags"
        );
        assert!(
            script.contains("verify"),
            "{shell} script lists the subcommands"
        );
    }
}

#[test]
fn json_for_rejected_flag() {
    let scratch = Scratch::new("json-flag");
    let args = strings(&["example-blog", "--types", "gifs", "--json"]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    let object: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("stdout is JSON ({error})\n{}", run.describe()));
    assert_eq!(object["exit_status"], 2);
    assert!(text(&object, "error").contains("gifs"), "{object}");
}

#[test]
fn template_cannot_replace_records() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("template-records");
    let mut args = archive_args(&server, &scratch.out());
    args.extend(strings(&["--filename", "posts/{post_id}.json"]));
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let manifest = read_manifest(&scratch.blog_dir());
    for entry in downloaded(&manifest) {
        let name = text(&entry, "filename");
        assert!(name.starts_with("media/posts/"), "media kept apart: {name}");
    }
    let verify = strings(&["verify", &path_arg(&scratch.blog_dir())]);
    let run = run_archiver(&verify, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "records intact\n{}", run.describe());
}
