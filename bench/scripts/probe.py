#!/usr/bin/env python3
"""Claims until COUNT users in a row (the first COUNT tokens of TOKENS, each key new) are answered
201 or 409 (a working store's answers), over one keep-alive connection; prints the milliseconds
that took, or nothing after 30 s.
usage: probe.py URL CAMPAIGN TOKENS [COUNT]"""
import http.client, sys, time, urllib.parse, uuid

url, campaign, tokens_file = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 20
tokens = [line.strip() for _, line in zip(range(count), open(tokens_file))]
target = urllib.parse.urlparse(url)
started = time.monotonic()
connection, in_a_row, i = None, 0, 0
while time.monotonic() - started < 30:
    try:
        if connection is None:
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
        connection.request("POST", f"/v1/campaigns/{campaign}/claim", body=b"{}", headers={
            "Authorization": "Bearer " + tokens[i % len(tokens)], "Idempotency-Key": "probe-" + uuid.uuid4().hex,
            "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        ok = response.status in (201, 409)
    except (OSError, http.client.HTTPException):
        connection, ok = None, False
    i += 1
    in_a_row = in_a_row + 1 if ok else 0
    if in_a_row >= len(tokens):
        print(round((time.monotonic() - started) * 1000))
        break
    if not ok:
        time.sleep(0.01)
