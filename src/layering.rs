//! The layering rule as a test: data flows trigger → inventory → probe → checks → report
//! → publish, so a stage imports only earlier stages and the shared vocabulary, and the
//! shared modules import no stage. Scans the source of `src/` (test modules excluded:
//! a test may build its fixtures from anywhere).

use std::path::{Path, PathBuf};

/// The stages in the order data flows through them; `handler` wires them all.
const STAGES: &[&str] = &[
    "trigger",
    "inventory",
    "probe",
    "checks",
    "report",
    "publish",
    "handler",
    "org",
];

/// Modules every stage may import; they import only each other.
const SHARED: &[&str] = &["aws", "config", "finding", "i18n", "pki"];

/// Modules outside the rule: the test kit builds fixtures for every stage.
const EXEMPT: &[&str] = &["testkit", "layering"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/checks/live/x.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Every `crate::NAME` the non-test part of `text` mentions.
fn crate_refs(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        // `$crate::` in macros names this crate too.
        let name: String = code[i + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// Which module imports what it must not, as `file: from → to` lines.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let rank = |m: &str| STAGES.iter().position(|s| *s == m);
    let mut bad = Vec::new();
    for file in files {
        let Some(from) = module_of(src, &file) else {
            continue;
        };
        if EXEMPT.contains(&from.as_str())
            || !(rank(&from).is_some() || SHARED.contains(&from.as_str()))
        {
            continue; // lib.rs, main.rs and the CLI sit above every stage
        }
        let text = std::fs::read_to_string(&file).expect("source is readable");
        if text.contains("#![cfg(test)]") || file.ends_with("tests.rs") {
            continue; // a test-only module
        }
        for to in crate_refs(&text) {
            let ok = match (rank(&from), rank(&to)) {
                _ if to == from || SHARED.contains(&to.as_str()) => true,
                // A macro exported at the crate root (`crate::tr!`).
                _ if !STAGES.contains(&to.as_str()) && !EXEMPT.contains(&to.as_str()) => true,
                (Some(f), Some(t)) => t < f,
                _ => false, // a shared module importing a stage, or the test kit
            };
            if !ok {
                bad.push(format!("{}: {from} → {to}", file.display()));
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn no_stage_imports_a_later_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(
        bad.is_empty(),
        "imports against the data flow:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scan_sees_a_backward_import() {
    // The rule must be able to fail: a probe file naming the checks stage, and a shared
    // module naming a stage, are both caught; test modules are not scanned.
    let dir = std::env::temp_dir().join(format!("acm-doctor-layering-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("probe")).unwrap();
    std::fs::write(
        dir.join("probe/tls.rs"),
        "use crate::checks::Context;\nuse crate::pki::x509;\n",
    )
    .unwrap();
    std::fs::write(dir.join("finding.rs"), "use crate::report::Report;\n").unwrap();
    std::fs::write(
        dir.join("report.rs"),
        "use crate::checks::CHECKS;\n#[cfg(test)]\nmod tests {\n    use crate::publish::sns;\n}\n",
    )
    .unwrap();
    let bad = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].ends_with("finding.rs: finding → report"), "{bad:?}");
    assert!(bad[1].ends_with("tls.rs: probe → checks"), "{bad:?}");
}
