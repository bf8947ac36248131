//! Test support: a real moto server on loopback, the estate seeder, SDK config for it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A moto server process bound to 127.0.0.1, killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts `$MOTO_SERVER` (set by scripts/setup.sh). Fails loudly when missing: these
    /// tests exist to run against the real emulator.
    pub fn start() -> Moto {
        // Two tests can draw the same free port: the second moto then fails to bind and
        // exits, and its readiness probe would reach the first test's moto. So a moto
        // counts as up only while its own process still runs; otherwise take another port.
        for _ in 0..5 {
            if let Some(m) = Self::try_start() {
                return m;
            }
        }
        panic!("moto did not start on any of five ports");
    }

    fn try_start() -> Option<Moto> {
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ACM_VALIDATION_WAIT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto server {bin:?} ({e}); run the tests through scripts/test.sh"
                )
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                return None; // exited: the port was taken
            }
            let ok = Command::new("curl")
                .args(["-sf", &format!("{endpoint}/moto-api/data.json")])
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                // A moto that lost the port exits once it tries to bind (after its
                // imports): still alive a moment later, it is ours.
                std::thread::sleep(Duration::from_millis(1500));
                if child.try_wait().ok().flatten().is_some() {
                    return None;
                }
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not start on {endpoint}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(Moto { child, endpoint })
    }

    /// Environment for AWS clients (the SDK, boto3, the binary) to reach this moto.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ]
    }

    /// Seeds the demo estate (infra/demo/seed.py) and returns what it created.
    pub fn seed(&self, expire_in_secs: u32) -> serde_json::Value {
        let py = std::env::var("SEED_PYTHON").unwrap_or_else(|_| "python3".into());
        let out = Command::new(&py)
            .arg(repo_root().join("infra/demo/seed.py"))
            .args(["--expire-in", &expire_in_secs.to_string()])
            .envs(self.env())
            .output()
            .expect("run seed.py");
        assert!(
            out.status.success(),
            "seed.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
    }

    /// SDK configuration pointing at this moto.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drains the SQS queue subscribed to the findings topic: (SNS envelope, report) pairs.
pub async fn published(
    config: &aws_config::SdkConfig,
    queue_url: &str,
) -> Vec<(serde_json::Value, serde_json::Value)> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut out = Vec::new();
    loop {
        let r = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        let msgs = r.messages();
        if msgs.is_empty() {
            break;
        }
        for m in msgs {
            let env: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            let report: serde_json::Value =
                serde_json::from_str(env["Message"].as_str().unwrap()).unwrap();
            out.push((env, report));
        }
    }
    out
}
pub mod hostile;
pub mod live;

/// Every error of `doc` against `docs/schema/NAME` (`report.v1.json`, `probe.v1.json`,
/// `sarif-2.1.0.json`), the report schema registered under its `$id` for the others'
/// references (the jsonschema crate, no HTTP resolver).
pub fn schema_errors(name: &str, doc: &serde_json::Value) -> Vec<String> {
    let read = |n: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(repo_root().join("docs/schema").join(n)).unwrap(),
        )
        .unwrap()
    };
    let registry = jsonschema::Registry::new()
        .add(
            "https://acm-doctor.dev/schema/report.v1.json",
            read("report.v1.json"),
        )
        .and_then(|b| b.prepare())
        .unwrap();
    // OASIS's SARIF schema holds a pattern that is not a valid regex under format
    // checking; formats are checked for acm-doctor's own schemas.
    let validator = jsonschema::options()
        .should_validate_formats(!name.starts_with("sarif"))
        .with_registry(&registry)
        .build(&read(name))
        .unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
