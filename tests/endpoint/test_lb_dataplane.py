"""The Classic Load Balancer's data plane (tools/local_aws_patches/elb_dataplane.py, elb_proxy.py):
real HTTP through the LB's own loopback address to real nginx containers (tests/lab_nginx.py).

Each test runs against its own endpoint process started with WEBFLEET_LAB_SPEED=10 (health checks
every 0.5 s of real time for a 5 s Interval), makes an LB with one listener (HTTP 80 -> 80) and
two instances in two zones, and waits until both are InService in GET /moto-api/webfleet/lab.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from collections import Counter
from typing import Any
from urllib.parse import urlparse

import pytest
from harness import Endpoint
from lab_nginx import ACCESS_LOG
from test_instance_containers import IMAGE_TAG, docker, docker_answers, labelled

LB = "web-lb"
ZONES = ["us-east-1a", "us-east-1b"]
HEALTH_CHECK = {"Target": "HTTP:80/index.html", "Interval": 5, "Timeout": 2,
                "UnhealthyThreshold": 2, "HealthyThreshold": 2}

pytestmark = [
    pytest.mark.skipif(not docker_answers(), reason="Docker does not answer (no docker client or daemon)"),
    pytest.mark.needs_patch,  # plain moto has no data plane: nothing answers on 127.0.0.N
]


# --- fixtures and helpers ---------------------------------------------------------------------

def lab_info(aws: Endpoint) -> dict[str, Any]:
    with urllib.request.urlopen(f"{aws.control_url}/moto-api/webfleet/lab", timeout=5) as resp:
        return json.load(resp)


def wait_in_service(aws: Endpoint, count: int, deadline: float = 20.0) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while True:
        lb = lab_info(aws)["load_balancers"].get(LB)
        if (lb and len(lb["in_service"]) == count) or time.monotonic() > end:
            assert lb and len(lb["in_service"]) == count, lb
            return lb
        time.sleep(0.2)


def make_fleet(aws: Endpoint, image: str, zones: list[str] = ZONES) -> tuple[str, dict[str, str]]:
    """LB + one instance per entry of ``zones``, all InService: (LB URL, {instance id: container hostname})."""
    ec2, elb = aws.client("ec2"), aws.client("elb")
    image_id = aws.register_image("ec2-nginx-ami")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": IMAGE_TAG, "Value": image}])
    elb.create_load_balancer(LoadBalancerName=LB, AvailabilityZones=ZONES, Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    elb.configure_health_check(LoadBalancerName=LB, HealthCheck=HEALTH_CHECK)
    ids = [ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             Placement={"AvailabilityZone": zone})["Instances"][0]["InstanceId"] for zone in zones]
    elb.register_instances_with_load_balancer(LoadBalancerName=LB, Instances=[{"InstanceId": i} for i in ids])
    lb = wait_in_service(aws, len(zones))
    hosts = {c["Config"]["Labels"]["webfleet.instance-id"]: c["Config"]["Hostname"] for c in labelled(aws).values()}
    return lb["url"], hosts


def get(url: str, path: str = "/whoami", headers: dict[str, str] | None = None,
        conn: http.client.HTTPConnection | None = None) -> tuple[int, str, http.client.HTTPResponse]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(urlparse(url).hostname, urlparse(url).port or 80, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace").strip(), resp
    finally:
        if own:
            conn.close()


def access_log(instance_id: str) -> str:
    return docker("exec", f"webfleet-{instance_id}", "cat", ACCESS_LOG).stdout


# --- tests ----------------------------------------------------------------------------------------

def test_requests_go_round_robin_to_both_containers_with_forwarded_headers(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    assert urlparse(url).hostname.startswith("127.0.0.") and urlparse(url).hostname != "127.0.0.1"
    conn = http.client.HTTPConnection(urlparse(url).hostname, urlparse(url).port or 80, timeout=10)
    served = [get(url, conn=conn, headers={"X-Forwarded-For": "203.0.113.9"})[1] for _ in range(6)]
    conn.close()
    # one kept-alive client connection, requests alternating between the two zones' instances
    assert Counter(served) == {h: 3 for h in hosts.values()}
    assert all(a != b for a, b in zip(served, served[1:]))
    for instance_id in hosts:
        log = access_log(instance_id)
        assert 'xff="203.0.113.9, 127.0.0.1" proto=http port=80 "GET /whoami HTTP/1.1" 200' in log, log
    status, body, resp = get(url, "/index.html")
    assert status == 200 and "webfleet nginx" in body and resp.getheader("X-Served-By") in hosts.values()


def test_cross_zone_load_balancing_off_splits_over_zones_first(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image, zones=["us-east-1a", "us-east-1a", "us-east-1b"])
    alone = hosts[next(i["InstanceId"] for r in lab.client("ec2").describe_instances()["Reservations"]
                       for i in r["Instances"] if i["Placement"]["AvailabilityZone"] == "us-east-1b")]
    served = Counter(get(url)[1] for _ in range(12))
    assert served[alone] == 6 and len(served) == 3, served  # half the requests to the zone of one instance
    lab.client("elb").modify_load_balancer_attributes(LoadBalancerName=LB, LoadBalancerAttributes={
        "CrossZoneLoadBalancing": {"Enabled": True}})
    time.sleep(1)
    assert Counter(get(url)[1] for _ in range(12)) == {h: 4 for h in hosts.values()}  # evenly over instances


def test_lb_cookie_pins_a_client_to_one_instance(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    elb = lab.client("elb")
    elb.create_lb_cookie_stickiness_policy(LoadBalancerName=LB, PolicyName="sticky", CookieExpirationPeriod=60)
    elb.set_load_balancer_policies_of_listener(LoadBalancerName=LB, LoadBalancerPort=80, PolicyNames=["sticky"])
    time.sleep(1)  # the data plane reads the policy within RECONCILE_EVERY
    _, first, resp = get(url)
    cookie = resp.getheader("Set-Cookie")
    assert cookie and cookie.startswith("AWSELB=") and cookie.endswith(";PATH=/;MAX-AGE=60"), cookie
    pinned = [get(url, headers={"Cookie": cookie.split(";")[0]})[1] for _ in range(6)]
    assert pinned == [first] * 6
    assert set(get(url)[1] for _ in range(4)) == set(hosts.values())  # without the cookie: both


def test_app_cookie_stickiness_follows_the_application_cookie(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    elb = lab.client("elb")
    elb.create_app_cookie_stickiness_policy(LoadBalancerName=LB, PolicyName="app", CookieName="APPSESSION")
    elb.set_load_balancer_policies_of_listener(LoadBalancerName=LB, LoadBalancerPort=80, PolicyNames=["app"])
    time.sleep(1)
    _, _, plain = get(url)
    assert not any(v.startswith("AWSELB=") for v in plain.headers.get_all("Set-Cookie") or [])
    _, host, resp = get(url, "/login")  # the application sets its cookie: the LB adds AWSELB
    jar = {v.split(";")[0].split("=")[0]: v.split(";")[0] for v in resp.headers.get_all("Set-Cookie")}
    assert set(jar) == {"APPSESSION", "AWSELB"}
    both = "; ".join(jar.values())
    assert [get(url, headers={"Cookie": both})[1] for _ in range(6)] == [host] * 6
    # without the application's cookie the session is not sticky
    assert set(get(url, headers={"Cookie": jar["AWSELB"]})[1] for _ in range(4)) == set(hosts.values())


def test_no_healthy_instance_answers_an_empty_503(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    for instance_id in hosts:
        assert docker("exec", f"webfleet-{instance_id}", "rm", "/srv/www/index.html").returncode == 0
    wait_in_service(lab, 0, deadline=10)  # UnhealthyThreshold 2 x Interval 5 s, at 10x
    status, body, resp = get(url)
    assert (status, body, resp.getheader("Content-Length")) == (503, "", "0")
    assert resp.reason == "Service Unavailable"


def test_deregistered_instance_gets_no_new_requests_and_in_flight_ones_drain(lab: Endpoint,
                                                                             nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    elb = lab.client("elb")
    elb.modify_load_balancer_attributes(LoadBalancerName=LB, LoadBalancerAttributes={
        "ConnectionDraining": {"Enabled": True, "Timeout": 300}})  # 30 s at the lab's 10x
    time.sleep(1)
    got, leaving = slow_download(url)
    (gone,) = [i for i, h in hosts.items() if h == leaving]
    elb.deregister_instances_from_load_balancer(LoadBalancerName=LB, Instances=[{"InstanceId": gone}])
    wait_in_service(lab, 1)
    assert {get(url)[1] for _ in range(6)} == {h for i, h in hosts.items() if i != gone}
    got.join(15)
    assert got.result == 1048576  # the in-flight download finished (draining)  # type: ignore[attr-defined]

    # without connection draining, an in-flight request to a deregistered instance is cut
    elb.register_instances_with_load_balancer(LoadBalancerName=LB, Instances=[{"InstanceId": gone}])
    wait_in_service(lab, 2)
    elb.modify_load_balancer_attributes(LoadBalancerName=LB, LoadBalancerAttributes={
        "ConnectionDraining": {"Enabled": False}})
    time.sleep(1)
    got, leaving = slow_download(url)
    (gone,) = [i for i, h in hosts.items() if h == leaving]
    elb.deregister_instances_from_load_balancer(LoadBalancerName=LB, Instances=[{"InstanceId": gone}])
    got.join(15)
    assert got.result < 1048576  # type: ignore[attr-defined]


def slow_download(url: str) -> tuple[threading.Thread, str]:
    """Start GET /big.bin (about 4 s) in a thread; (the thread, the serving host) once headers came."""
    conn = http.client.HTTPConnection(urlparse(url).hostname, urlparse(url).port or 80, timeout=20)
    conn.request("GET", "/big.bin")
    resp = conn.getresponse()
    assert resp.status == 200

    def read() -> None:
        total = 0
        try:
            while chunk := resp.read(65536):
                total += len(chunk)
        except (OSError, http.client.HTTPException):
            pass
        thread.result = total  # type: ignore[attr-defined]
        conn.close()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, str(resp.getheader("X-Served-By"))


def test_idle_timeout_closes_a_quiet_client_connection(lab: Endpoint, nginx_image: str) -> None:
    url, hosts = make_fleet(lab, nginx_image)
    lab.client("elb").modify_load_balancer_attributes(LoadBalancerName=LB, LoadBalancerAttributes={
        "ConnectionSettings": {"IdleTimeout": 1}})
    time.sleep(1)
    conn = http.client.HTTPConnection(urlparse(url).hostname, urlparse(url).port or 80, timeout=10)
    assert get(url, conn=conn)[1] in hosts.values()
    time.sleep(0.5)
    assert get(url, conn=conn)[1] in hosts.values()  # still open: less than the idle timeout passed
    time.sleep(2.5)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(url, conn=conn)  # the LB closed it
    conn.close()


def test_scale_in_takes_the_instance_out_of_the_lb_and_drains_before_terminating(lab: Endpoint,
                                                                                 nginx_image: str) -> None:
    """Auto Scaling deregisters the instance it scales in and waits for connection draining: the
    downloads in flight on both instances finish, and not one request fails meanwhile."""
    ec2, elb, asg = lab.client("ec2"), lab.client("elb"), lab.client("autoscaling")
    image_id = lab.register_image("ec2-nginx-ami")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": IMAGE_TAG, "Value": nginx_image}])
    elb.create_load_balancer(LoadBalancerName=LB, AvailabilityZones=ZONES, Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    elb.configure_health_check(LoadBalancerName=LB, HealthCheck=HEALTH_CHECK)
    elb.modify_load_balancer_attributes(LoadBalancerName=LB, LoadBalancerAttributes={
        "ConnectionDraining": {"Enabled": True, "Timeout": 300}})  # 30 s at the lab's 10x
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": image_id, "InstanceType": "t3.micro"})
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", MinSize=2, MaxSize=2, DesiredCapacity=2,
                                  LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
                                  AvailabilityZones=ZONES, LoadBalancerNames=[LB])
    url = wait_in_service(lab, 2, deadline=30)["url"]
    downloads = [slow_download(url) for _ in range(2)]
    assert len({host for _, host in downloads}) == 2, "one download on each instance"
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            status = get(url)[0]
            if status != 200:
                failures.append(str(status))

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    asg.update_auto_scaling_group(AutoScalingGroupName="web-asg", MinSize=1, DesiredCapacity=1)
    for thread, _ in downloads:
        thread.join(20)
    stop.set()
    loader.join(10)
    assert [t.result for t, _ in downloads] == [1048576, 1048576]  # type: ignore[attr-defined]
    assert failures == [], f"{len(failures)} requests failed during the scale-in: {Counter(failures)}"
    assert len(wait_in_service(lab, 1)["in_service"]) == 1
