//! Lines for the user on stdout and stderr. A closed pipe, as in
//! `tumblr-archiver … | head`, is ignored instead of ending the process
//! with a panic, as `println!` and `eprintln!` would.

/// Writes a line to stderr, ignoring write errors.
macro_rules! say_err {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($argument)*);
    }};
}

/// Writes a line to stdout, ignoring write errors.
macro_rules! say_out {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($argument)*);
    }};
}

pub(crate) use {say_err, say_out};
