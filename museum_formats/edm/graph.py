"""EDM records as nodes and properties, whichever form they come in.

An EDM record is a small graph: the provided cultural heritage object (`edm:ProvidedCHO`), the
proxies that describe it (`ore:Proxy`: the provider's, and in Europeana's internal form its own
enrichments, `edm:europeanaProxy` "true"), the aggregations that link its media
(`ore:Aggregation`, `edm:EuropeanaAggregation`), the web resources of those media
(`edm:WebResource`) and contextual entities (concepts, agents, places, time-spans) with labels.
In the external form providers send, the object carries its own properties and has no proxies.

RDF/XML is read element by element (typed nodes, `rdf:Description` with `rdf:type`, nested
nodes, `rdf:resource` links, `xml:lang` inherited), in document order. Properties are keyed
`prefix:name` (`dc:title`). Whitespace inside URIs is an artefact of wrapped lines: line breaks
and tabs (with the spaces beside them) are removed, other spaces written as `%20`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from museum_formats.lido.values import language
from museum_formats.rows import Problem

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PREFIXES = {
    RDF: "rdf",
    "http://www.europeana.eu/schemas/edm/": "edm",
    "http://www.openarchives.org/ore/terms/": "ore",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.w3.org/2004/02/skos/core#": "skos",
    "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#": "ebucore",
    "http://rdfs.org/sioc/services#": "svcs",
    "http://www.w3.org/2002/07/owl#": "owl",
}
CHO = "edm:ProvidedCHO"
PROXY = "ore:Proxy"
AGGREGATIONS = ("ore:Aggregation", "edm:EuropeanaAggregation")
NO_CHO = "no edm:ProvidedCHO in the record"
_BREAK = re.compile(r"\s*[\r\n\t]\s*")


def clean_uri(uri: str) -> str:
    return _BREAK.sub("", uri.strip()).replace(" ", "%20")


@dataclass
class Value:
    text: str
    language: str | None = None
    resource: bool = False  # a link to a node (its URI), not a literal


@dataclass
class Node:
    about: str
    types: list[str] = field(default_factory=list)
    properties: dict[str, list[Value]] = field(default_factory=dict)
    line: int = 0

    def values(self, key: str) -> list[Value]:
        return self.properties.get(key, [])

    def links(self, key: str) -> list[str]:
        """The URIs `key` links to: its resources, and literals that are URLs (some providers write links as text)."""
        return [
            value.text if value.resource else clean_uri(value.text)
            for value in self.values(key)
            if value.resource or value.text.strip().startswith(("http://", "https://"))
        ]


@dataclass
class EdmRecord:
    about: str
    line: int  # where the record starts: its object's line in RDF/XML, 1 in a JSON file
    proxies: list[Node]  # the object's own properties first, then the provider's proxy, then Europeana's
    aggregations: list[Node]  # the provider's first
    nodes: dict[str, Node]  # every node of the record's graph by its URI: web resources, entities, services


def prefixed(tag_or_uri: str) -> str | None:
    """`{ns}name` or `ns name` as `prefix:name`, None in a namespace EDM records do not use."""
    namespace, name = (tag_or_uri[1:].split("}", 1)) if tag_or_uri.startswith("{") else _split(tag_or_uri)
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{name}" if prefix and name else None


def _split(uri: str) -> tuple[str, str]:
    cut = max(uri.rfind("#"), uri.rfind("/")) + 1
    return uri[:cut], uri[cut:]


def _node(element: etree._Element, found: dict[str, Node]) -> str:
    """Read a node element (and the nodes nested in it) into `found`; its URI (a blank node gets one by line)."""
    about = clean_uri(element.get(f"{{{RDF}}}about") or "")
    about = about or f"_:{element.get(f'{{{RDF}}}nodeID') or element.sourceline}"
    node = found.setdefault(about, Node(about, line=element.sourceline or 0))
    kind = prefixed(element.tag)
    if kind and kind != "rdf:Description":
        node.types.append(kind)
    for child in element:
        key = prefixed(child.tag) if isinstance(child.tag, str) else None
        if key is None:
            continue
        link = child.get(f"{{{RDF}}}resource")
        nested = next((c for c in child if isinstance(c.tag, str)), None)
        if key == "rdf:type":
            node.types.extend(t for t in [prefixed(clean_uri(link or ""))] if t)
        elif link is not None:
            node.properties.setdefault(key, []).append(Value(clean_uri(link), resource=True))
        elif nested is not None:
            node.properties.setdefault(key, []).append(Value(_node(nested, found), resource=True))
        else:
            node.properties.setdefault(key, []).append(Value("".join(child.itertext()), language(child)))
    return about


def is_europeana_proxy(node: Node) -> bool:
    return any(value.text.strip().lower() == "true" for value in node.values("edm:europeanaProxy"))


def _resource(uri: str) -> str:
    """A URI as compared with another: `http://` and `https://` name the same resource."""
    return uri.split("://", 1)[-1]


def _describes(node: Node, link: str, cho: Node, objects: list[Node]) -> bool:
    """Whether a proxy or aggregation is about `cho`: it links to it (over http or https), or the
    graph holds only `cho` and the link names nothing in it (BnF's Gallica records link an
    aggregation to the https form of their http object)."""
    named = {_resource(uri) for uri in node.links(link)}
    if _resource(cho.about) in named:
        return True
    return len(objects) == 1 and not named & {_resource(o.about) for o in objects}


def records_of(found: dict[str, Node]) -> list[EdmRecord] | Problem:
    """One record per provided object of a graph, with its proxies and aggregations."""
    nodes = list(found.values())
    objects = [node for node in nodes if CHO in node.types]
    if not objects:
        return Problem("rdf:RDF", NO_CHO, f"{len(nodes)} nodes")
    records = []
    for cho in objects:
        proxies = [n for n in nodes if PROXY in n.types and _describes(n, "ore:proxyFor", cho, objects)]
        aggregations = [
            n for n in nodes if set(AGGREGATIONS) & set(n.types) and _describes(n, "edm:aggregatedCHO", cho, objects)
        ]
        aggregations.sort(key=lambda n: AGGREGATIONS[0] not in n.types)
        records.append(
            EdmRecord(cho.about, cho.line, [cho, *sorted(proxies, key=is_europeana_proxy)], aggregations, found)
        )
    return records


def rdf_records(rdf: etree._Element) -> list[EdmRecord] | Problem:
    """The records of one `rdf:RDF` element."""
    found: dict[str, Node] = {}
    for element in rdf:
        if isinstance(element.tag, str):
            _node(element, found)
    return records_of(found)
