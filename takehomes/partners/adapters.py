"""The protocols we speak, by name (``PartnerTestOrder.protocol``)."""

from __future__ import annotations

from takehomes.partners import Adapter
from takehomes.partners.greenhouse import GREENHOUSE

ADAPTERS: dict[str, Adapter] = {GREENHOUSE.name: GREENHOUSE}


def adapter_named(name: str) -> Adapter:
    return ADAPTERS[name]
