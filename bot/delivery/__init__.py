"""Delivery: digests composed, formatted per output and sent, in order, with retries.

    digests    the builders (baseline, status change, feed health, daily, notices)
    formats/   each output's layout: text, jsonl, discord, slack, the timeline picture
    outbox     sends what is due to every output; retries, disabled outputs
    registry   outputs register by type; local (console, jsonl), webhooks (Discord, Slack)

Importing the package registers the built-in outputs (console, jsonl, Discord and Slack
webhooks) with :mod:`bot.delivery.registry`.
"""

from bot.delivery import local as _local  # noqa: F401  (registers console, jsonl)
from bot.delivery import webhooks as _webhooks  # noqa: F401  (registers the webhooks)
