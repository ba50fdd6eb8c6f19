#!/usr/bin/env python3
# page_requests.py NETLOG.json: exit 1 (listing them) when the page loaded in Chromium asked
# the network for anything. The net log (--log-net-log) records every URL request; Chromium's
# own background requests (updates, accounts) come from no origin ("not an origin") and are
# not the page's.
import json
import sys

log = json.load(open(sys.argv[1]))
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
asked = sorted({e["params"]["url"] for e in log["events"]
                if types.get(e["type"]) == "URL_REQUEST_START_JOB"
                and "url" in e.get("params", {})
                and e["params"].get("initiator") != "not an origin"})
if asked:
    print("the page requested:", *asked)
    sys.exit(1)
