"""URIs: each record's from its collection's template, the study's own resources under a base URI.

Defaults (a team may override them in `[publishing.uri_templates]`): an SMG record is its page on
the Science Museum Group collection website, an NMS record its National Museums Scotland
collection search result; a record of any other collection gets
`urn:heritage-weaver:<study>:<collection>:<record_id>`. A template may use `{record_id}` (the
study's id, `collection:source id`), `{source_id}` (the catalogue's own id: the record id without
its collection prefix) and `{collection}`; each is percent-encoded.
"""

from __future__ import annotations

from urllib.parse import quote

from heritage_weaver.config import StudyConfig

FORMAT_TEMPLATES = {
    "smg": "https://collection.sciencemuseumgroup.org.uk/objects/{source_id}",
    "nms": "https://www.nms.ac.uk/search-our-collections/collection-search-results/?item_id={source_id}",
}


def study_base(config: StudyConfig) -> str:
    """The prefix of the study's own resources: `publishing.base_uri`, else a study URN."""
    return config.publishing.base_uri or f"urn:heritage-weaver:{config.study.name}:"


def record_templates(config: StudyConfig) -> dict[str, str]:
    """Each collection's URI template: configured, else its format's default, else a study URN."""
    fallback = f"urn:heritage-weaver:{config.study.name}:{{collection}}:{{record_id}}"
    return {
        c.name: config.publishing.uri_templates.get(c.name) or FORMAT_TEMPLATES.get(c.format, fallback)
        for c in config.collections
    }


def source_id(collection: str, record_id: str) -> str:
    """The catalogue's own id of a record: `record_id` without its `collection:` prefix (as it is
    when it lacks the prefix)."""
    return str(record_id).removeprefix(f"{collection}:")


def record_uri(template: str, collection: str, record_id: str) -> str:
    """`template` filled with the record's `record_id`, `source_id` and `collection`, each percent-encoded."""
    return template.format(
        record_id=quote(str(record_id), safe=""),
        source_id=quote(source_id(collection, record_id), safe=""),
        collection=quote(collection, safe=""),
    )
