"""What curators see: the four labels of the study protocol and the Label Studio interface."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from annotation.artifacts import LABEL_VALUES


@dataclass(frozen=True)
class Label:
    value: str
    meaning: str
    example: str


# What each label of the registry's vocabulary means to a curator: (meaning, example).
_GUIDANCE = {
    "same object": ("identical object type or model", "two 700-series telephones"),
    "similar object": ("highly similar, but not the same type or model", "two telephones of different designs"),
    "same category": (
        "similar use or the same catalogue category, but different things",
        "a telephone and a telegraph key (both communications objects)",
    ),
    "unrelated": ("no meaningful connection", "a telephone and a spinning wheel"),
}
LABELS: tuple[Label, ...] = tuple(Label(value, *_GUIDANCE[value]) for value in LABEL_VALUES)
SIDES = ("a", "b")

# The field names a task's data may carry; anything else would reach the curator's browser.
TASK_FIELDS = ("pair_id",) + tuple(f"{field}_{side}" for side in SIDES for field in ("image", "name", "description"))
# An adjudication task carries the earlier labels too ("A01: same object · A02: unrelated").
ADJUDICATION_FIELDS = (*TASK_FIELDS, "earlier_labels")


def _object_panel(side: str) -> str:
    return (
        f'    <View style="flex: 1; min-width: 0; padding: 8px; border: 1px solid #ddd; border-radius: 6px">\n'
        f'      <Header value="Object {side.upper()}" size="5"/>\n'
        f'      <Image name="image_{side}" value="$image_{side}" maxWidth="100%" maxHeight="360px"/>\n'
        f'      <Header value="$name_{side}" size="4"/>\n'
        f'      <Text name="description_{side}" value="$description_{side}"/>\n'
        f"    </View>\n"
    )


def label_config(adjudication: bool = False) -> str:
    """The labelling interface: both objects side by side, one required label, optional comment;
    for an adjudicator, the earlier labels and who gave them above the choice."""
    choices = "\n".join(
        f'    <Choice value="{escape(label.value)}" hint="{escape(label.meaning)}; e.g. {escape(label.example)}"/>'
        for label in LABELS
    )
    return (
        "<View>\n"
        '  <View style="display: flex; gap: 16px; align-items: flex-start">\n'
        + "".join(_object_panel(side) for side in SIDES)
        + "  </View>\n"
        + (_EARLIER_LABELS if adjudication else "")
        + '  <Header value="How are these two objects related?" size="5"/>\n'
        '  <Choices name="label" toName="description_a" choice="single-radio" required="true"'
        ' requiredMessage="Choose one label before submitting." showInline="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        '  <TextArea name="comment" toName="description_a" placeholder="Optional comment"'
        ' maxSubmissions="1" editable="true" rows="2"/>\n'
        "</View>\n"
    )


_EARLIER_LABELS = (
    '  <View style="margin-top: 8px; padding: 8px; background: #fff7e0; border-radius: 6px">\n'
    '    <Header value="Earlier labels (they disagree; decide the pair\'s label)" size="5"/>\n'
    '    <Text name="earlier_labels" value="$earlier_labels"/>\n'
    "  </View>\n"
)


def instructions() -> str:
    """The labelling instructions (HTML) shown before and during labelling."""
    rows = "".join(
        f"<tr><td><b>{escape(label.value)}</b></td><td>{escape(label.meaning)}</td><td>{escape(label.example)}</td></tr>"
        for label in LABELS
    )
    return (
        "<p>Each task shows two museum objects, one from each collection: image, name and description. "
        "Choose the one label that best describes how they are related. Judge the objects, not the "
        "quality of the catalogue text. Use the comment box for anything worth knowing (optional).</p>"
        f"<table><tr><th>label</th><th>meaning</th><th>example</th></tr>{rows}</table>"
        "<p>If you cannot judge a pair (for instance an image does not load), skip it.</p>"
    )
