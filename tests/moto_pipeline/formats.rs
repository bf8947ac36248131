//! Issue 13: every output format, from the real binary's `scan` against moto (probing
//! off): JSON against `docs/schema/report.v1.json`, SARIF against OASIS's 2.1.0 schema,
//! JUnit and CSV parsed back, and the HTML page opened in headless Chromium (a
//! screenshot taken), the table, the digest, Markdown and ASFF read for every finding;
//! `ACM_DOCTOR_UPDATE_EXAMPLES=1` keeps them in docs/examples/ (the screenshot) and
//! docs/examples/formats/ (the README's samples).

use super::*;
use std::path::Path;

fn scan(moto: &Moto, format: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
        .args([
            "scan",
            "--region",
            "us-east-1",
            "--format",
            format,
            "--output-file",
        ])
        .arg(out)
        .args(extra)
        .envs(moto.env())
        .env("PROBE", "false")
        .env("NO_COLOR", "1")
        .env_remove("FINDINGS_TOPIC_ARN")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap()
}

#[test]
fn every_format_is_produced_and_checked() {
    let moto = Moto::start();
    moto.seed(300);
    let dir = std::env::temp_dir().join(format!("acm-doctor-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // JSON: the report, valid against its schema.
    let json = dir.join("report.json");
    let out = scan(&moto, "json", &json, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "--output-file leaves stdout empty");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        schema_errors("report.v1.json", &report),
        Vec::<String>::new()
    );
    let n = report["findings"].as_array().unwrap().len();
    assert!(n > 10, "the demo estate has findings");

    // SARIF: valid 2.1.0, one result per finding.
    let sarif = dir.join("report.sarif");
    assert!(scan(&moto, "sarif", &sarif, &[]).status.success());
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        schema_errors("sarif-2.1.0.json", &log),
        Vec::<String>::new()
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), n);

    // JUnit: a failure per finding.
    let junit = dir.join("junit.xml");
    assert!(scan(&moto, "junit", &junit, &[]).status.success());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        xml.matches("<failure ").count() + xml.matches("<error ").count(),
        n
    );

    // CSV: a row per finding.
    let csv = dir.join("findings.csv");
    assert!(scan(&moto, "csv", &csv, &[]).status.success());
    let rows = csv::Reader::from_path(&csv).unwrap().records().count();
    assert_eq!(rows, n);

    // The table, the digest, Markdown and ASFF: each finding is in it.
    let hostnames: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["hostname"].as_str())
        .collect();
    let produced = |format: &str, name: &str| {
        let path = dir.join(name);
        let out = scan(&moto, format, &path, &[]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&path).unwrap()
    };
    let table = produced("table", "scan.table.txt");
    let text = produced("text", "scan.txt");
    for h in &hostnames {
        assert!(table.contains(h), "table lacks {h}");
        assert!(text.contains(h), "digest lacks {h}");
    }
    assert!(!table.contains('\u{1b}'), "no colour in a file");
    assert!(text.contains("At a glance"));
    let markdown = produced("markdown", "scan.md");
    let rows = markdown.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(rows, n + 1, "a row per finding under the header");
    let asff: Value = serde_json::from_str(&produced("asff", "scan.asff.json")).unwrap();
    assert_eq!(asff.as_array().unwrap().len(), n);
    assert!(asff[0]["SchemaVersion"] == "2018-10-08");
    if std::env::var_os("ACM_DOCTOR_UPDATE_EXAMPLES").is_some() {
        let examples = repo_root().join("docs/examples/formats");
        std::fs::create_dir_all(&examples).unwrap();
        for name in [
            "scan.table.txt",
            "scan.txt",
            "scan.md",
            "scan.asff.json",
            "report.json",
            "report.sarif",
            "junit.xml",
            "findings.csv",
        ] {
            std::fs::copy(dir.join(name), examples.join(name)).unwrap();
        }
    }

    // Filters narrow every format alike; a mute file is counted in `muted`.
    let high = dir.join("high.json");
    let mutes = dir.join("mutes.yaml");
    std::fs::write(
        &mutes,
        "mutes:\n  - check: imported_self_signed\n    hostname: legacy.example.com\n    reason: replaced in January\n    until: 2099-01-01\n",
    )
    .unwrap();
    let out = scan(
        &moto,
        "json",
        &high,
        &["--severity", "high", "--mute-file", mutes.to_str().unwrap()],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let narrowed: Value = serde_json::from_str(&std::fs::read_to_string(&high).unwrap()).unwrap();
    assert_eq!(
        schema_errors("report.v1.json", &narrowed),
        Vec::<String>::new()
    );
    let sev = |f: &Value| f["severity"].as_str().unwrap().to_string();
    assert!(
        narrowed["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| ["high", "critical"].contains(&sev(f).as_str()))
    );
    assert_eq!(narrowed["muted"][0]["check"], "imported_self_signed");
    let bad = scan(&moto, "json", &high, &["--checks", "no_such_check"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no check is called"));
    // A mute file that cannot be used is an error before anything is read, for `scan`
    // and `probe` alike (exit 1, the file and the entry named, no report written).
    let broken = dir.join("broken-mutes.yaml");
    std::fs::write(
        &broken,
        "mutes:\n  - check: no_such_check\n    hostname: a\n    reason: r\n    until: 2099-01-01\n",
    )
    .unwrap();
    let unwritten = dir.join("unwritten.json");
    let scan_bad = scan(
        &moto,
        "json",
        &unwritten,
        &["--mute-file", broken.to_str().unwrap()],
    );
    let probe_bad = std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
        .args(["probe", "127.0.0.1:9", "--mute-file"])
        .arg(&broken)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    for (what, out) in [("scan", &scan_bad), ("probe", &probe_bad)] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("broken-mutes.yaml") && err.contains("mute entry 1"),
            "{what}: {err}"
        );
    }
    assert!(!unwritten.exists());

    // HTML: opened in headless Chromium, the page renders (its DOM has the timeline and
    // the findings) and a screenshot is taken.
    let html = dir.join("report.html");
    assert!(scan(&moto, "html", &html, &[]).status.success());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("class=\"finding\""));
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium (scripts/setup.sh installs it)");
    let profile = dir.join("chromium-profile");
    let browser = |extra: &[String]| {
        std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                // Any request the page made would fail here: it makes none.
                "--host-resolver-rules=MAP * ~NOTFOUND",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", html.display()))
            .output()
            .unwrap()
    };
    let dom = browser(&["--dump-dom".into()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("class=\"finding\"") && dom.contains("<svg"),
        "{dom:.500}"
    );
    let png = dir.join("report.html.png");
    let shot = browser(&[
        format!("--screenshot={}", png.display()),
        "--window-size=1280,1600".into(),
    ]);
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&shot.stderr)));
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
    if std::env::var_os("ACM_DOCTOR_UPDATE_EXAMPLES").is_some() {
        let examples = repo_root().join("docs/examples");
        std::fs::copy(&png, examples.join("report.html.png")).unwrap();
        std::fs::copy(&html, examples.join("report.html")).unwrap();
    }
}
