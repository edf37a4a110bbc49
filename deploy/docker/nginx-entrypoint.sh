#!/bin/sh
# Entry point of the nginx image (Dockerfile.nginx): writes /tmp/nginx-resolver.conf, which
# deploy/compose/nginx.conf includes, then runs nginx in the foreground.
#
# nginx.conf names the replicas (mcpx-1, mcpx-2) in variables so that nginx looks them up
# again while it runs: a replica that is stopped and started again, or recreated, comes back
# on another address (podman gives a new one on every start). That needs a `resolver`, and
# the only one that knows the replicas is the container engine's DNS server, the first
# nameserver of /etc/resolv.conf (Docker: 127.0.0.11; podman: the network's aardvark-dns).
# Only the first: nginx asks its resolvers in turn, and the host's own servers, which podman
# may list after it, do not know the replicas.
set -eu
ns=$(awk '$1 == "nameserver" { a = $2; if (a ~ /:/) a = "[" a "]"; print a; exit }' /etc/resolv.conf)
if [ -z "$ns" ]; then
  echo "nginx-entrypoint: no nameserver in /etc/resolv.conf: cannot resolve the replicas" >&2
  exit 1
fi
printf 'resolver %s valid=1s ipv6=off;\nresolver_timeout 1s;\n' "$ns" >/tmp/nginx-resolver.conf
exec /usr/sbin/nginx -e stderr -g 'daemon off;' "$@"
