"""Run the stand-in for a demo: `cd tests && python -m stripe_standin --port 12111 --webhook-url
http://127.0.0.1:8000/api/v1/billing/stripe/webhook/ --webhook-secret whsec_demo`, then start the app with
STRIPE_API_BASE=http://127.0.0.1:12111 STRIPE_SECRET_KEY=sk_test_standin STRIPE_WEBHOOK_SECRET=whsec_demo."""
from __future__ import annotations

import argparse
import time

from .server import StripeStandIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", default="sk_test_standin")
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/api/v1/billing/stripe/webhook/")
    parser.add_argument("--webhook-secret", default="whsec_demo")
    args = parser.parse_args()
    standin = StripeStandIn(api_key=args.api_key, webhook_secret=args.webhook_secret, webhook_url=args.webhook_url,
                            port=args.port).start()
    print(f"Stripe stand-in on {standin.base_url} (webhooks to {args.webhook_url})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
