"""What the demo, the benchmarks and the tests set up around simulated callees: their campaign, their clock, the
simulated headset of an agent."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from dialer.call_flow import CallFlow
from dialer.campaigns import create_campaign
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from dialer.models import DEFAULT_LANGUAGE, Campaign, CampaignStatus
from tierdial.config import Config
from tierdial.errors import UserError

SEOUL = ZoneInfo("Asia/Seoul")
AGENT = "agent1"

# Mobile numbers of three regions 5 to 9 hours apart: at any hour of the day one of them is inside 08:00-21:00.
REGIONS = (
    ("Asia/Seoul", "+8210300{:05d}"),
    ("Europe/London", "+4479111{:05d}"),
    ("America/Bogota", "+57300123{:04d}"),
)


def phones_inside_calling_window(count: int, first: int = 1, minutes_needed: int = 30) -> list[str]:
    """Numbers of a region where it is now at least 08:30 and the window stays open for `minutes_needed`: a station
    dials by the real clock, and a benchmark or test of stations must not depend on the hour it runs at."""
    now = dt.datetime.now(dt.UTC)
    for zone, pattern in REGIONS:
        local = now.astimezone(ZoneInfo(zone))
        opens = local.replace(hour=8, minute=30, second=0, microsecond=0)
        closes = local.replace(hour=21, minute=0, second=0, microsecond=0) - dt.timedelta(minutes=minutes_needed)
        if opens <= local <= closes:
            return [pattern.format(k) for k in range(first, first + count)]
    raise UserError("no region is inside its calling window now (cannot happen with these three)")


def noon_in_seoul_clock() -> tuple[dt.datetime, Callable[[], dt.datetime]]:
    """Noon in Seoul, moving with real time: the simulated callees' calling window is open whenever the demo runs."""
    now = dt.datetime.now(dt.UTC)
    noon = now.astimezone(SEOUL).replace(hour=12, minute=0, second=0, microsecond=0)
    offset = noon - now
    return noon, lambda: dt.datetime.now(dt.UTC) + offset


def create_sim_campaign(
    sessions: sessionmaker[Session],
    name: str,
    list_name: str,
    phones: list[str],
    config: Config,
    *,
    status: CampaignStatus = CampaignStatus.running,
    pacing: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> int:
    """A campaign of simulated contacts, loaded as any list is (source, basis, checks); returns its id."""
    with sessions.begin() as session:
        campaign = create_campaign(
            session, name, config.campaign_defaults, status=CampaignStatus.draft, language=language
        )
        campaign.pacing = pacing
        campaign_id = campaign.id
    rows = io.BytesIO(("phone\n" + "\n".join(phones) + "\n").encode())
    terms = ListTerms("tierdial simulated callees", "existing_customer", "KR", list_name, imported_by="demo")
    report = import_list(sessions, campaign_id, RowReader(rows, list_name, "csv"), terms)
    if report.rejected:
        raise UserError(f"simulated contacts rejected: {report.rejections[:3]}")
    if status is CampaignStatus.running:  # started once its contacts are in: a station paces it from the first row
        start_campaign(sessions, campaign_id)
    return campaign_id


def start_campaign(sessions: sessionmaker[Session], campaign_id: int) -> None:
    with sessions.begin() as session:
        session.get(Campaign, campaign_id).status = CampaignStatus.running  # type: ignore[union-attr]


def wait_for_agent(flow: CallFlow, agent: str = AGENT, timeout: float = 15) -> bool:
    """Wait for the agent's phone leg to be up; False if it never is."""
    deadline = time.monotonic() + timeout
    while agent not in flow.desk.agent_legs and time.monotonic() < deadline:
        time.sleep(0.1)
    return agent in flow.desk.agent_legs


def connect_sim_agent(flow: CallFlow, agent_port: int) -> bool:
    """Ring agent1's simulated headset and wait for it to answer; False if it never does."""
    flow.connect_agent(AGENT, f"sip:{AGENT}@127.0.0.1:{agent_port}")
    return wait_for_agent(flow)
