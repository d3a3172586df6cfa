"""Conformance driver of the Python SDK: sends the events of conformance.json
through the public API and prints the client's counters as JSON.

    python3 python_driver.py conformance.json 127.0.0.1:4320

(sdk-python/src on PYTHONPATH; run by test/e2e/conformance_test.go.)
"""

import json
import sys

import aires

SEVERITIES = {"trace": aires.Severity.TRACE, "debug": aires.Severity.DEBUG, "info": aires.Severity.INFO,
              "warn": aires.Severity.WARN, "error": aires.Severity.ERROR, "fatal": aires.Severity.FATAL}


def text(v):
    """A string, or {"repeat": s, "times": n}."""
    if isinstance(v, dict):
        return v["repeat"] * v["times"]
    return v


def value(a):
    if "string" in a:
        return text(a["string"])
    if "int" in a:
        return int(a["int"])  # a JSON integer, or a decimal string beyond 2^53
    if "double" in a:
        return float(a["double"])
    if "bool" in a:
        return bool(a["bool"])
    if "strings" in a:
        return [text(s) for s in a["strings"]]
    if "ints" in a:
        v = a["ints"]
        return list(range(v["range"])) if isinstance(v, dict) else [int(x) for x in v]
    if "doubles" in a:
        return [float(x) for x in a["doubles"]]
    if "bools" in a:
        return [bool(x) for x in a["bools"]]
    if "group" in a:
        return attributes(a["group"])
    raise ValueError("attribute without a value: %r" % a)


def attributes(lst):
    return {text(a["key"]): value(a) for a in lst}


def send(client, ev):
    attrs = attributes(ev.get("attributes", []))
    for i in range(ev.get("extra_int_attributes", 0)):
        attrs["n%03d" % i] = i
    opts = {}
    for name in ("trace_id", "span_id", "session_id", "user_id", "service", "environment", "release"):
        if name in ev:
            opts[name] = text(ev[name])
    if "tags" in ev:
        opts["tags"] = [text(t) for t in ev["tags"]]
    if "timestamp_ns" in ev:
        opts["timestamp_ns"] = int(ev["timestamp_ns"])  # a decimal string beyond 2^53
    if "http" in ev:
        opts["http"] = aires.HTTP(**{k: text(v) for k, v in ev["http"].items()})
    err = ev.get("error")
    if err and err.get("native"):
        try:
            raise RuntimeError(err["message"])
        except RuntimeError as e:
            opts["error"] = e
    elif err:
        opts["error"] = aires.ErrorInfo(text(err.get("type", "")), text(err.get("message", "")),
                                        text(err.get("stack", "")))
    client.log(SEVERITIES[ev["severity"]], text(ev["message"]), attrs, **opts)


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    r = spec["resource"]
    client = aires.Client(endpoint=sys.argv[2], service=r["service"], environment=r["environment"],
                          release=r["release"], host=r["host"], resource_attributes=attributes(r["attributes"]))
    for ev in spec["events"]:
        send(client, ev)
    ok = client.shutdown(30)
    print(json.dumps({"delivered_in_time": ok, **client.stats()._asdict()}))


if __name__ == "__main__":
    main()
