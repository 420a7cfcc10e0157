"""A campaign's own recordings of the bot's prompts, each reviewed by a second person before the bot plays it.

The bot speaks in the organisation's name: a supervisor uploads a recording with the words it
says, and only an admin who did not upload it can approve it (after listening). Until then,
and for any prompt without one, the bot plays the product's own script.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from asr.audio import read_wav
from dialer.campaigns import find_campaign
from dialer.models import CampaignPrompt
from dialer.script import WHEN
from tierdial import audit
from tierdial.errors import NotFound, UserError

MAX_SECONDS = 60


def prompt_file(data_dir: Path, prompt: CampaignPrompt) -> Path:
    return data_dir / "prompts" / str(prompt.campaign_id) / f"{prompt.id}.wav"


def upload_prompt(
    session: Session, data_dir: Path, campaign_ref: str | int, name: str, wav: bytes, says: str, actor: str
) -> CampaignPrompt:
    """Store a recording of prompt `name` for the campaign, pending review."""
    campaign = find_campaign(session, campaign_ref)
    if name not in WHEN:
        raise UserError(f"prompt: one of {', '.join(WHEN)} (got {name!r})")
    if not says.strip():
        raise UserError("type the words the recording says: the reviewer checks them against what they hear")
    seconds = _checked_length(wav)
    if seconds > MAX_SECONDS:
        raise UserError(f"the recording is {seconds:.0f} s long; a prompt is at most {MAX_SECONDS} s")
    prompt = CampaignPrompt(campaign_id=campaign.id, name=name, says=says.strip(), uploaded_by=actor)
    session.add(prompt)
    session.flush()
    path = prompt_file(data_dir, prompt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav)
    audit.record(session, actor, "prompt_uploaded", "campaign_prompt", str(prompt.id), campaign=campaign.id,
                 prompt=name, says=prompt.says)  # fmt: skip
    return prompt


def _checked_length(wav: bytes) -> float:
    """Seconds of audio in a mono 16-bit WAV at 8 or 16 kHz, as the engines play; else a clear error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.wav"
        path.write_bytes(wav)
        try:
            recording = read_wav(path)
        except UserError as exc:
            raise UserError(str(exc).replace(f"{path}: ", "the recording ")) from None
    return len(recording.pcm) / 2 / recording.sample_rate


def review_prompt(session: Session, prompt_id: int, approve: bool, note: str, actor: str) -> CampaignPrompt:
    """Approve (the bot plays it from the next prompt on, in place of the one approved before) or reject it."""
    prompt = session.get(CampaignPrompt, prompt_id)
    if prompt is None:
        raise NotFound(f"no uploaded prompt {prompt_id}")
    if prompt.status != "pending":
        raise UserError(f"this recording was {prompt.status} already")
    if prompt.uploaded_by == actor:
        raise UserError("a second person reviews what the bot says: you uploaded this recording")
    if not approve and not note.strip():
        raise UserError("say why the recording is rejected: the uploader reads it")
    if approve:
        for earlier in session.scalars(select(CampaignPrompt).where(
            CampaignPrompt.campaign_id == prompt.campaign_id, CampaignPrompt.name == prompt.name,
            CampaignPrompt.status == "approved",
        )):  # fmt: skip
            earlier.status = "replaced"
    prompt.status = "approved" if approve else "rejected"
    prompt.reviewed_by, prompt.reviewed_at, prompt.review_note = actor, dt.datetime.now(dt.UTC), note.strip()[:300]
    audit.record(session, actor, f"prompt_{prompt.status}", "campaign_prompt", str(prompt.id),
                 campaign=prompt.campaign_id, prompt=prompt.name, note=prompt.review_note)  # fmt: skip
    return prompt


def approved_prompt(session: Session, data_dir: Path, campaign_id: int, name: str) -> Path | None:
    """The campaign's approved recording of prompt `name`, if it has one."""
    prompt = session.scalar(select(CampaignPrompt).where(
        CampaignPrompt.campaign_id == campaign_id, CampaignPrompt.name == name, CampaignPrompt.status == "approved"
    ))  # fmt: skip
    path = prompt_file(data_dir, prompt) if prompt is not None else None
    return path if path is not None and path.is_file() else None


def campaign_prompts(session: Session, campaign_id: int) -> list[CampaignPrompt]:
    """Every recording uploaded for the campaign, newest first."""
    query = select(CampaignPrompt).where(CampaignPrompt.campaign_id == campaign_id).order_by(CampaignPrompt.id.desc())
    return list(session.scalars(query))
