//! `tumblr-archiver verify`: missing, corrupt and unlisted files are found,
//! and `--repair` downloads the bad ones again.

use std::fs;

use serde_json::Value;

use crate::support::{
    Scratch, archive_args, downloaded, file_checksums, path_arg, read_manifest, redirect_args,
    run_archiver, start_fake, text,
};

fn verify_args(dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["verify".to_string(), path_arg(dir)];
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

#[test]
fn verify_finds_and_repairs() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("verify");
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(run.code, Some(0), "archive\n{}", run.describe());
    let blog_dir = scratch.blog_dir();
    let original = file_checksums(&blog_dir);

    let run = run_archiver(&verify_args(&blog_dir, &[]), &scratch.dir, None);
    assert_eq!(run.code, Some(0), "intact archive\n{}", run.describe());

    let manifest = read_manifest(&blog_dir);
    let files: Vec<String> = downloaded(&manifest)
        .iter()
        .map(|entry| text(entry, "filename").to_string())
        .collect();
    assert!(files.len() >= 3, "the fixture archive has files");
    let (deleted, flipped, cut) = (&files[0], &files[1], &files[2]);
    fs::remove_file(blog_dir.join(deleted)).expect("delete a file");
    let mut bytes = fs::read(blog_dir.join(flipped)).expect("read a file");
    bytes[0] ^= 0xff;
    fs::write(blog_dir.join(flipped), &bytes).expect("corrupt a file");
    let bytes = fs::read(blog_dir.join(cut)).expect("read a file");
    fs::write(blog_dir.join(cut), &bytes[..bytes.len() / 2]).expect("truncate a file");
    fs::write(blog_dir.join("notes.txt"), "mine").expect("add a stray file");

    let run = run_archiver(&verify_args(&blog_dir, &["--json"]), &scratch.dir, None);
    assert_eq!(run.code, Some(3), "damaged archive\n{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("stdout is JSON ({error})\n{}", run.describe()));
    let names = |list: &str| -> Vec<String> {
        report[list]
            .as_array()
            .unwrap_or_else(|| panic!("{list} is a list: {report}"))
            .iter()
            .map(|item| {
                item["filename"]
                    .as_str()
                    .map_or_else(|| item.to_string(), str::to_string)
            })
            .collect()
    };
    assert_eq!(names("missing"), vec![deleted.clone()]);
    let mut corrupt = names("corrupt");
    corrupt.sort();
    let mut expected = vec![flipped.clone(), cut.clone()];
    expected.sort();
    assert_eq!(corrupt, expected);
    assert_eq!(report["not_in_manifest"], serde_json::json!(["notes.txt"]));
    assert_eq!(
        report["files_intact"],
        report["files_checked"].as_u64().unwrap() - 3
    );

    let mut repair = verify_args(&blog_dir, &["--repair", "--allow-private-network"]);
    repair.extend(redirect_args(&server));
    let run = run_archiver(&repair, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "repair\n{}", run.describe());
    let mut repaired = file_checksums(&blog_dir);
    repaired.remove("notes.txt");
    assert_eq!(
        repaired, original,
        "the repaired files equal the first download"
    );

    let run = run_archiver(&verify_args(&blog_dir, &[]), &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(0),
        "verified after repair\n{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("not in manifest: notes.txt"),
        "{}",
        run.describe()
    );
}

#[test]
fn verify_without_manifest() {
    let scratch = Scratch::new("verify-empty");
    let run = run_archiver(&verify_args(&scratch.dir, &[]), &scratch.dir, None);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(run.stderr.contains("manifest.json"), "{}", run.describe());
    assert!(run.stderr.contains("hint:"), "{}", run.describe());
}
