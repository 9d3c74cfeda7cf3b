use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches};

use super::*;

/// Parses `args` and applies the config file `text`, written to a
/// temporary folder.
fn load(args: &[&str], text: &str) -> (Result<Cli, ConfigError>, PathBuf) {
    let folder = std::env::temp_dir().join(format!(
        "tumblr-archiver-config-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&folder).expect("create the test folder");
    let path = folder.join("config.toml");
    std::fs::write(&path, text).expect("write the config file");
    let mut argv = vec![
        "tumblr-archiver",
        "--config",
        path.to_str().expect("UTF-8 path"),
    ];
    argv.extend_from_slice(args);
    let matches = Cli::command()
        .try_get_matches_from(argv)
        .expect("the arguments parse");
    let mut cli = Cli::from_arg_matches(&matches).expect("the matches convert");
    let result = apply(&mut cli, &matches).map(|_| cli);
    (result, folder)
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn file_fills_unset_flags() {
    let text = "concurrency = 3\nrate = 1.5\nexclude-reblogs = true\ntypes = [\"photo\", \"Video\"]\n\
                since = 2015-01-02\nout = \"saved\"\nplugin = [\"p.wasm\"]\nmax-wait = \"90m\"\n";
    let (cli, folder) = load(&["example-blog"], text);
    let cli = cli.expect("the file is valid");
    assert_eq!(cli.network.concurrency, 3);
    assert_eq!(cli.network.rate, Some(1.5));
    assert!(cli.filters.exclude_reblogs);
    assert_eq!(cli.filters.types.as_deref(), Some("photo,video"));
    assert_eq!(cli.filters.since.as_deref(), Some("2015-01-02"));
    assert_eq!(cli.out, folder.join("saved"));
    assert_eq!(cli.plugins, vec![folder.join("p.wasm")]);
    assert_eq!(cli.max_wait, std::time::Duration::from_secs(90 * 60));
}

#[test]
fn flags_override_file() {
    let text = "concurrency = 3\nout = \"saved\"\nfull = true\n";
    let (cli, _) = load(
        &["example-blog", "--concurrency", "5", "--out", "here"],
        text,
    );
    let cli = cli.expect("the file is valid");
    assert_eq!(cli.network.concurrency, 5);
    assert_eq!(cli.out, PathBuf::from("here"));
    assert!(cli.full, "the file still sets what no flag gives");
}

#[test]
fn unknown_key_named_with_line() {
    let (result, _) = load(&["example-blog"], "concurrency = 2\ncolour = true\n");
    let message = result.expect_err("an unknown key is an error").to_string();
    assert!(message.contains("colour"), "{message}");
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("config.toml"), "{message}");
}

#[test]
fn bad_value_named_with_line() {
    let cases = [
        ("\n\nconcurrency = 0\n", "concurrency", 3),
        ("rate = -1\n", "rate", 1),
        ("since = \"last week\"\n", "since", 1),
        ("types = \"photo,gif\"\n", "types", 1),
        ("full = \"yes\"\n", "full", 1),
        ("max-posts = 0\n", "max-posts", 1),
        ("plugin = \"one.wasm\"\n", "plugin", 1),
    ];
    for (text, key, line) in cases {
        let (result, _) = load(&["example-blog"], text);
        let message = result.expect_err(text).to_string();
        assert!(message.contains(&format!("`{key}`")), "{text:?}: {message}");
        assert!(
            message.contains(&format!("line {line}")),
            "{text:?}: {message}"
        );
    }
}

#[test]
fn syntax_error_names_line() {
    let (result, _) = load(&["example-blog"], "concurrency = 2\nrate = \n");
    let message = result.expect_err("a syntax error").to_string();
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn plugin_options_merged_by_key() {
    let text = "[plugin-opt]\npage-size = 50\nreblogs = \"exclude\"\n";
    let (cli, _) = load(&["example-blog", "--plugin-opt", "reblogs=only"], text);
    let options = cli.expect("the file is valid").plugin_options;
    assert_eq!(
        options,
        vec![
            ("page-size".to_string(), "50".to_string()),
            ("reblogs".to_string(), "only".to_string()),
        ]
    );
}

#[test]
fn reblog_switches_exclusive() {
    let (result, _) = load(
        &["example-blog"],
        "exclude-reblogs = true\nonly-reblogs = true\n",
    );
    let message = result.expect_err("both switches").to_string();
    assert!(message.contains("only-reblogs"), "{message}");
}

#[test]
fn verbose_flag_beats_quiet_file() {
    let (cli, _) = load(&["example-blog", "-v"], "quiet = true\n");
    let cli = cli.expect("the file is valid");
    assert!(!cli.quiet);
    assert_eq!(cli.verbose, 1);
}

#[test]
fn missing_named_file_is_error() {
    let argv = [
        "tumblr-archiver",
        "--config",
        "/nonexistent/tumblr.toml",
        "blog",
    ];
    let matches = Cli::command().try_get_matches_from(argv).expect("parse");
    let mut cli = Cli::from_arg_matches(&matches).expect("convert");
    let message = apply(&mut cli, &matches)
        .expect_err("missing file")
        .to_string();
    assert!(message.contains("/nonexistent/tumblr.toml"), "{message}");
    assert!(message.contains("--config"), "{message}");
}
