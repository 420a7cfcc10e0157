"""Prometheus metrics of the live dialer, counted from the messages on its bus, and the recogniser's load.

Served at `/metrics` to a scraper carrying a token with the `metrics:read` scope
(Prometheus: `authorization: {credentials: tdk_...}` in the scrape config).
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from asr.load import AsrLoad
from console.auth import MANAGERS, api_for
from dialer.telephony.legs import LegKind, leg_of
from tierdial.bus import EventBus
from tierdial.messages import (
    AUDIBLE_GAP_MS,
    AudioGaps,
    CallEnded,
    CallStarted,
    HotLeadExpired,
    HotLeadOffered,
    PacingUpdate,
    Takeover,
    TierDecided,
)


class AsrLoadCollector(Collector):
    """Read at each scrape: graph `rate(decode) / rate(audio)` for the real-time factor over any span."""

    def __init__(self, load: AsrLoad) -> None:
        self.load = load

    def collect(self) -> list[Metric]:
        factor = self.load.real_time_factor()
        return [
            CounterMetricFamily("tierdial_asr_audio_seconds", "Callee audio decoded", value=self.load.audio_seconds),
            CounterMetricFamily(
                "tierdial_asr_decode_seconds", "Time the recogniser spent decoding it", value=self.load.decode_seconds
            ),
            GaugeMetricFamily(
                "tierdial_asr_real_time_factor",
                "Decoding time per second of audio over the last minute (NaN with no audio); at 1 transcripts lag",
                value=float("nan") if factor is None else factor,
            ),
        ]


class LiveMetrics:
    def __init__(self, bus: EventBus, asr_load: AsrLoad | None = None) -> None:
        self.registry = CollectorRegistry()
        if asr_load is not None:
            self.registry.register(AsrLoadCollector(asr_load))
        counter = functools.partial(Counter, registry=self.registry)
        gauge = functools.partial(Gauge, registry=self.registry, labelnames=["campaign"])
        self.calls_started = counter("tierdial_calls_started", "Calls dialled", ["campaign"])
        self.calls_ended = counter("tierdial_calls_ended", "Calls ended, by outcome (answered, busy, ...)", ["outcome"])
        self.tiers = counter("tierdial_tiers_decided", "Final tier of each utterance", ["tier"])
        self.takeovers = counter("tierdial_takeovers", "Calls taken over by an agent")
        self.hot_leads_offered = counter("tierdial_hot_leads_offered", "Hot leads offered (again: B to A)", ["tier"])
        self.hot_leads_expired = counter("tierdial_hot_leads_expired", "Hot leads nobody took within the takeover wait")
        self.dial_level = gauge("tierdial_pacing_dial_level", "Calls in progress per agent")
        self.calls_in_progress = gauge("tierdial_calls_in_progress", "Calls up or ringing")
        self.lines = gauge("tierdial_lines", "Lines in use (the campaign's, or fewer)")
        self.abandon_budget = gauge("tierdial_abandon_budget", "Abandons the campaign can still afford under its cap")
        self.abandon_rate = gauge("tierdial_abandon_rate", "Hot leads lost per hot lead, this run")
        self.audio_broken = counter(
            "tierdial_callee_audio_broken_seconds",
            "Callee audio that reached the recogniser broken: concealed (late or lost packets) or missing (the SIP "
            "process skipped it)",
            ["kind"],
        )
        self.calls_with_broken_audio = counter(
            "tierdial_calls_with_broken_audio",
            f"Answered calls that lost {AUDIBLE_GAP_MS} ms or more of the callee's audio at once",
        )
        self.transcription_lag = gauge(
            "tierdial_transcription_lag_seconds", "Audio waiting to be transcribed on the call furthest behind"
        )
        bus.subscribe(self.observe)

    def observe(self, message: object) -> None:
        if isinstance(message, CallStarted):
            self.calls_started.labels(message.campaign).inc()
        elif isinstance(message, CallEnded) and leg_of(message.call_id).kind is LegKind.callee:
            self.calls_ended.labels(message.outcome).inc()
        elif isinstance(message, TierDecided) and message.is_final:
            self.tiers.labels(message.tier).inc()
        elif isinstance(message, Takeover):
            self.takeovers.inc()
        elif isinstance(message, HotLeadOffered):
            self.hot_leads_offered.labels(message.tier).inc()
        elif isinstance(message, HotLeadExpired):
            self.hot_leads_expired.inc()
        elif isinstance(message, AudioGaps):
            self.audio_broken.labels("concealed").inc(message.concealed_ms / 1000)
            self.audio_broken.labels("missing").inc(message.missing_ms / 1000)
            if message.audible:
                self.calls_with_broken_audio.inc()
        elif isinstance(message, PacingUpdate):
            name = message.campaign
            self.dial_level.labels(name).set(message.dial_level)
            self.calls_in_progress.labels(name).set(message.calls_in_progress)
            self.lines.labels(name).set(message.lines)
            self.abandon_budget.labels(name).set(message.abandon_budget)
            self.abandon_rate.labels(name).set(message.hot_leads_lost / message.hot_leads if message.hot_leads else 0)
            self.transcription_lag.labels(name).set(message.transcription_lag)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


metrics = Blueprint("metrics", __name__)


@metrics.get("/metrics")
@api_for(MANAGERS, scopes=("metrics:read",))
def exposition():  # type: ignore[no-untyped-def]
    """Empty when the console runs without a dialer attached (`tierdial console` on its own)."""
    live: LiveMetrics | None = current_app.extensions.get("tierdial.metrics")
    body = live.exposition() if live is not None else b""
    return Response(body, content_type=CONTENT_TYPE_LATEST)
