"""URIs: each record's from its collection's template, the study's own resources under a base URI.

Defaults (a team may override them in `[publishing.uri_templates]`): an SMG record is its page on
the Science Museum Group collection website, an NMS record its National Museums Scotland
collection search result; a record of any other collection gets
`urn:heritage-weaver:<study>:<collection>:<record_id>`. The record id is percent-encoded.
"""

from __future__ import annotations

from urllib.parse import quote

from heritage_weaver.config import StudyConfig

FORMAT_TEMPLATES = {
    "smg": "https://collection.sciencemuseumgroup.org.uk/objects/{record_id}",
    "nms": "https://www.nms.ac.uk/search-our-collections/collection-search-results/?item_id={record_id}",
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


def record_uri(template: str, collection: str, record_id: str) -> str:
    return template.format(record_id=quote(str(record_id), safe=""), collection=quote(collection, safe=""))
