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
    let Some((scratch, blog_dir, server)) = archived("verify") else {
        return;
    };
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

/// Returns the archive of the fixture blog, its folder and the fake server
/// that served it, or none when the fixtures are absent.
fn archived(label: &str) -> Option<(Scratch, std::path::PathBuf, fake_tumblr::FakeTumblr)> {
    let server = start_fake(|_| {})?;
    let scratch = Scratch::new(label);
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(run.code, Some(0), "archive\n{}", run.describe());
    let blog_dir = scratch.blog_dir();
    Some((scratch, blog_dir, server))
}

#[test]
fn escaping_names_rejected() {
    let Some((scratch, blog_dir, server)) = archived("verify-escape") else {
        return;
    };
    let canary = scratch.out().join("canary.txt");
    fs::write(&canary, "keep me").expect("write the canary");
    let manifest_path = blog_dir.join("manifest.json");
    let mut manifest = read_manifest(&blog_dir);
    let entry = manifest["media"]
        .as_array_mut()
        .expect("media")
        .iter_mut()
        .find(|entry| entry["status"] == "downloaded")
        .expect("a downloaded entry");
    entry["filename"] = Value::from("../canary.txt");
    let edited = serde_json::to_string_pretty(&manifest).expect("serialize");
    fs::write(&manifest_path, &edited).expect("write the edited manifest");

    let mut repair = verify_args(&blog_dir, &["--repair", "--allow-private-network"]);
    repair.extend(redirect_args(&server));
    let archive = archive_args(&server, &scratch.out());
    for (label, args) in [
        ("verify", verify_args(&blog_dir, &[])),
        ("repair", repair),
        ("archive", archive),
    ] {
        let run = run_archiver(&args, &scratch.dir, None);
        assert_eq!(run.code, Some(1), "{label}\n{}", run.describe());
        assert!(
            run.stderr.contains("../canary.txt"),
            "{label} names the entry\n{}",
            run.describe()
        );
        assert_eq!(
            fs::read_to_string(&canary).expect("the canary exists"),
            "keep me",
            "{label}"
        );
        let after = fs::read_to_string(&manifest_path).expect("the manifest exists");
        assert_eq!(after, edited, "{label} leaves the manifest as it was");
    }
}

#[test]
fn failed_repair_counted() {
    let Some((scratch, blog_dir, server)) = archived("verify-failed-repair") else {
        return;
    };
    let redirects = redirect_args(&server);
    drop(server);
    let manifest = read_manifest(&blog_dir);
    let deleted = text(&downloaded(&manifest)[0], "filename").to_string();
    fs::remove_file(blog_dir.join(&deleted)).expect("delete a file");

    let mut args = verify_args(
        &blog_dir,
        &[
            "--repair",
            "--json",
            "--allow-private-network",
            "--no-internet-archive",
        ],
    );
    args.extend(redirects);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(3), "the server is gone\n{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("stdout is JSON ({error})\n{}", run.describe()));
    assert_eq!(report["repaired"], 0, "{report}");
    assert_eq!(report["still_bad"], 1, "{report}");
    let manifest = read_manifest(&blog_dir);
    let entry = manifest["media"]
        .as_array()
        .expect("media")
        .iter()
        .find(|entry| entry["filename"] == deleted.as_str())
        .expect("the entry of the deleted file");
    assert_ne!(
        entry["status"], "downloaded",
        "the manifest records the failure: {entry}"
    );
}

#[test]
fn records_checked() {
    let Some((scratch, blog_dir, _server)) = archived("verify-records") else {
        return;
    };
    let manifest = read_manifest(&blog_dir);
    let records: Vec<String> = manifest["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|post| post["record"].as_str().map(str::to_string))
        .collect();
    assert!(records.len() >= 2, "the archive saved post records");
    fs::remove_file(blog_dir.join(&records[0])).expect("delete a record");
    fs::write(blog_dir.join(&records[1]), "{}").expect("change a record");

    let run = run_archiver(&verify_args(&blog_dir, &["--json"]), &scratch.dir, None);
    assert_eq!(run.code, Some(3), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(
        report["missing"][0]["filename"],
        records[0].as_str(),
        "{report}"
    );
    assert_eq!(report["missing"][0]["kind"], "record", "{report}");
    assert_eq!(
        report["corrupt"][0]["filename"],
        records[1].as_str(),
        "{report}"
    );
    let run = run_archiver(&verify_args(&blog_dir, &[]), &scratch.dir, None);
    assert!(
        run.stderr.contains("--full"),
        "the hint names the way back\n{}",
        run.describe()
    );
}
