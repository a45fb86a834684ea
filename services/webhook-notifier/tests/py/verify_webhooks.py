"""Verifies recorded webhooks with the Standard Webhooks reference library (PyPI `standardwebhooks`),
independently of RiskMonitor's own signing code.

stdin: {"secrets": ["whsec_..."], "webhooks": [{"headers": {...}, "body": "<utf-8 text>"}]}
Every webhook must verify under every secret (one signature per active secret). Prints the count.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook


def main() -> int:
    data = json.load(sys.stdin)
    verified = 0
    for secret in data["secrets"]:
        wh = Webhook(secret)
        for item in data["webhooks"]:
            headers = {k.lower(): v for k, v in item["headers"].items()}
            wh.verify(item["body"], headers)  # raises on a bad signature or a stale timestamp
            verified += 1
    print(verified)
    return 0


if __name__ == "__main__":
    sys.exit(main())
