"""The lab's DNS responder (tools/local_aws_patches/dns_responder.py): real UDP and TCP DNS queries
to the endpoint's responder (its address from GET /moto-api/webfleet/lab), answered from Route53
hosted zones made through the API; then real HTTP to the address it answers.

The queries are dnspython's (a real resolver library, written apart from the responder; no dig
here), over UDP and over TCP."""
from __future__ import annotations

import time
import urllib.request

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from harness import Endpoint
from test_instance_containers import docker_answers
from test_lb_dataplane import LB, lab_info, make_fleet

A, AAAA = dns.rdatatype.A, dns.rdatatype.AAAA
NOERROR, NXDOMAIN, REFUSED = dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.REFUSED
ZONE = "webfleet.example.com"
ELB_ZONE_ID = "Z35SXDOTRQ7X7K"  # us-east-1's Classic Load Balancer hosted zone

pytestmark = [
    pytest.mark.skipif(not docker_answers(), reason="Docker does not answer (no docker client or daemon)"),
    pytest.mark.needs_patch,  # plain moto runs no DNS responder
]


def query(name: str, qtype: int, port: int, tcp: bool = False) -> tuple[int, list[str]]:
    """(rcode, the answer's addresses and CNAME targets in order), as dnspython reads the reply."""
    ask = dns.query.tcp if tcp else dns.query.udp
    reply = ask(dns.message.make_query(name, qtype), "127.0.0.1", port=port, timeout=5)
    found = [rdata.to_text().rstrip(".") for rrset in reply.answer for rdata in rrset]
    return reply.rcode(), found


def dns_port(aws: Endpoint) -> int:
    host, _, port = lab_info(aws)["dns"].partition(":")
    assert host == "127.0.0.1"
    return int(port)


def record(name: str, rtype: str, **fields: object) -> dict[str, object]:
    return {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": rtype, **fields}}


def make_zone(aws: Endpoint, lb_dns_name: str) -> None:
    r53 = aws.client("route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="lab-dns")["HostedZone"]["Id"]
    # as the site's playbook writes it: dualstack., another case, the trailing dot
    alias = {"HostedZoneId": ELB_ZONE_ID, "DNSName": f"dualstack.{lb_dns_name.upper()}.", "EvaluateTargetHealth": False}
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        record(f"www.{ZONE}", "A", AliasTarget=alias),
        record(f"plain.{ZONE}", "A", TTL=300, ResourceRecords=[{"Value": "127.0.0.1"}]),
        record(f"v6.{ZONE}", "AAAA", TTL=300, ResourceRecords=[{"Value": "::1"}]),
        record(f"site.{ZONE}", "CNAME", TTL=300, ResourceRecords=[{"Value": f"www.{ZONE}"}]),
    ]})


def test_alias_to_the_load_balancer_resolves_to_its_address_and_serves_the_site(lab: Endpoint,
                                                                                 nginx_image: str) -> None:
    url, _hosts = make_fleet(lab, nginx_image)
    lb = lab_info(lab)["load_balancers"][LB]
    dns_name = lab.client("elb").describe_load_balancers(LoadBalancerNames=[LB])["LoadBalancerDescriptions"][0][
        "DNSName"]
    assert lb["dns_name"] == dns_name and url == f"http://{lb['address']}"
    make_zone(lab, dns_name)
    port = dns_port(lab)
    for tcp in (False, True):
        assert query(f"www.{ZONE}", A, port, tcp=tcp) == (NOERROR, [lb["address"]])
        assert query(f"plain.{ZONE}", A, port, tcp=tcp) == (NOERROR, ["127.0.0.1"])
    (address,) = query(f"www.{ZONE}", A, port)[1]
    with urllib.request.urlopen(f"http://{address}/index.html", timeout=5) as resp:
        assert resp.status == 200 and "webfleet nginx" in resp.read().decode()


def test_records_the_lb_name_and_unknown_names(lab: Endpoint) -> None:
    elb = lab.client("elb")
    elb.create_load_balancer(LoadBalancerName=LB, AvailabilityZones=["us-east-1a"], Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    dns_name = elb.describe_load_balancers(LoadBalancerNames=[LB])["LoadBalancerDescriptions"][0]["DNSName"]
    make_zone(lab, dns_name)
    port = dns_port(lab)
    address = wait_address(lab, dns_name)
    assert query(dns_name, A, port) == (NOERROR, [address])  # the LB's own name
    assert query(f"v6.{ZONE}", AAAA, port) == (NOERROR, ["::1"])
    assert query(f"site.{ZONE}", A, port) == (NOERROR, [f"www.{ZONE}", address])  # CNAME, then the alias
    assert query(f"www.{ZONE}", AAAA, port) == (NOERROR, [])  # the name exists, not that type
    assert query(f"nothing.{ZONE}", A, port) == (NXDOMAIN, [])
    assert query("example.org", A, port, tcp=True) == (REFUSED, [])


def wait_address(aws: Endpoint, dns_name: str) -> str:
    """The LB's address once the data plane has it (it follows moto within half a second)."""
    for _ in range(50):
        lb = lab_info(aws)["load_balancers"].get(LB)
        if lb and lb["dns_name"] == dns_name:
            return str(lb["address"])
        time.sleep(0.1)
    raise AssertionError("the load balancer got no address")
