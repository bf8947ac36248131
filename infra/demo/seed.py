#!/usr/bin/env python3
"""Seeds an emulated AWS estate (moto, via AWS_ENDPOINT_URL) with the problems
acm-doctor diagnoses, and prints what it created as JSON.

Used by the demo (scripts/demo.sh) and by the integration tests. Certificates are made
here with `cryptography` (a moto dependency) under a throw-away demo CA; no key leaves
the emulator. Usage: seed.py [--expire-in SECONDS]
"""
import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import sys

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

REGION = os.environ.get("AWS_REGION", "us-east-1")
NOW = dt.datetime.now(dt.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def key():
    return ec.generate_private_key(ec.SECP256R1())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def spki_pin(cert):
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def build(subject, issuer_name, pub, signer, *, sans=(), ca=False, not_before=None, not_after=None):
    b = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(issuer_name)
        .public_key(pub)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    )
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    return b.sign(signer, hashes.SHA256())


class DemoCA:
    def __init__(self):
        self.root_key = key()
        self.root = build("acm-doctor Demo Root CA", name("acm-doctor Demo Root CA"), self.root_key.public_key(), self.root_key, ca=True,
                          not_after=NOW + dt.timedelta(days=3650))
        self.int_key = key()
        self.inter = build("acm-doctor Demo Intermediate CA", self.root.subject, self.int_key.public_key(), self.root_key, ca=True,
                           not_after=NOW + dt.timedelta(days=1825))

    def leaf(self, sans, **kw):
        k = key()
        c = build(sans[0], self.inter.subject, k.public_key(), self.int_key, sans=sans, **kw)
        return c, k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expire-in", type=int, default=15, help="seconds until the 'status' certificate expires")
    ap.add_argument("--tls-dir", help="also write the imported certificates as a web server would serve them (LABEL.pem/.key, root.pem)")
    ap.add_argument("--state-table", help="also create the STATE_TABLE DynamoDB table (as template.yaml does)")
    args = ap.parse_args()

    acm = boto3.client("acm", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)
    cf = boto3.client("cloudfront", region_name="us-east-1")
    r53 = boto3.client("route53", region_name="us-east-1")
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    ca = DemoCA()
    if args.tls_dir:
        os.makedirs(args.tls_dir, exist_ok=True)
        with open(os.path.join(args.tls_dir, "root.pem"), "wb") as f:
            f.write(pem(ca.root))
    out = {"certificates": {}, "load_balancers": {}, "listeners": {}, "pins": {}}

    def imp(label, cert, k, chain=True):
        kw = {"Certificate": pem(cert), "PrivateKey": key_pem(k)}
        if chain:
            kw["CertificateChain"] = pem(ca.inter) + pem(ca.root)
        if args.tls_dir:
            # Served as imported: the leaf, plus the intermediate when one was stored.
            with open(os.path.join(args.tls_dir, f"{label}.pem"), "wb") as f:
                f.write(pem(cert) + (pem(ca.inter) if chain else b""))
            with open(os.path.join(args.tls_dir, f"{label}.key"), "wb") as f:
                f.write(key_pem(k))
        arn = acm.import_certificate(**kw)["CertificateArn"]
        out["certificates"][label] = arn
        return arn

    def req(label, domain, sans=(), **kw):
        arn = acm.request_certificate(DomainName=domain, SubjectAlternativeNames=[domain, *sans], ValidationMethod="DNS", **kw)["CertificateArn"]
        out["certificates"][label] = arn
        return arn

    # --- certificates -----------------------------------------------------------------
    # Expired certificates cannot be imported: import one that expires in seconds.
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=args.expire_in)
    status_cert, status_key = ca.leaf(["status.example.com"], not_after=expires)
    status = imp("status", status_cert, status_key)
    out["status_expires_at"] = expires.isoformat()
    shop = req("shop", "shop.example.com", ["www.shop.example.com"])
    api_cert, api_key = ca.leaf(["api.example.com"])
    api = imp("api", api_cert, api_key)
    out["pins"]["api_leaf"] = spki_pin(api_cert)
    legacy_cert = build("legacy.example.com", name("legacy.example.com"), (lk := key()).public_key(), lk, sans=["legacy.example.com"])
    legacy = imp("legacy", legacy_cert, lk, chain=False)
    partner_cert, partner_key = ca.leaf(["partner.example.com"], not_after=NOW + dt.timedelta(days=10))
    partner = imp("partner", partner_cert, partner_key, chain=False)
    req("unused", "old-campaign.example.com")
    cdn = req("cdn", "cdn.example.com")
    nolog = req("nolog", "checkout.example.com", Options={"CertificateTransparencyLoggingPreference": "DISABLED"})
    private = req("private", "intranet.example.com", CertificateAuthorityArn=f"arn:aws:acm-pca:{REGION}:123456789012:certificate-authority/11111111-2222-4333-8444-555555555555")

    # --- network and load balancers ------------------------------------------------------
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg}]

    def redirect(protocol):
        return [{"Type": "redirect", "RedirectConfig": {"Protocol": protocol, "Port": "443", "StatusCode": "HTTP_301"}}]

    def alb(label, scheme="internet-facing"):
        lb = elb.create_load_balancer(Name=label, Subnets=subnets, Scheme=scheme, Type="application")["LoadBalancers"][0]
        out["load_balancers"][label] = lb["LoadBalancerArn"]
        return lb

    def listener(lb, label, port, protocol, actions, cert=None, policy=None):
        kw = {"LoadBalancerArn": lb["LoadBalancerArn"], "Port": port, "Protocol": protocol, "DefaultActions": actions}
        if cert:
            kw["Certificates"] = [{"CertificateArn": cert}]
            kw["SslPolicy"] = policy or "ELBSecurityPolicy-TLS13-1-2-2021-06"
        arn = elb.create_listener(**kw)["Listeners"][0]["ListenerArn"]
        out["listeners"][label] = arn
        return arn

    shop_lb = alb("shop")
    shop_https = listener(shop_lb, "shop-https", 443, "HTTPS", forward, cert=shop, policy="ELBSecurityPolicy-2016-08")
    elb.add_listener_certificates(ListenerArn=shop_https, Certificates=[{"CertificateArn": api}])
    elb.create_rule(ListenerArn=shop_https, Priority=10, Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["admin.example.com"]}}], Actions=forward)
    shop_http = listener(shop_lb, "shop-http", 80, "HTTP", forward)
    elb.create_rule(ListenerArn=shop_http, Priority=5, Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/login*"]}}], Actions=redirect("HTTPS"))

    legacy_lb = alb("legacy")
    listener(legacy_lb, "legacy-https", 443, "HTTPS", forward, cert=legacy)
    listener(legacy_lb, "legacy-http", 80, "HTTP", redirect("HTTPS"))

    partner_lb = alb("partner")
    listener(partner_lb, "partner-https", 443, "HTTPS", forward, cert=partner)
    listener(partner_lb, "partner-http", 80, "HTTP", redirect("#{protocol}"))

    status_lb = alb("status")
    listener(status_lb, "status-https", 443, "HTTPS", forward, cert=status)
    listener(status_lb, "status-http", 80, "HTTP", redirect("HTTPS"))

    checkout_lb = alb("checkout")
    listener(checkout_lb, "checkout-https", 443, "HTTPS", forward, cert=nolog)
    listener(checkout_lb, "checkout-http", 80, "HTTP", redirect("HTTPS"))

    intranet_lb = alb("intranet")
    listener(intranet_lb, "intranet-https", 443, "HTTPS", forward, cert=private)

    # --- CloudFront ----------------------------------------------------------------------
    origin = {"Quantity": 1, "Items": [{"Id": "web", "DomainName": shop_lb["DNSName"], "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]}
    behavior = lambda policy, path=None: {  # noqa: E731
        **({"PathPattern": path} if path else {}),
        "TargetOriginId": "web", "ViewerProtocolPolicy": policy,
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "MinTTL": 0,
    }
    dist = cf.create_distribution(DistributionConfig={
        "CallerReference": "acm-doctor-demo", "Comment": "demo", "Enabled": True, "Origins": origin,
        "Aliases": {"Quantity": 2, "Items": ["cdn.example.com", "static.example.com"]},
        "DefaultCacheBehavior": behavior("redirect-to-https"),
        "CacheBehaviors": {"Quantity": 2, "Items": [behavior("https-only", "/api/*"), behavior("allow-all", "/legacy/*")]},
        "ViewerCertificate": {"ACMCertificateArn": cdn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
    })["Distribution"]
    out["distribution"] = {"id": dist["Id"], "domain_name": dist["DomainName"]}

    # --- the other front doors: Classic Load Balancers, an IAM server certificate, API
    # Gateway custom domains ------------------------------------------------------------------
    def write_tls(label, cert, k):
        if args.tls_dir:
            with open(os.path.join(args.tls_dir, f"{label}.pem"), "wb") as f:
                f.write(pem(cert) + pem(ca.inter))
            with open(os.path.join(args.tls_dir, f"{label}.key"), "wb") as f:
                f.write(key_pem(k))

    clb = boto3.client("elb", region_name=REGION)
    classic_cert, classic_key = ca.leaf(["classic.example.com"])
    classic = imp("classic", classic_cert, classic_key)
    # HTTPS beside HTTP: a Classic Load Balancer's HTTP listener cannot redirect.
    classic_lb = clb.create_load_balancer(LoadBalancerName="classic", AvailabilityZones=[f"{REGION}a"], Listeners=[
        {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80, "SSLCertificateId": classic},
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80},
    ])["DNSName"]
    out["load_balancers"]["classic"] = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/classic"
    # The healthy twin: SSL only, with an IAM server certificate far from expiry.
    vault_cert, vault_key = ca.leaf(["vault.example.com"])
    write_tls("vault", vault_cert, vault_key)
    iam = boto3.client("iam", region_name=REGION)
    vault = iam.upload_server_certificate(ServerCertificateName="vault-2026", CertificateBody=pem(vault_cert).decode(),
                                          PrivateKey=key_pem(vault_key).decode(), CertificateChain=pem(ca.inter).decode())["ServerCertificateMetadata"]["Arn"]
    out["iam_certificates"] = {"vault": vault}
    vault_lb = clb.create_load_balancer(LoadBalancerName="vault", AvailabilityZones=[f"{REGION}a"], Listeners=[
        {"Protocol": "SSL", "LoadBalancerPort": 443, "InstanceProtocol": "TCP", "InstancePort": 8443, "SSLCertificateId": vault},
    ])["DNSName"]
    out["load_balancers"]["vault"] = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/vault"

    apigw = boto3.client("apigateway", region_name=REGION)
    gateway_cert, gateway_key = ca.leaf(["gateway.example.com", "payments.example.com"])
    gateway = imp("gateway", gateway_cert, gateway_key)
    out["api_domains"] = {}
    for host, policy in (("gateway.example.com", "TLS_1_0"), ("payments.example.com", "TLS_1_2")):
        d = apigw.create_domain_name(domainName=host, regionalCertificateArn=gateway, endpointConfiguration={"types": ["REGIONAL"]}, securityPolicy=policy)
        out["api_domains"][host] = d["regionalDomainName"]

    # A sub-zone delegated to another DNS provider, whose certificate's validation record
    # was put in the parent zone by mistake (nobody asks the parent for it).
    eu = req("eu", "eu.example.com")
    elb.add_listener_certificates(ListenerArn=shop_https, Certificates=[{"CertificateArn": eu}])

    # --- Route 53 ------------------------------------------------------------------------
    zone = r53.create_hosted_zone(Name="example.com", CallerReference="acm-doctor-demo")["HostedZone"]["Id"]
    changes = []

    def alias(host, lb_dns):
        changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": host, "Type": "A", "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": f"dualstack.{lb_dns}", "EvaluateTargetHealth": False}}})

    def cname(host, value):
        changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": host, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": value}]}})

    alias("shop.example.com", shop_lb["DNSName"])
    cname("www.shop.example.com", shop_lb["DNSName"])
    alias("blog.example.com", shop_lb["DNSName"])  # not covered by shop's certificates
    alias("api.example.com", shop_lb["DNSName"])
    alias("legacy.example.com", legacy_lb["DNSName"])
    alias("partner.example.com", partner_lb["DNSName"])
    alias("status.example.com", status_lb["DNSName"])
    alias("checkout.example.com", checkout_lb["DNSName"])
    alias("intranet.example.com", intranet_lb["DNSName"])
    cname("cdn.example.com", dist["DomainName"])
    cname("static.example.com", dist["DomainName"])
    # Chains: www reaches the shop ALB through shop.example.com (not covered there); two
    # records that point at each other never resolve.
    cname("www.example.com", "shop.example.com")
    cname("old.example.com", "older.example.com")
    cname("older.example.com", "old.example.com")
    alias("classic.example.com", classic_lb)
    alias("vault.example.com", vault_lb)
    for host, target in out["api_domains"].items():
        changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": host, "Type": "A", "AliasTarget": {"HostedZoneId": "Z1UJRXOUMOOFQ8", "DNSName": target, "EvaluateTargetHealth": False}}})
    changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": "eu.example.com", "Type": "NS", "TTL": 172800, "ResourceRecords": [{"Value": "ns-1.partner-dns.net."}, {"Value": "ns-2.partner-dns.net."}]}})
    for v in acm.describe_certificate(CertificateArn=eu)["Certificate"].get("DomainValidationOptions", []):
        if v.get("ResourceRecord"):
            cname(v["ResourceRecord"]["Name"], v["ResourceRecord"]["Value"])
    # The shop certificate's validation record exists; the CDN certificate's does not.
    for v in acm.describe_certificate(CertificateArn=shop)["Certificate"].get("DomainValidationOptions", []):
        rr = v.get("ResourceRecord")
        if rr and not any(c["ResourceRecordSet"]["Name"] == rr["Name"] for c in changes):
            cname(rr["Name"], rr["Value"])
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    out["hosted_zone"] = zone
    # A private zone: its names answer only inside the VPC, so they are not probed.
    private_zone = r53.create_hosted_zone(Name="corp.example.com", CallerReference="acm-doctor-demo-private",
                                          VPC={"VPCRegion": REGION, "VPCId": vpc}, HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=private_zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "wiki.corp.example.com", "Type": "A", "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": f"dualstack.{intranet_lb['DNSName']}", "EvaluateTargetHealth": False}}},
    ]})
    out["private_zone"] = private_zone

    # --- where findings go -----------------------------------------------------------------
    topic = sns.create_topic(Name="acm-doctor-findings")["TopicArn"]
    queue = sqs.create_queue(QueueName="acm-doctor-findings")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    out["topic_arn"] = topic
    out["queue_url"] = queue
    if args.state_table:
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=args.state_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        out["state_table"] = args.state_table
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
