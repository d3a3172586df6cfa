#!/usr/bin/env bash
# Starts and stops a local ClickHouse cluster on loopback: one ZooKeeper (from
# Debian's zookeeper package, standalone) and SHARDS x REPLICAS ClickHouse
# servers (Debian's clickhouse-server, each started by scripts/clickhouse.sh),
# with all their data under one directory.
#
#   scripts/cluster.sh install                        install zookeeper and clickhouse-server if missing
#   scripts/cluster.sh start DIR [SHARDS [REPLICAS]]  start the cluster (default 2 x 2) and print its endpoints
#   scripts/cluster.sh stop DIR                       stop every server and ZooKeeper
#   scripts/cluster.sh endpoints DIR                  print the endpoints of a started cluster
#
# The endpoints, one a line (DIR/endpoints holds the same lines):
#
#   zookeeper PORT
#   node SHARD REPLICA TCP HTTP DIR/sSHARD-rREPLICA
#
# Every server has the same <remote_servers> (cluster "aires", internal
# replication: the replicated tables copy rows between replicas themselves),
# <zookeeper>, <distributed_ddl> (ON CLUSTER), and its own <macros>: shard
# "1".."SHARDS" and replica "sSHARD-rREPLICA" (unique in the whole cluster,
# so a table replicated on every server, like the exporter's migrations
# record, can use {replica} too). A node is restarted alone with
# `scripts/clickhouse.sh start DIR/sS-rR TCP HTTP`: its cluster settings live
# in DIR/sS-rR/config.d/, which clickhouse.sh leaves alone.
#
# The servers are configured lean (small caches, few background threads): a
# 2 x 2 cluster runs on a 2-core machine next to other work.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
clickhouse_sh="$here/clickhouse.sh"
CLUSTER_NAME=aires
ZOOKEEPER_JAR=/usr/share/java/zookeeper.jar

install() {
	bash "$clickhouse_sh" install
	if [ -f "$ZOOKEEPER_JAR" ] && command -v java >/dev/null; then return 0; fi
	[ "$(id -u)" = 0 ] || die "zookeeper is not installed; run as root or: sudo apt-get install -y zookeeper"
	echo "cluster.sh: installing Debian's zookeeper" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq zookeeper >&2
}

# next_port sets port to a port free now and not handed out before by this
# run (the servers start only once all their ports are chosen).
used_ports=" "
next_port() {
	local p
	for _ in 1 2 3 4 5; do
		p=$(bash "$clickhouse_sh" free-port)
		[[ "$used_ports" == *" $p "* ]] || break
	done
	used_ports+="$p "
	port=$p
}

# zk_ok: ZooKeeper serves sessions. Not ruok: it answers imok while the
# server is still starting and closes every session handshake (measured
# here: imok 140 ms before srvr stopped saying "not currently serving
# requests"). A ClickHouse 18.16 server that starts in that window fails its
# first ZooKeeper session, and its next ON CLUSTER query dereferences the
# missing session and crashes the server (SIGSEGV in
# zkutil::ZooKeeper::createImpl; seen in CI).
zk_ok() { # port
	local out
	# Bounded: a ZooKeeper still starting can accept the connection and
	# never answer.
	out=$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/"$1" && printf srvr >&3 && cat <&3' _ "$1" 2>/dev/null) || return 1
	[[ "$out" == *"Mode: "* ]]
}

# start_zookeeper DIR PORT starts a standalone ZooKeeper with its data in
# DIR/zookeeper and waits until it answers.
start_zookeeper() {
	local dir=$1/zookeeper port=$2
	mkdir -p "$dir/data"
	# server.pid, as scripts/clickhouse.sh names it: its stop ends ZooKeeper too.
	if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then return 0; fi
	# 4lw commands: srvr is how this script knows it serves (zk_ok).
	cat >"$dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,mntr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
CFG
	# A small heap and the client JIT only: ZooKeeper holds a few thousand
	# nodes here, and starts faster.
	setsid java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dzookeeper.log.dir="$dir" \
		-cp "/etc/zookeeper/conf:$ZOOKEEPER_JAR" org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
		>"$dir/zookeeper.log" 2>&1 </dev/null &
	echo $! >"$dir/server.pid"
	for _ in $(seq 1 150); do
		zk_ok "$port" && return 0
		kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || { tail -20 "$dir/zookeeper.log" >&2; die "ZooKeeper exited during start-up (port $port)"; }
		sleep 0.2
	done
	die "ZooKeeper did not answer on 127.0.0.1:$port within 30s"
}

# node_config writes the cluster settings of one node (shard s, replica r,
# interserver port ip) into its config.d.
node_config() {
	local nodedir=$1 s=$2 r=$3 ip=$4 zk=$5 shards=$6 replicas=$7 ports=$8
	mkdir -p "$nodedir/config.d"
	{
		cat <<XML
<?xml version="1.0"?>
<yandex>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <interserver_http_port>$ip</interserver_http_port>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>0</uncompressed_cache_size>
    <max_concurrent_queries>50</max_concurrent_queries>
    <zookeeper>
        <node><host>127.0.0.1</host><port>$zk</port></node>
        <session_timeout_ms>30000</session_timeout_ms>
    </zookeeper>
    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>
    <macros>
        <cluster>$CLUSTER_NAME</cluster>
        <shard>$s</shard>
        <replica>s$s-r$r</replica>
    </macros>
    <remote_servers>
        <$CLUSTER_NAME>
XML
		local i j
		for i in $(seq 1 "$shards"); do
			echo "            <shard>"
			echo "                <internal_replication>true</internal_replication>"
			for j in $(seq 1 "$replicas"); do
				echo "                <replica><host>127.0.0.1</host><port>$(sed -n "s/^s$i-r$j //p" "$ports" | cut -d' ' -f1)</port></replica>"
			done
			echo "            </shard>"
		done
		cat <<XML
        </$CLUSTER_NAME>
    </remote_servers>
</yandex>
XML
	} >"$nodedir/config.d/cluster.xml"
	# Few background threads (merges, replication fetches, schedule): the
	# defaults (16 each) are sized for a dedicated machine.
	# (The first <default> of users.xml is the default profile's.)
	sed -e '0,/<default>/s||<default><background_pool_size>4</background_pool_size><background_schedule_pool_size>4</background_schedule_pool_size>|' \
		/etc/clickhouse-server/users.xml >"$nodedir/users.xml.tmp"
	mv "$nodedir/users.xml.tmp" "$nodedir/users.xml"
}

start() {
	local dir=${1:?usage: start DIR [SHARDS [REPLICAS]]} shards=${2:-2} replicas=${3:-2}
	[[ "$shards" =~ ^[1-9][0-9]*$ && "$replicas" =~ ^[1-9][0-9]*$ ]] || die "SHARDS and REPLICAS are positive numbers, got $shards x $replicas"
	install
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# Started before: the same ports again (the nodes' configs name each
	# other's), and the same topology.
	if [ ! -f "$dir/endpoints" ]; then
		local ports="$dir/ports.tmp" s r port
		: >"$ports"
		for s in $(seq 1 "$shards"); do
			for r in $(seq 1 "$replicas"); do
				local tcp http ip
				next_port; tcp=$port
				next_port; http=$port
				next_port; ip=$port
				echo "s$s-r$r $tcp $http $ip" >>"$ports"
			done
		done
		local zk
		next_port; zk=$port
		for s in $(seq 1 "$shards"); do
			for r in $(seq 1 "$replicas"); do
				local p
				p=$(sed -n "s/^s$s-r$r //p" "$ports")
				node_config "$dir/s$s-r$r" "$s" "$r" "$(echo "$p" | cut -d' ' -f3)" "$zk" "$shards" "$replicas" "$ports"
			done
		done
		{
			echo "zookeeper $zk"
			while read -r name tcp http _; do
				s=${name#s}; s=${s%%-*}; r=${name##*-r}
				echo "node $s $r $tcp $http $dir/$name"
			done <"$ports"
		} >"$dir/endpoints"
		rm -f "$ports"
	fi
	start_zookeeper "$dir" "$(sed -n 's/^zookeeper //p' "$dir/endpoints")"
	local _n s r tcp http nodedir
	while read -r _n s r tcp http nodedir; do
		[ "$_n" = node ] || continue
		bash "$clickhouse_sh" start "$nodedir" "$tcp" "$http" >/dev/null ||
			die "ClickHouse shard $s replica $r did not start (log in $nodedir/log)"
	done <"$dir/endpoints"
	cat "$dir/endpoints"
}

stop() {
	local dir=${1:?usage: stop DIR}
	[ -f "$dir/endpoints" ] || return 0
	local _n s r tcp http nodedir
	while read -r _n s r tcp http nodedir; do
		[ "$_n" = node ] || continue
		bash "$clickhouse_sh" stop "$nodedir" &
	done <"$dir/endpoints"
	wait
	bash "$clickhouse_sh" stop "$dir/zookeeper"
}

endpoints() {
	local dir=${1:?usage: endpoints DIR}
	[ -f "$dir/endpoints" ] || die "no cluster in $dir (start it first)"
	cat "$dir/endpoints"
}

cmd=${1:-}
shift || true
case "$cmd" in
install) install ;;
start) start "$@" ;;
stop) stop "$@" ;;
endpoints) endpoints "$@" ;;
*) die "usage: cluster.sh install|start DIR [SHARDS [REPLICAS]]|stop DIR|endpoints DIR" ;;
esac
