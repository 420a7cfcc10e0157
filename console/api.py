"""`/api/v1`: the live event stream and call commands."""

from __future__ import annotations

import queue

from flask import Blueprint, Response, g, jsonify, request, stream_with_context

from console.auth import MANAGERS, PEOPLE, api_for
from console.live import attached_feed
from dialer.live_calls import CallCommandError

api = Blueprint("api", __name__, url_prefix="/api/v1")
HEARTBEAT_SECONDS = 15
BATCH_EVENTS = 200


@api.get("/events")
@api_for(PEOPLE, scopes=("events:read",))
def events() -> Response:
    """Server-sent events: one JSON message per event, as the dialer publishes them."""
    feed = attached_feed()
    client = feed.connect()

    def stream():  # type: ignore[no-untyped-def]
        try:
            yield ": connected\n\n"
            while True:
                try:
                    batch = [client.get(timeout=HEARTBEAT_SECONDS)]
                except queue.Empty:
                    yield ": heartbeat\n\n"
                    continue
                # What queued meanwhile goes in the same write: on a busy shift, one wake-up and one send per
                # burst instead of per event.
                while len(batch) < BATCH_EVENTS and not client.empty():
                    batch.append(client.get_nowait())
                yield "".join(f"data: {data}\n\n" for data in batch)
        finally:
            feed.disconnect(client)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(stream()), mimetype="text/event-stream", headers=headers)


@api.get("/pacing")
@api_for(MANAGERS, scopes=("metrics:read", "campaigns:read"))
def pacing():  # type: ignore[no-untyped-def]
    """Per running campaign: its pacing controller, dial level, forecast and abandonment budget left."""
    return jsonify(campaigns=list(attached_feed().pacing.values()))


@api.errorhandler(CallCommandError)
def _refused(error: CallCommandError):  # type: ignore[no-untyped-def]
    return jsonify(error="refused", message=str(error)), error.status


@api.post("/calls/<call_id>/hangup")
@api_for(PEOPLE, scopes=("calls:write",))
def hang_up(call_id: str):  # type: ignore[no-untyped-def]
    attached_feed().control.hang_up(call_id)
    return jsonify(call_id=call_id, status="hanging up"), 202


def _acting(body: dict, field: str = "agent") -> str | None:
    """The person acting: the signed-in person, or the one a script names in `field` (a token acts for no one)."""
    if g.person is not None:
        return g.person.name
    named = body.get(field)
    return named if isinstance(named, str) and named else None


@api.post("/calls/<call_id>/disposition")
@api_for(PEOPLE, scopes=("calls:write",))
def dispose(call_id: str):  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    disposition, notes, callback_at = body.get("disposition"), body.get("notes", ""), body.get("callback_at")
    if not isinstance(disposition, str) or not isinstance(notes, str) or not isinstance(callback_at, str | None):
        message = 'send {"disposition": ..., "notes": ..., "callback_at": "2026-11-24T15:30", "agent": ...}'
        return jsonify(error="bad_request", message=message), 400
    if attached_feed().control.dispose(call_id, disposition, notes, _acting(body) or g.actor, callback_at or None):
        return jsonify(call_id=call_id, disposition=disposition), 200
    held = "the database does not answer: the station holding the call keeps this and records it when it does"
    return jsonify(call_id=call_id, disposition=disposition, held=True, message=held), 202


@api.post("/calls/<call_id>/takeover")
@api_for(PEOPLE, scopes=("calls:write",))
def take_over(call_id: str):  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    agent = _acting(body if isinstance(body, dict) else {})
    if agent is None:
        return jsonify(error="bad_request", message='send {"agent": "<agent name>"}'), 400
    attached_feed().control.take_over(call_id, agent)
    return jsonify(call_id=call_id, agent=agent, status="bridging"), 202


@api.post("/calls/<call_id>/listen")
@api_for(MANAGERS, scopes=("calls:listen",))
def listen_in(call_id: str):  # type: ignore[no-untyped-def]
    """`{"whisper": false}`: ring the supervisor's phone; it hears the call. With whisper the agent hears the
    supervisor too, never the callee. A `Monitoring` event follows once audio flows."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    whisper, supervisor = body.get("whisper", False), _acting(body, "supervisor")
    if not isinstance(whisper, bool) or supervisor is None:
        return jsonify(
            error="bad_request", message='send {"whisper": false} (and "supervisor": NAME with a token)'
        ), 400
    leg = attached_feed().control.listen_in(call_id, supervisor, whisper)
    return jsonify(call_id=call_id, leg=leg, whisper=whisper, status="ringing your phone"), 202


@api.post("/calls/<call_id>/listen/stop")
@api_for(MANAGERS, scopes=("calls:listen",))
def stop_listening(call_id: str):  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    supervisor = _acting(body if isinstance(body, dict) else {}, "supervisor")
    if supervisor is None:
        return jsonify(error="bad_request", message='send {"supervisor": NAME} with a token'), 400
    return jsonify(call_id=call_id, stopped=attached_feed().control.stop_listening(call_id, supervisor)), 200
