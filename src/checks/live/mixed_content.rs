//! `mixed_content` — an HTTPS page that loads `http://` resources.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::prelude::*;
use crate::probe::InsecureRef;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An HTTPS page — the one a visitor lands on, after up to 5 same-site redirects from / — that loads http:// subresources: blockable ones (script, stylesheet and CSS @import, iframe, object/embed, preload) or upgradeable ones (img, audio, video, source, CSS url() images), or has a form that submits to http:// (W3C Mixed Content as Chromium applies it). <link> counts only for relations that load something (stylesheet, icons, preload/modulepreload, prefetch, manifest); <base href> applies to relative URLs; localhost and 127.0.0.1 are not mixed. A Content-Security-Policy upgrade-insecure-requests (header or meta) is information only, and block-all-mixed-content leaves only forms.",
        "http:// のサブリソースを読み込む HTTPS ページ（/ から同一サイト内のリダイレクトを最大 5 回たどった、訪問者が実際に見るページ）。ブロック対象（script、stylesheet と CSS の @import、iframe、object/embed、preload）と自動アップグレード対象（img、audio、video、source、CSS の url() の画像）があり、http:// へ送信するフォームも含みます（Chromium が適用する W3C Mixed Content）。<link> は何かを読み込む関係（stylesheet、アイコン、preload/modulepreload、prefetch、manifest）だけを数え、<base href> は相対 URL に適用し、localhost と 127.0.0.1 は混在コンテンツではありません。Content-Security-Policy の upgrade-insecure-requests（ヘッダーまたは meta）があれば情報のみで、block-all-mixed-content があればフォームだけが残ります。",
    ),
    browser: label!(
        "Blockable resources are blocked (the page breaks, console: \"Mixed Content: … was loaded over HTTPS, but requested an insecure script\"); upgradeable ones are upgraded or dropped; an http:// form shows \"Not secure\" and a warning before submitting.",
        "ブロック対象のリソースは読み込まれずページが崩れます（コンソール: \"Mixed Content: … was loaded over HTTPS, but requested an insecure script\"）。自動アップグレード対象は HTTPS に書き換えられるか表示されません。http:// へのフォームは「保護されていない通信」と表示され、送信前に警告が出ます。",
    ),
    fix: label!(
        "Change the page's URLs to https:// (or relative), serve those resources over HTTPS, and optionally add the header Content-Security-Policy: upgrade-insecure-requests.",
        "ページ内の URL を https://（または相対 URL）に変え、参照先を HTTPS で配信します。必要に応じて Content-Security-Policy: upgrade-insecure-requests ヘッダーも追加します。",
    ),
};

declare_check!(MixedContent, "mixed_content", Cause::MixedContent);

/// How a browser treats an `http://` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Blockable,
    Upgradeable,
    Form,
}

pub fn classify(r: &InsecureRef) -> Class {
    let el = r.element.split_whitespace().next().unwrap_or_default();
    match el {
        "form" | "input" | "button" => Class::Form,
        "img" | "audio" | "video" | "source" => Class::Upgradeable,
        // CSS images (`url()`) are image requests, auto-upgraded like <img>; `@import`
        // loads a stylesheet (blockable).
        "style" if r.element.ends_with("url()") => Class::Upgradeable,
        "link" if r.element.contains("icon") => Class::Upgradeable,
        _ => Class::Blockable,
    }
}

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        if h.page.insecure.is_empty() {
            continue;
        }
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let host = &h.hostname;
        // Upgrade Insecure Requests: the browser rewrites every http:// subresource (and
        // form target) to https:// before fetching, so nothing is mixed; the page only
        // relies on the upgrade (W3C Upgrade Insecure Requests §4.1).
        if h.page.upgrade_insecure_requests {
            let n = h.page.insecure.len();
            out.push(
                Finding::new(MixedContent::ID, Severity::Info, &resource, &region)
                    .hostname(host)
                    .key("upgraded")
                    .title(tr!(
                        "https://{host}/ names {n} http:// resource(s) that its upgrade-insecure-requests policy fetches over HTTPS",
                        "https://{host}/ には http:// のリソースが {n} 個ありますが、upgrade-insecure-requests ポリシーにより HTTPS で取得されます"
                    ))
                    .detail(tr!(
                        "Browsers upgrade these URLs to https:// before fetching; each host must serve them over HTTPS, or they fail to load.",
                        "ブラウザはこれらの URL を取得前に https:// に書き換えます。参照先のホストが HTTPS で配信していないと読み込みに失敗します。"
                    ))
                    .evidence("class", "upgraded")
                    .evidence("references", h.page.insecure.iter().map(|r| format!("<{}> {}", r.element, r.url)).collect::<Vec<_>>())
                    .evidence("redirects", &h.page.redirects),
            );
            continue;
        }
        for (class, key, sev, what) in [
            (
                Class::Blockable,
                "blockable",
                Severity::High,
                tr!(
                    "blockable resources (blocked by the browser: the page breaks)",
                    "ブロック対象のリソース（ブラウザに読み込みを止められ、ページが壊れます）"
                ),
            ),
            (
                Class::Form,
                "form",
                Severity::Medium,
                tr!(
                    "forms that submit over plain HTTP",
                    "平文の HTTP で送信されるフォーム"
                ),
            ),
            (
                Class::Upgradeable,
                "upgradeable",
                Severity::Low,
                tr!(
                    "upgradeable media (auto-upgraded to HTTPS, dropped if that fails)",
                    "自動アップグレード対象のメディア（ブラウザが HTTPS に書き換え、失敗すると表示されません）"
                ),
            ),
        ] {
            // block-all-mixed-content: the browser fetches none of the subresources (the
            // page may break, but nothing insecure is loaded); forms are not affected.
            if h.page.block_all_mixed_content && class != Class::Form {
                continue;
            }
            let refs: Vec<&InsecureRef> = h
                .page
                .insecure
                .iter()
                .filter(|r| classify(r) == class)
                .collect();
            if refs.is_empty() {
                continue;
            }
            let list: Vec<String> = refs
                .iter()
                .map(|r| format!("<{}> {}", r.element, r.url))
                .collect();
            let n = refs.len();
            let shown = list.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
            let (what_en, what_ja) = (&what.en, &what.ja);
            let title = if class == Class::Form {
                tr!(
                    "https://{host}/ has {n} form(s) that submit to http://",
                    "https://{host}/ に http:// へ送信するフォームが {n} 個あります"
                )
            } else {
                tr!(
                    "https://{host}/ loads {n} http:// resource(s)",
                    "https://{host}/ が http:// のリソースを {n} 個読み込んでいます"
                )
            };
            out.push(
                Finding::new(MixedContent::ID, sev, &resource, &region)
                    .hostname(&h.hostname)
                    .key(key)
                    .title(title)
                    .detail(tr!(
                        "The HTTPS page has {what_en}: {shown}",
                        "HTTPS のページに{what_ja}があります: {shown}"
                    ))
                    .evidence("class", key)
                    .evidence("references", &list)
                    .evidence("page_truncated", h.page.truncated)
                    .evidence("redirects", &h.page.redirects)
                    .step(tr!(
                        "Change these URLs to https:// (or to relative / protocol-relative URLs) and make sure each host serves them over HTTPS.",
                        "これらの URL を https://（または相対 URL、プロトコル相対 URL）に書き換え、参照先のホストが HTTPS で配信していることを確認します。"
                    ))
                    .step(tr!(
                        "As a safety net, send the response header Content-Security-Policy: upgrade-insecure-requests (e.g. a CloudFront response headers policy).",
                        "保険として、レスポンスヘッダー Content-Security-Policy: upgrade-insecure-requests を返すようにします（CloudFront のレスポンスヘッダーポリシーなど）。"
                    )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn page(html: &str) -> Vec<Finding> {
        let mut h = host_serving("a.example.com", vec![]);
        h.page.insecure = crate::probe::scan_html(html);
        run_live(
            &MixedContent,
            &Inventory::default(),
            &[h],
            &Config::default(),
        )
    }

    #[test]
    fn blockable_upgradeable_and_forms_are_separate_findings() {
        let f = page(
            r#"<script src="http://x/a.js"></script><img src="http://x/a.png"><form action="http://x/post"></form><link rel=stylesheet href="http://x/s.css">"#,
        );
        let classes: Vec<(&str, Severity)> = f
            .iter()
            .map(|f| (f.evidence["class"].as_str().unwrap(), f.severity))
            .collect();
        assert_eq!(
            classes,
            vec![
                ("blockable", Severity::High),
                ("form", Severity::Medium),
                ("upgradeable", Severity::Low)
            ]
        );
        assert!(f[0].detail.contains("s.css"));
    }

    /// A CSP `upgrade-insecure-requests` (header or meta) makes the browser fetch them
    /// over HTTPS: information only. `block-all-mixed-content` blocks them: nothing
    /// insecure loads, so only the form is left. Their twin (no policy) is the finding.
    #[test]
    fn csp_upgrade_or_block_all_is_not_mixed_content() {
        let html = r#"<script src="http://x/a.js"></script><form action="http://x/post"></form>"#;
        let mut h = host_serving("a.example.com", vec![]);
        h.page.insecure = crate::probe::scan_html(html);
        let run = |h: &HostFacts| {
            run_live(
                &MixedContent,
                &Inventory::default(),
                std::slice::from_ref(h),
                &Config::default(),
            )
        };
        assert_eq!(run(&h).len(), 2);
        let mut up = h.clone();
        up.page.upgrade_insecure_requests = true;
        let f = run(&up);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        let mut block = h.clone();
        block.page.block_all_mixed_content = true;
        let f = run(&block);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["class"], "form");
    }

    #[test]
    fn https_and_protocol_relative_are_fine() {
        assert!(page(r#"<script src="https://x/a.js"></script><img src="//x/a.png"><a href="http://x/">link</a>"#).is_empty());
    }
}
