//! Live test estate: real nginx (Debian) on 127.0.0.2:443/80 with SNI server blocks,
//! dnsmasq on 127.0.0.1 answering for `*.acmd.test`, and two hostile TCP servers a
//! web server cannot imitate. Everything binds to loopback; one estate per process,
//! started on first use. Certificates are generated here with rcgen.
#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DnType, IsCa, KeyPair,
};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const NGINX_IP: &str = "127.0.0.2";
pub const GARBAGE_IP: &str = "127.0.0.3";
pub const SILENT_IP: &str = "127.0.0.4";

pub struct LiveEstate {
    pub dir: PathBuf,
    /// `127.0.0.1:PORT` of dnsmasq, for DNS_SERVERS.
    pub dns: String,
    /// PEM of the test root (what EXTRA_TRUSTED_CA_PEM / --ca-file gets).
    pub root_pem_path: PathBuf,
}

fn ts(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(days)
}

struct Pki {
    root: CertifiedIssuer<'static, KeyPair>,
    inter: CertifiedIssuer<'static, KeyPair>,
}

fn ca(
    cn: &str,
    signer: Option<&CertifiedIssuer<'static, KeyPair>>,
) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = ts(-3650);
    p.not_after = ts(3650);
    match signer {
        None => CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap(),
        Some(s) => CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), s).unwrap(),
    }
}

/// Writes `NAME.pem` (leaf, then `chain`) and `NAME.key`.
fn write_leaf(
    dir: &Path,
    name: &str,
    params: CertificateParams,
    issuer: Option<&CertifiedIssuer<'static, KeyPair>>,
    chain: &[&str],
) {
    let key = KeyPair::generate().unwrap();
    let cert = match issuer {
        Some(i) => params.signed_by(&key, i).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    let mut pem = cert.pem();
    for c in chain {
        pem.push_str(c);
    }
    std::fs::write(dir.join(format!("{name}.pem")), pem).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
}

fn leaf(sans: &[&str], from: i64, to: i64) -> CertificateParams {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name
        .push(DnType::CommonName, sans.first().copied().unwrap_or("leaf"));
    p.not_before = ts(from);
    p.not_after = ts(to);
    p
}

/// The AIA extension (caIssuers URI), DER of the AuthorityInfoAccessSyntax.
fn aia(url: &str) -> CustomExtension {
    let uri = url.as_bytes();
    let mut access_location = vec![0x86, uri.len() as u8];
    access_location.extend_from_slice(uri);
    let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut desc = vec![0x30, (oid.len() + access_location.len()) as u8];
    desc.extend_from_slice(&oid);
    desc.extend_from_slice(&access_location);
    let mut seq = vec![0x30, desc.len() as u8];
    seq.extend_from_slice(&desc);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], seq)
}

/// (name, certificate files, extra nginx directives for :443, port-80 behaviour)
fn sites() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    vec![
        (
            "valid.acmd.test",
            "valid",
            "add_header Strict-Transport-Security \"max-age=31536000\" always; root WWW/clean;",
            "redirect",
        ),
        (
            "expired.acmd.test",
            "expired",
            "root WWW/clean;",
            "redirect",
        ),
        ("notyet.acmd.test", "notyet", "root WWW/clean;", "redirect"),
        ("wrong.acmd.test", "wrong", "root WWW/clean;", "redirect"),
        (
            "a.wild.acmd.test b.a.wild.acmd.test",
            "wild",
            "root WWW/clean;",
            "redirect",
        ),
        ("cnonly.acmd.test", "cnonly", "root WWW/clean;", "redirect"),
        (
            "selfsigned.acmd.test",
            "selfsigned",
            "root WWW/clean;",
            "redirect",
        ),
        (
            "nointer.acmd.test",
            "nointer",
            "root WWW/clean;",
            "redirect",
        ),
        (
            "nointer-aia.acmd.test",
            "nointer-aia",
            "root WWW/clean;",
            "redirect",
        ),
        (
            "private.acmd.test",
            "private",
            "root WWW/clean;",
            "redirect",
        ),
        ("mixed.acmd.test", "valid", "root WWW/mixed;", "redirect"),
        ("noredirect.acmd.test", "valid", "root WWW/clean;", "serve"),
        (
            "otherhost.acmd.test",
            "valid",
            "root WWW/clean;",
            "otherhost",
        ),
        ("loop.acmd.test", "valid", "root WWW/clean;", "loop"),
        ("big.acmd.test", "valid", "root WWW/big;", "redirect"),
        ("alias.acmd.test", "valid", "root WWW/clean;", "redirect"),
        // A WordPress head (link relations that load nothing); a landing page reached by
        // a same-site redirect from /; mixed references under a CSP upgrade header.
        ("wordpress.acmd.test", "valid", "root WWW/wp;", "redirect"),
        // Mutual TLS: a client certificate is required.
        (
            "mtls.acmd.test",
            "valid",
            "root WWW/clean; ssl_verify_client on; ssl_client_certificate WWW/../root.pem;",
            "redirect",
        ),
        // An ALB redirect whose Port was left at #{port}: https on port 80.
        ("keepport.acmd.test", "valid", "root WWW/clean;", "https80"),
        (
            "landing.acmd.test",
            "valid",
            "root WWW/landing; location = / { return 302 /en/; }",
            "redirect",
        ),
        (
            "upgrade.acmd.test",
            "valid",
            "root WWW/mixed; add_header Content-Security-Policy \"upgrade-insecure-requests\";",
            "redirect",
        ),
    ]
}

fn build(dir: &Path) {
    let www = dir.join("www");
    for d in ["clean", "mixed", "big", "tmp", "wp", "landing/en"] {
        std::fs::create_dir_all(www.join(d)).unwrap();
    }
    std::fs::write(www.join("clean/index.html"), "<!doctype html><title>ok</title><script src=\"/app.js\"></script><img src=\"//cdn.acmd.test/x.png\">").unwrap();
    std::fs::write(
        www.join("mixed/index.html"),
        "<!doctype html><title>mixed</title><script src=\"http://cdn.acmd.test/app.js\"></script><link rel=\"stylesheet\" href=\"http://cdn.acmd.test/site.css\"><img src=\"http://cdn.acmd.test/logo.png\"><form action=\"http://mixed.acmd.test/login\" method=\"post\"></form>",
    )
    .unwrap();
    std::fs::write(
        www.join("wp/index.html"),
        "<!doctype html><head><link rel=\"profile\" href=\"http://gmpg.org/xfn/11\"><link rel=\"pingback\" href=\"http://wordpress.acmd.test/xmlrpc.php\"><link rel=\"EditURI\" type=\"application/rsd+xml\" href=\"http://wordpress.acmd.test/xmlrpc.php?rsd\"><link rel=\"wlwmanifest\" href=\"http://wordpress.acmd.test/wp-includes/wlwmanifest.xml\"><link rel=\"shortlink\" href=\"http://wordpress.acmd.test/?p=1\"><link rel=\"alternate\" type=\"application/rss+xml\" href=\"http://wordpress.acmd.test/feed/\"><link rel=\"https://api.w.org/\" href=\"http://wordpress.acmd.test/wp-json/\"><link rel=\"stylesheet\" href=\"https://wordpress.acmd.test/style.css\"></head><body>blog</body>",
    )
    .unwrap();
    std::fs::write(
        www.join("landing/en/index.html"),
        "<!doctype html><title>en</title><script src=\"http://cdn.acmd.test/app.js\"></script>",
    )
    .unwrap();
    // 50 MiB page: the probe must stop at 2 MiB.
    let f = std::fs::File::create(www.join("big/index.html")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();

    let pki = Pki {
        root: ca("acmd Test Root", None),
        inter: ca("acmd Test Intermediate", None),
    };
    let inter = ca("acmd Test Intermediate", Some(&pki.root));
    let pki = Pki {
        root: pki.root,
        inter,
    };
    let inter_pem = pki.inter.pem();
    std::fs::write(dir.join("root.pem"), pki.root.pem()).unwrap();
    std::fs::write(www.join("clean/inter.crt"), pki.inter.der().as_ref()).unwrap();
    let chain = [inter_pem.as_str()];
    let i = Some(&pki.inter);
    write_leaf(
        dir,
        "valid",
        leaf(
            &[
                "valid.acmd.test",
                "mixed.acmd.test",
                "noredirect.acmd.test",
                "otherhost.acmd.test",
                "loop.acmd.test",
                "big.acmd.test",
                "alias.acmd.test",
                "wordpress.acmd.test",
                "keepport.acmd.test",
                "mtls.acmd.test",
                "landing.acmd.test",
                "upgrade.acmd.test",
            ],
            -10,
            80,
        ),
        i,
        &chain,
    );
    write_leaf(
        dir,
        "expired",
        leaf(&["expired.acmd.test"], -100, -2),
        i,
        &chain,
    );
    write_leaf(dir, "notyet", leaf(&["notyet.acmd.test"], 3, 90), i, &chain);
    write_leaf(dir, "wrong", leaf(&["other.acmd.test"], -10, 80), i, &chain);
    write_leaf(dir, "wild", leaf(&["*.wild.acmd.test"], -10, 80), i, &chain);
    let mut cn = CertificateParams::new(Vec::<String>::new()).unwrap();
    cn.distinguished_name
        .push(DnType::CommonName, "cnonly.acmd.test");
    cn.not_before = ts(-10);
    cn.not_after = ts(80);
    write_leaf(dir, "cnonly", cn, i, &chain);
    write_leaf(
        dir,
        "selfsigned",
        leaf(&["selfsigned.acmd.test"], -10, 80),
        None,
        &[],
    );
    write_leaf(
        dir,
        "nointer",
        leaf(&["nointer.acmd.test"], -10, 80),
        i,
        &[],
    );
    let mut with_aia = leaf(&["nointer-aia.acmd.test"], -10, 80);
    with_aia
        .custom_extensions
        .push(aia("http://valid.acmd.test/inter.crt"));
    write_leaf(dir, "nointer-aia", with_aia, i, &[]);
    let private_root = ca("Corp Private Root", None);
    let private_pem = private_root.pem();
    write_leaf(
        dir,
        "private",
        leaf(&["private.acmd.test"], -10, 80),
        Some(&private_root),
        &[private_pem.as_str()],
    );
    // Default server for unknown SNI: the valid certificate.
    let d = dir.display().to_string();
    let w = www.display().to_string();
    let mut conf = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\nevents {{ worker_connections 4096; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {w}/tmp/body; proxy_temp_path {w}/tmp/proxy; fastcgi_temp_path {w}/tmp/fcgi; uwsgi_temp_path {w}/tmp/uwsgi; scgi_temp_path {w}/tmp/scgi;\n  default_type text/html;\n  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_session_tickets off;\n  server {{ listen {NGINX_IP}:443 ssl default_server; server_name _; ssl_certificate {d}/valid.pem; ssl_certificate_key {d}/valid.key; root {w}/clean; }}\n  server {{ listen {NGINX_IP}:80 default_server; server_name _; root {w}/clean; location / {{ return 301 https://$host$request_uri; }} location = /inter.crt {{ }} }}\n  server {{ listen {NGINX_IP}:443 ssl; server_name ~^bench[0-9]+\\.acmd\\.test$; ssl_certificate {d}/bench.pem; ssl_certificate_key {d}/bench.key; root {w}/clean; }}\n"
    );
    write_leaf(dir, "bench", leaf(&["*.acmd.test"], -10, 80), i, &chain);
    for (names, cert, extra, port80) in sites() {
        let extra = extra.replace("WWW", &w);
        conf.push_str(&format!("  server {{ listen {NGINX_IP}:443 ssl; server_name {names}; ssl_certificate {d}/{cert}.pem; ssl_certificate_key {d}/{cert}.key; {extra} }}\n"));
        let p80 = match port80 {
            "serve" => format!("root {w}/clean;"),
            "otherhost" => "return 301 https://www.elsewhere.test/;".to_string(),
            "loop" => "return 302 http://$host/;".to_string(),
            "https80" => "return 301 https://$host:80/;".to_string(),
            _ => continue,
        };
        conf.push_str(&format!(
            "  server {{ listen {NGINX_IP}:80; server_name {names}; {p80} }}\n"
        ));
    }
    conf.push_str("}\n");
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
}

fn nginx_bin() -> String {
    std::env::var("NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into())
}

fn kill_pidfile(path: &Path) {
    if let Ok(pid) = std::fs::read_to_string(path) {
        let _ = Command::new("kill").arg(pid.trim()).status();
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn wait_port(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{addr} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn hostile_servers() {
    // Garbage instead of TLS.
    let g = TcpListener::bind(format!("{GARBAGE_IP}:443")).expect("bind garbage server");
    std::thread::spawn(move || {
        for s in g.incoming().flatten() {
            let mut s = s;
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\nthis is not TLS \x00\x01\x02\xff\xfe");
        }
    });
    // Accepts and never answers (reads and discards until the client gives up).
    let q = TcpListener::bind(format!("{SILENT_IP}:443")).expect("bind silent server");
    std::thread::spawn(move || {
        for s in q.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = s;
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
}

impl LiveEstate {
    /// Starts (once per process) nginx, dnsmasq and the hostile servers. They live as
    /// long as the test process; the next run (or scripts/test.sh) stops leftovers via
    /// their pid files, so they are deliberately never waited for here.
    #[allow(clippy::zombie_processes)]
    pub fn get() -> &'static LiveEstate {
        static ESTATE: OnceLock<LiveEstate> = OnceLock::new();
        ESTATE.get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("acm-doctor-live-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            build(&dir);
            // A previous test process may have left its nginx behind.
            let marker = std::env::temp_dir().join("acm-doctor-live-nginx.pid");
            kill_pidfile(&marker);
            let child = Command::new(nginx_bin())
                .args([
                    "-c",
                    &dir.join("nginx.conf").display().to_string(),
                    "-e",
                    &dir.join("error.log").display().to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start nginx (scripts/setup.sh installs it)");
            std::fs::write(&marker, child.id().to_string()).unwrap();
            wait_port(&format!("{NGINX_IP}:443"));
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let dmarker = std::env::temp_dir().join("acm-doctor-live-dnsmasq.pid");
            kill_pidfile(&dmarker);
            let dns = Command::new(
                std::env::var("DNSMASQ").unwrap_or_else(|_| "/usr/sbin/dnsmasq".into()),
            )
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                &format!("--port={port}"),
                "--user=root",
                &format!("--pid-file={}", dir.join("dnsmasq.pid").display()),
                // A CNAME chain: alias → edge → web-lb (a host record; dnsmasq only
                // follows CNAMEs to names it holds itself).
                "--cname=alias.acmd.test,edge.acmd.test",
                "--cname=edge.acmd.test,web-lb.elb.acmd.test",
                &format!("--host-record=web-lb.elb.acmd.test,{NGINX_IP}"),
                &format!("--address=/garbage.acmd.test/{GARBAGE_IP}"),
                &format!("--address=/silent.acmd.test/{SILENT_IP}"),
                &format!("--address=/acmd.test/{NGINX_IP}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dnsmasq (scripts/setup.sh installs it)");
            std::fs::write(&dmarker, dns.id().to_string()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            hostile_servers();
            LiveEstate {
                root_pem_path: dir.join("root.pem"),
                dns: format!("127.0.0.1:{port}"),
                dir,
            }
        })
    }

    pub fn root_pem(&self) -> String {
        std::fs::read_to_string(&self.root_pem_path).unwrap()
    }
}
