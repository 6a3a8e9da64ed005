"""The real nginx image the load balancer tests and bench/lb_bench.py run as instances: nginx-light
from Debian's mirror on webfleet/debian12 (docker build caches it), serving

- /index.html (the health check's page), /whoami (the container's hostname),
- /login, which sets an application cookie (APPSESSION) for app-cookie stickiness,
- /big.bin, 1 MiB sent at 256 KiB/s (a request that stays in flight about 4 s, for draining),

every response with X-Served-By: <hostname>, and an access log (/var/log/nginx/access.log) that
records X-Forwarded-For, -Proto and -Port.
"""
from __future__ import annotations

from harness import BASE_IMAGE, build_image

NGINX_IMAGE = "webfleet/local-aws-test-nginx:latest"
ACCESS_LOG = "/var/log/nginx/access.log"
DOCKERFILE = f"""\
FROM {BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light && rm -rf /var/lib/apt/lists/*
COPY site.conf /etc/nginx/sites-enabled/default
RUN mkdir -p /srv/www && echo '<h1>webfleet nginx</h1>' > /srv/www/index.html \\
    && head -c 1048576 /dev/zero > /srv/www/big.bin
CMD ["nginx", "-g", "daemon off;"]
"""
SITE = """\
log_format lb '$remote_addr xff="$http_x_forwarded_for" proto=$http_x_forwarded_proto '
              'port=$http_x_forwarded_port "$request" $status';
server {
    listen 80 default_server;
    root /srv/www;
    access_log /var/log/nginx/access.log lb;
    keepalive_requests 100000;
    add_header X-Served-By $hostname always;
    location = /whoami { default_type text/plain; return 200 "$hostname\\n"; }
    location = /login {
        add_header X-Served-By $hostname always;
        add_header Set-Cookie "APPSESSION=$hostname; Path=/";
        default_type text/plain;
        return 200 "$hostname\\n";
    }
    location = /big.bin { limit_rate 256k; }
}
"""


def build_nginx_image() -> str:
    """Build (or reuse from Docker's cache) the image; its tag. Raises when the build fails."""
    return build_image(NGINX_IMAGE, {"Dockerfile": DOCKERFILE, "site.conf": SITE})
