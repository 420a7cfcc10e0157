"""The console in a real browser, fed by the dialer's messages on the bus: what people see and click."""

from __future__ import annotations

import pytest

from console.headless import chromium, log_in
from tests.browser import PolicyWatch, screenshot
from tests.helpers import PASSWORD
from tierdial.messages import Answered, CallStarted, FinalTranscript, PartialTranscript, TierDecided


@pytest.mark.timeout(120)
def test_a_transcript_with_markup_is_shown_as_text_and_never_run(served_console) -> None:  # type: ignore[no-untyped-def]
    base, bus, control = served_console
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


def test_an_agent_cannot_open_the_supervisor_dashboard(served_console) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = served_console
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


def test_a_button_that_cannot_be_used_now_looks_it(served_console) -> None:  # type: ignore[no-untyped-def]
    base, bus, _ = served_console
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, base, "ann", PASSWORD)
        page.wait_for_selector("#link:has-text('live')")
        bus.publish(CallStarted("c1", "spring", "+82 10 **** 0001"))  # ringing: nothing to end yet
        page.wait_for_selector(".call .hangup:disabled")
        background = "(selector) => getComputedStyle(document.querySelector(selector)).backgroundColor"
        assert page.evaluate(background, ".call .hangup") != page.evaluate(background, ".call .dnc")


def test_every_page_runs_its_scripts_from_files_under_the_policy(served_console) -> None:  # type: ignore[no-untyped-def]
    base, bus, _ = served_console
    with chromium() as browser:
        agent = browser.new_page()
        agent_watch = PolicyWatch(agent)
        log_in(agent, base, "ann", PASSWORD)
        headers = agent.goto(base).headers  # type: ignore[union-attr]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        agent.wait_for_selector("#link:has-text('live')")  # its script ran: the live feed is connected
        bus.publish(CallStarted("c1", "spring", "+82 10 **** 0001"))
        agent.wait_for_selector(".call .hangup:disabled")
        supervisor = browser.new_page()
        watch = PolicyWatch(supervisor)
        log_in(supervisor, base, "sam", PASSWORD)
        supervisor.goto(f"{base}/supervisor")
        supervisor.wait_for_selector("#link:has-text('live')")
        for path in ("/calls", "/manage/campaigns", "/manage/lists", "/manage/dnc", "/manage/numbers"):
            assert supervisor.goto(f"{base}{path}").status == 200, path  # type: ignore[union-attr]
        assert agent_watch.seen() == [] and watch.seen() == []
        # An inline script, were one left in a page, would be refused and reported: the watch sees it.
        supervisor.evaluate("""() => { const s = document.createElement("script");
                                       s.textContent = "window.ran = 1"; document.body.append(s); }""")
        assert supervisor.evaluate("window.ran") is None
        refused = watch.seen()
        assert refused and all("script-src" in problem for problem in refused), refused
