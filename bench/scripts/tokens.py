#!/usr/bin/env python3
"""Writes HS256 tokens the service accepts, one per line: tokens.py KEY COUNT [ROLE|-] [FIRST] > file.

The subjects are ROLE-FIRST, ROLE-FIRST+1, ... (user-... without a role, or with "-").

Made here rather than by the service's token command because a load test needs thousands."""
import base64
import hashlib
import hmac
import json
import sys
import time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(key: bytes, sub: str, role: str | None, now: int) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "iss": "coupons", "aud": "coupons", "iat": now, "nbf": now - 60, "exp": now + 6 * 3600}
    if role:
        claims["role"] = role
    payload = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def main() -> None:
    key, count = sys.argv[1].encode(), int(sys.argv[2])
    role = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    now = int(time.time())
    prefix = role or "user"
    for i in range(first, first + count):
        print(token(key, f"{prefix}-{i}", role, now))


if __name__ == "__main__":
    main()
