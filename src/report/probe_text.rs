//! Plain-text rendering of a probe (`acm-doctor probe`): the facts a person would check
//! by hand, then the findings with their fixes.

use crate::finding::Finding;
use crate::i18n::Lang;
use crate::label;
use crate::probe::HostFacts;
use std::fmt::Write as _;

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn probe_text(hosts: &[HostFacts], findings: &[Finding], lang: Lang) -> String {
    let findings: Vec<Finding> = findings.iter().map(super::escape::finding).collect();
    // Host facts (SANs, subjects, headers) come from the server: the layout's own line
    // breaks are kept, every other control character is shown escaped.
    super::escape::lines(&probe_text_raw(hosts, &findings, lang))
}

/// Writes one line of server-supplied facts: a CR or LF inside it (a SAN, a header) is
/// shown escaped like every other control character, so it cannot forge a line.
fn put(o: &mut String, line: String) {
    o.push_str(&super::escape::text(&line));
    o.push('\n');
}

fn probe_text_raw(hosts: &[HostFacts], findings: &[Finding], lang: Lang) -> String {
    let mut o = String::new();
    for h in hosts {
        put(&mut o, h.hostname.clone());
        match &h.dns.error {
            Some(e) => {
                put(&mut o, format!("  DNS       {e}"));
            }
            None => {
                let via = if h.dns.cname_chain.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", h.dns.cname_chain.join(" → "))
                };
                let src = if h.dns.overridden { " (--resolve)" } else { "" };
                let addrs: Vec<String> = h.dns.addresses.iter().map(|a| a.to_string()).collect();
                put(
                    &mut o,
                    format!("  DNS       {}{via}{src}", addrs.join(", ")),
                );
            }
        }
        match (&h.tls.error, &h.tls.protocol) {
            (Some(e), _) => {
                put(&mut o, format!("  TLS       {e}"));
            }
            (None, Some(p)) => {
                put(
                    &mut o,
                    format!(
                        "  TLS       {p} {} at {}{}",
                        h.tls.cipher.as_deref().unwrap_or(""),
                        h.tls.address.as_deref().unwrap_or("?"),
                        if h.tls.ocsp_stapled_bytes.is_some() {
                            ", OCSP stapled"
                        } else {
                            ""
                        }
                    ),
                );
                for (i, c) in h.served_chain_facts().iter().enumerate() {
                    let names = if c.dns_names.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", c.dns_names.join(", "))
                    };
                    put(
                        &mut o,
                        format!(
                            "  chain[{i}]  {}{names}, issued by {}, valid {} → {}",
                            c.subject,
                            c.issuer,
                            date(c.not_before),
                            date(c.not_after)
                        ),
                    );
                }
            }
            (None, None) => {}
        }
        if h.http.attempted {
            let line = match (h.http.status, &h.http.error) {
                (Some(s), _) => format!(
                    "{s}{}",
                    h.http
                        .location
                        .as_ref()
                        .map(|l| format!(" → {l}"))
                        .unwrap_or_default()
                ),
                (None, Some(e)) => e.clone(),
                _ => "no answer".into(),
            };
            put(&mut o, format!("  HTTP :80  {line}"));
        }
        if h.page.attempted {
            let line = match (h.page.status, &h.page.error) {
                (Some(s), e) => format!(
                    "{s}, {} bytes{}{}{}",
                    h.page.bytes_read,
                    if h.page.truncated {
                        " (cut at 2 MiB)"
                    } else {
                        ""
                    },
                    h.page
                        .hsts
                        .as_ref()
                        .map(|v| format!(", HSTS {v}"))
                        .unwrap_or_else(|| ", no HSTS".into()),
                    e.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
                ),
                (None, Some(e)) => e.clone(),
                _ => "no answer".into(),
            };
            put(&mut o, format!("  Page      {line}"));
        }
    }
    if hosts.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            label!(
                "Not probed: no verdict (see the warning above).",
                "調査できませんでした。判定はありません（上の警告を参照）。"
            )
            .get(lang)
        );
    } else if findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            label!(
                "No findings: a browser should open this site without a certificate warning.",
                "検出事項はありません。ブラウザは証明書の警告なしでこのサイトを開けるはずです。"
            )
            .get(lang)
        );
    } else {
        let n = findings.len();
        let _ = match lang {
            Lang::En => writeln!(o, "\nFindings ({n}):"),
            Lang::Ja => writeln!(o, "\n検出事項（{n} 件）:"),
        };
        for f in findings {
            let sev = f.severity.tag(lang);
            let _ = writeln!(o, "\n  [{sev}] {} ({}, {})", f.title, f.cause, f.check);
            let _ = writeln!(o, "    {}", f.detail);
            let label = label!("fix:", "対処:").get(lang);
            let pad = " ".repeat(crate::i18n::display_width(label));
            for step in f.numbered_steps() {
                for (i, line) in step.iter().enumerate() {
                    let lead = if i == 0 { label } else { pad.as_str() };
                    let _ = writeln!(o, "    {lead} {line}");
                }
            }
        }
    }
    o
}
