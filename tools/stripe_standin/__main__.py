"""Run the stand-in beside the app (scripts/run.sh does this when no Stripe key is set):
`python -m tools.stripe_standin --port 12111 --webhook-url http://127.0.0.1:8000/api/v1/billing/stripe/webhook/
--webhook-secret whsec_standin`, then start the app with STRIPE_API_BASE=http://127.0.0.1:12111
STRIPE_SECRET_KEY=sk_test_standin STRIPE_WEBHOOK_SECRET=whsec_standin. Sessions live in memory: a restart forgets
them (open purchases then cannot be paid and are cancelled or expire)."""
from __future__ import annotations

import argparse
import signal
import threading

from .server import StripeStandIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", default="sk_test_standin")
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/api/v1/billing/stripe/webhook/")
    parser.add_argument("--webhook-secret", default="whsec_standin")
    args = parser.parse_args()
    standin = StripeStandIn(api_key=args.api_key, webhook_secret=args.webhook_secret, webhook_url=args.webhook_url,
                            port=args.port).start()
    print(f"Stripe stand-in (TEST MODE) on {standin.base_url}, webhooks to {args.webhook_url}", flush=True)
    stopped = threading.Event()
    # run.sh stops it with SIGTERM; Ctrl-C in a terminal sends SIGINT. Either shuts the server down cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    standin.stop()


if __name__ == "__main__":
    main()
