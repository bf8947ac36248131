//! Probe benchmark (not a test): probes N = 1,000 SNI names on a local nginx and prints
//! endpoints/second and peak RSS; then times one endpoint with `acm-doctor probe`,
//! `sslyze --certinfo` and `testssl.sh` side by side and prints the ratios.
//! Run with `bash scripts/bench.sh` (it installs sslyze and testssl.sh first).

#[path = "../tests/support/live.rs"]
mod live;

use acm_doctor::probe::{NetProber, ProbeTarget, Prober, Timeouts};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 (11 and 12 after the name), in clock ticks.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// One target line for the bench's summary: `target: NAME = VALUE UNIT (OP LIMIT) PASS|FAIL`.
fn target(name: &str, value: f64, unit: &str, op: &str, limit: f64) {
    let ok = match op {
        "<" => value < limit,
        "<=" => value <= limit,
        ">=" => value >= limit,
        _ => false,
    };
    println!(
        "target: {name} = {value:.2} {unit} ({op} {limit}) {}",
        if ok { "PASS" } else { "FAIL" }
    );
}

fn time_command(label: &str, cmd: &mut Command, runs: usize) -> Option<f64> {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let st = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
        match st {
            Ok(_) => best = best.min(t.elapsed().as_secs_f64()),
            Err(e) => {
                println!("{label:<28} not available ({e})");
                return None;
            }
        }
    }
    println!("{label:<28} {best:>8.3} s (best of {runs})");
    Some(best)
}

fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let n: usize = std::env::var("BENCH_ENDPOINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let concurrency: usize = std::env::var("PROBE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let estate = live::LiveEstate::get();
    // The full-scan bench (scripts/bench_aws.py) probes this same nginx and dnsmasq,
    // which outlive this process (their pid files stop them next time).
    let _ = std::fs::write(
        std::env::temp_dir().join("acm-doctor-bench-estate.json"),
        serde_json::json!({"dns": estate.dns, "root_pem": estate.root_pem_path}).to_string(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let prober = NetProber::new(
        std::slice::from_ref(&estate.dns),
        concurrency,
        Timeouts::default(),
    )
    .unwrap();
    let hosts: Vec<String> = (0..n).map(|i| format!("bench{i}.acmd.test")).collect();
    let warm: Vec<ProbeTarget> = hosts[..10.min(n)]
        .iter()
        .map(|h| ProbeTarget {
            hostname: h.clone(),
            sources: vec![],
        })
        .collect();
    // Warm-up (DNS cache, nginx workers).
    rt.block_on(prober.probe(warm, vec![], None));
    // Probed and judged, as a run does: every check over every host's facts.
    let config = acm_doctor::config::Config {
        dns_servers: vec![estate.dns.clone()],
        extra_trusted_ca_pem: Some(estate.root_pem()),
        ..Default::default()
    };
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let (facts, findings, _) = rt.block_on(acm_doctor::handler::diagnose_hosts(
        &prober,
        &config,
        hosts,
        chrono::Utc::now(),
    ));
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu0;
    let ok = facts
        .iter()
        .filter(|h| h.tls.error.is_none() && h.page.status == Some(200))
        .count();
    println!(
        "probe: {n} endpoints (concurrency {concurrency}) in {:.3} s = {:.0} endpoints/s; {ok} complete (TLS + page + port 80), {} findings",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        findings.len()
    );
    println!(
        "probe: CPU {:.2} s = {:.2} ms per endpoint (probe and checks, this process; target <= 0.60)",
        cpu,
        cpu * 1000.0 / n as f64
    );
    let rss = peak_rss_kib() as f64 / 1024.0;
    println!("probe: peak RSS {rss:.1} MiB");
    assert_eq!(ok, n, "every endpoint should have been probed completely");
    // The bench's summary line (scripts/bench.sh) reads these.
    let per = cpu * 1000.0 / n as f64;
    target(
        &format!("time per 1,000 endpoints at {n}"),
        elapsed.as_secs_f64() * 1000.0 / n as f64,
        "s",
        "<",
        5.0,
    );
    target(&format!("CPU per endpoint at {n}"), per, "ms", "<=", 0.6);
    target(&format!("peak RSS at {n} endpoints"), rss, "MiB", "<", 64.0);
    if std::env::var_os("BENCH_SKIP_TOOLS").is_some() {
        return;
    }

    // One endpoint, three tools.
    let bin = env!("CARGO_BIN_EXE_acm-doctor");
    let ours = time_command(
        "acm-doctor probe",
        Command::new(bin)
            .args([
                "probe",
                "valid.acmd.test",
                "--resolve",
                "valid.acmd.test:127.0.0.2",
                "--ca-file",
            ])
            .arg(&estate.root_pem_path),
        5,
    );
    let sslyze_bin = std::env::var("SSLYZE").unwrap_or_else(|_| "sslyze".into());
    let sslyze = time_command(
        "sslyze --certinfo",
        Command::new(&sslyze_bin).args(["--certinfo", "valid.acmd.test:443{127.0.0.2}"]),
        3,
    );
    let testssl = time_command(
        "testssl.sh -S (server defaults)",
        Command::new(std::env::var("TESTSSL").unwrap_or_else(|_| "testssl".into())).args([
            "--quiet",
            "--color",
            "0",
            "--ip",
            "127.0.0.2",
            "-S",
            "https://valid.acmd.test/",
        ]),
        1,
    );
    // check_ssl_cert (Debian's monitoring-plugins-contrib) without OCSP: no network.
    let check_ssl_cert = time_command(
        "check_ssl_cert",
        Command::new(
            std::env::var("CHECK_SSL_CERT")
                .unwrap_or_else(|_| "/usr/lib/nagios/plugins/check_ssl_cert".into()),
        )
        .args([
            "-H",
            "127.0.0.2",
            "--sni",
            "valid.acmd.test",
            "-n",
            "valid.acmd.test",
            "--ignore-ocsp",
            "--rootcert-file",
        ])
        .arg(&estate.root_pem_path),
        3,
    );
    if let Some(o) = ours {
        if let Some(s) = sslyze {
            println!("ratio: sslyze / acm-doctor = {:.1}x", s / o);
            target(
                "one endpoint vs sslyze --certinfo",
                s / o,
                "x faster",
                ">=",
                20.0,
            );
        }
        if let Some(t) = testssl {
            println!("ratio: testssl.sh / acm-doctor = {:.1}x", t / o);
        }
        if let Some(c) = check_ssl_cert {
            println!("ratio: check_ssl_cert / acm-doctor = {:.1}x", c / o);
        }
    }
    std::thread::sleep(Duration::from_millis(10));
}
