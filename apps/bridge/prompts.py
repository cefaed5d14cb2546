"""Prompt templates an assistant can offer its user: each names the tools to use, in order, and what to report."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromptSpec:
    description: str
    arguments: dict[str, str]
    template: str


PROMPTS: dict[str, PromptSpec] = {
    "investigate_alert": PromptSpec(
        description="Investigate one alert: what changed, since when, how sure, and what is at risk.",
        arguments={"alert_id": "The alert's id (from `alerts_list`)."},
        template=(
            "Investigate Thermodynasty alert {alert_id}.\n"
            "1. Call `alert_get` with alert_id={alert_id}: read its explanation, score, severity and evidence.\n"
            "2. Call `stream_get` and `stream_signals` for its stream: compare energy, entropy and entropy "
            "production in the windows before and after the alert.\n"
            "3. If the `stream_regimes` tool exists, call it: is the alert a spike inside a regime or the boundary "
            "of a new regime?\n"
            "4. Call `assets_search` with the stream's asset name, then `asset_blast_radius` on the asset.\n"
            "Report: what changed (with the numbers the tools returned, cited), since when, how sure, which assets "
            "are at risk, and one recommended next step. Do not invent figures."),
    ),
    "assess_cascade": PromptSpec(
        description="Assess what a failure of one asset would put at risk.",
        arguments={"asset_id": "The asset's id (from `assets_search`)."},
        template=(
            "Assess a cascade from Thermodynasty asset {asset_id}.\n"
            "1. Call `asset_state` with asset_id={asset_id}: its streams, energy/entropy state and open alerts.\n"
            "2. Call `asset_blast_radius` with asset_id={asset_id} and depth=3: the assets reachable and their "
            "impact weights.\n"
            "3. For the two most exposed assets, call `impact_path` from {asset_id} to each.\n"
            "4. Call `query` with subject=assets, feature=entropy_production, aggregate=mean over the last 7 days to "
            "see which exposed assets are already under stress.\n"
            "Report the assets at risk ranked by impact, the paths, and the evidence, citing the tools' numbers."),
    ),
}
