"""tools/local_aws.py itself: it serves only this machine's own clients (issue 10 item 7), and `stop`
kills only the endpoint (item 18). Real HTTP against a started endpoint process."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from harness import ROOT, free_port

if TYPE_CHECKING:
    from harness import Endpoint

TOOL = str(ROOT / "tools" / "local_aws.py")
DESCRIBE_VPCS = "Action=DescribeVpcs&Version=2016-11-15"
CREATE_VPC = "Action=CreateVpc&CidrBlock=10.77.0.0/16&Version=2016-11-15"


def request(url: str, method: str, path: str, headers: dict[str, str], body: str = "") -> tuple[int, dict, str]:
    """One raw HTTP request (http.client sends the Host given here, unlike urllib)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value)
        conn.endheaders(body.encode())
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode(errors="replace")
    finally:
        conn.close()


def form(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, "
                             "SignedHeaders=host, Signature=0", **(extra or {})}


def vpc_cidrs(aws: Endpoint) -> list[str]:
    return sorted(v["CidrBlock"] for v in aws.client("ec2").describe_vpcs()["Vpcs"])


def test_item7_cors_preflight_and_origin_refused(aws: Endpoint) -> None:
    """Issue 10 item 7: a web page's preflight gets no CORS grant, and its request is refused unrun."""
    before = vpc_cidrs(aws)
    status, headers, body = request(aws.url, "OPTIONS", "/", {
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 403 and "access-control-allow-origin" not in headers, (status, headers)
    assert "Origin" in body and "web page" in body, body
    status, headers, body = request(aws.url, "POST", "/", form({"Origin": "http://evil.example"}), CREATE_VPC)
    assert status == 403 and "refused by the local AWS endpoint" in body, (status, body)
    status, _, body = request(aws.url, "POST", "/moto-api/reset", {"Origin": "null"})
    assert status == 403, body
    assert vpc_cidrs(aws) == before


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", ""])
def test_item7_foreign_host_refused(aws: Endpoint, host: str) -> None:
    """Issue 10 item 7: DNS rebinding: a name that is not the endpoint's own is refused."""
    port = urllib.parse.urlsplit(aws.url).port
    status, _, body = request(aws.url, "POST", "/", form({"Host": host.format(port=port)}), CREATE_VPC)
    assert status == 403 and "is not this endpoint's own name" in body, (status, body)
    assert "10.77.0.0/16" not in vpc_cidrs(aws)


def test_item7_cross_site_fetch_refused(aws: Endpoint) -> None:
    """Issue 10 item 7: a page's cross-site subresource (an <img> GET carries no Origin) is refused."""
    status, _, body = request(aws.url, "GET", "/?" + DESCRIBE_VPCS, {"Sec-Fetch-Site": "cross-site",
                                                                     "Sec-Fetch-Mode": "no-cors"})
    assert status == 403 and "Sec-Fetch-Site" in body, (status, body)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "localhost", "[::1]:{port}"])
def test_item7_own_clients_served(aws: Endpoint, host: str) -> None:
    port = urllib.parse.urlsplit(aws.url).port
    status, _, body = request(aws.url, "POST", "/", form({"Host": host.format(port=port)}), DESCRIBE_VPCS)
    assert status == 200 and "DescribeVpcsResponse" in body, (status, body)
    status, _, _ = request(aws.url, "GET", "/moto-api/", {"Sec-Fetch-Site": "none"})  # typed in a browser
    assert status == 200


def test_item7_fault_proxy_still_served(faulty_aws: Endpoint) -> None:
    """The fault proxy forwards its own Host (127.0.0.1:<proxy port>): still this machine's name."""
    import boto3
    from botocore.config import Config

    status, _, body = request(faulty_aws.url, "GET", "/moto-api/", {})  # control plane: never faulted
    assert status == 200, body
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=faulty_aws.url,
                       aws_access_key_id="testing", aws_secret_access_key="testing",
                       config=Config(retries={"mode": "standard", "max_attempts": 20}))
    for _ in range(5):
        assert ec2.describe_vpcs()["Vpcs"]


# --- item 18: stop -------------------------------------------------------------------------

def tool(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "WEBFLEET_STATE_DIR": str(state)})


def test_item18_stop_never_kills_another_process(tmp_path: Path) -> None:
    """Issue 10 item 18: a pid file that holds an unrelated process's pid: that process lives on."""
    port = free_port()
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        (tmp_path / f"local_aws.{port}.pid").write_text(str(sleeper.pid))
        res = tool(tmp_path, "stop", "--port", str(port))
        time.sleep(0.5)
        assert sleeper.poll() is None, "stop killed a process that is not the endpoint"
        assert "not the local AWS endpoint" in res.stderr and "not killed" in res.stderr, res
        assert res.returncode == 0, res  # nothing answers on the port: nothing left to stop
        assert not (tmp_path / f"local_aws.{port}.pid").exists()  # the stale pid file is gone
    finally:
        sleeper.kill()
        sleeper.wait()


def test_item18_stop_still_stops_the_endpoint(tmp_path: Path) -> None:
    port = free_port()
    assert tool(tmp_path, "start", "--port", str(port)).returncode == 0
    pid = int((tmp_path / f"local_aws.{port}.pid").read_text())
    res = tool(tmp_path, "stop", "--port", str(port))
    assert res.returncode == 0 and "stopped" in res.stdout, res
    assert tool(tmp_path, "status", "--port", str(port)).returncode == 3
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
