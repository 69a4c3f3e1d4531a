"""A small valid rubric file for tests of loading and validation."""

import copy
import shutil
from pathlib import Path

import yaml

SOURCES_DIR = Path(__file__).resolve().parents[2] / "assessments" / "rubrics" / "sources"

SE_STATEMENT = "Software Engineering Code quality and system design ML 9/10 Data 5/10"
STATS_STATEMENT = "Statistical Depth Mathematical and statistical expertise ML 6/10 Data 9/10"


def _anchors(topic: str) -> dict[int, str]:
    return {level: f"Level {level} behaviour seen for {topic}." for level in range(1, 6)}


def _entry(weight, expected, minimum=None, statement=SE_STATEMENT):
    entry = {
        "weight": weight,
        "expected": expected,
        "source": {"document": "comparison", "statement": statement, "reasoning": "Rating maps to level."},
    }
    if minimum is not None:
        entry["minimum"] = minimum
    return entry


VALID = {
    "key": "sample_roles",
    "name": "Sample model",
    "description": "A sample.",
    "documents": {"comparison": {"file": "000_4b3c510425667054.txt", "title": "Comparison"}},
    "scale": {1: "Not yet", 2: "Emerging", 3: "Working", 4: "Strong", 5: "Leading"},
    "areas": {
        "software_engineering": {
            "name": "Software engineering",
            "description": "Code quality.",
            "covers": ["tests"],
            "sources": [{"document": "comparison", "statement": SE_STATEMENT}],
            "anchors": _anchors("code"),
            "questions": ["Walk through your tests.", "Find the bug."],
        },
        "statistics": {
            "name": "Statistics",
            "description": "Stats.",
            "covers": ["A/B tests"],
            "sources": [{"document": "comparison", "statement": STATS_STATEMENT}],
            "anchors": _anchors("stats"),
            "questions": ["Read this A/B result.", "Power a test."],
        },
    },
    "roles": {
        "data_scientist": {
            "name": "Data Scientist",
            "summary": "Explores.",
            "facts": [
                {
                    "kind": "compensation_range",
                    "label": "Typical annual compensation",
                    "value": "$130k - $220k",
                    "source": {"document": "comparison", "statement": "Data $130k - $220k"},
                }
            ],
            "profile": {
                "software_engineering": _entry(5, 3),
                "statistics": _entry(9, 5, 3, STATS_STATEMENT),
            },
        },
        "ml_engineer": {
            "name": "ML Engineer",
            "summary": "Ships.",
            "profile": {
                "software_engineering": _entry(9, 5, 4),
                "statistics": _entry(6, 3, None, STATS_STATEMENT),
            },
        },
    },
    "advisor": {
        "questions": {
            "primary_need": {
                "label": "Need",
                "type": "choice",
                "choices": {"explore": "Explore", "deploy": "Deploy"},
            }
        },
        "rules": [
            {
                "key": "explore",
                "when": {"primary_need": "explore"},
                "hire": "data_scientist",
                "advice": "Explore first.",
                "source": {
                    "document": "comparison",
                    "statement": "Need to explore data and find insights → Hire Data Scientist first",
                },
            }
        ],
    },
}


def sample(**changes) -> dict:
    """A deep copy of the valid sample; callers mutate it to make bad files."""
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def write_rubric(directory: Path, data: dict | str, name: str = "sample.yaml") -> Path:
    """Write a rubric file with the source documents beside it, as in assessments/rubrics/."""
    sources = directory / "sources"
    if not sources.exists():
        shutil.copytree(SOURCES_DIR, sources)
    path = directory / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path
