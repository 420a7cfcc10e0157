"""The console in a real browser, fed by the dialer's messages on the bus: what people see and click."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.app import create_app
from console.live import LiveFeed
from console.server import serve_in_thread
from tests.browser import chromium, log_in, screenshot
from tests.helpers import PASSWORD, RecordingControl, add_account, migrated_sessions
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import Answered, CallStarted, FinalTranscript, PartialTranscript, TierDecided


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    add_account(sessions, "sam", "supervisor")
    bus, control = EventBus(), RecordingControl()
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(bus, control), sessions)
    server = serve_in_thread(app, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_port}", bus, control
    server.shutdown()


@pytest.mark.timeout(120)
def test_a_transcript_with_markup_is_shown_as_text_and_never_run(console) -> None:  # type: ignore[no-untyped-def]
    base, bus, control = console
    hostile = '<script>window.ran = 1</script><img src=x onerror="window.ran = 2">'
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in(page, base, "ann", PASSWORD)
        page.wait_for_selector("#link:has-text('live')")
        bus.publish(CallStarted("c1", "campaign <b>x</b>", "+82 10 **** 0001"))
        bus.publish(Answered("c1", "G722"))
        bus.publish(PartialTranscript("c1", hostile, 400))
        bus.publish(FinalTranscript("c1", hostile, 0, 1200))
        bus.publish(TierDecided("c1", "A", 0.93, ("<i>price</i>",), hostile, True))
        page.wait_for_selector(".call.tier-A")
        assert page.inner_text(".call .transcript p") == hostile
        assert page.inner_text(".call .evidence") == "<i>price</i>"
        assert page.evaluate("window.ran") is None
        assert page.locator(".call script, .call img, .call b, .call i").count() == 0
        page.click(".call .takeover")
        page.wait_for_selector(".call .status:has-text('taking over')")
        assert control.taken == [("c1", "ann")]
        screenshot(page, "agent-hot-call")


def test_an_agent_cannot_open_the_supervisor_dashboard(console) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = console
    with chromium() as browser:
        agent = browser.new_page()
        log_in(agent, base, "ann", PASSWORD)
        reply = agent.goto(f"{base}/supervisor")
        assert reply.status == 403 and "not for your role" in agent.inner_text("main")
        assert agent.locator("header a:has-text('Dashboard')").count() == 0
        supervisor = browser.new_page()
        log_in(supervisor, base, "sam", PASSWORD)
        assert supervisor.goto(f"{base}/supervisor").status == 200
        supervisor.wait_for_selector("#link:has-text('live')")
        screenshot(supervisor, "supervisor-dashboard")
