"""What DESIGN.md promises other tools, written out once for the tests that hold Entente to it."""

from __future__ import annotations

# The fifteen cooperation areas of DESIGN.md ("Cooperation areas"), by slug: the taxonomy
# Entente ships and every label it stores must keep to exactly these.
AREAS = frozenset(
    {
        "energy",
        "trade_investment",
        "defense",
        "counterterrorism",
        "security",
        "peace_process",
        "education_culture",
        "human_rights",
        "health",
        "climate_environment",
        "science_technology",
        "humanitarian_aid",
        "migration",
        "infrastructure_transport",
        "agriculture_food",
    }
)
