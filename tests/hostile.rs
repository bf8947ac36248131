//! The hostile suite (issue 11): servers that stall, drip, lie or flood; malformed and
//! oversized events; garbage configuration; credentials missing or denied; a deadline a
//! second away. Each case asserts no panic and its named outcome; a case still running
//! after [`HANG`] is killed and fails as a hang. Time and peak memory are measured per
//! case and printed as the suite's report (`cargo test hostile -- --nocapture`), not
//! asserted as targets, except a generous memory ceiling that only a leak would reach.

use crate::support::hostile::*;
use acm_doctor::probe::{NetProber, ProbeTarget, Prober, Timeouts};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A case still running after this is a hang.
const HANG: Duration = Duration::from_secs(90);
/// No case may grow past this (the 10,000-region event once took 1.5 GiB).
const MEMORY_CEILING_KIB: u64 = 256 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_kib: u64,
}

/// Peak resident memory so far of a running process (`VmHWM`).
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the binary with `args` and `envs` (the AWS and probe variables of the test
/// process removed), polling its peak memory until it exits; killed after [`HANG`].
fn run(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_acm-doctor"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k == "SCAN_REGIONS" || k == "FINDINGS_TOPIC_ARN" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start acm-doctor");
    let pid = child.id();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).ok();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).ok();
        s
    });
    let mut peak = 0;
    let code = loop {
        if let Some(p) = peak_kib(pid) {
            peak = peak.max(p);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed: started.elapsed(),
        peak_kib: peak,
    }
}

/// One case's figures and verdict.
struct Outcome {
    name: String,
    expect: &'static str,
    elapsed: Duration,
    peak_kib: Option<u64>,
    failure: Option<String>,
}

fn check(cond: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(why()) }
}

/// The common assertions on a binary run, then the case's own.
fn judge(
    name: impl Into<String>,
    expect: &'static str,
    r: Run,
    own: impl FnOnce(&Run) -> Result<(), String>,
) -> Outcome {
    let failure = (|| {
        check(r.code.is_some(), || format!("hung: killed after {HANG:?}"))?;
        check(!r.stderr.contains("panicked"), || {
            format!("panicked: {}", r.stderr)
        })?;
        check(r.peak_kib < MEMORY_CEILING_KIB, || {
            format!("peak memory {} KiB", r.peak_kib)
        })?;
        own(&r).map_err(|e| {
            format!(
                "{e}\n  exit {:?}\n  stdout: {}\n  stderr: {}",
                r.code,
                r.stdout.chars().take(3000).collect::<String>(),
                r.stderr.chars().take(3000).collect::<String>()
            )
        })
    })()
    .err();
    Outcome {
        name: name.into(),
        expect,
        elapsed: r.elapsed,
        peak_kib: Some(r.peak_kib),
        failure,
    }
}

fn json(r: &Run) -> Result<Value, String> {
    serde_json::from_str(&r.stdout).map_err(|e| format!("stdout is not JSON: {e}"))
}

fn checks_of(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["check"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn finding<'a>(v: &'a Value, check: &str) -> Option<&'a Value> {
    v["findings"]
        .as_array()?
        .iter()
        .find(|f| f["check"] == check)
}

/// `acm-doctor probe HOST --resolve HOST:IP --ca-file ROOT` plus `extra`.
fn probe(host: &str, ip: &str, extra: &[&str]) -> Run {
    let estate = HostileEstate::get();
    let resolve = format!("{host}:{ip}");
    let root = estate.root_pem_path.to_str().unwrap();
    let mut args = vec!["probe", host, "--resolve", &resolve, "--ca-file", root];
    args.extend_from_slice(extra);
    run(&args, &[("ACM_DOCTOR_LOG", "debug")])
}

/// AWS variables for a scan against `endpoint`, probing off.
fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("PROBE", "false".into()),
    ]
}

fn scan_against(endpoint: &str, extra_env: &[(&str, &str)]) -> Run {
    let mut env: Vec<(&str, String)> = aws_env(endpoint);
    env.extend(extra_env.iter().map(|(k, v)| (*k, v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&["scan", "--format", "json", "--region", "us-east-1"], &env)
}

fn incomplete_and_high(r: &Run) -> Result<Value, String> {
    check(r.code == Some(3), || "exit 3 (incomplete) expected".into())?;
    let v = json(r)?;
    let gap = finding(&v, "scan_incomplete").ok_or("no scan_incomplete finding")?;
    check(gap["severity"] == "high", || "nothing read is high".into())?;
    Ok(v)
}

fn write_file(name: &str, bytes: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("acm-doctor-hostile-{}-{name}", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path.display().to_string()
}

fn acm_event(resources: &[String]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "version": "0", "id": "e", "detail-type": "ACM Certificate Expired",
        "source": "aws.acm", "account": "123456789012", "time": "2026-12-01T00:00:00Z",
        "region": "us-east-1", "resources": resources, "detail": {}
    }))
    .unwrap()
}

fn binary_cases() -> Vec<Box<dyn FnOnce() -> Outcome + Send>> {
    vec![
        Box::new(|| {
            judge(
                "tls: drips one byte at a time",
                "https_unreachable (handshake timed out)",
                probe("drip.hostile.test", DRIP_IP, &["--json"]),
                |r| {
                    let v = json(r)?;
                    let e = v["hosts"][0]["tls"]["error"].as_str().unwrap_or("");
                    check(e.contains("timed out"), || format!("tls error {e:?}"))?;
                    check(checks_of(&v).contains(&"https_unreachable".into()), || {
                        "no https_unreachable".into()
                    })
                },
            )
        }),
        Box::new(|| {
            judge(
                "http: response headers never end",
                "page error named; no finding about the certificate",
                probe("headers.hostile.test", HEADERS_IP, &["--json"]),
                |r| {
                    let v = json(r)?;
                    let h = &v["hosts"][0];
                    check(h["tls"]["error"].is_null(), || "TLS was fine".into())?;
                    check(h["page"]["error"].is_string(), || "page error".into())?;
                    let served: Vec<String> = checks_of(&v)
                        .into_iter()
                        .filter(|c| c.starts_with("served_"))
                        .collect();
                    check(served.is_empty(), || format!("false findings {served:?}"))
                },
            )
        }),
        Box::new(|| {
            judge(
                "tls: chain of 300 certificates",
                "handshake failed, named; https_unreachable",
                probe("hugechain.hostile.test", HUGE_CHAIN_IP, &["--json"]),
                |r| {
                    let v = json(r)?;
                    let e = v["hosts"][0]["tls"]["error"].as_str().unwrap_or("");
                    check(e.contains("handshake failed"), || {
                        format!("tls error {e:?}")
                    })?;
                    check(checks_of(&v).contains(&"https_unreachable".into()), || {
                        "no https_unreachable".into()
                    })
                },
            )
        }),
        Box::new(|| {
            judge(
                "tls: valid leaf with 2,001 SANs (healthy twin)",
                "clean: exit 0, nothing above info (port 80 is closed here)",
                probe("hugecert.hostile.test", HUGE_CERT_IP, &["--json"]),
                |r| {
                    check(r.code == Some(0), || "exit 0".into())?;
                    let v = json(r)?;
                    let above: Vec<&Value> = v["findings"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|f| f["severity"] != "info")
                        .collect();
                    check(above.is_empty(), || format!("findings {above:?}"))
                },
            )
        }),
        Box::new(|| {
            judge(
                "tls: escape sequences, CR/LF, BEL in SAN and subject",
                "text output and logs escaped",
                probe("ctl.hostile.test", CONTROL_IP, &[]),
                |r| {
                    for (what, s) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                        let raw: Vec<char> = s
                            .chars()
                            .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
                            .collect();
                        check(raw.is_empty(), || {
                            format!("raw control characters in {what}: {raw:?}")
                        })?;
                    }
                    check(
                        r.stdout.contains("\\u{1b}") || r.stdout.contains("pwned"),
                        || "the hostile subject is shown (escaped)".into(),
                    )
                },
            )
        }),
        Box::new(|| {
            judge(
                "tls: control characters, JSON output",
                "valid JSON, the text kept as JSON escapes",
                probe("ctl.hostile.test", CONTROL_IP, &["--json"]),
                |r| {
                    json(r)?;
                    check(!r.stdout.contains('\x1b'), || "raw ESC in JSON".into())
                },
            )
        }),
        Box::new(|| {
            judge(
                "http: redirects forever (same site)",
                "at most 5 redirects followed",
                probe("loop.hostile.test", LOOP_IP, &["--json"]),
                |r| {
                    let v = json(r)?;
                    let n = v["hosts"][0]["page"]["redirects"]
                        .as_array()
                        .map_or(0, Vec::len);
                    check(n <= acm_doctor::probe::MAX_REDIRECTS, || {
                        format!("{n} redirects")
                    })
                },
            )
        }),
        Box::new(|| {
            let path = write_file("big.json", &vec![b' '; 7 * 1024 * 1024]);
            judge(
                "event: 7 MB file",
                "exit 1, \"larger than\"",
                run(&["invoke", "--event", &path], &[]),
                |r| {
                    check(r.code == Some(1), || "exit 1".into())?;
                    check(r.stderr.contains("larger than"), || "names the cap".into())
                },
            )
        }),
        Box::new(|| {
            let path = write_file("deep.json", "[".repeat(200_000).as_bytes());
            judge(
                "event: JSON nested 200,000 deep",
                "exit 1, not JSON (no stack overflow)",
                run(&["invoke", "--event", &path], &[]),
                |r| {
                    check(r.code == Some(1), || "exit 1".into())?;
                    check(r.stderr.contains("not JSON"), || "says not JSON".into())
                },
            )
        }),
        Box::new(|| {
            let path = write_file(
                "envelope.json",
                br#"{"source": 7, "detail-type": ["x"], "detail": "\u001b[2J"}"#,
            );
            judge(
                "event: not an EventBridge envelope",
                "exit 1, NonRetryable.MalformedEvent",
                run(&["invoke", "--event", &path], &[]),
                |r| {
                    check(r.code == Some(1), || "exit 1".into())?;
                    check(r.stderr.contains("NonRetryable.MalformedEvent"), || {
                        "non-retryable".into()
                    })
                },
            )
        }),
        Box::new(|| {
            // 10,000 certificates, each in a region of its own.
            let arns: Vec<String> = (0..10_000)
                .map(|i| {
                    format!(
                        "arn:aws:acm:zz-region{}-{}:123456789012:certificate/c{i}",
                        i / 10,
                        i % 10
                    )
                })
                .collect();
            let path = write_file("many.json", &acm_event(&arns));
            let estate = HostileEstate::get();
            let mut env = aws_env(&estate.denied_endpoint);
            env.push(("SCAN_REGIONS", "us-east-1".into()));
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            judge(
                "event: 10,000 certificates in 10,000 regions",
                "first 100 scanned, 9,900 named as left out; exit 3",
                run(&["invoke", "--event", &path], &env),
                |r| {
                    check(r.code == Some(3), || "exit 3".into())?;
                    let v = json(r)?;
                    let left = v["skipped"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|s| s["what"] == "9900 more certificates the event named");
                    check(left, || "the rest are named".into())?;
                    // Named by count, not listed (the report's header is in every part).
                    check(!r.stdout.contains("certificate/c9999\""), || {
                        "the left-out ARNs are listed".into()
                    })
                },
            )
        }),
        Box::new(|| {
            let estate = HostileEstate::get();
            judge(
                "aws: every call AccessDenied",
                "exit 3, high scan_incomplete with the IAM fix",
                scan_against(&estate.denied_endpoint, &[]),
                |r| {
                    let v = incomplete_and_high(r)?;
                    let gap = finding(&v, "scan_incomplete").unwrap();
                    check(
                        gap["remediation"].to_string().contains("template.yaml"),
                        || "IAM fix".into(),
                    )
                },
            )
        }),
        Box::new(|| {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let endpoint = format!("http://{}", closed.local_addr().unwrap());
            drop(closed);
            judge(
                "aws: endpoint closed",
                "exit 3, high scan_incomplete",
                scan_against(&endpoint, &[]),
                |r| incomplete_and_high(r).map(|_| ()),
            )
        }),
        Box::new(|| {
            let home = std::env::temp_dir().join("acm-doctor-hostile-empty-home");
            std::fs::create_dir_all(&home).unwrap();
            let home = home.display().to_string();
            judge(
                "aws: no credentials anywhere",
                "exit 3, high scan_incomplete",
                run(
                    &["scan", "--format", "json", "--region", "us-east-1"],
                    &[
                        ("HOME", &home),
                        ("AWS_CONFIG_FILE", "/nonexistent"),
                        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
                        ("AWS_EC2_METADATA_DISABLED", "true"),
                        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
                        ("PROBE", "false"),
                    ],
                ),
                |r| incomplete_and_high(r).map(|_| ()),
            )
        }),
    ]
}

/// Garbage configuration: each variable alone; exit 1 naming it, never a panic.
fn config_cases() -> Vec<Box<dyn FnOnce() -> Outcome + Send>> {
    [
        ("EXPIRY_WARNING_DAYS", "99999999999999999999"),
        ("RENOTIFY_HOURS", "-1"),
        ("SCAN_REGIONS", ",,,"),
        ("PROBE_CONCURRENCY", "lots"),
        ("MIN_SEVERITY", "\x1b[31mhigh"),
        ("EXTRA_TRUSTED_CA_PEM", "/dev/zero"),
    ]
    .into_iter()
    .map(|(var, value)| -> Box<dyn FnOnce() -> Outcome + Send> {
        Box::new(move || {
            let estate = HostileEstate::get();
            judge(
                format!("config: {var}={}", value.escape_debug()),
                "exit 1 naming the variable",
                scan_against(&estate.denied_endpoint, &[(var, value)]),
                |r| {
                    check(r.code == Some(1), || format!("{var}: exit 1"))?;
                    check(r.stderr.contains(var), || format!("names {var}"))?;
                    check(!r.stderr.contains('\x1b'), || "raw ESC in the error".into())
                },
            )
        })
    })
    .collect()
}

/// A deadline a second (and four seconds) away, in process: nothing is started that
/// cannot finish, and what is cut short is named, not judged.
fn deadline_cases() -> Vec<Outcome> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prober = NetProber::new(&[], 4, Timeouts::default()).unwrap();
    let mut prober = prober;
    prober.resolve_override("drip.hostile.test", DRIP_IP.parse().unwrap());
    let target = || ProbeTarget {
        hostname: "drip.hostile.test".into(),
        sources: vec!["hostile suite".into()],
    };
    let mut out = Vec::new();
    for (name, expect, secs, reason) in [
        (
            "deadline: a second away",
            "host not started, named",
            1,
            "too near to start",
        ),
        (
            "deadline: four seconds away, host drips",
            "host given up at the deadline, named",
            4,
            "deadline came first",
        ),
    ] {
        let started = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(secs);
        let results = rt.block_on(prober.probe(vec![target()], Vec::new(), Some(deadline)));
        let elapsed = started.elapsed();
        let failure = if !results.hosts.is_empty() {
            Some("the host was judged".to_string())
        } else if !results
            .unprobed
            .first()
            .is_some_and(|u| u.reason.contains(reason))
        {
            Some(format!("unprobed {:?}", results.unprobed))
        } else if elapsed > Duration::from_secs(secs) + Duration::from_secs(2) {
            Some(format!("ran {elapsed:?} past a {secs} s deadline"))
        } else {
            None
        };
        out.push(Outcome {
            name: name.into(),
            expect,
            elapsed,
            peak_kib: None,
            failure,
        });
    }
    out
}

#[test]
fn hostile_suite() {
    HostileEstate::get();
    let started = Instant::now();
    let mut cases = binary_cases();
    cases.extend(config_cases());
    // Concurrently, four at a time: the figures are per process either way.
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut queue = cases.into_iter();
    loop {
        let batch: Vec<_> = queue.by_ref().take(4).collect();
        if batch.is_empty() {
            break;
        }
        let handles: Vec<_> = batch.into_iter().map(std::thread::spawn).collect();
        outcomes.extend(handles.into_iter().map(|h| h.join().expect("case thread")));
    }
    outcomes.extend(deadline_cases());
    let mut report = String::from(
        "| case | expected outcome | time | peak RSS | result |\n|---|---|---|---|---|\n",
    );
    for o in &outcomes {
        report.push_str(&format!(
            "| {} | {} | {:.2} s | {} | {} |\n",
            o.name,
            o.expect,
            o.elapsed.as_secs_f64(),
            o.peak_kib.map_or("in process".into(), |k| format!(
                "{:.1} MiB",
                k as f64 / 1024.0
            )),
            if o.failure.is_some() { "FAIL" } else { "ok" }
        ));
    }
    let slowest = outcomes.iter().max_by_key(|o| o.elapsed).unwrap();
    let peak = outcomes
        .iter()
        .filter_map(|o| o.peak_kib)
        .max()
        .unwrap_or(0);
    report.push_str(&format!(
        "\n{} cases in {:.1} s; slowest: {} ({:.2} s); peak RSS {:.1} MiB\n",
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        slowest.name,
        slowest.elapsed.as_secs_f64(),
        peak as f64 / 1024.0
    ));
    eprintln!("{report}");
    let _ = std::fs::write(
        std::env::temp_dir().join("acm-doctor-hostile-report.md"),
        &report,
    );
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.failure.as_ref().map(|f| format!("{}: {f}", o.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
