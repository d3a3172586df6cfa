#!/usr/bin/env bash
# Starts and stops a ClickHouse server from Debian's clickhouse-server package,
# listening on loopback only, with all its data in one directory.
#
#   scripts/clickhouse.sh install                 install the Debian packages if missing
#   scripts/clickhouse.sh start DIR [TCP [HTTP]]  start a server with data in DIR; prints "TCP HTTP"
#                                                 (free ports are chosen when not given)
#   scripts/clickhouse.sh stop DIR                stop the server started in DIR
#   scripts/clickhouse.sh status DIR              exit 0 when it answers queries
#   scripts/clickhouse.sh free-port               print a TCP port free on 127.0.0.1 now
#
# Users come from /etc/clickhouse-server/users.xml (user "default", no
# password), or from DIR/users.xml when that file exists before start (tests
# that need a user with a password write one).
#
# Tests use it through internal/chtest, with a temporary DIR; `make run` uses
# .run/clickhouse with the standard ports 9000/8123.
#
# The server's merge threads run at nice CLICKHOUSE_MERGE_NICE (default 10;
# 0 leaves them as they are): inserts and queries come first, merges take the
# CPU left over. See lower_merge_priority.
set -euo pipefail

die() { echo "clickhouse.sh: $*" >&2; exit 1; }

server_bin() {
	for b in /usr/bin/clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse; do
		[ -x "$b" ] && { echo "$b"; return; }
	done
	return 1
}

install() {
	if server_bin >/dev/null && command -v clickhouse-client >/dev/null; then return 0; fi
	[ "$(id -u)" = 0 ] || die "clickhouse-server is not installed; run as root or: sudo apt-get install -y clickhouse-server clickhouse-client"
	echo "clickhouse.sh: installing Debian's clickhouse-server" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq clickhouse-server clickhouse-client >&2
}

# free_port picks a port below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range): a port from that range, as binding port 0
# gives, can be taken as the local port of any outgoing connection between
# this check and the server's bind; one below it cannot.
free_port() {
	python3 - 2>/dev/null <<'PY' || shuf -i 20000-32000 -n 1
import random, socket
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
low = max(low, 11000)
for _ in range(500):
    port = random.randint(10000, low - 1)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port below " + str(low))
PY
}

tcp_ok() { # port: something listens on it (the subshell closes the connection)
	(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

http_ok() { # port
	local out
	out=$( { exec 3<>/dev/tcp/127.0.0.1/"$1" && printf 'GET /?query=SELECT%%201 HTTP/1.0\r\n\r\n' >&3 && cat <&3; } 2>/dev/null) || return 1
	[[ "$out" == *$'\n1'* ]]
}

start() {
	local dir=${1:?usage: start DIR [TCP [HTTP]]} tcp=${2:-} http=${3:-}
	install
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
		cat "$dir/ports"
		return 0
	fi
	if [ -n "$tcp" ] || [ -n "$http" ]; then
		launch "$dir" "${tcp:-$(free_port)}" "${http:-$(free_port)}" || die "server exited during start-up (data dir $dir)"
		return 0
	fi
	# Free ports are only free until someone takes them: when the server
	# dies at start-up (typically "Address already in use"), try new ones.
	for attempt in 1 2 3; do
		tcp=$(free_port)
		http=$(free_port)
		[ "$http" != "$tcp" ] || continue
		launch "$dir" "$tcp" "$http" && return 0
		echo "clickhouse.sh: start-up attempt $attempt on ports $tcp/$http failed" >&2
	done
	die "server exited during start-up (data dir $dir)"
}

# launch starts the server on tcp/http and waits until it answers: prints
# "TCP HTTP" and returns 0, returns 1 when the server exits during start-up
# (after printing its log), dies when it does not answer within 30 s.
launch() {
	local dir=$1 tcp=$2 http=$3
	mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
	local users=/etc/clickhouse-server/users.xml
	if [ -f "$dir/users.xml" ]; then users="$dir/users.xml"; fi
	cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$tcp</tcp_port>
    <http_port>$http</http_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$users</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
	echo "$tcp $http" >"$dir/ports"
	local bin
	bin=$(server_bin) || die "clickhouse-server binary not found after install"
	if [ "$(basename "$bin")" = clickhouse ]; then bin="$bin server"; fi
	cd "$dir"
	setsid $bin --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null &
	echo $! >"$dir/server.pid"
	cd - >/dev/null
	for _ in $(seq 1 150); do
		# The native port too: it is what the tests and the collector use.
		if http_ok "$http" && tcp_ok "$tcp"; then
			lower_merge_priority "$(cat "$dir/server.pid")"
			echo "$tcp $http"
			return 0
		fi
		if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
			tail -20 "$dir/log/server.err.log" "$dir/log/stdout.log" >&2 2>/dev/null || true
			rm -f "$dir/server.pid"
			return 1
		fi
		sleep 0.2
	done
	tail -20 "$dir/log/server.err.log" >&2 2>/dev/null || true
	die "server did not answer on 127.0.0.1:$http within 30s"
}

# lower_merge_priority sets the nice value of the server's background pool
# threads (merges and part clean-up; "BackgrProcPool", a fixed pool started
# with the server in 18.16) to CLICKHOUSE_MERGE_NICE. With the collector, a
# load or other servers on the same cores, a large merge otherwise takes a
# whole core for seconds and every insert waits behind it; at a lower
# priority it still runs, on the CPU they leave. Recent ClickHouse releases
# (26.7 among them) offer the same as a server setting,
# os_threads_nice_value_merge_mutate (default 0).
# Raising one's own threads' nice value needs no privilege.
lower_merge_priority() {
	local pid=$1 nice=${CLICKHOUSE_MERGE_NICE:-10} task
	[ "$nice" != 0 ] || return 0
	for task in /proc/"$pid"/task/*; do
		[ "$(cat "$task/comm" 2>/dev/null)" = BackgrProcPool ] || continue
		renice -n "$nice" -p "${task##*/}" >/dev/null 2>&1 || true
	done
}

stop() {
	local dir=${1:?usage: stop DIR}
	[ -f "$dir/server.pid" ] || return 0
	local pid
	pid=$(cat "$dir/server.pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$dir/server.pid"; return 0; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$dir/server.pid"
}

status() {
	local dir=${1:?usage: status DIR}
	[ -f "$dir/ports" ] || return 1
	http_ok "$(cut -d' ' -f2 "$dir/ports")"
}

cmd=${1:-}
shift || true
case "$cmd" in
install) install ;;
start) start "$@" ;;
stop) stop "$@" ;;
status) status "$@" ;;
free-port) free_port ;;
*) die "usage: clickhouse.sh install|start DIR [TCP [HTTP]]|stop DIR|status DIR|free-port" ;;
esac
