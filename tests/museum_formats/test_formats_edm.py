"""Europeana EDM: RDF/XML external and internal, in OAI-PMH pages or bare, and Record API JSON;
every record, value and image accounted for."""

from pathlib import Path

import pytest
from formats_helpers import FIXTURES, read

from museum_formats.edm.graph import clean_uri
from museum_formats.edm.json_records import property_key
from museum_formats.reading import ExportError

EDM = FIXTURES / "edm"
PAINTING = "https://museum.example.nl/object/SK-101"
RECORDING = "https://museum.example.nl/object/AU-7"
COFFEE_POT = "http://data.europeana.eu/item/2048/item_17"
MAP = "/9200579/ark_12148_btv1b8446771"
FIELDS = {"maker": "dc:creator", "date": "dcterms:created", "rights": "edm:rights", "provider": "edm:dataProvider"}


def test_external_form_languages_media_types_and_uris():
    result = read("edm", EDM / "external.rdf", fields=FIELDS)
    painting = result.records()[PAINTING]
    assert (painting["name"], painting["description"], painting["category"]) == (
        "Still life with flowers",
        "A bouquet in a stone niche.",
        "painting",
    )
    assert (painting["maker"], painting["rights"], painting["provider"]) == (
        "Bosschaert, Ambrosius",
        "http://creativecommons.org/publicdomain/mark/1.0/",
        "Museum Example",
    )
    # The web resource's URI is wrapped over two lines and padded: it still describes isShownBy (image/jpeg).
    # A space inside a URI is written %20. The thumbnail is not needed beside full-size images.
    assert painting["images"] == [
        "https://images.example.nl/SK-101/full.jpg",
        "https://images.example.nl/SK-101/back%20side.jpg",
    ]
    assert (painting["source_file"], painting["source_position"]) == (str(EDM / "external.rdf"), 8)
    assert result.dropped_of(PAINTING) == [
        ("dc:title", "Stilleven met bloemen", "in another language than the value kept (languages)"),
        ("dc:description", "Boeket in een stenen nis.", "in another language than the value kept (languages)"),
        ("dc:description", "A bouquet in a stone niche", "repeats an earlier value"),
        ("dc:type", "schilderij", "in another language than the value kept (languages)"),
        ("edm:hasView", "https://images.example.nl/SK-101/audio-guide", "a sound (ebucore:hasMimeType audio/mpeg)"),
        ("edm:hasView", "https://images.example.nl/SK-101/condition-report", "a PDF (dc:format application/pdf)"),
        ("edm:hasView", "https://images.example.nl/SK-101/scan", "a 3D model (edm:type 3D)"),
        (
            "edm:object",
            "https://images.example.nl/SK-101/thumb.jpg",
            "the provider's thumbnail (edm:object), kept only where isShownBy and hasView give no image",
        ),
        (
            "edm:isShownAt",
            "https://museum.example.nl/collection/SK-101",
            "a landing page (edm:isShownAt), not an image",
        ),
    ]
    # An rdf:Description typed edm:ProvidedCHO; a sound record's stream states no type: its sleeve (a link
    # written as text) stands in.
    recording = result.records()[RECORDING]
    assert (recording["name"], recording["images"], recording["source_position"]) == (
        "Wax cylinder recording of a folk song",
        ["https://media.example.nl/AU-7/sleeve.jpg"],
        46,
    )
    assert result.dropped_of(RECORDING) == [
        (
            "edm:isShownBy",
            "https://media.example.nl/AU-7/stream",
            "the record's media type is SOUND (edm:type) and its web resource states none",
        )
    ]


def test_internal_form_in_an_oai_pmh_page_merges_the_proxies():
    result = read("edm", EDM / "oai-internal.xml", fields=FIELDS)
    pot = result.records()[COFFEE_POT]
    # English is asked for: the title from Europeana's proxy, the concept's English label, the agent's label;
    # the description has no English and states its language (de): the first language present.
    assert (pot["name"], pot["description"], pot["category"], pot["maker"], pot["provider"]) == (
        "Coffee pot",
        "Kaffeekanne aus Fayence, blau bemalt.",
        "coffee pot",
        "Fayencemanufaktur Beispiel",
        "Landesmuseum Beispiel",
    )
    # The TIFF's IIIF image service, at full size.
    assert pot["images"] == ["https://iiif.example.eu/image/2048/item_17/full/max/0/default.jpg"]
    assert result.dropped_of(COFFEE_POT) == [
        ("dc:title", "Kaffeekanne", "in another language than the value kept (languages)"),
        ("dc:type", "http://vocab.example.eu/concept/unlabelled", "a link to an entity the record gives no label"),
        ("edm:isShownAt", "https://museum.example.eu/objekt/17", "a landing page (edm:isShownAt), not an image"),
    ]
    assert [(r["field"], r["reason"], r["source_position"]) for r in result.rejects()] == [
        ("header", "deleted record (OAI-PMH identifier oai:example.eu:2048/item_18)", 60),
        ("rdf:RDF", "no edm:ProvidedCHO in the record (1 nodes)", 66),
    ]


def test_languages_prefer_the_providers_german():
    result = read("edm", EDM / "oai-internal.xml", languages=["de", "en"])
    pot = result.records()[COFFEE_POT]
    assert (pot["name"], pot["category"]) == ("Kaffeekanne", "Kaffeekanne")


def test_record_api_json():
    result = read("edm", EDM / "record-api*.json", fields=FIELDS)
    record = result.records()[MAP]
    # `def` values state no language: kept beside the English ones.
    assert (record["name"], record["description"], record["category"]) == (
        "Map of Gaul",
        "Carte gravée, coloriée à la main. Engraved map, coloured by hand.",
        "map",
    )
    assert (record["maker"], record["date"], record["provider"]) == ("Nicolas Sanson", "1650", "Bibliothèque Exemple")
    assert record["images"] == [
        "https://gallica.example.fr/ark:/12148/btv1b8446771/f1.highres",
        "https://gallica.example.fr/ark:/12148/btv1b8446771/f2.highres",
    ]
    dropped = result.dropped_of(MAP)
    assert ("edm:hasView", "https://gallica.example.fr/ark:/12148/btv1b8446771.pdf", "a PDF file (.pdf)") in dropped
    # Europeana's proxy links the concept the provider's does: a repeat. The concept's English label is kept.
    assert [d for d in dropped if d[0] == "dc:type"] == [
        ("dc:type", "http://data.europeana.eu/concept/48", "repeats an earlier value"),
        ("dc:type", "carte", "in another language than the value kept (languages)"),
    ]
    [error] = result.rejects()
    assert (Path(error["source_file"]).name, error["reason"]) == (
        "record-api-error.json",
        "an error response of the Record API (Invalid record identifier: /1/x)",
    )


def test_whitespace_inside_uris():
    assert clean_uri("  https://images.example.nl/a/\n      b.jpg ") == "https://images.example.nl/a/b.jpg"
    assert clean_uri("https://images.example.nl/back side.jpg\t") == "https://images.example.nl/back%20side.jpg"


def test_record_api_keys_name_edm_properties():
    assert [property_key(k) for k in ("dcTitle", "dctermsCreated", "edmIsShownBy", "hasView", "about")] == [
        "dc:title",
        "dcterms:created",
        "edm:isShownBy",
        "edm:hasView",
        None,
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<records/>", "the root element is records, not rdf:RDF or an OAI-PMH response"),
        (b"<RDF><x/></RDF>", "(RDF elements belong to the namespace http://www.w3.org/1999/02/22-rdf-syntax-ns#)"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<a>', "line 2: not well-formed XML"),
    ],
)
def test_unreadable_xml_is_refused_naming_file_and_cause(tmp_path, content, message):
    (tmp_path / "x.xml").write_bytes(content)
    with pytest.raises(ExportError, match=r"x\.xml: ") as error:
        read("edm", tmp_path / "x.xml")
    assert message in str(error.value)


def test_a_thumbnail_that_repeats_a_dropped_link_is_not_called_a_repeated_image(tmp_path):
    # Europeana's University of Patras records give the same script URL as isShownBy and edm:object.
    (tmp_path / "article.rdf").write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:edm="http://www.europeana.eu/schemas/edm/"'
        ' xmlns:ore="http://www.openarchives.org/ore/terms/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<edm:ProvidedCHO rdf:about="http://data.europeana.eu/item/1/a"><dc:title>Article</dc:title></edm:ProvidedCHO>'
        '<ore:Aggregation rdf:about="http://data.europeana.eu/aggregation/provider/1/a">'
        '<edm:aggregatedCHO rdf:resource="http://data.europeana.eu/item/1/a"/>'
        '<edm:isShownBy rdf:resource="http://library.example.gr/article.pdf"/>'
        '<edm:object rdf:resource="http://library.example.gr/article.pdf"/></ore:Aggregation></rdf:RDF>'
    )
    result = read("edm", tmp_path)
    assert result.dropped_of("http://data.europeana.eu/item/1/a") == [
        ("edm:isShownBy", "http://library.example.gr/article.pdf", "a PDF file (.pdf)"),
        ("edm:object", "http://library.example.gr/article.pdf", "repeats an earlier link of the record, dropped there"),
    ]


def test_an_aggregation_naming_its_object_over_https_belongs_to_it(tmp_path):
    # BnF Gallica records, as Europeana transforms them, link the aggregation to the https form of the
    # http object; without the aggregation the record lost its image, provider and rights unseen.
    (tmp_path / "gallica.rdf").write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:edm="http://www.europeana.eu/schemas/edm/"'
        ' xmlns:ore="http://www.openarchives.org/ore/terms/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<edm:ProvidedCHO rdf:about="http://library.example.fr/ark:/1/b1"><dc:title>Manuscrit</dc:title></edm:ProvidedCHO>'
        '<ore:Aggregation rdf:about="/ark:/1/b1#agg">'
        '<edm:aggregatedCHO rdf:resource="https://library.example.fr/ark:/1/b1"/>'
        "<edm:dataProvider>Bibliothèque</edm:dataProvider>"
        '<edm:isShownBy rdf:resource="https://library.example.fr/ark:/1/b1/f1.jpg"/></ore:Aggregation></rdf:RDF>',
        encoding="utf-8",
    )
    result = read("edm", tmp_path, fields={"provider": "edm:dataProvider"})
    record = result.records()["http://library.example.fr/ark:/1/b1"]
    assert (record["images"], record["provider"]) == (["https://library.example.fr/ark:/1/b1/f1.jpg"], "Bibliothèque")
