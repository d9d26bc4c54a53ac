"""A source text read once: its sentences, clauses, entity mentions, and who each sentence is about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from azkg.build.drafting.mentions import EntityIndex, Mention
from azkg.build.drafting.sentences import Span, clauses, sentences

ZONES = {"IndustrialPark", "IndustrialDistrict", "EconomicZone", "ZoneNetwork", "Zone"}
FACILITIES = {"Plant", "ServiceCentre", "Facility"}
ORGANISATIONS = {"Company", "JointVenture"}
SUBJECTS = ZONES | FACILITIES | ORGANISATIONS
# "the plant", "the company": the last entity of that kind named before
ANAPHORA = {
    "plant": FACILITIES,
    "facility": FACILITIES,
    "factory": FACILITIES,
    "project": FACILITIES,
    "enterprise": FACILITIES | ORGANISATIONS,
    "company": ORGANISATIONS,
    "park": ZONES - {"ZoneNetwork"},
    "zone": ZONES - {"ZoneNetwork"},
    "zones": {"ZoneNetwork"},
}
ANAPHOR = re.compile(r"\b(?:the|this|that|its|these|those)\s+(" + "|".join(ANAPHORA) + r")\b", re.IGNORECASE)


@dataclass
class Sentence:
    span: Span
    clauses: list[Span]
    mentions: list[Mention]


@dataclass
class Context:
    text: str
    index: EntityIndex
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    history: list[Mention] = field(default_factory=list)  # every mention in order, "the plant" resolved

    @classmethod
    def read(cls, text: str, index: EntityIndex) -> Context:
        context = cls(text, index)
        context.mentions = index.mentions(text)
        history: list[Mention] = []
        for span in sentences(text):
            inside = [m for m in context.mentions if span.start <= m.start and m.end <= span.end]
            sentence = Sentence(span, clauses(text, span), inside)
            context.sentences.append(sentence)
            history.extend(sorted(inside, key=lambda m: m.start))
            for anaphor in ANAPHOR.finditer(text, span.start, span.end):
                resolved = _last_of(history, ANAPHORA[anaphor[1].lower()], anaphor.start())
                if resolved is not None:
                    history.append(Mention(anaphor.start(), anaphor.end(), resolved.entity))
            history.sort(key=lambda m: m.start)
        context.history = history
        return context

    def subject(self, sentence: Sentence, at: int, types: set[str] = SUBJECTS) -> tuple[Mention | None, str]:
        """Who a figure or relation at `at` is about: the nearest subject named before it in the sentence,
        else the first after it, else the subject carried from the sentences before."""
        own = [m for m in self.history if sentence.span.start <= m.start < sentence.span.end and m.type in types]
        before = [m for m in own if m.end <= at]
        if before:
            return _prefer_zone(before, before[-1]), "named before the figure in its sentence"
        after = [m for m in own if m.start >= at]
        if after:
            return _prefer_zone(after, after[0]), "named after the figure in its sentence"
        earlier = [m for m in self.history if m.start < sentence.span.start and m.type in types]
        if earlier:
            return earlier[-1], f"carried from an earlier sentence ('{self.text[earlier[-1].start : earlier[-1].end]}')"
        return None, "no entity named in or before the sentence"

    def sentence_at(self, at: int) -> Sentence | None:
        for sentence in self.sentences:
            if sentence.span.start <= at < sentence.span.end:
                return sentence
        return None


def _last_of(history: list[Mention], types: set[str], before: int) -> Mention | None:
    for mention in reversed(history):
        if mention.start < before and mention.type in types:
            return mention
    return None


def _prefer_zone(candidates: list[Mention], chosen: Mention) -> Mention:
    """A name several entities share ("Neftchala": the district and the town): the zone among them."""
    same = [m for m in candidates if m.start == chosen.start and m.end == chosen.end]
    for mention in same:
        if mention.type in ZONES:
            return mention
    return chosen
