# TEMPORARY local stub (not committed): replaced by the classifier branch
from dataclasses import dataclass

from transforms.records import AreaLabel

CLASSIFIER_VERSION = "stub"


@dataclass(frozen=True, slots=True)
class Taxonomy:
    version: str


def parse_taxonomy(text: str) -> Taxonomy:
    return Taxonomy("stub")


def default_taxonomy_text() -> str:
    return ""


def classify(title, body, taxonomy):
    return tuple(AreaLabel("energy", 0.9, s) for s in body.split(". ")[:1] if "energy" in body)
