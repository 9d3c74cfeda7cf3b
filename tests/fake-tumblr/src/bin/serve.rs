//! Serves a generated blog on 127.0.0.1 until stopped, for benchmarks:
//!
//! ```text
//! serve --posts N [--media-size BYTES] [--max-limit N] [--urls FILE]
//! ```
//!
//! The server listens on a free port of 127.0.0.1 and prints its base URL
//! on the first line of stdout once it accepts connections. `--urls FILE`
//! writes the URL of every photo of the blog, pointed at this server, one
//! per line, for plain downloaders.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use fake_tumblr::{Config, FakeTumblr, SyntheticBlog, fixtures_dir, fixtures_path, photo_count};

/// Time after which the server stops by itself.
const LIFETIME: Duration = Duration::from_secs(3600);
/// Smallest `--media-size`, above the magic bytes of every media type.
const MIN_MEDIA_SIZE: usize = 1024;

struct Options {
    posts: usize,
    media_size: Option<usize>,
    max_limit: usize,
    urls: Option<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        posts: 1000,
        media_size: Some(100_000),
        max_limit: 50,
        urls: None,
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("invalid {flag} {value:?}: expected a whole number"))
        };
        match flag.as_str() {
            "--posts" => options.posts = number()?,
            "--media-size" => {
                let size = number()?;
                if size < MIN_MEDIA_SIZE {
                    return Err(format!("--media-size {size} is below {MIN_MEDIA_SIZE}"));
                }
                options.media_size = Some(size);
            }
            "--max-limit" => options.max_limit = number()?.max(1),
            "--urls" => options.urls = Some(value.clone()),
            other => {
                return Err(format!(
                    "unknown option {other:?}; expected --posts, --media-size, --max-limit or --urls"
                ));
            }
        }
    }
    Ok(options)
}

fn write_urls(path: &str, base: &str, posts: usize) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for index in 0..posts {
        for photo in 0..photo_count(index) {
            let url = fake_tumblr::photo_url(index, photo);
            let path = url.strip_prefix(fake_tumblr::MEDIA_ORIGIN).unwrap_or(&url);
            writeln!(file, "{base}{path}")?;
        }
    }
    file.flush()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("serve: {message}");
            return ExitCode::from(2);
        }
    };
    let Some(fixtures) = fixtures_dir() else {
        eprintln!(
            "serve: the Tumblr fixtures are not at {}\nhint: set TUMBLR_FIXTURES to the folder holding api-v2/",
            fixtures_path().display()
        );
        return ExitCode::from(2);
    };
    let mut config = Config::new(fixtures);
    config.synthetic = Some(SyntheticBlog::new(options.posts));
    config.media_len = options.media_size;
    config.max_limit = options.max_limit;
    config.lifetime = LIFETIME;
    let server = match FakeTumblr::try_start(config) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("serve: cannot start the server: {error}");
            return ExitCode::from(1);
        }
    };
    let base = server.base_url();
    if let Some(path) = &options.urls
        && let Err(error) = write_urls(path, &base, options.posts)
    {
        eprintln!("serve: cannot write the URL list to {path}: {error}");
        return ExitCode::from(1);
    }
    println!("{base}");
    let _ = std::io::stdout().flush();
    std::thread::sleep(LIFETIME);
    ExitCode::SUCCESS
}
