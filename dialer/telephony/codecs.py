"""The codecs a trunk may speak, by the name a carrier's sheet gives them, and PJSIP's id for each.

G.722 is wideband (16 kHz, what the recognisers hear best); G.711 in its two laws is what most carriers deliver
(8 kHz). Apart from the SIP library so that command lines can offer the names without loading it.
"""

from __future__ import annotations

PJSIP_CODEC_IDS = {"g722": "G722/16000/1", "pcmu": "PCMU/8000/1", "pcma": "PCMA/8000/1"}
