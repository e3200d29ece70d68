//! The `telegram-match` command, run as a process on real files.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_telegram-match");

/// A fresh directory under the target directory's temp area, removed by the caller's test end.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("telegram-match-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CRM: &str = "\u{FEFF}id;name;email;phone;external_id;user_fields.senderId\n\
    101;John Perk;jon@example.co.uk;07700 900123;;\n\
    102;Andrei Ivanov;andrei@example.com;;;\n\
    103;Lucía Fernández;;;;7100000001\n\
    104;Broken;;;;1.23457E+09\n\
    105;=HYPERLINK(\"x\");;;;\n";

const TG: &str = "First Name,Last Name,Phone,Username,senderId\r\n\
    Lucía,Fernández García,'+34 612 345 678,lucia_fg,\"7100000001\"\r\n\
    Андрей,Иванов,,andrey_iv,\"7100000002\"\r\n\
    Jon,Perk,'+44 7700 900123,,\"7100000003\"\r\n\
    Bad,Row,,,user\r\n";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn links_two_files_to_stdout_with_summary() {
    let d = dir("stdout");
    std::fs::write(d.join("crm.csv"), CRM).unwrap();
    std::fs::write(d.join("tg.csv"), TG).unwrap();
    let (code, stdout, stderr) = run(&[
        "--crm",
        d.join("crm.csv").to_str().unwrap(),
        "--telegram",
        d.join("tg.csv").to_str().unwrap(),
        "--region",
        "GB",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(
        lines,
        [
            "crm_id,sender_id,score,tier,reasons",
            // Quoted: `;` would split the cell for a reader that detects semicolons.
            "101,\"7100000003\",0.980,auto,\"phone equal; name close: John Perk ~ Jon Perk\"",
            "102,\"7100000002\",0.760,review,name close: Andrei Ivanov ~ Андрей Иванов",
        ]
    );
    assert!(stderr.contains("crm.csv: line 5, column 6 (user_fields.senderId): \"1.23457E+09\" is not a valid senderId"), "{stderr}");
    assert!(
        stderr.contains("tg.csv: line 5, column 5 (senderId)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("crm: 4 rows read, 1 skipped; telegram: 3 rows read, 1 skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "links: 1 auto, 1 review; 1 contacts unmatched; 1 existing links, 0 conflicts;"
        ),
        "{stderr}"
    );
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn out_file_is_written_whole() {
    let d = dir("out");
    std::fs::write(d.join("crm.csv"), CRM).unwrap();
    std::fs::write(d.join("tg.csv"), TG).unwrap();
    let out = d.join("links.csv");
    std::fs::write(&out, "old").unwrap();
    let (code, stdout, stderr) = run(&[
        "--crm",
        d.join("crm.csv").to_str().unwrap(),
        "--telegram",
        d.join("tg.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("\u{FEFF}crm_id,sender_id,score,tier,reasons\r\n"),
        "{written}"
    );
    assert!(written.contains("102,\"7100000002\""), "{written}");
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 3, "no partial file left: {leftovers:?}");
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn bad_invocations_say_what_to_fix() {
    let check = |args: &[&str], code: i32, needle: &str| {
        let (got, _, stderr) = run(args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    check(&[], 2, "--crm CRM.csv is required");
    check(&["--crm", "a.csv"], 2, "--telegram TG.csv is required");
    check(
        &["--crm", "a", "--telegram", "b", "--region", "XX"],
        2,
        "unknown region \"XX\": use one of",
    );
    check(&["--frobnicate"], 2, "unknown argument \"--frobnicate\"");
    check(&["--crm"], 2, "--crm needs a value");
    check(
        &[
            "--crm",
            "/nonexistent/crm.csv",
            "--telegram",
            "/nonexistent/tg.csv",
        ],
        1,
        "cannot read /nonexistent/crm.csv",
    );
    let d = dir("latin1");
    std::fs::write(d.join("crm.csv"), b"id,name\n1,Luc\xeda\n").unwrap();
    std::fs::write(d.join("tg.csv"), TG).unwrap();
    check(
        &[
            "--crm",
            d.join("crm.csv").to_str().unwrap(),
            "--telegram",
            d.join("tg.csv").to_str().unwrap(),
        ],
        1,
        "is not UTF-8 (line 2): save it as \"CSV UTF-8\"",
    );
    std::fs::write(d.join("crm.csv"), "name,phone\nA,1\n").unwrap();
    check(
        &[
            "--crm",
            d.join("crm.csv").to_str().unwrap(),
            "--telegram",
            d.join("tg.csv").to_str().unwrap(),
        ],
        1,
        "no column holds the contact id",
    );
    std::fs::remove_dir_all(d).unwrap();
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("usage: telegram-match --crm CRM.csv --telegram TG.csv"));
}
