"""Read and validate a rubric data file (YAML) before anything touches the database.

A rubric file holds the competency model: the skill areas with their 1-5
behaviourally anchored scales and suggested questions, the role profiles
(weight, expected level and optional must-have minimum per area), role facts
and the hiring-need advisor's rules. Every profile entry, fact and rule
carries a ``source``: a document key from ``documents`` and the statement it
rests on, quoted verbatim from that document (checked here, whitespace
normalised), or ``document: none`` with a ``reasoning`` where the documents are
silent. A fact may rest on several quotes (``sources``), and says whether it
is the documents' (``basis: documents``, quotes only) or our inference
(``basis: inference``, with its reasoning); see :class:`Fact`.

``read_rubric_file(path)`` returns a validated :class:`RubricFile` and its
content hash, or raises :class:`RubricFileError` whose message names the
file, the entry and the problem, one line per problem. Validation is complete
before the loader writes anything, so bad data is never half-loaded.

``python -m assessments.rubric_file PATH`` validates a file from the shell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

LEVELS = (1, 2, 3, 4, 5)
NO_DOCUMENT = "none"

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Level = Annotated[int, Field(strict=True, ge=1, le=5)]


class RubricFileError(Exception):
    """A rubric file that cannot be loaded; ``problems`` lists one line per problem."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path.name}: {problem}" for problem in problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a figure comes from: a document's statement, or why the documents are silent."""

    document: Key
    statement: Text | None = None
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _statement_or_reasoning(self) -> Source:
        if self.document == NO_DOCUMENT:
            if not self.reasoning:
                raise ValueError("document 'none' needs a reasoning explaining the choice")
            if self.statement:
                raise ValueError("document 'none' cannot quote a statement")
        elif not self.statement:
            raise ValueError(f"a source in document {self.document!r} needs the statement it rests on")
        return self


class Document(Strict):
    file: Text
    title: Text


class Area(Strict):
    name: Text
    description: Text
    covers: list[Text] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    anchors: dict[Level, Text]
    questions: list[Text] = Field(min_length=2, max_length=3)

    @field_validator("anchors")
    @classmethod
    def _five_distinct_anchors(cls, anchors: dict[int, str]) -> dict[int, str]:
        missing = [level for level in LEVELS if level not in anchors]
        if missing:
            raise ValueError(f"needs an anchor for each level 1-5; missing level(s) {missing}")
        normalised = [" ".join(text.lower().split()) for text in anchors.values()]
        if len(set(normalised)) != len(normalised):
            raise ValueError("anchors must be five distinct descriptions")
        return dict(sorted(anchors.items()))


class ProfileEntry(Strict):
    weight: Annotated[float, Field(gt=0, le=100)]
    expected: Level
    minimum: Level | None = None
    source: Source

    @field_validator("weight", mode="before")
    @classmethod
    def _weight_is_a_number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a positive number, got {value!r}")
        return value

    @model_validator(mode="after")
    def _minimum_not_above_expected(self) -> ProfileEntry:
        if self.minimum is not None and self.minimum > self.expected:
            raise ValueError(f"minimum {self.minimum} is above the expected level {self.expected}")
        return self


FactKind = Literal[
    "outputs",
    "tools",
    "compensation_range",
    "compensation_average",
    "compensation_note",
    "talent_availability",
    "demand",
    "education",
    "career_path",
]


FactBasis = Literal["documents", "inference"]


class Fact(Strict):
    """A fact about a role, shown on its page.

    ``basis: documents`` (the default) says the value states only what its
    quotes say: every source quotes a document, with no reasoning of ours, and a
    value drawing on several sentences cites each of them. ``basis: inference``
    is our reasoning beyond the documents (or a note that they are silent): it
    needs a reasoning, may cite the statements it starts from, and the pages
    show it apart from the documents' facts. ``source:`` is accepted for a
    single source and read as ``sources: [...]``.
    """

    kind: FactKind
    label: Text
    value: Text
    as_of: dt.date | None = None
    basis: FactBasis = "documents"
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_source_is_a_list_of_one(cls, data: object) -> object:
        if isinstance(data, dict) and "source" in data:
            if "sources" in data:
                raise ValueError("give either source or sources, not both")
            data = {**data, "sources": [data["source"]]}
            del data["source"]
        return data

    @model_validator(mode="after")
    def _basis_matches_the_sources(self) -> Fact:
        if self.basis == "documents":
            silent = [i for i, source in enumerate(self.sources) if source.document == NO_DOCUMENT]
            if silent:
                raise ValueError(
                    f"a fact from the documents needs a quote in every source (sources {silent} quote none); "
                    "mark it basis: inference if it is our reasoning"
                )
            reasoned = [i for i, source in enumerate(self.sources) if source.reasoning]
            if reasoned:
                raise ValueError(
                    f"a fact from the documents states only what its quotes say (sources {reasoned} add a "
                    "reasoning); mark it basis: inference, or cite the sentences that say it"
                )
        elif not any(source.reasoning for source in self.sources):
            raise ValueError("an inference needs a reasoning in one of its sources")
        return self


class Role(Strict):
    name: Text
    summary: Text
    facts: list[Fact] = Field(default_factory=list)
    profile: dict[Key, ProfileEntry] = Field(min_length=1)


class AdvisorQuestion(Strict):
    label: Text
    type: Literal["choice", "boolean"]
    choices: dict[Key, Text] | None = None
    help: Text | None = None

    @model_validator(mode="after")
    def _choices_for_choice_questions(self) -> AdvisorQuestion:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice question needs choices")
        if self.type == "boolean" and self.choices:
            raise ValueError("a boolean question takes no choices")
        return self


class AdvisorRule(Strict):
    key: Key
    when: dict[Key, str | bool] = Field(min_length=1)
    hire: Key
    also_consider: list[Key] = Field(default_factory=list)
    advice: Text
    source: Source


class Advisor(Strict):
    questions: dict[Key, AdvisorQuestion] = Field(min_length=1)
    rules: list[AdvisorRule] = Field(min_length=1)


class RubricFile(Strict):
    key: Key
    name: Text
    description: Text
    documents: dict[Key, Document] = Field(min_length=1)
    scale: dict[Level, Text]
    areas: dict[Key, Area] = Field(min_length=1)
    roles: dict[Key, Role] = Field(min_length=1)
    advisor: Advisor

    @field_validator("scale")
    @classmethod
    def _five_levels(cls, scale: dict[int, str]) -> dict[int, str]:
        missing = [level for level in LEVELS if level not in scale]
        if missing:
            raise ValueError(f"needs a label for each level 1-5; missing level(s) {missing}")
        return dict(sorted(scale.items()))

    def all_sources(self) -> list[tuple[str, Source]]:
        """Every source in the file with the entry path it belongs to."""
        found: list[tuple[str, Source]] = []
        for area_key, area in self.areas.items():
            found += [(f"areas.{area_key}.sources.{i}", source) for i, source in enumerate(area.sources)]
        for role_key, role in self.roles.items():
            found += [
                (f"roles.{role_key}.facts.{i}.sources.{j}", source)
                for i, fact in enumerate(role.facts)
                for j, source in enumerate(fact.sources)
            ]
            found += [
                (f"roles.{role_key}.profile.{area_key}.source", entry.source)
                for area_key, entry in role.profile.items()
            ]
        found += [(f"advisor.rules.{rule.key}.source", rule.source) for rule in self.advisor.rules]
        return found

    def cross_reference_problems(self) -> list[str]:
        """References between parts of the file that point nowhere or leave gaps."""
        problems = []
        for role_key, role in self.roles.items():
            for area_key in role.profile:
                if area_key not in self.areas:
                    problems.append(f"roles.{role_key}.profile.{area_key}: unknown skill area {area_key!r}")
            for area_key in self.areas:
                if area_key not in role.profile:
                    problems.append(f"roles.{role_key}.profile: no entry for skill area {area_key!r}")
        for entry_path, source in self.all_sources():
            if source.document != NO_DOCUMENT and source.document not in self.documents:
                problems.append(f"{entry_path}: unknown document {source.document!r}")
        rule_keys = set()
        for rule in self.advisor.rules:
            where = f"advisor.rules.{rule.key}"
            if rule.key in rule_keys:
                problems.append(f"{where}: duplicate rule key {rule.key!r}")
            rule_keys.add(rule.key)
            for role_key in [rule.hire, *rule.also_consider]:
                if role_key not in self.roles:
                    problems.append(f"{where}: unknown role {role_key!r}")
            for question_key, wanted in rule.when.items():
                question = self.advisor.questions.get(question_key)
                if question is None:
                    problems.append(f"{where}.when.{question_key}: unknown advisor question")
                elif question.type == "boolean" and not isinstance(wanted, bool):
                    problems.append(f"{where}.when.{question_key}: expects true or false")
                elif question.type == "choice" and wanted not in (question.choices or {}):
                    problems.append(f"{where}.when.{question_key}: {wanted!r} is not one of its choices")
        return problems


# YAML ---------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def content_hash(data: object) -> str:
    """SHA-256 of the parsed content, independent of YAML formatting and comments."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_rubric_file(path: Path | str) -> tuple[RubricFile, str]:
    """Parse and validate a rubric file; return it with its content hash.

    Raises RubricFileError listing every problem found (file, entry, problem).
    Statements are checked against the document files in ``sources/`` beside it.
    """
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricFileError(path, [f"cannot be read: {exc.strerror or exc}"]) from exc
    try:
        data = yaml.load(raw_text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise RubricFileError(path, [f"{where}: {getattr(exc, 'problem', None) or exc}"]) from exc
    if not isinstance(data, dict):
        raise RubricFileError(path, ["(top level): must be a mapping"])
    try:
        rubric = RubricFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_location(error['loc'])}: {error['msg']}" for error in exc.errors()]
        raise RubricFileError(path, problems) from None

    problems = rubric.cross_reference_problems()
    problems += _statement_problems(rubric, path.parent / "sources")
    if problems:
        raise RubricFileError(path, problems)
    return rubric, content_hash(data)


def _statement_problems(rubric: RubricFile, sources_dir: Path) -> list[str]:
    texts: dict[str, str] = {}
    problems = []
    for key, document in rubric.documents.items():
        try:
            texts[key] = _normalise((sources_dir / document.file).read_text(encoding="utf-8"))
        except OSError:
            problems.append(f"documents.{key}: file {document.file!r} not found in {sources_dir.name}/")
    for entry_path, source in rubric.all_sources():
        text = texts.get(source.document)
        if text is not None and source.statement and _normalise(source.statement) not in text:
            problems.append(
                f"{entry_path}: statement not found in {rubric.documents[source.document].file}: "
                f"{source.statement[:80]!r}"
            )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m assessments.rubric_file PATH", file=sys.stderr)
        return 2
    try:
        rubric, digest = read_rubric_file(argv[0])
    except RubricFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{argv[0]}: OK, {len(rubric.areas)} areas, {len(rubric.roles)} roles, hash {digest[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
